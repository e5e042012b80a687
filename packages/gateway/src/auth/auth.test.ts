// Goal: stored passwords verify only with the right password, survive a change of default
// parameters, and a stored string that is not ours (or was tampered with) never verifies;
// session tokens are unguessable in size and stored only as their hash.
import { describe, expect, it } from 'vitest';
import { checkNewPassword, hashPassword, PASSWORD_CHARS_MAX, verifyPassword } from './password.ts';
import { createSessionToken, isSessionToken, sessionTokenHash } from './tokens.ts';

describe('passwords', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hashPassword('caf\u00e9-pass-1');
    expect(await verifyPassword('cafe\u0301-pass-1', stored)).toBe(true);
  });

  it.each([
    ['not our scheme', (h: string) => h.replace('scrypt', 'bcrypt')],
    ['N not a power of two', (h: string) => h.replace('$32768$', '$32767$')],
    ['N beyond the bound', (h: string) => h.replace('$32768$', '$4194304$')],
    ['short hash', (h: string) => h.slice(0, -2)],
    ['extra field', (h: string) => `${h}$x`],
    ['empty', () => ''],
  ])('a stored string with %s never verifies', async (_name, edit) => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', edit(stored))).toBe(false);
  });

  it.each([
    ['short', 'short', 'too_short'],
    ['long', 'x'.repeat(PASSWORD_CHARS_MAX + 1), 'too_long'],
    ['control characters', 'abc\u0000defghij', 'control_characters'],
    ['fine', 'a fine passphrase', null],
  ])('checks a new password: %s', (_name, password, problem) => {
    expect(checkNewPassword(password)).toBe(problem);
  });
});

describe('session tokens', () => {
  it('are 256-bit base64url, distinct, and stored as their SHA-256', () => {
    const a = createSessionToken();
    const b = createSessionToken();
    expect(isSessionToken(a.token)).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.tokenHash).toBe(sessionTokenHash(a.token));
    expect(a.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(isSessionToken(`${a.token}=`)).toBe(false);
    expect(isSessionToken('')).toBe(false);
  });
});
