// Goal: the scan is deterministic (input order does not matter), every alert is well formed and
// every cycle it reports is a time-ordered ring within the limits, and on a dense graph the searches
// stop at their bounds instead of exploding. Method: fast-check over random transfers among a few
// accounts (so shapes occur by chance), and one dense generated graph.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransferRecord } from '../transfer-record.ts';
import { AML_LIMITS_DEFAULT, AML_WINDOWS_DEFAULT } from './aml-options.ts';
import { scanTransfers } from './scan-transfers.ts';
import { FIXTURE_START_MS, HOUR_MS } from './transfer-fixture.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0xa3150 : Number.parseInt(process.env.FC_SEED, 10);

const people = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];

interface Move {
  readonly from: string;
  readonly to: string;
  readonly hour: number;
  readonly yuan: number;
}

/** A ring A → … → A of 2–7 hops whose gaps may be negative (backwards) or too long, and shares off range. */
const ringArb: fc.Arbitrary<Move[]> = fc
  .record({
    members: fc.uniqueArray(fc.constantFrom(...people), { minLength: 2, maxLength: 7 }),
    start: fc.integer({ min: 0, max: 200 }),
    gaps: fc.array(fc.integer({ min: -10, max: 80 }), { minLength: 7, maxLength: 7 }),
    shares: fc.array(fc.constantFrom(0.8, 0.9, 0.95, 0.99, 1), { minLength: 7, maxLength: 7 }),
    first: fc.constantFrom(20_000, 50_000, 120_000),
  })
  .map(({ members, start, gaps, shares, first }) => {
    const moves: Move[] = [];
    let hour = start;
    let yuan = first;
    for (let h = 0; h < members.length; h++) {
      moves.push({ from: members[h] ?? '', to: members[(h + 1) % members.length] ?? '', hour, yuan: Math.round(yuan) });
      hour += gaps[h] ?? 1;
      yuan *= shares[h] ?? 1;
    }
    return moves;
  });

/** One account paying 3–8 others alike amounts within hours, and some of them paying one sink on. */
const burstArb: fc.Arbitrary<Move[]> = fc
  .record({
    source: fc.constantFrom(...people),
    targets: fc.uniqueArray(fc.constantFrom(...people), { minLength: 3, maxLength: 8 }),
    sink: fc.constantFrom(...people),
    start: fc.integer({ min: 0, max: 200 }),
    yuan: fc.constantFrom(9_000, 20_000, 46_000, 49_000),
    forward: fc.boolean(),
  })
  .map(({ source, targets, sink, start, yuan, forward }) =>
    targets.flatMap((to, i) => [
      { from: source, to, hour: start + i, yuan: yuan + i * 100 },
      ...(forward ? [{ from: to, to: sink, hour: start + 10 + i, yuan: Math.round((yuan + i * 100) * 0.95) }] : []),
    ]),
  );

const noiseArb: fc.Arbitrary<Move[]> = fc
  .record({
    from: fc.constantFrom(...people),
    to: fc.constantFrom(...people),
    hour: fc.integer({ min: 0, max: 240 }),
    yuan: fc.constantFrom(500, 5_000, 9_500, 20_000, 48_000),
  })
  .map((move) => [move]);

/** Planted rings and bursts in noise among 10 people over 10 days, so shapes, near misses and overlaps all occur. */
const transfersArb: fc.Arbitrary<TransferRecord[]> = fc
  .array(fc.oneof(ringArb, burstArb, noiseArb, noiseArb), { maxLength: 12 })
  .map((groups) =>
    groups.flat().map(
      (move, i): TransferRecord => ({
        id: `R${String(i).padStart(4, '0')}`,
        timestampMs: FIXTURE_START_MS + move.hour * HOUR_MS,
        fromAccount: move.from,
        toAccount: move.to,
        amount: BigInt(move.yuan) * 100n,
        currency: 'CNY',
        channel: 'transfer',
        mcc: null,
        merchantId: null,
        deviceId: null,
        ipRegion: null,
        lat: null,
        lon: null,
      }),
    ),
  );

describe('scanTransfers on random graphs', () => {
  it('gives the same alerts for any input order, each well formed', () => {
    fc.assert(
      fc.property(transfersArb, fc.nat(), (records, rotation) => {
        const result = scanTransfers(records);
        const k = records.length === 0 ? 0 : rotation % records.length;
        const reordered = [...records.slice(k), ...records.slice(0, k)].reverse();
        expect(scanTransfers(reordered).alerts).toEqual(result.alerts);
        const byId = new Map(records.map((r) => [r.id, r]));
        const alertIds = new Set<string>();
        for (const alert of result.alerts) {
          expect(alertIds.has(alert.id)).toBe(false);
          alertIds.add(alert.id);
          expect(alert.score).toBeGreaterThanOrEqual(0);
          expect(alert.score).toBeLessThanOrEqual(1);
          expect(alert.windowStart <= alert.windowEnd).toBe(true);
          expect(alert.accounts.length).toBeGreaterThan(0);
          expect(alert.explanation.length).toBeGreaterThan(0);
          for (const id of alert.transactionIds) expect(byId.has(id)).toBe(true);
          if (alert.pattern === 'cycle') {
            const ring = alert.transactionIds.map((id) => byId.get(id));
            expect(ring.length).toBeGreaterThanOrEqual(2);
            expect(ring.length).toBeLessThanOrEqual(AML_LIMITS_DEFAULT.pathHopsMax);
            for (let h = 0; h < ring.length; h++) {
              const hop = ring[h];
              const next = ring[(h + 1) % ring.length];
              expect(hop?.toAccount).toBe(next?.fromAccount);
              if (h + 1 < ring.length) {
                const gap = (next?.timestampMs ?? 0) - (hop?.timestampMs ?? 0);
                expect(gap).toBeGreaterThan(0);
                expect(gap).toBeLessThanOrEqual(AML_WINDOWS_DEFAULT.cycleHopMs);
              }
            }
          }
        }
        // Sorted by start, then pattern, then id.
        const keys = result.alerts.map((a) => `${a.windowStart}|${a.pattern}|${a.id}`);
        expect(keys).toEqual([...keys].sort());
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });
});

describe('scanTransfers on a dense graph', () => {
  // 300 people, each paying 40 others 20,000–21,000 within two days: every shape everywhere.
  const dense: TransferRecord[] = [];
  let state = 7;
  const next = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  for (let p = 0; p < 300; p++) {
    for (let k = 0; k < 40; k++) {
      dense.push({
        id: `D${p}-${k}`,
        timestampMs: FIXTURE_START_MS + Math.floor(next() * 48 * HOUR_MS),
        fromAccount: `P${p}`,
        toAccount: `P${(p + 1 + Math.floor(next() * 299)) % 300}`,
        amount: BigInt(2_000_000 + Math.floor(next() * 100_000)),
        currency: 'CNY',
        channel: 'transfer',
        mcc: null,
        merchantId: null,
        deviceId: null,
        ipRegion: null,
        lat: null,
        lon: null,
      });
    }
  }

  it('stops searches at their bounds and caps alerts per detector', { timeout: 15_000 }, () => {
    const result = scanTransfers(dense, { limits: { detectorAlertsMax: 3 } });
    const stats = result.stats.detectors;
    for (const pattern of ['cycle', 'bipartite', 'stack'] as const) {
      expect(stats[pattern]?.boundHits, pattern).toBeGreaterThan(0);
    }
    for (const detector of Object.values(stats)) expect(detector.raised).toBeLessThanOrEqual(3);
    expect(result.alerts.length).toBeLessThanOrEqual(3 * 11);
  });
});
