/**
 * What the ledger holds of each asset, for the conservation check "held = minted − burned" (`paychain verify`, the
 * crash test, the property tests): ordinary posted balances plus program money, which is never in a `balance` entry —
 * each program's undisbursed pool, its beneficiaries' unspent balances and its merchants' unredeemed receivables —
 * plus the settlement asset banks pledged as liquidity, also out of their balances.
 * Pure; reads each entry once.
 */
import { assertNever } from './assert.ts';
import type { StateEntry } from './state.ts';
import { programBalanceOf, programReceivableOf } from './state.ts';
import type { AssetId, Id128 } from './types.ts';

export interface AssetHeld {
  /** Σ (creditsPosted − debitsPosted) of ordinary balances. */
  readonly balances: bigint;
  /** Σ program pools + beneficiaries' balances + merchants' receivables. */
  readonly programs: bigint;
  /** Σ settlement liquidity pledged by participants (a settlement asset). */
  readonly pledged: bigint;
  readonly minted: bigint;
  readonly burned: bigint;
}

/** Per asset (every asset entry, in the order given): what balances and programs hold, and its minted and burned. */
export function heldByAsset(entries: Iterable<StateEntry>): Map<AssetId, AssetHeld> {
  const balances = new Map<AssetId, bigint>();
  const programs = new Map<AssetId, bigint>();
  const pledged = new Map<AssetId, bigint>();
  const programAsset = new Map<Id128, AssetId>();
  /** Program money by program id: a program-balance entry may come before its program. */
  const byProgram = new Map<Id128, bigint>();
  const supply = new Map<AssetId, { minted: bigint; burned: bigint }>();
  const add = (map: Map<string, bigint>, key: string, amount: bigint) => map.set(key, (map.get(key) ?? 0n) + amount);
  for (const e of entries) {
    switch (e.kind) {
      case 'balance':
        add(balances, e.asset, e.creditsPosted - e.debitsPosted);
        break;
      case 'asset':
        supply.set(e.asset.id, { minted: e.minted, burned: e.burned });
        break;
      case 'program':
        programAsset.set(e.id, e.asset);
        add(byProgram, e.id, e.pool);
        break;
      case 'program-balance':
        add(byProgram, e.program, programBalanceOf(e) + programReceivableOf(e));
        break;
      case 'participant':
        add(pledged, e.settlementAsset, e.pledged);
        break;
      case 'org':
      case 'account':
      case 'pending':
      case 'merchant':
      case 'scheme':
      case 'window':
      case 'quote':
        break;
      default:
        assertNever(e, 'state entry');
    }
  }
  for (const [program, amount] of byProgram) {
    const asset = programAsset.get(program);
    // A program-balance entry without its program: counted under an impossible asset id so the check fails loudly.
    add(programs, asset ?? `?program:${program}`, amount);
  }
  const out = new Map<AssetId, AssetHeld>();
  for (const [asset, s] of supply) {
    out.set(asset, {
      balances: balances.get(asset) ?? 0n,
      programs: programs.get(asset) ?? 0n,
      pledged: pledged.get(asset) ?? 0n,
      minted: s.minted,
      burned: s.burned,
    });
  }
  for (const asset of new Set([...balances.keys(), ...programs.keys(), ...pledged.keys()])) {
    if (!supply.has(asset)) {
      out.set(asset, {
        balances: balances.get(asset) ?? 0n,
        programs: programs.get(asset) ?? 0n,
        pledged: pledged.get(asset) ?? 0n,
        minted: 0n,
        burned: 0n,
      });
    }
  }
  return out;
}
