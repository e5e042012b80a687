/**
 * Session tokens: 256 random bits shown to the client once, base64url; the gateway stores only
 * SHA-256 of the token, so a leaked database holds no usable session.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
/** base64url of 32 bytes, no padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function createSessionToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: sessionTokenHash(token) };
}

export function isSessionToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Lowercase hex SHA-256 of the token's text: the key a session is stored under. */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
