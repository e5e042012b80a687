/**
 * Password hashing for wallet sign-up: scrypt (RFC 7914) from Node's OpenSSL, parameters and
 * salt stored with the hash so they can be raised later without breaking old accounts.
 *
 * Format: `scrypt$N$r$p$<salt base64url>$<hash base64url>`. N = 2^15, r = 8, p = 1 is OWASP's
 * 2023 minimum for scrypt (about 32 MiB and ~50 ms here). Verification is constant-time in the
 * hash bytes and refuses a stored string it cannot read rather than accepting anything.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const PASSWORD_CHARS_MIN = 8;
/** scrypt reads the whole password; a bound keeps a huge one from costing anything. */
export const PASSWORD_CHARS_MAX = 256;
const SCRYPT_N = 1 << 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Bounds on stored parameters, so a tampered row cannot make verification take forever. */
const SCRYPT_N_MAX = 1 << 20;
const SCRYPT_R_MAX = 32;
const SCRYPT_P_MAX = 16;

export type PasswordProblem = 'too_short' | 'too_long' | 'control_characters';

/** Why a new password is refused, or null when it is acceptable. */
export function checkNewPassword(password: string): PasswordProblem | null {
  const chars = [...password].length;
  if (chars < PASSWORD_CHARS_MIN) return 'too_short';
  if (chars > PASSWORD_CHARS_MAX) return 'too_long';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(password)) return 'control_characters';
  return null;
}

function scryptAsync(password: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: 128·N·r bytes plus headroom, as OpenSSL needs.
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, { N: n, r, p, maxmem: 256 * n * r }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const problem = checkNewPassword(password);
  if (problem !== null) throw new RangeError(`hashPassword: password ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

function parseBounded(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,7}$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

/** Whether `password` matches `stored`; false for a stored string that is not one of ours. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if ([...password].length > PASSWORD_CHARS_MAX) return false;
  const [scheme, nText, rText, pText, saltText, hashText, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || saltText === undefined || hashText === undefined) return false;
  const n = parseBounded(nText, SCRYPT_N_MAX);
  const r = parseBounded(rText, SCRYPT_R_MAX);
  const p = parseBounded(pText, SCRYPT_P_MAX);
  if (n === null || r === null || p === null || (n & (n - 1)) !== 0) return false;
  const salt = Buffer.from(saltText, 'base64url');
  const expected = Buffer.from(hashText, 'base64url');
  if (salt.length < SALT_BYTES || expected.length !== HASH_BYTES) return false;
  const actual = await scryptAsync(password, salt, n, r, p);
  return timingSafeEqual(actual, expected);
}
