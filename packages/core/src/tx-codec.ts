/**
 * Canonical encoding of transactions, version 1.
 *
 *   tx       = version:u8(1) chainId:text(64) id:16 expiresAt:u64 body signatures
 *   body     = tag:u8 fields…                       (tags below; append only)
 *   sigs     = count:u8 (publicKey:bytes(65) signature:bytes(64))*   strictly ascending by key
 *
 * The signed message is `TX_SIGNING_DOMAIN ‖ tx bytes up to the end of the body`, so a
 * verifier finds it as a prefix of the bytes it received. Key lists (owners, admin keys,
 * signatures) must be strictly ascending, so a set has one encoding.
 */
import { assert, assertNever } from './assert.ts';
import { bytesToHex, compareBytes, concatBytes, hexToBytes, utf8ToBytes } from './bytes.ts';
import { DecodeError, type DecodeResult, decodeWith, type Reader, Writer } from './codec.ts';
import {
  ACCOUNT_OWNERS_MAX,
  ASSET_ID_BYTES_MAX,
  ASSET_NAME_BYTES_MAX,
  BATCH_ITEMS_MAX,
  CHAIN_ID_BYTES_MAX,
  MEMO_BYTES_MAX,
  ORG_ADMIN_KEYS_MAX,
  ORG_ID_BYTES_MAX,
  ORG_NAME_BYTES_MAX,
  PROGRAM_ALLOCATIONS_MAX,
  PROGRAM_MCCS_MAX,
  PROGRAM_MERCHANTS_MAX,
  PROGRAM_REGIONS_MAX,
  PUBLIC_KEY_BYTES_MAX,
  REASON_BYTES_MAX,
  REGION_BYTES_MAX,
  SIGNATURE_BYTES_MAX,
  TX_BYTES_MAX,
  TX_DISBURSE_BYTES_MAX,
  TX_SIGNATURES_MAX,
} from './limits.ts';
import {
  type Asset,
  type FxBody,
  type Id128,
  type KycTier,
  type MoneyOp,
  type Org,
  PROGRAM_EXPIRY_ACTIONS,
  type ProgramAllocation,
  type ProgramBody,
  type ProgramExpiryAction,
  type ProgramRules,
  ROLES,
  type Role,
  type SettlementBody,
  type Signature,
  type Transaction,
  type TxBody,
  type TxType,
  type UnsignedTransaction,
} from './types.ts';

/** A currency code is three ASCII letters. */
const CURRENCY_BYTES = 3;

export const TX_VERSION = 1;
export const TX_SIGNING_DOMAIN = utf8ToBytes('paychain:tx:v1\n');

export const TX_TAGS: Readonly<Record<TxType, number>> = {
  'org.add': 1,
  'org.remove': 2,
  'asset.define': 3,
  'account.open': 10,
  'account.close': 11,
  'account.freeze': 12,
  'account.unfreeze': 13,
  'account.rotate': 14,
  'account.tier': 15,
  transfer: 20,
  'pending.create': 21,
  'pending.post': 22,
  'pending.void': 23,
  mint: 24,
  burn: 25,
  batch: 30,
  'account.merchant': 16,
  'program.create': 40,
  'program.fund': 41,
  'program.disburse': 42,
  'program.spend': 43,
  'program.redeem': 44,
  'program.clawback': 45,
  'program.suspend': 46,
  'program.resume': 47,
  'settlement.scheme': 50,
  'settlement.join': 51,
  'settlement.pledge': 52,
  'settlement.release': 53,
  'interbank.transfer': 54,
  'settlement.close': 55,
  'settlement.settle': 56,
  'fx.quote': 60,
  'fx.convert': 61,
  'fx.cancel': 62,
};
const TYPE_BY_TAG = new Map<number, TxType>((Object.entries(TX_TAGS) as [TxType, number][]).map(([t, n]) => [n, t]));

const ID_PATTERN = /^[0-9a-f]{32}$/;
const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ASSET_ID_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
const MCC_PATTERN = /^[0-9]{4}$/;
const REGION_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** An ISO 4217 currency code: three capital letters. */
export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_PATTERN.test(value);
}

/** A merchant category code: exactly 4 digits. */
export function isMcc(value: unknown): value is string {
  return typeof value === 'string' && MCC_PATTERN.test(value);
}
/** A region code: 1..16 of [A-Z0-9-], e.g. `CN-SC`. */
export function isRegion(value: unknown): value is string {
  return typeof value === 'string' && REGION_PATTERN.test(value);
}

export function isId128(value: unknown): value is Id128 {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
export function isOrgId(value: unknown): value is string {
  return typeof value === 'string' && ORG_ID_PATTERN.test(value);
}
export function isAssetId(value: unknown): value is string {
  return typeof value === 'string' && ASSET_ID_PATTERN.test(value);
}

// ---- writing ----

function writeId(w: Writer, id: Id128): void {
  assert(isId128(id), `not a 128-bit id: ${id}`);
  w.fixed(hexToBytes(id), 16);
}

function writeKeySet(w: Writer, keys: readonly Uint8Array[], max: number): void {
  assert(keys.length <= max, 'too many keys');
  assert(isStrictlyAscending(keys), 'keys must be strictly ascending');
  w.u8(keys.length);
  for (const key of keys) w.bytes(key, PUBLIC_KEY_BYTES_MAX);
}

export function rolesToMask(roles: readonly Role[]): number {
  let mask = 0;
  for (const role of roles) mask |= 1 << ROLES.indexOf(role);
  return mask;
}

export function maskToRoles(mask: number): Role[] {
  return ROLES.filter((_, i) => (mask & (1 << i)) !== 0);
}

export function writeOrg(w: Writer, org: Org): void {
  assert(isOrgId(org.id), 'org id');
  w.text(org.id, ORG_ID_BYTES_MAX);
  w.text(org.name, ORG_NAME_BYTES_MAX);
  w.u8(rolesToMask(org.roles));
  writeKeySet(w, org.adminKeys, ORG_ADMIN_KEYS_MAX);
  w.bool(org.validatorKey !== null);
  if (org.validatorKey !== null) w.bytes(org.validatorKey, PUBLIC_KEY_BYTES_MAX);
}

export function writeAsset(w: Writer, asset: Asset): void {
  assert(isAssetId(asset.id), 'asset id');
  w.text(asset.id, ASSET_ID_BYTES_MAX);
  w.text(asset.name, ASSET_NAME_BYTES_MAX);
  w.text(asset.issuer, ORG_ID_BYTES_MAX);
  w.u8(asset.decimals);
}

function writeMoneyOp(w: Writer, op: MoneyOp): void {
  w.u8(TX_TAGS[op.type]);
  switch (op.type) {
    case 'transfer':
      writeId(w, op.source);
      writeId(w, op.target);
      w.text(op.asset, ASSET_ID_BYTES_MAX);
      w.u64(op.amount);
      w.text(op.memo, MEMO_BYTES_MAX);
      return;
    case 'pending.create':
      writeId(w, op.source);
      writeId(w, op.target);
      w.text(op.asset, ASSET_ID_BYTES_MAX);
      w.u64(op.amount);
      w.u64(op.timeoutMs);
      w.text(op.memo, MEMO_BYTES_MAX);
      return;
    case 'pending.post':
      writeId(w, op.pending);
      w.u64(op.amount);
      return;
    case 'pending.void':
      writeId(w, op.pending);
      return;
    case 'mint':
    case 'burn':
      w.text(op.asset, ASSET_ID_BYTES_MAX);
      writeId(w, op.account);
      w.u64(op.amount);
      return;
    default:
      assertNever(op, 'money op');
  }
}

function isAscendingStrings(values: readonly string[]): boolean {
  for (let i = 1; i < values.length; i++) {
    const previous = values[i - 1];
    const current = values[i];
    if (previous === undefined || current === undefined || previous >= current) return false;
  }
  return true;
}

/** A set of short codes: count:u8 then text(16) each, strictly ascending. */
function writeCodeSet(w: Writer, values: readonly string[], max: number, isValid: (v: string) => boolean): void {
  assert(values.length <= max, 'too many codes');
  assert(values.every(isValid), 'invalid code');
  assert(isAscendingStrings(values), 'codes must be strictly ascending');
  w.u8(values.length);
  for (const value of values) w.text(value, REGION_BYTES_MAX);
}

function writeRules(w: Writer, rules: ProgramRules): void {
  writeCodeSet(w, rules.mccs, PROGRAM_MCCS_MAX, isMcc);
  assert(rules.merchants.length <= PROGRAM_MERCHANTS_MAX, 'too many merchants');
  assert(isAscendingStrings(rules.merchants), 'merchants must be strictly ascending');
  w.u16(rules.merchants.length);
  for (const merchant of rules.merchants) writeId(w, merchant);
  writeCodeSet(w, rules.regions, PROGRAM_REGIONS_MAX, isRegion);
  w.u64(rules.perPaymentMax);
  w.u64(rules.perBeneficiaryMax);
  w.u64(rules.validFromMs);
  w.u64(rules.validUntilMs);
  const action = PROGRAM_EXPIRY_ACTIONS.indexOf(rules.atExpiry);
  assert(action >= 0, 'a known expiry action');
  w.u8(action);
}

function writeProgramBody(w: Writer, body: ProgramBody): void {
  w.u8(TX_TAGS[body.type]);
  writeId(w, body.program);
  switch (body.type) {
    case 'program.create':
      assert(isOrgId(body.funder) && isOrgId(body.auditor) && isAssetId(body.asset), 'program ids');
      w.text(body.funder, ORG_ID_BYTES_MAX);
      w.text(body.auditor, ORG_ID_BYTES_MAX);
      w.text(body.asset, ASSET_ID_BYTES_MAX);
      w.u64(body.budget);
      writeRules(w, body.rules);
      writeId(w, body.fundingAccount);
      return;
    case 'program.fund':
      w.u64(body.amount);
      return;
    case 'program.disburse':
      assert(body.allocations.length >= 1 && body.allocations.length <= PROGRAM_ALLOCATIONS_MAX, 'disbursement size');
      w.u16(body.allocations.length);
      for (const allocation of body.allocations) {
        writeId(w, allocation.beneficiary);
        w.u64(allocation.amount);
      }
      return;
    case 'program.spend':
      writeId(w, body.beneficiary);
      writeId(w, body.merchant);
      w.u64(body.amount);
      return;
    case 'program.redeem':
      writeId(w, body.merchant);
      w.u64(body.amount);
      return;
    case 'program.clawback':
      writeId(w, body.beneficiary);
      w.u64(body.amount);
      w.text(body.reason, REASON_BYTES_MAX);
      return;
    case 'program.suspend':
    case 'program.resume':
      w.text(body.reason, REASON_BYTES_MAX);
      return;
    default:
      assertNever(body, 'program body');
  }
}

/**
 * Settlement bodies: tag, then the currency (u8 length 3, ASCII), then per type — scheme: settlement asset;
 * join: org, deposit asset, settlement account; pledge/release: org, u64 amount; interbank transfer: source, target,
 * u64 amount, memo; close/settle: u64 window number.
 */
function writeSettlementBody(w: Writer, body: SettlementBody): void {
  assert(isCurrencyCode(body.currency), 'a currency code');
  w.u8(TX_TAGS[body.type]);
  w.text(body.currency, CURRENCY_BYTES);
  switch (body.type) {
    case 'settlement.scheme':
      assert(isAssetId(body.settlementAsset), 'settlement asset id');
      w.text(body.settlementAsset, ASSET_ID_BYTES_MAX);
      return;
    case 'settlement.join':
      assert(isOrgId(body.org) && isAssetId(body.depositAsset), 'participant ids');
      w.text(body.org, ORG_ID_BYTES_MAX);
      w.text(body.depositAsset, ASSET_ID_BYTES_MAX);
      writeId(w, body.settlementAccount);
      return;
    case 'settlement.pledge':
    case 'settlement.release':
      assert(isOrgId(body.org), 'participant org id');
      w.text(body.org, ORG_ID_BYTES_MAX);
      w.u64(body.amount);
      return;
    case 'interbank.transfer':
      writeId(w, body.source);
      writeId(w, body.target);
      w.u64(body.amount);
      w.text(body.memo, MEMO_BYTES_MAX);
      return;
    case 'settlement.close':
    case 'settlement.settle':
      w.u64(body.window);
      return;
    default:
      assertNever(body, 'settlement body');
  }
}

function readSettlementBody(r: Reader, type: SettlementBody['type']): SettlementBody {
  const currency = r.text(CURRENCY_BYTES, 'currency');
  if (!isCurrencyCode(currency)) throw new DecodeError('currency: not an ISO 4217 code');
  switch (type) {
    case 'settlement.scheme':
      return { type, currency, settlementAsset: readAssetId(r, 'settlement asset') };
    case 'settlement.join':
      return {
        type,
        currency,
        org: readOrgId(r, 'org'),
        depositAsset: readAssetId(r, 'deposit asset'),
        settlementAccount: readId(r, 'settlement account'),
      };
    case 'settlement.pledge':
    case 'settlement.release':
      return { type, currency, org: readOrgId(r, 'org'), amount: r.u64('amount') };
    case 'interbank.transfer':
      return {
        type,
        currency,
        source: readId(r, 'source'),
        target: readId(r, 'target'),
        amount: r.u64('amount'),
        memo: r.text(MEMO_BYTES_MAX, 'memo'),
      };
    case 'settlement.close':
    case 'settlement.settle':
      return { type, currency, window: r.u64('window') };
    default:
      return assertNever(type, 'settlement type');
  }
}

/** FX bodies: tag, quote id, then per type (see FxQuoteBody, FxConvertBody); u64 numbers big-endian. */
function writeFxBody(w: Writer, body: FxBody): void {
  w.u8(TX_TAGS[body.type]);
  writeId(w, body.quote);
  switch (body.type) {
    case 'fx.quote':
      assert(isOrgId(body.provider) && isAssetId(body.baseAsset) && isAssetId(body.quoteAsset), 'quote ids');
      w.text(body.provider, ORG_ID_BYTES_MAX);
      w.text(body.baseAsset, ASSET_ID_BYTES_MAX);
      w.text(body.quoteAsset, ASSET_ID_BYTES_MAX);
      w.u64(body.rateNum);
      w.u64(body.rateDen);
      w.u64(body.minBase);
      w.u64(body.maxBase);
      w.u64(body.capacity);
      writeId(w, body.baseAccount);
      writeId(w, body.quoteAccount);
      w.u64(body.expiresAt);
      return;
    case 'fx.convert':
      writeId(w, body.source);
      writeId(w, body.target);
      w.u64(body.baseAmount);
      w.u64(body.rateNum);
      w.u64(body.rateDen);
      w.text(body.memo, MEMO_BYTES_MAX);
      return;
    case 'fx.cancel':
      return;
    default:
      assertNever(body, 'fx body');
  }
}

function readFxBody(r: Reader, type: FxBody['type']): FxBody {
  const quote = readId(r, 'quote');
  switch (type) {
    case 'fx.quote':
      return {
        type,
        quote,
        provider: readOrgId(r, 'provider'),
        baseAsset: readAssetId(r, 'base asset'),
        quoteAsset: readAssetId(r, 'quote asset'),
        rateNum: r.u64('rateNum'),
        rateDen: r.u64('rateDen'),
        minBase: r.u64('minBase'),
        maxBase: r.u64('maxBase'),
        capacity: r.u64('capacity'),
        baseAccount: readId(r, 'base account'),
        quoteAccount: readId(r, 'quote account'),
        expiresAt: r.u64('expiresAt'),
      };
    case 'fx.convert':
      return {
        type,
        quote,
        source: readId(r, 'source'),
        target: readId(r, 'target'),
        baseAmount: r.u64('baseAmount'),
        rateNum: r.u64('rateNum'),
        rateDen: r.u64('rateDen'),
        memo: r.text(MEMO_BYTES_MAX, 'memo'),
      };
    case 'fx.cancel':
      return { type, quote };
    default:
      return assertNever(type, 'fx type');
  }
}

function writeBody(w: Writer, body: TxBody): void {
  switch (body.type) {
    case 'org.add':
      w.u8(TX_TAGS[body.type]);
      writeOrg(w, body.org);
      return;
    case 'org.remove':
      w.u8(TX_TAGS[body.type]);
      w.text(body.org, ORG_ID_BYTES_MAX);
      return;
    case 'asset.define':
      w.u8(TX_TAGS[body.type]);
      writeAsset(w, body.asset);
      return;
    case 'account.open':
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      w.text(body.issuer, ORG_ID_BYTES_MAX);
      writeKeySet(w, body.owners, ACCOUNT_OWNERS_MAX);
      w.u8(body.threshold);
      w.u8(body.tier);
      w.bool(body.flags.allowNegative);
      return;
    case 'account.close':
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      return;
    case 'account.freeze':
    case 'account.unfreeze':
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      w.text(body.reason, REASON_BYTES_MAX);
      return;
    case 'account.rotate':
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      writeKeySet(w, body.owners, ACCOUNT_OWNERS_MAX);
      w.u8(body.threshold);
      return;
    case 'account.tier':
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      w.u8(body.tier);
      return;
    case 'account.merchant':
      assert(isMcc(body.mcc) && isRegion(body.region), 'merchant attributes');
      w.u8(TX_TAGS[body.type]);
      writeId(w, body.account);
      w.text(body.mcc, REGION_BYTES_MAX);
      w.text(body.region, REGION_BYTES_MAX);
      return;
    case 'program.create':
    case 'program.fund':
    case 'program.disburse':
    case 'program.spend':
    case 'program.redeem':
    case 'program.clawback':
    case 'program.suspend':
    case 'program.resume':
      writeProgramBody(w, body);
      return;
    case 'settlement.scheme':
    case 'settlement.join':
    case 'settlement.pledge':
    case 'settlement.release':
    case 'interbank.transfer':
    case 'settlement.close':
    case 'settlement.settle':
      writeSettlementBody(w, body);
      return;
    case 'fx.quote':
    case 'fx.convert':
    case 'fx.cancel':
      writeFxBody(w, body);
      return;
    case 'batch':
      w.u8(TX_TAGS[body.type]);
      assert(body.ops.length >= 1 && body.ops.length <= BATCH_ITEMS_MAX, 'batch size');
      assert(body.ops.filter((op) => op.type === 'pending.create').length <= 1, 'one pending.create per batch');
      w.u8(body.ops.length);
      for (const op of body.ops) writeMoneyOp(w, op);
      return;
    case 'transfer':
    case 'pending.create':
    case 'pending.post':
    case 'pending.void':
    case 'mint':
    case 'burn':
      writeMoneyOp(w, body);
      return;
    default:
      assertNever(body, 'transaction body');
  }
}

function writeUnsigned(w: Writer, tx: UnsignedTransaction): void {
  w.u8(TX_VERSION);
  w.text(tx.chainId, CHAIN_ID_BYTES_MAX);
  writeId(w, tx.id);
  w.u64(tx.expiresAt);
  writeBody(w, tx.body);
}

/** The bytes a signer signs: domain ‖ the unsigned transaction. */
export function encodeTxSigningBytes(tx: UnsignedTransaction): Uint8Array {
  const w = new Writer(512);
  w.fixed(TX_SIGNING_DOMAIN, TX_SIGNING_DOMAIN.length);
  writeUnsigned(w, tx);
  return w.finish();
}

export function encodeTransaction(tx: Transaction): Uint8Array {
  const w = new Writer(512);
  writeUnsigned(w, tx);
  assert(tx.signatures.length <= TX_SIGNATURES_MAX, 'too many signatures');
  assert(isStrictlyAscending(tx.signatures.map((s) => s.publicKey)), 'signatures must be sorted by key, one per key');
  w.u8(tx.signatures.length);
  for (const sig of tx.signatures) {
    w.bytes(sig.publicKey, PUBLIC_KEY_BYTES_MAX);
    w.bytes(sig.signature, SIGNATURE_BYTES_MAX);
  }
  const bytes = w.finish();
  assert(bytes.length <= txBytesMaxOf(tx.body), 'transaction too large');
  return bytes;
}

/** The size limit of a transaction with this body: only a disbursement may exceed TX_BYTES_MAX. */
export function txBytesMaxOf(body: TxBody): number {
  return body.type === 'program.disburse' ? TX_DISBURSE_BYTES_MAX : TX_BYTES_MAX;
}

/** Puts signatures in canonical order (ascending public key). */
export function sortSignatures(signatures: readonly Signature[]): Signature[] {
  return [...signatures].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
}

// ---- reading ----

function isStrictlyAscending(keys: readonly Uint8Array[]): boolean {
  let previous: Uint8Array | undefined;
  for (const key of keys) {
    if (previous !== undefined && compareBytes(previous, key) >= 0) return false;
    previous = key;
  }
  return true;
}

function readId(r: Reader, what: string): Id128 {
  return bytesToHex(r.fixed(16, what));
}

function readOrgId(r: Reader, what: string): string {
  const id = r.text(ORG_ID_BYTES_MAX, what);
  if (!isOrgId(id)) throw new DecodeError(`${what}: not an organization id`);
  return id;
}

function readAssetId(r: Reader, what: string): string {
  const id = r.text(ASSET_ID_BYTES_MAX, what);
  if (!isAssetId(id)) throw new DecodeError(`${what}: not an asset id`);
  return id;
}

function readKeySet(r: Reader, max: number, what: string): Uint8Array[] {
  const count = r.u8(what);
  if (count > max) throw new DecodeError(`${what}: ${count} keys, at most ${max}`);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < count; i++) keys.push(r.bytes(PUBLIC_KEY_BYTES_MAX, what));
  if (!isStrictlyAscending(keys)) throw new DecodeError(`${what}: keys not strictly ascending`);
  return keys;
}

function readTier(r: Reader): KycTier {
  const tier = r.u8('tier');
  if (tier !== 1 && tier !== 2 && tier !== 3) throw new DecodeError('tier: must be 1, 2 or 3');
  return tier;
}

export function readOrg(r: Reader): Org {
  const id = readOrgId(r, 'org id');
  const name = r.text(ORG_NAME_BYTES_MAX, 'org name');
  const mask = r.u8('roles');
  if (mask >= 1 << ROLES.length) throw new DecodeError('roles: unknown role bit');
  const adminKeys = readKeySet(r, ORG_ADMIN_KEYS_MAX, 'admin keys');
  const hasValidatorKey = r.bool('validator key present');
  const validatorKey = hasValidatorKey ? r.bytes(PUBLIC_KEY_BYTES_MAX, 'validator key') : null;
  return { id, name, roles: maskToRoles(mask), adminKeys, validatorKey };
}

export function readAsset(r: Reader): Asset {
  const id = readAssetId(r, 'asset id');
  const name = r.text(ASSET_NAME_BYTES_MAX, 'asset name');
  const issuer = readOrgId(r, 'asset issuer');
  const decimals = r.u8('decimals');
  return { id, name, issuer, decimals };
}

function readMoneyOp(r: Reader, type: TxType): MoneyOp {
  switch (type) {
    case 'transfer':
      return {
        type,
        source: readId(r, 'source'),
        target: readId(r, 'target'),
        asset: readAssetId(r, 'asset'),
        amount: r.u64('amount'),
        memo: r.text(MEMO_BYTES_MAX, 'memo'),
      };
    case 'pending.create':
      return {
        type,
        source: readId(r, 'source'),
        target: readId(r, 'target'),
        asset: readAssetId(r, 'asset'),
        amount: r.u64('amount'),
        timeoutMs: r.u64('timeout'),
        memo: r.text(MEMO_BYTES_MAX, 'memo'),
      };
    case 'pending.post':
      return { type, pending: readId(r, 'pending'), amount: r.u64('amount') };
    case 'pending.void':
      return { type, pending: readId(r, 'pending') };
    case 'mint':
    case 'burn':
      return { type, asset: readAssetId(r, 'asset'), account: readId(r, 'account'), amount: r.u64('amount') };
    default:
      throw new DecodeError(`not a money operation: ${type}`);
  }
}

function readCodeSet(r: Reader, max: number, isValid: (v: string) => boolean, what: string): string[] {
  const count = r.u8(what);
  if (count > max) throw new DecodeError(`${what}: ${count} entries, at most ${max}`);
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const value = r.text(REGION_BYTES_MAX, what);
    if (!isValid(value)) throw new DecodeError(`${what}: invalid code`);
    values.push(value);
  }
  if (!isAscendingStrings(values)) throw new DecodeError(`${what}: not strictly ascending`);
  return values;
}

function readRules(r: Reader): ProgramRules {
  const mccs = readCodeSet(r, PROGRAM_MCCS_MAX, isMcc, 'mccs');
  const merchantCount = r.u16('merchant count');
  if (merchantCount > PROGRAM_MERCHANTS_MAX) {
    throw new DecodeError(`merchants: ${merchantCount} entries, at most ${PROGRAM_MERCHANTS_MAX}`);
  }
  const merchants: string[] = [];
  for (let i = 0; i < merchantCount; i++) merchants.push(readId(r, 'merchant'));
  if (!isAscendingStrings(merchants)) throw new DecodeError('merchants: not strictly ascending');
  const regions = readCodeSet(r, PROGRAM_REGIONS_MAX, isRegion, 'regions');
  return {
    mccs,
    merchants,
    regions,
    perPaymentMax: r.u64('perPaymentMax'),
    perBeneficiaryMax: r.u64('perBeneficiaryMax'),
    validFromMs: r.u64('validFromMs'),
    validUntilMs: r.u64('validUntilMs'),
    atExpiry: readExpiryAction(r.u8('atExpiry')),
  };
}

function readExpiryAction(code: number): ProgramExpiryAction {
  const action = PROGRAM_EXPIRY_ACTIONS[code];
  if (action === undefined) throw new DecodeError(`atExpiry: unknown action ${code}`);
  return action;
}

function readCode(r: Reader, isValid: (v: string) => boolean, what: string): string {
  const value = r.text(REGION_BYTES_MAX, what);
  if (!isValid(value)) throw new DecodeError(`${what}: invalid code`);
  return value;
}

function readProgramBody(r: Reader, type: ProgramBody['type']): ProgramBody {
  const program = readId(r, 'program');
  switch (type) {
    case 'program.create':
      return {
        type,
        program,
        funder: readOrgId(r, 'funder'),
        auditor: readOrgId(r, 'auditor'),
        asset: readAssetId(r, 'asset'),
        budget: r.u64('budget'),
        rules: readRules(r),
        fundingAccount: readId(r, 'funding account'),
      };
    case 'program.fund':
      return { type, program, amount: r.u64('amount') };
    case 'program.disburse': {
      const count = r.u16('allocation count');
      if (count < 1 || count > PROGRAM_ALLOCATIONS_MAX) {
        throw new DecodeError(`disbursement: ${count} allocations, 1..${PROGRAM_ALLOCATIONS_MAX}`);
      }
      const allocations: ProgramAllocation[] = [];
      for (let i = 0; i < count; i++) {
        allocations.push({ beneficiary: readId(r, 'beneficiary'), amount: r.u64('amount') });
      }
      return { type, program, allocations };
    }
    case 'program.spend':
      return {
        type,
        program,
        beneficiary: readId(r, 'beneficiary'),
        merchant: readId(r, 'merchant'),
        amount: r.u64('amount'),
      };
    case 'program.redeem':
      return { type, program, merchant: readId(r, 'merchant'), amount: r.u64('amount') };
    case 'program.clawback':
      return {
        type,
        program,
        beneficiary: readId(r, 'beneficiary'),
        amount: r.u64('amount'),
        reason: r.text(REASON_BYTES_MAX, 'reason'),
      };
    case 'program.suspend':
    case 'program.resume':
      return { type, program, reason: r.text(REASON_BYTES_MAX, 'reason') };
    default:
      return assertNever(type, 'program body');
  }
}

function readType(r: Reader): TxType {
  const tag = r.u8('type');
  const type = TYPE_BY_TAG.get(tag);
  if (type === undefined) throw new DecodeError(`unknown transaction type ${tag}`);
  return type;
}

function readBody(r: Reader): TxBody {
  const type = readType(r);
  switch (type) {
    case 'org.add':
      return { type, org: readOrg(r) };
    case 'org.remove':
      return { type, org: readOrgId(r, 'org') };
    case 'asset.define':
      return { type, asset: readAsset(r) };
    case 'account.open':
      return {
        type,
        account: readId(r, 'account'),
        issuer: readOrgId(r, 'issuer'),
        owners: readKeySet(r, ACCOUNT_OWNERS_MAX, 'owners'),
        threshold: r.u8('threshold'),
        tier: readTier(r),
        flags: { allowNegative: r.bool('allowNegative') },
      };
    case 'account.close':
      return { type, account: readId(r, 'account') };
    case 'account.freeze':
    case 'account.unfreeze':
      return { type, account: readId(r, 'account'), reason: r.text(REASON_BYTES_MAX, 'reason') };
    case 'account.rotate':
      return {
        type,
        account: readId(r, 'account'),
        owners: readKeySet(r, ACCOUNT_OWNERS_MAX, 'owners'),
        threshold: r.u8('threshold'),
      };
    case 'account.tier':
      return { type, account: readId(r, 'account'), tier: readTier(r) };
    case 'account.merchant':
      return {
        type,
        account: readId(r, 'account'),
        mcc: readCode(r, isMcc, 'mcc'),
        region: readCode(r, isRegion, 'region'),
      };
    case 'program.create':
    case 'program.fund':
    case 'program.disburse':
    case 'program.spend':
    case 'program.redeem':
    case 'program.clawback':
    case 'program.suspend':
    case 'program.resume':
      return readProgramBody(r, type);
    case 'settlement.scheme':
    case 'settlement.join':
    case 'settlement.pledge':
    case 'settlement.release':
    case 'interbank.transfer':
    case 'settlement.close':
    case 'settlement.settle':
      return readSettlementBody(r, type);
    case 'fx.quote':
    case 'fx.convert':
    case 'fx.cancel':
      return readFxBody(r, type);
    case 'batch': {
      const count = r.u8('batch size');
      if (count < 1 || count > BATCH_ITEMS_MAX) throw new DecodeError(`batch: ${count} items, 1..${BATCH_ITEMS_MAX}`);
      const ops: MoneyOp[] = [];
      for (let i = 0; i < count; i++) ops.push(readMoneyOp(r, readType(r)));
      // A pending transfer is named by its transaction's id, so a batch can open only one.
      if (ops.filter((op) => op.type === 'pending.create').length > 1) {
        throw new DecodeError('batch: at most one pending.create');
      }
      return { type, ops };
    }
    default:
      return readMoneyOp(r, type);
  }
}

export interface DecodedTransaction {
  readonly tx: Transaction;
  /** Length of the unsigned part: the signed message is domain ‖ bytes[0, unsignedBytes). */
  readonly unsignedBytes: number;
}

function readTransaction(r: Reader): DecodedTransaction {
  const version = r.u8('version');
  if (version !== TX_VERSION) throw new DecodeError(`unsupported transaction version ${version}`);
  const chainId = r.text(CHAIN_ID_BYTES_MAX, 'chain id');
  const id = readId(r, 'id');
  const expiresAt = r.u64('expiresAt');
  const body = readBody(r);
  const unsignedBytes = r.position;
  const count = r.u8('signature count');
  if (count > TX_SIGNATURES_MAX) throw new DecodeError(`${count} signatures, at most ${TX_SIGNATURES_MAX}`);
  const signatures: Signature[] = [];
  for (let i = 0; i < count; i++) {
    signatures.push({
      publicKey: r.bytes(PUBLIC_KEY_BYTES_MAX, 'signature key'),
      signature: r.bytes(SIGNATURE_BYTES_MAX, 'signature'),
    });
  }
  if (!isStrictlyAscending(signatures.map((s) => s.publicKey))) {
    throw new DecodeError('signatures not strictly ascending by key');
  }
  return { tx: { chainId, id, expiresAt, body, signatures }, unsignedBytes };
}

export function decodeTransaction(bytes: Uint8Array): DecodeResult<DecodedTransaction> {
  // The largest body (a disbursement) bounds parsing; every other type is held to TX_BYTES_MAX after it.
  if (bytes.length > TX_DISBURSE_BYTES_MAX)
    return { ok: false, error: `transaction of ${bytes.length} bytes, at most ${TX_DISBURSE_BYTES_MAX}` };
  const decoded = decodeWith(bytes, readTransaction, 'transaction');
  if (bytes.length > TX_BYTES_MAX && !(decoded.ok && decoded.value.tx.body.type === 'program.disburse')) {
    return { ok: false, error: `transaction of ${bytes.length} bytes, at most ${TX_BYTES_MAX}` };
  }
  return decoded;
}

/** The signed message of an encoded transaction, found without re-encoding. */
export function txSigningBytesOf(bytes: Uint8Array, unsignedBytes: number): Uint8Array {
  return concatBytes(TX_SIGNING_DOMAIN, bytes.subarray(0, unsignedBytes));
}
