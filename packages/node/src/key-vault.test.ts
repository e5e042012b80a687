// Goal: private keys sealed at rest open only with the right passphrase, for both suites, and
// a sealed data directory behaves like a clear one once opened. Method: real ciphers (AES-GCM,
// SM4-CTR + HMAC-SM3) and real data directories in a temp dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, utf8ToBytes } from '@paychain/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirError, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { openSecret, sealSecret, VaultError } from './key-vault.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(['intl', 'gm'] as const)('key vault (%s)', (suite) => {
  const secret = utf8ToBytes('{"adminPrivateKey":"00112233"}');

  it('opens with the passphrase that sealed it, and only with it', () => {
    const sealed = sealSecret(secret, 'correct horse', suite);
    expect(sealed.ciphertext).not.toContain(bytesToHex(secret));
    expect(bytesToHex(openSecret(sealed, 'correct horse'))).toBe(bytesToHex(secret));
    expect(() => openSecret(sealed, 'wrong horse')).toThrow(VaultError);
  });

  it.each([
    [
      'a flipped ciphertext byte',
      (s: Record<string, string>) => ({
        ...s,
        ciphertext: `${s.ciphertext?.startsWith('0') ? '1' : '0'}${s.ciphertext?.slice(1)}`,
      }),
    ],
    ['another salt', (s: Record<string, string>) => ({ ...s, salt: '00'.repeat(16) })],
    ['a short iv', (s: Record<string, string>) => ({ ...s, iv: '00' })],
    ['an unknown scheme', (s: Record<string, string>) => ({ ...s, scheme: 'rot13' })],
  ])('refuses %s', (_name, tamper) => {
    const sealed = sealSecret(secret, 'pw', suite) as unknown as Record<string, string>;
    expect(() => openSecret(tamper(sealed), 'pw')).toThrow(VaultError);
  });

  it('seals a data directory: no private key in the file, opened only with the passphrase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paychain-vault-'));
    dirs.push(dir);
    const { keys } = initDataDir({ dir, suite, chainId: 'v', orgs: DEFAULT_ORGS, time: 1n, passphrase: 'pw' });
    const file = readFileSync(join(dir, 'orgs', 'bank', 'keys.json'), 'utf8');
    const bank = keys.find((k) => k.org === 'bank');
    expect(bank).toBeDefined();
    expect(file).not.toContain(bytesToHex(bank?.adminPrivateKey ?? new Uint8Array()));
    expect(file).toContain(bytesToHex(bank?.adminPublicKey ?? new Uint8Array()));
    expect(() => openDataDir(dir)).toThrow(/sealed; set PAYCHAIN_KEY_PASSPHRASE/);
    expect(() => openDataDir(dir, { passphrase: 'nope' })).toThrow(DataDirError);
    const opened = openDataDir(dir, { passphrase: 'pw' });
    expect(bytesToHex(opened.keys.get('bank')?.adminPrivateKey ?? new Uint8Array())).toBe(
      bytesToHex(bank?.adminPrivateKey ?? new Uint8Array()),
    );
    // Auditing needs no private keys, so no passphrase either.
    expect(openDataDir(dir, { withKeys: false }).orgs).toEqual(['bank', 'network', 'regulator']);
  });
});
