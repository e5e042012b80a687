/**
 * Canonical bytes of state entries: what the store persists and the state commitment
 * hashes. An entry's encoding contains its key fields, so (key, value) pairs cannot be
 * swapped between keys without changing the commitment.
 */
import { assertNever } from './assert.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { DecodeError, type DecodeResult, decodeWith, type Reader, Writer } from './codec.ts';
import { ASSET_ID_BYTES_MAX, ORG_ID_BYTES_MAX, PUBLIC_KEY_BYTES_MAX } from './limits.ts';
import type { PendingState, StateEntry } from './state.ts';
import { readAsset, readOrg, writeAsset, writeOrg } from './tx-codec.ts';

const KIND_TAGS = { org: 1, asset: 2, account: 3, balance: 4, pending: 5 } as const;
const PENDING_STATES: readonly PendingState[] = ['pending', 'posted', 'voided', 'expired'];

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
    default:
      throw new DecodeError(`unknown state entry kind ${tag}`);
  }
}

export function decodeStateEntry(bytes: Uint8Array): DecodeResult<StateEntry> {
  return decodeWith(bytes, readEntry, 'state entry');
}
