// Goal: the graph holds every transfer once, in (time, id) order, with each account's out- and
// in-lists exactly its transfers in time order, whatever the input order; limits answer with a status.
// Method: fast-check over random small transfer sets against a plain filter-and-sort model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, type TransferRecord } from '../transfer-record.ts';
import { transfers } from './transfer-fixture.ts';
import {
  ACCOUNT_FLAG_BANK,
  ACCOUNT_FLAG_MERCHANT,
  createTransferGraph,
  GRAPH_AMOUNT_MINOR_MAX,
  TRANSFER_FLAG_MERCHANT,
  TRANSFER_FLAG_PERSONAL,
  type TransferGraph,
  TransferGraphBuilder,
} from './transfer-graph.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x6a11 : Number.parseInt(process.env.FC_SEED, 10);

const recordArb: fc.Arbitrary<TransferRecord> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 4 }),
  timestampMs: fc.integer({ min: 0, max: 50 }),
  fromAccount: fc.constantFrom('a', 'b', 'c', 'd'),
  toAccount: fc.constantFrom('a', 'b', 'c', 'd'),
  amount: fc.bigInt({ min: 0n, max: 10_000n }),
  currency: fc.constant('CNY'),
  channel: fc.constantFrom(...CHANNELS),
  mcc: fc.constantFrom(null, '5812'),
  merchantId: fc.constant(null),
  deviceId: fc.constant(null),
  ipRegion: fc.constant(null),
  lat: fc.constant(null),
  lon: fc.constant(null),
});

function build(records: readonly TransferRecord[]): TransferGraph {
  const result = createTransferGraph(records);
  if (!result.ok) throw new Error(result.status);
  return result.graph;
}

function listOf(start: Int32Array, list: Int32Array, account: number): number[] {
  return [...list.subarray(start[account] ?? 0, start[account + 1] ?? 0)];
}

describe('createTransferGraph', () => {
  it('sorts by (time, id) and indexes each account, for any input order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(recordArb, { maxLength: 60, selector: (r) => r.id }),
        fc.integer(),
        (records, shuffleSeed) => {
          const graph = build(records);
          const sorted = [...records].sort(
            (x, y) => x.timestampMs - y.timestampMs || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
          );
          expect(graph.transferIds).toEqual(sorted.map((r) => r.id));
          expect([...graph.timeMs]).toEqual(sorted.map((r) => r.timestampMs));
          expect([...graph.amountMinor]).toEqual(sorted.map((r) => Number(r.amount)));
          for (let a = 0; a < graph.accountCount; a++) {
            const name = graph.accountIds[a];
            const outs = sorted.flatMap((r, i) => (r.fromAccount === name ? [i] : []));
            const ins = sorted.flatMap((r, i) => (r.toAccount === name ? [i] : []));
            expect(listOf(graph.outStart, graph.outTransfers, a).map((i) => sorted[i])).toEqual(
              outs.map((i) => sorted[i]),
            );
            expect(listOf(graph.inStart, graph.inTransfers, a).map((i) => sorted[i])).toEqual(
              ins.map((i) => sorted[i]),
            );
          }
          // Same multiset of transfers in another order: the same time and amount columns.
          const shuffled = [...records].sort(
            (x, y) => ((x.id.length * 31 + shuffleSeed) % 7) - ((y.id.length * 31 + shuffleSeed) % 7),
          );
          const again = build(shuffled);
          expect([...again.timeMs]).toEqual([...graph.timeMs]);
          expect(again.transferIds).toEqual(graph.transferIds);
        },
      ),
      { seed: FC_SEED, numRuns: 200 },
    );
  });

  it.each([
    { name: 'person to person', spec: { channel: 'transfer' as const }, flags: TRANSFER_FLAG_PERSONAL },
    {
      name: 'transfer naming a merchant',
      spec: { channel: 'transfer' as const, merchantId: 'M1' },
      flags: TRANSFER_FLAG_MERCHANT,
    },
    {
      name: 'transfer with an MCC',
      spec: { channel: 'transfer' as const, mcc: '5812' },
      flags: TRANSFER_FLAG_MERCHANT,
    },
    { name: 'QR payment', spec: { channel: 'qr' as const }, flags: TRANSFER_FLAG_MERCHANT },
    { name: 'pay code', spec: { channel: 'pay_code' as const }, flags: TRANSFER_FLAG_MERCHANT },
    { name: 'online', spec: { channel: 'online' as const }, flags: TRANSFER_FLAG_MERCHANT },
    { name: 'top-up', spec: { channel: 'topup' as const }, flags: 0 },
    { name: 'payout', spec: { channel: 'payout' as const }, flags: 0 },
    { name: 'to oneself', spec: { channel: 'transfer' as const, to: 'A' }, flags: 0 },
  ])('flags a $name', ({ spec, flags }) => {
    const graph = build(transfers('f', [{ from: 'A', to: 'B', yuan: 1, hour: 0, ...spec }]));
    expect(graph.transferFlags[0]).toBe(flags);
  });

  it('marks merchants by what they receive and pay out, banks by top-ups and withdrawals', () => {
    const graph = build(
      transfers('a', [
        { from: 'P1', to: 'SHOP', yuan: 10, hour: 0, channel: 'qr' },
        { from: 'CAFE', to: 'BANK-CAFE', yuan: 10, hour: 1, channel: 'payout' },
        { from: 'BANK-P1', to: 'P1', yuan: 10, hour: 2, channel: 'topup' },
        { from: 'P1', to: 'BANK-P2', yuan: 10, hour: 3, channel: 'withdrawal' },
      ]),
    );
    const flagOf = (id: string) => graph.accountFlags[graph.accountIds.indexOf(id)];
    expect(['P1', 'SHOP', 'CAFE', 'BANK-CAFE', 'BANK-P1', 'BANK-P2'].map(flagOf)).toEqual([
      0,
      ACCOUNT_FLAG_MERCHANT,
      ACCOUNT_FLAG_MERCHANT,
      0,
      ACCOUNT_FLAG_BANK,
      ACCOUNT_FLAG_BANK,
    ]);
  });

  it.each([
    { name: 'other currency', record: { currency: 'USD' }, status: 'other_currency' },
    { name: 'negative amount', record: { amount: -1n }, status: 'amount_out_of_range' },
    {
      name: 'amount above the exact range',
      record: { amount: BigInt(GRAPH_AMOUNT_MINOR_MAX) + 1n },
      status: 'amount_out_of_range',
    },
    { name: 'timestamp not a whole number', record: { timestampMs: 1.5 }, status: 'timestamp_out_of_range' },
    { name: 'timestamp before 1970', record: { timestampMs: -1 }, status: 'timestamp_out_of_range' },
    { name: 'largest exact amount', record: { amount: BigInt(GRAPH_AMOUNT_MINOR_MAX) }, status: 'added' },
  ])('answers $status for $name', ({ record, status }) => {
    const [base] = transfers('s', [{ from: 'A', to: 'B', yuan: 1, hour: 0 }]);
    if (base === undefined) throw new Error('fixture');
    const builder = new TransferGraphBuilder('CNY');
    expect(builder.add({ ...base, ...record })).toBe(status);
  });

  it('grows past its first capacity and keeps every transfer', () => {
    const many = transfers(
      'g',
      Array.from({ length: 5000 }, (_, i) => ({ from: `A${i % 7}`, to: `B${i % 11}`, yuan: i, hour: 5000 - i })),
    );
    const graph = build(many);
    expect(graph.transferCount).toBe(5000);
    expect(graph.timeMs[0]).toBeLessThan(graph.timeMs[4999] ?? 0);
    expect(graph.outStart[graph.accountCount]).toBe(5000);
  });
});
