/**
 * Genesis: the consortium's founding document. It fixes the chain id, the crypto suite,
 * the chain parameters, the founding organizations with their keys, and the first assets.
 * Its hash is block 1's previous hash, so every later block is anchored to it.
 *
 * On disk it is JSON (`genesis.json`) with keys as hex and big numbers as decimal strings;
 * `parseGenesis` checks every field of that outside input and names the first bad one.
 */
import { assert } from './assert.ts';
import { bytesToHex, concatBytes, hexToBytes, isHex, utf8ToBytes } from './bytes.ts';
import { U64_MAX, Writer } from './codec.ts';
import type { CryptoSuite, SuiteName } from './crypto/suite.ts';
import {
  AMOUNT_MAX,
  ASSET_DECIMALS_MAX,
  ASSET_NAME_BYTES_MAX,
  CHAIN_ID_BYTES_MAX,
  ORG_ADMIN_KEYS_MAX,
  ORG_NAME_BYTES_MAX,
  ORGS_MAX,
} from './limits.ts';
import { LedgerState } from './state.ts';
import { isAssetId, isOrgId, writeAsset, writeOrg } from './tx-codec.ts';
import { type Asset, type ChainParams, type KycTier, type Org, ROLES, type Role, type TierLimit } from './types.ts';

export const GENESIS_DOMAIN = utf8ToBytes('paychain:genesis:v1\n');

export interface Genesis {
  readonly chainId: string;
  readonly suite: SuiteName;
  /** Block time of genesis, ms since the epoch; block 1's time is at or after it. */
  readonly time: bigint;
  readonly params: ChainParams;
  readonly orgs: readonly Org[];
  readonly assets: readonly Asset[];
}

export function encodeGenesis(genesis: Genesis): Uint8Array {
  const w = new Writer(1024);
  w.u8(1);
  w.text(genesis.chainId, CHAIN_ID_BYTES_MAX);
  w.text(genesis.suite, 8);
  w.u64(genesis.time);
  for (const tier of [1, 2, 3] as const) {
    const limit = genesis.params.tierLimits[tier];
    w.bool(limit !== null);
    if (limit !== null) w.u64(limit.perPaymentMax).u64(limit.perDayMax);
  }
  w.u64(genesis.params.dayOffsetMs);
  w.u8(genesis.orgs.length);
  for (const org of genesis.orgs) writeOrg(w, org);
  w.u8(genesis.assets.length);
  for (const asset of genesis.assets) writeAsset(w, asset);
  return w.finish();
}

export function genesisHash(suite: CryptoSuite, genesis: Genesis): Uint8Array {
  return suite.hash(concatBytes(GENESIS_DOMAIN, encodeGenesis(genesis)));
}

export function genesisState(genesis: Genesis): LedgerState {
  return LedgerState.fromEntries([
    ...genesis.orgs.map((org) => ({ kind: 'org' as const, org, activeFrom: 0n, removedFrom: 0n })),
    ...genesis.assets.map((asset) => ({ kind: 'asset' as const, asset, minted: 0n, burned: 0n })),
  ]);
}

// ---- JSON form ----

export interface GenesisJson {
  chainId: string;
  suite: SuiteName;
  time: string;
  params: {
    tierLimits: Record<'1' | '2' | '3', { perPaymentMax: string; perDayMax: string } | null>;
    dayOffsetMs: string;
  };
  orgs: Array<{ id: string; name: string; roles: Role[]; adminKeys: string[]; validatorKey: string | null }>;
  assets: Array<{ id: string; name: string; issuer: string; decimals: number }>;
}

export function genesisToJson(genesis: Genesis): GenesisJson {
  const limit = (l: TierLimit | null) =>
    l === null ? null : { perPaymentMax: l.perPaymentMax.toString(), perDayMax: l.perDayMax.toString() };
  return {
    chainId: genesis.chainId,
    suite: genesis.suite,
    time: genesis.time.toString(),
    params: {
      tierLimits: {
        '1': limit(genesis.params.tierLimits[1]),
        '2': limit(genesis.params.tierLimits[2]),
        '3': limit(genesis.params.tierLimits[3]),
      },
      dayOffsetMs: genesis.params.dayOffsetMs.toString(),
    },
    orgs: genesis.orgs.map((o) => ({
      id: o.id,
      name: o.name,
      roles: [...o.roles],
      adminKeys: o.adminKeys.map(bytesToHex),
      validatorKey: o.validatorKey === null ? null : bytesToHex(o.validatorKey),
    })),
    assets: genesis.assets.map((a) => ({ ...a })),
  };
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseU64(x: unknown, what: string, max: bigint = U64_MAX): bigint {
  if (typeof x !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(x))
    throw new GenesisError(`${what}: expected a decimal string`);
  const value = BigInt(x);
  if (value > max) throw new GenesisError(`${what}: above ${max}`);
  return value;
}

class GenesisError extends Error {}

function parseKey(x: unknown, suite: CryptoSuite, what: string): Uint8Array {
  if (typeof x !== 'string' || !isHex(x)) throw new GenesisError(`${what}: expected hex`);
  const key = hexToBytes(x);
  if (!suite.isValidPublicKey(key)) throw new GenesisError(`${what}: not a ${suite.name} public key`);
  return key;
}

/** Validates a parsed genesis.json; `suiteOf` gives the crypto suite named in it. */
export function parseGenesis(json: unknown, suiteOf: (name: SuiteName) => CryptoSuite): ParseResult<Genesis> {
  try {
    return { ok: true, value: parseGenesisOrThrow(json, suiteOf) };
  } catch (error) {
    if (error instanceof GenesisError) return { ok: false, error: `genesis: ${error.message}` };
    throw error;
  }
}

function parseGenesisOrThrow(json: unknown, suiteOf: (name: SuiteName) => CryptoSuite): Genesis {
  if (!isRecord(json)) throw new GenesisError('expected an object');
  const { chainId, suite: suiteName, time, params, orgs, assets } = json;
  if (typeof chainId !== 'string' || chainId.length === 0 || utf8ToBytes(chainId).length > CHAIN_ID_BYTES_MAX) {
    throw new GenesisError('chainId: 1..64 bytes of text');
  }
  if (suiteName !== 'intl' && suiteName !== 'gm') throw new GenesisError('suite: "intl" or "gm"');
  const suite = suiteOf(suiteName);
  if (!isRecord(params) || !isRecord(params.tierLimits))
    throw new GenesisError('params.tierLimits: expected an object');
  const tierLimits = {} as Record<KycTier, TierLimit | null>;
  for (const tier of [1, 2, 3] as const) {
    const raw = params.tierLimits[String(tier)];
    if (raw === null) tierLimits[tier] = null;
    else if (isRecord(raw)) {
      tierLimits[tier] = {
        perPaymentMax: parseU64(raw.perPaymentMax, `tier ${tier} perPaymentMax`, AMOUNT_MAX),
        perDayMax: parseU64(raw.perDayMax, `tier ${tier} perDayMax`, AMOUNT_MAX),
      };
    } else throw new GenesisError(`params.tierLimits.${tier}: expected null or limits`);
  }
  if (!Array.isArray(orgs) || orgs.length === 0 || orgs.length > ORGS_MAX)
    throw new GenesisError(`orgs: 1..${ORGS_MAX} organizations`);
  const parsedOrgs: Org[] = orgs.map((o: unknown, i: number) => {
    if (!isRecord(o)) throw new GenesisError(`orgs[${i}]: expected an object`);
    if (!isOrgId(o.id)) throw new GenesisError(`orgs[${i}].id: 1..32 of [a-z0-9-]`);
    if (typeof o.name !== 'string' || o.name.length === 0 || utf8ToBytes(o.name).length > ORG_NAME_BYTES_MAX) {
      throw new GenesisError(`orgs[${i}].name: 1..${ORG_NAME_BYTES_MAX} bytes`);
    }
    if (!Array.isArray(o.roles) || !o.roles.every((r) => ROLES.includes(r as Role))) {
      throw new GenesisError(`orgs[${i}].roles: a list of ${ROLES.join(', ')}`);
    }
    const roles = ROLES.filter((r) => (o.roles as unknown[]).includes(r));
    if (!Array.isArray(o.adminKeys) || o.adminKeys.length === 0 || o.adminKeys.length > ORG_ADMIN_KEYS_MAX) {
      throw new GenesisError(`orgs[${i}].adminKeys: 1..${ORG_ADMIN_KEYS_MAX} keys`);
    }
    const adminKeys = o.adminKeys.map((k: unknown, j: number) => parseKey(k, suite, `orgs[${i}].adminKeys[${j}]`));
    adminKeys.sort((a, b) => (bytesToHex(a) < bytesToHex(b) ? -1 : 1));
    const validatorKey =
      o.validatorKey === null || o.validatorKey === undefined
        ? null
        : parseKey(o.validatorKey, suite, `orgs[${i}].validatorKey`);
    if (roles.includes('validator') !== (validatorKey !== null)) {
      throw new GenesisError(`orgs[${i}]: a validator needs a validatorKey, and only a validator has one`);
    }
    return { id: o.id, name: o.name, roles, adminKeys, validatorKey };
  });
  const ids = new Set(parsedOrgs.map((o) => o.id));
  if (ids.size !== parsedOrgs.length) throw new GenesisError('orgs: duplicate id');
  if (!parsedOrgs.some((o) => o.validatorKey !== null)) throw new GenesisError('orgs: at least one validator');
  parsedOrgs.sort((a, b) => (a.id < b.id ? -1 : 1));
  if (!Array.isArray(assets)) throw new GenesisError('assets: expected a list');
  const parsedAssets: Asset[] = assets.map((a: unknown, i: number) => {
    if (!isRecord(a)) throw new GenesisError(`assets[${i}]: expected an object`);
    if (!isAssetId(a.id)) throw new GenesisError(`assets[${i}].id: 1..16 of [A-Z0-9-]`);
    if (typeof a.name !== 'string' || a.name.length === 0 || utf8ToBytes(a.name).length > ASSET_NAME_BYTES_MAX) {
      throw new GenesisError(`assets[${i}].name: 1..${ASSET_NAME_BYTES_MAX} bytes`);
    }
    if (!isOrgId(a.issuer) || !parsedOrgs.some((o) => o.id === a.issuer && o.roles.includes('issuer'))) {
      throw new GenesisError(`assets[${i}].issuer: must be an organization with the issuer role`);
    }
    if (
      typeof a.decimals !== 'number' ||
      !Number.isInteger(a.decimals) ||
      a.decimals < 0 ||
      a.decimals > ASSET_DECIMALS_MAX
    ) {
      throw new GenesisError(`assets[${i}].decimals: integer 0..${ASSET_DECIMALS_MAX}`);
    }
    return { id: a.id, name: a.name, issuer: a.issuer, decimals: a.decimals };
  });
  if (new Set(parsedAssets.map((a) => a.id)).size !== parsedAssets.length)
    throw new GenesisError('assets: duplicate id');
  parsedAssets.sort((a, b) => (a.id < b.id ? -1 : 1));
  const genesis: Genesis = {
    chainId,
    suite: suiteName,
    time: parseU64(time, 'time'),
    params: { tierLimits, dayOffsetMs: parseU64(params.dayOffsetMs, 'params.dayOffsetMs', 86_400_000n) },
    orgs: parsedOrgs,
    assets: parsedAssets,
  };
  assert(encodeGenesis(genesis).length > 0, 'genesis encodes');
  return genesis;
}
