/**
 * The on-disk layout of a node's data directory, made by `paychain init`:
 *
 *   DIR/genesis.json                 the consortium's founding document (public)
 *   DIR/orgs/<org>/keys.json         the organization's private keys (mode 0600)
 *   DIR/orgs/<org>/ledger.sqlite     the organization's peer store
 *
 * Every file read here is outside input: each problem is reported as a `DataDirError` with
 * the path and what is wrong, never as a stack trace.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assert,
  bytesToHex,
  bytesToUtf8,
  type CryptoSuite,
  type Genesis,
  genesisToJson,
  getSuite,
  hexToBytes,
  isHex,
  isOrgId,
  type Org,
  parseGenesis,
  ROLES,
  type Role,
  type SuiteName,
  utf8ToBytes,
} from '@paychain/core';
import type { ConsortiumOptions } from './consortium.ts';
import { KEY_PASSPHRASE_ENV, openSecret, sealSecret, VaultError } from './key-vault.ts';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export interface OrgKeys {
  readonly org: string;
  readonly adminPrivateKey: Uint8Array;
  readonly adminPublicKey: Uint8Array;
  readonly validatorPrivateKey: Uint8Array | null;
  readonly validatorPublicKey: Uint8Array | null;
}

export interface OrgSpec {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
}

export const DEFAULT_ORGS: readonly OrgSpec[] = [
  { id: 'bank', name: 'Commercial Bank', roles: ['issuer', 'validator'] },
  { id: 'network', name: 'Payment Network', roles: ['operator', 'validator'] },
  { id: 'regulator', name: 'Regulator', roles: ['auditor', 'validator'] },
];

/** Parses `bank:issuer+validator,network:operator+validator`. */
export function parseOrgSpecs(text: string): OrgSpec[] {
  const specs = text.split(',').map((part) => {
    const [id, roleText] = part.trim().split(':');
    if (!isOrgId(id)) throw new DataDirError(`--orgs: "${id}" is not an organization id (1..32 of a-z, 0-9, -)`);
    const roles = (roleText ?? '').split('+').filter((r) => r.length > 0);
    for (const r of roles) {
      if (!ROLES.includes(r as Role)) {
        throw new DataDirError(`--orgs: unknown role "${r}" for ${id}`);
      }
    }
    return { id, name: id, roles: roles as Role[] };
  });
  if (new Set(specs.map((s) => s.id)).size !== specs.length)
    throw new DataDirError('--orgs: an organization is named twice');
  if (!specs.some((s) => s.roles.includes('validator')))
    throw new DataDirError('--orgs: at least one organization needs the validator role');
  if (!specs.some((s) => s.roles.includes('issuer')))
    throw new DataDirError('--orgs: at least one organization needs the issuer role');
  return specs;
}

export interface InitOptions {
  readonly dir: string;
  readonly suite: SuiteName;
  readonly chainId: string;
  readonly orgs: readonly OrgSpec[];
  /** Genesis time, ms since the epoch. */
  readonly time: bigint;
  /** Seals the private keys under this passphrase; without it they are written in the clear (mode 0600). */
  readonly passphrase?: string | undefined;
}

export function defaultChainParams(): Genesis['params'] {
  return {
    // PBoC account classes: class I unlimited; II 10,000 CNY a day; III 2,000 CNY a day (in fen).
    tierLimits: {
      1: null,
      2: { perPaymentMax: 1_000_000n, perDayMax: 1_000_000n },
      3: { perPaymentMax: 200_000n, perDayMax: 200_000n },
    },
    dayOffsetMs: 8n * 3_600_000n,
  };
}

/** Creates genesis and keys; refuses a directory that already has a genesis. */
export function initDataDir(options: InitOptions): { genesis: Genesis; keys: OrgKeys[] } {
  const genesisPath = join(options.dir, 'genesis.json');
  if (existsSync(genesisPath)) throw new DataDirError(`${genesisPath} exists already: this directory is initialized`);
  const suite = getSuite(options.suite);
  const keys: OrgKeys[] = options.orgs.map((spec) => {
    const admin = suite.generateKeyPair();
    const validator = spec.roles.includes('validator') ? suite.generateKeyPair() : null;
    return {
      org: spec.id,
      adminPrivateKey: admin.privateKey,
      adminPublicKey: admin.publicKey,
      validatorPrivateKey: validator?.privateKey ?? null,
      validatorPublicKey: validator?.publicKey ?? null,
    };
  });
  const orgs: Org[] = options.orgs.map((spec, i) => {
    const key = keys[i];
    assert(key !== undefined, 'keys were made one per organization, in the same order');
    return {
      id: spec.id,
      name: spec.name,
      roles: spec.roles,
      adminKeys: [key.adminPublicKey],
      validatorKey: key.validatorPublicKey,
    };
  });
  const issuer = options.orgs.find((o) => o.roles.includes('issuer'));
  const draft = {
    chainId: options.chainId,
    suite: options.suite,
    time: options.time,
    params: defaultChainParams(),
    orgs,
    assets: issuer === undefined ? [] : [{ id: 'CNY', name: 'Renminbi deposit token', issuer: issuer.id, decimals: 2 }],
  };
  // Round-trip through the JSON form so what is written is exactly what will be read.
  const parsed = parseGenesis(JSON.parse(JSON.stringify(genesisToJson(draft))), getSuite);
  if (!parsed.ok) throw new DataDirError(parsed.error);
  mkdirSync(options.dir, { recursive: true });
  for (const k of keys) {
    const orgDir = join(options.dir, 'orgs', k.org);
    mkdirSync(orgDir, { recursive: true });
    const path = join(orgDir, 'keys.json');
    writeFileSync(path, `${JSON.stringify(keysToJson(k, options.suite, options.passphrase), null, 2)}\n`, {
      mode: 0o600,
    });
    chmodSync(path, 0o600);
  }
  writeFileSync(genesisPath, `${JSON.stringify(genesisToJson(parsed.value), null, 2)}\n`);
  return { genesis: parsed.value, keys };
}

/** keys.json: public keys in the clear; private keys sealed when a passphrase is given. */
function keysToJson(k: OrgKeys, suite: SuiteName, passphrase: string | undefined) {
  const privateKeys = {
    adminPrivateKey: bytesToHex(k.adminPrivateKey),
    validatorPrivateKey: k.validatorPrivateKey === null ? null : bytesToHex(k.validatorPrivateKey),
  };
  const publicKeys = {
    org: k.org,
    adminPublicKey: bytesToHex(k.adminPublicKey),
    validatorPublicKey: k.validatorPublicKey === null ? null : bytesToHex(k.validatorPublicKey),
  };
  if (passphrase === undefined) return { ...publicKeys, ...privateKeys };
  return { ...publicKeys, sealedPrivateKeys: sealSecret(utf8ToBytes(JSON.stringify(privateKeys)), passphrase, suite) };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataDirError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DataDirError(`${path} is not valid JSON`);
  }
}

export function loadGenesis(path: string): { genesis: Genesis; suite: CryptoSuite } {
  const parsed = parseGenesis(readJson(path), getSuite);
  if (!parsed.ok) throw new DataDirError(`${path}: ${parsed.error}`);
  return { genesis: parsed.value, suite: getSuite(parsed.value.suite) };
}

function keyField(
  json: Record<string, unknown>,
  field: string,
  path: string,
  suite: CryptoSuite,
  isPublic: boolean,
): Uint8Array | null {
  const value = json[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !isHex(value)) throw new DataDirError(`${path}: ${field} must be hex`);
  const bytes = hexToBytes(value);
  if (isPublic && !suite.isValidPublicKey(bytes))
    throw new DataDirError(`${path}: ${field} is not a ${suite.name} public key`);
  return bytes;
}

export function loadOrgKeys(dir: string, org: string, suite: CryptoSuite, passphrase?: string): OrgKeys {
  const path = join(dir, 'orgs', org, 'keys.json');
  const json = readJson(path);
  if (typeof json !== 'object' || json === null) throw new DataDirError(`${path}: expected an object`);
  let record = json as Record<string, unknown>;
  if (record.sealedPrivateKeys !== undefined) {
    if (passphrase === undefined) {
      throw new DataDirError(`${path}: the private keys are sealed; set ${KEY_PASSPHRASE_ENV} to open them`);
    }
    let opened: unknown;
    try {
      opened = JSON.parse(bytesToUtf8(openSecret(record.sealedPrivateKeys, passphrase)));
    } catch (error) {
      if (error instanceof VaultError) throw new DataDirError(`${path}: ${error.message}`);
      throw new DataDirError(`${path}: the sealed private keys are not valid JSON`);
    }
    if (typeof opened !== 'object' || opened === null)
      throw new DataDirError(`${path}: sealed keys: expected an object`);
    record = { ...record, ...(opened as Record<string, unknown>) };
  }
  const adminPrivateKey = keyField(record, 'adminPrivateKey', path, suite, false);
  const adminPublicKey = keyField(record, 'adminPublicKey', path, suite, true);
  if (adminPrivateKey === null || adminPublicKey === null) throw new DataDirError(`${path}: admin keys missing`);
  const keys: OrgKeys = {
    org,
    adminPrivateKey,
    adminPublicKey,
    validatorPrivateKey: keyField(record, 'validatorPrivateKey', path, suite, false),
    validatorPublicKey: keyField(record, 'validatorPublicKey', path, suite, true),
  };
  for (const [field, key] of [
    ['adminPrivateKey', adminPrivateKey],
    ['validatorPrivateKey', keys.validatorPrivateKey],
  ] as const) {
    if (key !== null && key.length !== 32) throw new DataDirError(`${path}: ${field} must be 32 bytes`);
  }
  if (bytesToHex(suite.publicKeyFromPrivate(adminPrivateKey)) !== bytesToHex(adminPublicKey)) {
    throw new DataDirError(`${path}: admin private and public keys do not match`);
  }
  const { validatorPrivateKey, validatorPublicKey } = keys;
  if ((validatorPrivateKey === null) !== (validatorPublicKey === null)) {
    throw new DataDirError(`${path}: validator keys must be both present or both absent`);
  }
  if (validatorPrivateKey !== null && validatorPublicKey !== null) {
    if (bytesToHex(suite.publicKeyFromPrivate(validatorPrivateKey)) !== bytesToHex(validatorPublicKey)) {
      throw new DataDirError(`${path}: validator private and public keys do not match`);
    }
  }
  return keys;
}

export interface DataDir {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly orgs: readonly string[];
  readonly keys: ReadonlyMap<string, OrgKeys>;
}

/** Opens a data directory; `passphrase` opens sealed private keys (the CLI reads PAYCHAIN_KEY_PASSPHRASE). */
export function openDataDir(
  dir: string,
  options: { passphrase?: string | undefined; withKeys?: boolean } = {},
): DataDir {
  if (!existsSync(join(dir, 'genesis.json'))) {
    throw new DataDirError(`${dir} has no genesis.json: run "paychain init --data ${dir}" first`);
  }
  const { genesis, suite } = loadGenesis(join(dir, 'genesis.json'));
  const present = existsSync(join(dir, 'orgs')) ? readdirSync(join(dir, 'orgs')) : [];
  const orgs = genesis.orgs.map((o) => o.id).filter((id) => present.includes(id));
  if (orgs.length === 0) throw new DataDirError(`${dir}/orgs has no organization of this genesis`);
  // Auditing tools (verify) need no private keys, so they work without the passphrase.
  if (options.withKeys === false) return { dir, genesis, suite, orgs, keys: new Map() };
  const keys = new Map(orgs.map((org) => [org, loadOrgKeys(dir, org, suite, options.passphrase)] as const));
  for (const [org, k] of keys) {
    const member = genesis.orgs.find((o) => o.id === org);
    if (member === undefined) continue;
    const expected = member.validatorKey === null ? null : bytesToHex(member.validatorKey);
    const actual = k.validatorPublicKey === null ? null : bytesToHex(k.validatorPublicKey);
    if (expected !== actual) throw new DataDirError(`orgs/${org}/keys.json: validator key differs from genesis`);
  }
  return { dir, genesis, suite, orgs, keys };
}

export function ledgerPath(dir: string, org: string): string {
  return join(dir, 'orgs', org, 'ledger.sqlite');
}

/** What `Consortium.open` needs to run every organization's peer of a data directory. */
export function consortiumOptionsOf(data: DataDir): Pick<ConsortiumOptions, 'genesis' | 'suite' | 'peers'> {
  return {
    genesis: data.genesis,
    suite: data.suite,
    peers: data.orgs.map((org) => ({
      orgId: org,
      dbPath: ledgerPath(data.dir, org),
      validatorKey: data.keys.get(org)?.validatorPrivateKey ?? null,
    })),
  };
}
