/**
 * Saves a file the API answered (fetched with the Authorization header, which a plain link cannot send): an object
 * URL clicked as a download link, then released.
 */
import type { Download } from '../api/client';

/** Long enough for the browser to start reading the object URL before it is revoked. */
const OBJECT_URL_LIFETIME_MS = 60_000;

export function saveDownload(download: Download): void {
  const url = URL.createObjectURL(download.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = download.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}
