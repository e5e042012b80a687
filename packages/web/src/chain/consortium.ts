/**
 * The consortium's public facts, as `GET /v1/consortium` answers them: chain id, crypto suite, genesis hash,
 * validator keys (with the heights they sign from and until, when membership changed), the quorum, assets. They
 * come from the network, so `parseConsortium` checks every field before the wallet trusts them to verify receipts;
 * `consortiumValidatorSet` gives core's `ValidatorSet` in force at a block's height. Without an explicit quorum it
 * is core's rule (`validatorSetAt`): a majority, ⌊n/2⌋ + 1 of the validators active at that height.
 */
import { hexToBytes, isHex, type SuiteName, type ValidatorSet } from '@paychain/core/browser';

/** Validators and assets of one consortium: far below these in practice; bounds what a reply may hold. */
export const CONSORTIUM_VALIDATORS_MAX = 64;
export const CONSORTIUM_ASSETS_MAX = 64;
const ORG_ID_PATTERN = /^[a-z0-9-]{1,32}$/;
const ASSET_ID_PATTERN = /^[A-Z0-9-]{1,16}$/;
/** A public key: Ed25519 32 bytes or SM2 65 bytes, as hex. */
const PUBLIC_KEY_HEX_CHARS_MAX = 130;

export interface ConsortiumValidator {
  readonly org: string;
  readonly publicKey: string;
  /** First height it signs (0 = since genesis). */
  readonly activeFrom: bigint;
  /** First height it no longer signs; null while it is a member. */
  readonly removedFrom: bigint | null;
}

export interface ConsortiumAsset {
  readonly id: string;
  readonly name: string;
  readonly decimals: number;
  readonly issuer: string | null;
}

export interface Consortium {
  readonly chainId: string;
  readonly suite: SuiteName;
  readonly genesisHash: string;
  readonly validators: readonly ConsortiumValidator[];
  /** Signatures that make a block final; null: a majority of the validators active at the block's height. */
  readonly quorum: number | null;
  readonly assets: readonly ConsortiumAsset[];
}

const HEIGHT_PATTERN = /^(0|[1-9][0-9]{0,19})$/;

/** A height as the API writes it (decimal string, or a safe integer); null when absent; undefined when malformed. */
function parseHeight(x: unknown): bigint | null | undefined {
  if (x === undefined || x === null) return null;
  if (typeof x === 'string' && HEIGHT_PATTERN.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  return undefined;
}

export type ConsortiumResult =
  | { readonly ok: true; readonly value: Consortium }
  | { readonly ok: false; readonly error: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseValidator(x: unknown, index: number): ConsortiumValidator | string {
  if (!isRecord(x)) return `validators[${index}]: expected an object`;
  const { org, publicKey } = x;
  const activeFrom = parseHeight(x.activeFrom);
  const removedFrom = parseHeight(x.removedFrom);
  if (typeof org !== 'string' || !ORG_ID_PATTERN.test(org)) return `validators[${index}].org: expected an org id`;
  if (activeFrom === undefined) return `validators[${index}].activeFrom: expected a height`;
  if (removedFrom === undefined) return `validators[${index}].removedFrom: expected a height or null`;
  if (
    typeof publicKey !== 'string' ||
    publicKey.length === 0 ||
    publicKey.length > PUBLIC_KEY_HEX_CHARS_MAX ||
    !isHex(publicKey)
  ) {
    return `validators[${index}].publicKey: expected a hex key`;
  }
  return { org, publicKey: publicKey.toLowerCase(), activeFrom: activeFrom ?? 0n, removedFrom };
}

function parseAsset(x: unknown, index: number): ConsortiumAsset | string {
  if (!isRecord(x)) return `assets[${index}]: expected an object`;
  const { id, name, decimals, issuer } = x;
  if (typeof id !== 'string' || !ASSET_ID_PATTERN.test(id)) return `assets[${index}].id: expected an asset id`;
  if (typeof name !== 'string') return `assets[${index}].name: expected a string`;
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    return `assets[${index}].decimals: expected 0..18`;
  }
  if (issuer !== undefined && (typeof issuer !== 'string' || !ORG_ID_PATTERN.test(issuer))) {
    return `assets[${index}].issuer: expected an org id`;
  }
  return { id, name, decimals, issuer: issuer ?? null };
}

/** Checks a `GET /v1/consortium` answer field by field; the first problem is the error. */
export function parseConsortium(json: unknown): ConsortiumResult {
  if (!isRecord(json)) return { ok: false, error: 'consortium: expected a JSON object' };
  const { chainId, suite, genesisHash, validators, quorum, assets } = json;
  if (typeof chainId !== 'string' || chainId.length === 0) return { ok: false, error: 'chainId: expected a string' };
  if (suite !== 'intl' && suite !== 'gm') return { ok: false, error: 'suite: expected "intl" or "gm"' };
  if (typeof genesisHash !== 'string' || genesisHash.length !== 64 || !isHex(genesisHash)) {
    return { ok: false, error: 'genesisHash: expected 32 bytes of hex' };
  }
  if (!Array.isArray(validators) || validators.length === 0 || validators.length > CONSORTIUM_VALIDATORS_MAX) {
    return { ok: false, error: `validators: expected 1..${CONSORTIUM_VALIDATORS_MAX} validators` };
  }
  const parsedValidators: ConsortiumValidator[] = [];
  for (const [index, entry] of validators.entries()) {
    const parsed = parseValidator(entry, index);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    if (parsedValidators.some((v) => v.org === parsed.org))
      return { ok: false, error: `validators: ${parsed.org} twice` };
    parsedValidators.push(parsed);
  }
  if (
    quorum !== undefined &&
    quorum !== null &&
    (typeof quorum !== 'number' || !Number.isInteger(quorum) || quorum < 1 || quorum > parsedValidators.length)
  ) {
    return { ok: false, error: 'quorum: expected 1..the number of validators' };
  }
  if (!Array.isArray(assets) || assets.length > CONSORTIUM_ASSETS_MAX) {
    return { ok: false, error: `assets: expected at most ${CONSORTIUM_ASSETS_MAX} assets` };
  }
  const parsedAssets: ConsortiumAsset[] = [];
  for (const [index, entry] of assets.entries()) {
    const parsed = parseAsset(entry, index);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    parsedAssets.push(parsed);
  }
  return {
    ok: true,
    value: {
      chainId,
      suite,
      genesisHash: genesisHash.toLowerCase(),
      validators: parsedValidators,
      quorum: typeof quorum === 'number' ? quorum : null,
      assets: parsedAssets,
    },
  };
}

/** Core's ValidatorSet in force at `height` (orgs and keys in the same order), from checked consortium facts. */
export function consortiumValidatorSet(consortium: Consortium, height: bigint): ValidatorSet {
  const active = consortium.validators.filter(
    (v) => v.activeFrom <= height && (v.removedFrom === null || v.removedFrom > height),
  );
  return {
    orgs: active.map((v) => v.org),
    keys: active.map((v) => hexToBytes(v.publicKey)),
    quorum: consortium.quorum ?? Math.floor(active.length / 2) + 1,
  };
}
