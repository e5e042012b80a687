/**
 * Canonical bytes of state entries: what the store persists and the state commitment
 * hashes. An entry's encoding contains its key fields, so (key, value) pairs cannot be
 * swapped between keys without changing the commitment.
 */
import { assertNever } from './assert.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { DecodeError, type DecodeResult, decodeWith, type Reader, Writer } from './codec.ts';
import {
  ASSET_ID_BYTES_MAX,
  ORG_ID_BYTES_MAX,
  PROGRAM_MCCS_MAX,
  PROGRAM_MERCHANTS_MAX,
  PROGRAM_REGIONS_MAX,
  PUBLIC_KEY_BYTES_MAX,
  REGION_BYTES_MAX,
} from './limits.ts';
import type { PendingState, ProgramStatus, StateEntry, WindowPosition, WindowStatus } from './state.ts';
import { readAsset, readOrg, writeAsset, writeOrg } from './tx-codec.ts';
import { PROGRAM_EXPIRY_ACTIONS, type ProgramExpiryAction, type ProgramRules } from './types.ts';

const KIND_TAGS = {
  org: 1,
  asset: 2,
  account: 3,
  balance: 4,
  pending: 5,
  merchant: 6,
  program: 7,
  'program-balance': 8,
  scheme: 9,
  participant: 10,
  window: 11,
  quote: 12,
} as const;
const WINDOW_STATUSES: readonly WindowStatus[] = ['open', 'closed', 'settled'];
/** Positions a window keeps at most: one per participant. */
const WINDOW_POSITIONS_MAX = 0xffff;
const PENDING_STATES: readonly PendingState[] = ['pending', 'posted', 'voided', 'expired'];
const PROGRAM_STATUSES: readonly ProgramStatus[] = ['active', 'suspended', 'expired'];

function writeCodes(w: Writer, values: readonly string[]): void {
  w.u8(values.length);
  for (const value of values) w.text(value, REGION_BYTES_MAX);
}

function readCodes(r: Reader, max: number): string[] {
  const count = r.u8();
  if (count > max) throw new DecodeError('too many codes');
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(r.text(REGION_BYTES_MAX));
  return out;
}

function writeRules(w: Writer, rules: ProgramRules): void {
  writeCodes(w, rules.mccs);
  w.u16(rules.merchants.length);
  for (const merchant of rules.merchants) w.fixed(hexToBytes(merchant), 16);
  writeCodes(w, rules.regions);
  w.u64(rules.perPaymentMax);
  w.u64(rules.perBeneficiaryMax);
  w.u64(rules.validFromMs);
  w.u64(rules.validUntilMs);
  w.u8(PROGRAM_EXPIRY_ACTIONS.indexOf(rules.atExpiry));
}

function readRules(r: Reader): ProgramRules {
  const mccs = readCodes(r, PROGRAM_MCCS_MAX);
  const merchantCount = r.u16();
  if (merchantCount > PROGRAM_MERCHANTS_MAX) throw new DecodeError('too many merchants');
  const merchants: string[] = [];
  for (let i = 0; i < merchantCount; i++) merchants.push(bytesToHex(r.fixed(16)));
  const regions = readCodes(r, PROGRAM_REGIONS_MAX);
  return {
    mccs,
    merchants,
    regions,
    perPaymentMax: r.u64(),
    perBeneficiaryMax: r.u64(),
    validFromMs: r.u64(),
    validUntilMs: r.u64(),
    atExpiry: expiryAction(r.u8()),
  };
}

function expiryAction(code: number): ProgramExpiryAction {
  const action = PROGRAM_EXPIRY_ACTIONS[code];
  if (action === undefined) throw new DecodeError(`unknown expiry action ${code}`);
  return action;
}

/** The entry's canonical bytes, after `prefix` when given (the commitment's domain tag). */
export function encodeStateEntry(entry: StateEntry, prefix?: Uint8Array): Uint8Array {
  const w = new Writer(192);
  if (prefix !== undefined) w.fixed(prefix, prefix.length);
  w.u8(KIND_TAGS[entry.kind]);
  switch (entry.kind) {
    case 'org':
      writeOrg(w, entry.org);
      w.u64(entry.activeFrom);
      w.u64(entry.removedFrom);
      break;
    case 'asset':
      writeAsset(w, entry.asset);
      w.u64(entry.minted);
      w.u64(entry.burned);
      break;
    case 'account':
      w.fixed(hexToBytes(entry.id), 16);
      w.text(entry.issuer, ORG_ID_BYTES_MAX);
      w.u8(entry.owners.length);
      for (const key of entry.owners) w.bytes(key, PUBLIC_KEY_BYTES_MAX);
      w.u8(entry.threshold);
      w.u8(entry.tier);
      w.bool(entry.flags.allowNegative);
      w.bool(entry.frozen);
      w.bool(entry.closed);
      w.u64(entry.openedAt);
      w.u32(entry.pendingCount);
      break;
    case 'balance':
      w.fixed(hexToBytes(entry.account), 16);
      w.text(entry.asset, ASSET_ID_BYTES_MAX);
      w.u64(entry.debitsPosted);
      w.u64(entry.creditsPosted);
      w.u64(entry.debitsPending);
      w.u64(entry.creditsPending);
      w.u64(entry.day);
      w.u64(entry.daySpent);
      break;
    case 'pending':
      w.fixed(hexToBytes(entry.id), 16);
      w.fixed(hexToBytes(entry.source), 16);
      w.fixed(hexToBytes(entry.target), 16);
      w.text(entry.asset, ASSET_ID_BYTES_MAX);
      w.u64(entry.amount);
      w.u64(entry.timeoutAt);
      w.u8(PENDING_STATES.indexOf(entry.state));
      w.u64(entry.postedAmount);
      break;
    case 'merchant':
      w.fixed(hexToBytes(entry.account), 16);
      w.text(entry.mcc, REGION_BYTES_MAX);
      w.text(entry.region, REGION_BYTES_MAX);
      break;
    case 'program':
      w.fixed(hexToBytes(entry.id), 16);
      w.text(entry.funder, ORG_ID_BYTES_MAX);
      w.text(entry.auditor, ORG_ID_BYTES_MAX);
      w.text(entry.asset, ASSET_ID_BYTES_MAX);
      w.u64(entry.budget);
      writeRules(w, entry.rules);
      w.fixed(hexToBytes(entry.fundingAccount), 16);
      w.u8(PROGRAM_STATUSES.indexOf(entry.status));
      w.u64(entry.createdAt);
      w.u64(entry.pool);
      w.u64(entry.funded);
      w.u64(entry.disbursed);
      w.u64(entry.spent);
      w.u64(entry.redeemed);
      w.u64(entry.returned);
      w.u64(entry.clawedBack);
      w.u64(entry.released);
      break;
    case 'program-balance':
      w.fixed(hexToBytes(entry.program), 16);
      w.fixed(hexToBytes(entry.account), 16);
      w.u64(entry.allocated);
      w.u64(entry.spent);
      w.u64(entry.clawedBack);
      w.u64(entry.returned);
      w.u64(entry.received);
      w.u64(entry.redeemed);
      break;
    case 'scheme':
      w.text(entry.currency, ASSET_ID_BYTES_MAX);
      w.text(entry.settlementOrg, ORG_ID_BYTES_MAX);
      w.text(entry.settlementAsset, ASSET_ID_BYTES_MAX);
      w.u64(entry.openWindow);
      w.u64(entry.nextToSettle);
      w.u32(entry.participants);
      break;
    case 'participant':
      w.text(entry.currency, ASSET_ID_BYTES_MAX);
      w.text(entry.org, ORG_ID_BYTES_MAX);
      w.text(entry.depositAsset, ASSET_ID_BYTES_MAX);
      w.text(entry.settlementAsset, ASSET_ID_BYTES_MAX);
      w.fixed(hexToBytes(entry.settlementAccount), 16);
      w.u64(entry.pledged);
      w.u64(entry.owed);
      break;
    case 'window':
      w.text(entry.currency, ASSET_ID_BYTES_MAX);
      w.u64(entry.seq);
      w.u8(WINDOW_STATUSES.indexOf(entry.status));
      w.u64(entry.openedHeight);
      w.u32(entry.openedIndex);
      w.u64(entry.openedAt);
      w.u64(entry.closedHeight);
      w.u32(entry.closedIndex);
      w.u64(entry.closedAt);
      w.u64(entry.settledHeight);
      w.u32(entry.settledIndex);
      w.u64(entry.settledAt);
      w.u64(entry.payments);
      w.u64(entry.gross);
      w.u16(entry.positions.length);
      for (const p of entry.positions) {
        w.text(p.org, ORG_ID_BYTES_MAX);
        // Signed: a sign byte (1 when negative), then the magnitude.
        w.u8(p.net < 0n ? 1 : 0);
        w.u64(p.net < 0n ? -p.net : p.net);
      }
      break;
    case 'quote':
      w.fixed(hexToBytes(entry.id), 16);
      w.text(entry.provider, ORG_ID_BYTES_MAX);
      w.text(entry.baseAsset, ASSET_ID_BYTES_MAX);
      w.text(entry.quoteAsset, ASSET_ID_BYTES_MAX);
      w.u64(entry.rateNum);
      w.u64(entry.rateDen);
      w.u64(entry.minBase);
      w.u64(entry.maxBase);
      w.u64(entry.capacity);
      w.fixed(hexToBytes(entry.baseAccount), 16);
      w.fixed(hexToBytes(entry.quoteAccount), 16);
      w.u64(entry.expiresAt);
      w.u64(entry.used);
      w.u64(entry.conversions);
      w.bool(entry.cancelled);
      break;
    default:
      assertNever(entry, 'state entry');
  }
  return w.finish();
}

function readEntry(r: Reader): StateEntry {
  const tag = r.u8('kind');
  switch (tag) {
    case KIND_TAGS.org:
      return { kind: 'org', org: readOrg(r), activeFrom: r.u64(), removedFrom: r.u64() };
    case KIND_TAGS.asset:
      return { kind: 'asset', asset: readAsset(r), minted: r.u64(), burned: r.u64() };
    case KIND_TAGS.account: {
      const id = bytesToHex(r.fixed(16));
      const issuer = r.text(ORG_ID_BYTES_MAX);
      const count = r.u8();
      const owners: Uint8Array[] = [];
      for (let i = 0; i < count; i++) owners.push(r.bytes(PUBLIC_KEY_BYTES_MAX));
      const threshold = r.u8();
      const tier = r.u8();
      if (tier !== 1 && tier !== 2 && tier !== 3) throw new DecodeError('tier');
      return {
        kind: 'account',
        id,
        issuer,
        owners,
        threshold,
        tier,
        flags: { allowNegative: r.bool() },
        frozen: r.bool(),
        closed: r.bool(),
        openedAt: r.u64(),
        pendingCount: r.u32(),
      };
    }
    case KIND_TAGS.balance:
      return {
        kind: 'balance',
        account: bytesToHex(r.fixed(16)),
        asset: r.text(ASSET_ID_BYTES_MAX),
        debitsPosted: r.u64(),
        creditsPosted: r.u64(),
        debitsPending: r.u64(),
        creditsPending: r.u64(),
        day: r.u64(),
        daySpent: r.u64(),
      };
    case KIND_TAGS.pending: {
      const id = bytesToHex(r.fixed(16));
      const source = bytesToHex(r.fixed(16));
      const target = bytesToHex(r.fixed(16));
      const asset = r.text(ASSET_ID_BYTES_MAX);
      const amount = r.u64();
      const timeoutAt = r.u64();
      const state = PENDING_STATES[r.u8()];
      if (state === undefined) throw new DecodeError('pending state');
      return { kind: 'pending', id, source, target, asset, amount, timeoutAt, state, postedAmount: r.u64() };
    }
    case KIND_TAGS.merchant:
      return {
        kind: 'merchant',
        account: bytesToHex(r.fixed(16)),
        mcc: r.text(REGION_BYTES_MAX),
        region: r.text(REGION_BYTES_MAX),
      };
    case KIND_TAGS.program: {
      const id = bytesToHex(r.fixed(16));
      const funder = r.text(ORG_ID_BYTES_MAX);
      const auditor = r.text(ORG_ID_BYTES_MAX);
      const asset = r.text(ASSET_ID_BYTES_MAX);
      const budget = r.u64();
      const rules = readRules(r);
      const fundingAccount = bytesToHex(r.fixed(16));
      const status = PROGRAM_STATUSES[r.u8()];
      if (status === undefined) throw new DecodeError('program status');
      return {
        kind: 'program',
        id,
        funder,
        auditor,
        asset,
        budget,
        rules,
        fundingAccount,
        status,
        createdAt: r.u64(),
        pool: r.u64(),
        funded: r.u64(),
        disbursed: r.u64(),
        spent: r.u64(),
        redeemed: r.u64(),
        returned: r.u64(),
        clawedBack: r.u64(),
        released: r.u64(),
      };
    }
    case KIND_TAGS['program-balance']:
      return {
        kind: 'program-balance',
        program: bytesToHex(r.fixed(16)),
        account: bytesToHex(r.fixed(16)),
        allocated: r.u64(),
        spent: r.u64(),
        clawedBack: r.u64(),
        returned: r.u64(),
        received: r.u64(),
        redeemed: r.u64(),
      };
    case KIND_TAGS.scheme:
      return {
        kind: 'scheme',
        currency: r.text(ASSET_ID_BYTES_MAX),
        settlementOrg: r.text(ORG_ID_BYTES_MAX),
        settlementAsset: r.text(ASSET_ID_BYTES_MAX),
        openWindow: r.u64(),
        nextToSettle: r.u64(),
        participants: r.u32(),
      };
    case KIND_TAGS.participant:
      return {
        kind: 'participant',
        currency: r.text(ASSET_ID_BYTES_MAX),
        org: r.text(ORG_ID_BYTES_MAX),
        depositAsset: r.text(ASSET_ID_BYTES_MAX),
        settlementAsset: r.text(ASSET_ID_BYTES_MAX),
        settlementAccount: bytesToHex(r.fixed(16)),
        pledged: r.u64(),
        owed: r.u64(),
      };
    case KIND_TAGS.window: {
      const currency = r.text(ASSET_ID_BYTES_MAX);
      const seq = r.u64();
      const status = WINDOW_STATUSES[r.u8()];
      if (status === undefined) throw new DecodeError('window status');
      const fields = {
        openedHeight: r.u64(),
        openedIndex: r.u32(),
        openedAt: r.u64(),
        closedHeight: r.u64(),
        closedIndex: r.u32(),
        closedAt: r.u64(),
        settledHeight: r.u64(),
        settledIndex: r.u32(),
        settledAt: r.u64(),
        payments: r.u64(),
        gross: r.u64(),
      };
      const count = r.u16();
      if (count > WINDOW_POSITIONS_MAX) throw new DecodeError('window positions');
      const positions: WindowPosition[] = [];
      for (let i = 0; i < count; i++) {
        const org = r.text(ORG_ID_BYTES_MAX);
        const negative = r.u8();
        if (negative > 1) throw new DecodeError('position sign');
        const magnitude = r.u64();
        positions.push({ org, net: negative === 1 ? -magnitude : magnitude });
      }
      return { kind: 'window', currency, seq, status, ...fields, positions };
    }
    case KIND_TAGS.quote:
      return {
        kind: 'quote',
        id: bytesToHex(r.fixed(16)),
        provider: r.text(ORG_ID_BYTES_MAX),
        baseAsset: r.text(ASSET_ID_BYTES_MAX),
        quoteAsset: r.text(ASSET_ID_BYTES_MAX),
        rateNum: r.u64(),
        rateDen: r.u64(),
        minBase: r.u64(),
        maxBase: r.u64(),
        capacity: r.u64(),
        baseAccount: bytesToHex(r.fixed(16)),
        quoteAccount: bytesToHex(r.fixed(16)),
        expiresAt: r.u64(),
        used: r.u64(),
        conversions: r.u64(),
        cancelled: r.bool(),
      };
    default:
      throw new DecodeError(`unknown state entry kind ${tag}`);
  }
}

export function decodeStateEntry(bytes: Uint8Array): DecodeResult<StateEntry> {
  return decodeWith(bytes, readEntry, 'state entry');
}
