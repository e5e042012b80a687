/**
 * This browser's device id for `POST /v1/sessions`: 128 random bits as 32 hex characters (the gateway's id form),
 * made once and kept in localStorage, so the gateway's device binding recognises the same browser at each log-in.
 */
const DEVICE_ID_STORAGE_KEY = 'paychain.deviceId';
const DEVICE_ID_PATTERN = /^[0-9a-f]{32}$/;

export function deviceId(storage: Storage = localStorage): string {
  const stored = storage.getItem(DEVICE_ID_STORAGE_KEY);
  if (stored !== null && DEVICE_ID_PATTERN.test(stored)) return stored;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  storage.setItem(DEVICE_ID_STORAGE_KEY, id);
  return id;
}

/** A short label for the device list: the browser and platform, never more than the gateway's limit. */
export function deviceLabel(userAgent: string = navigator.userAgent): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Chrome\//.test(userAgent)
      ? 'Chrome'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser';
  const platform = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : 'web';
  return `${browser} on ${platform}`;
}
