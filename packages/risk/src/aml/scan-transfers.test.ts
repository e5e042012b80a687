// Goal: each detector finds its pattern, exactly its transactions and as that pattern only (parts of
// composites suppressed), and stays silent on licit look-alikes and on shapes whose time order is
// wrong. Method: small hand-built patterns laid over a deterministic licit background, all detectors on.
import { describe, expect, it } from 'vitest';
import type { LaunderingPattern, TransferRecord } from '../transfer-record.ts';
import { scanTransfers } from './scan-transfers.ts';
import { DAY_MS, type FixtureTransfer, licitBackground, transfers } from './transfer-fixture.ts';

const background = licitBackground(100);

type Spec = Omit<FixtureTransfer, 'id'>;

function alertsOn(records: readonly TransferRecord[]) {
  return scanTransfers([...background, ...records]).alerts;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Positive cases: the pattern, and the specs whose every transfer the one alert must hold. */
const positives: readonly { name: string; pattern: LaunderingPattern; specs: Spec[] }[] = [
  {
    name: 'fan_out: 6 similar transfers to 6 people in 15 h',
    pattern: 'fan_out',
    specs: range(6).map((i) => ({ from: 'A', to: `R${i}`, yuan: 20_000 + i * 700, hour: 100 + i * 3 })),
  },
  {
    name: 'fan_out: 15 transfers within 48 h, spread 1.45',
    pattern: 'fan_out',
    specs: range(15).map((i) => ({ from: 'A', to: `R${i}`, yuan: 10_000 + i * 320, hour: 100 + i * 3.3 })),
  },
  {
    name: 'fan_in: 7 people pay one account in 30 h, unequal amounts',
    pattern: 'fan_in',
    specs: range(7).map((i) => ({ from: `F${i}`, to: 'Z', yuan: 5_000 + i * 5_000, hour: 100 + i * 5 })),
  },
  {
    name: 'cycle: 2 hops',
    pattern: 'cycle',
    specs: [
      { from: 'C1', to: 'C2', yuan: 60_000, hour: 200 },
      { from: 'C2', to: 'C1', yuan: 57_000, hour: 230 },
    ],
  },
  {
    name: 'cycle: 6 hops, 70 h apart each',
    pattern: 'cycle',
    specs: range(6).map((i) => ({
      from: `C${i}`,
      to: `C${(i + 1) % 6}`,
      yuan: 200_000 * 0.95 ** i,
      hour: 200 + i * 70,
    })),
  },
  {
    name: 'scatter_gather: 4 intermediates, each forwards 95%',
    pattern: 'scatter_gather',
    specs: [
      ...range(4).map((i) => ({ from: 'S', to: `SM${i}`, yuan: 10_000 + i * 1_000, hour: 300 + i })),
      ...range(4).map((i) => ({ from: `SM${i}`, to: 'SK', yuan: (10_000 + i * 1_000) * 0.95, hour: 310 + i * 9 })),
    ],
  },
  {
    name: 'scatter_gather: 8 intermediates, composite over a fan_out and a fan_in',
    pattern: 'scatter_gather',
    specs: [
      ...range(8).map((i) => ({ from: 'S', to: `SM${i}`, yuan: 20_000 + i * 500, hour: 300 + i })),
      ...range(8).map((i) => ({ from: `SM${i}`, to: 'SK', yuan: (20_000 + i * 500) * 0.92, hour: 320 + i })),
    ],
  },
  {
    name: 'gather_scatter: 4 in, 3 out at 95%',
    pattern: 'gather_scatter',
    specs: [
      ...range(4).map((i) => ({ from: `GS${i}`, to: 'H', yuan: 10_000, hour: 400 + i })),
      ...range(3).map((i) => ({ from: 'H', to: `GT${i}`, yuan: 12_600, hour: 410 + i })),
    ],
  },
  {
    name: 'gather_scatter: 6 in, 6 out, composite over fan_in and fan_out',
    pattern: 'gather_scatter',
    specs: [
      ...range(6).map((i) => ({ from: `GS${i}`, to: 'H', yuan: 12_000 + i * 1_000, hour: 400 + i * 6 })),
      ...range(6).map((i) => ({ from: 'H', to: `GT${i}`, yuan: 14_000, hour: 440 + i * 4 })),
    ],
  },
  {
    name: 'bipartite: 3 senders × 3 receivers, 8 edges',
    pattern: 'bipartite',
    specs: (
      [
        ['B1', 'BR1'],
        ['B1', 'BR2'],
        ['B1', 'BR3'],
        ['B2', 'BR1'],
        ['B2', 'BR2'],
        ['B2', 'BR3'],
        ['B3', 'BR2'],
        ['B3', 'BR3'],
      ] as const
    ).map(([from, to], i) => ({ from, to, yuan: 10_000 + i * 700, hour: 900 + i * 8 })),
  },
  {
    name: 'stack: 3 → 3 → 2 layers',
    pattern: 'stack',
    specs: [
      ...range(9).map((i) => ({ from: `K${Math.floor(i / 3)}`, to: `KM${i % 3}`, yuan: 20_000, hour: 1000 + i })),
      ...range(6).map((i) => ({ from: `KM${Math.floor(i / 2)}`, to: `KB${i % 2}`, yuan: 29_000, hour: 1012 + i })),
    ],
  },
  {
    name: 'structuring: 4 transfers of 45,000–49,999.99 in 3 days to 2 people',
    pattern: 'structuring',
    specs: range(4).map((i) => ({ from: 'ST', to: `STR${i % 2}`, yuan: 45_000 + i * 1_666.66, hour: 500 + i * 20 })),
  },
  {
    name: 'smurfing: 8 smurfs top up and pass on to one collector',
    pattern: 'smurfing',
    specs: range(8).flatMap((i) => [
      { from: `BANK-SM${i}`, to: `SMURF${i}`, yuan: 6_000, hour: 600 + i * 9, channel: 'topup' as const },
      { from: `SMURF${i}`, to: 'COLL', yuan: 2_000 + i * 1_000, hour: 620 + i * 9 },
    ]),
  },
  {
    name: 'rapid_pass_through: twice in 5 days, once split in two',
    pattern: 'rapid_pass_through',
    specs: [
      { from: 'X1', to: 'MULE', yuan: 50_000, hour: 700 },
      { from: 'MULE', to: 'Y1', yuan: 48_000, hour: 705 },
      { from: 'X2', to: 'MULE', yuan: 80_000, hour: 800 },
      { from: 'MULE', to: 'Y2', yuan: 40_000, hour: 810 },
      { from: 'MULE', to: 'Y3', yuan: 38_000, hour: 812 },
    ],
  },
  {
    name: 'dormant_activation: idle 70 days, then 59,000 in 3 transfers',
    pattern: 'dormant_activation',
    specs: [
      { from: 'DY', to: 'D', yuan: 30_000, hour: 24 * 70 },
      { from: 'D', to: 'DZ', yuan: 20_000, hour: 24 * 71 },
      { from: 'D', to: 'DW', yuan: 9_000, hour: 24 * 72 },
    ],
  },
];

/** Licit look-alikes and misordered shapes: no alert may name any of these transfers. */
const negatives: readonly { name: string; specs: Spec[] }[] = [
  {
    name: 'red envelopes: 15 small sums to contacts within minutes',
    specs: range(15).map((i) => ({ from: 'RE', to: `REC${i}`, yuan: 8 + i * 12, hour: 100 + i / 60 })),
  },
  {
    name: 'merchant fan-in: 20 buyers pay a jeweller 8,000–20,000 by QR',
    specs: range(20).map((i) => ({
      from: `BUY${i}`,
      to: 'M-GOLD',
      yuan: 8_000 + i * 600,
      hour: 100 + i,
      channel: 'qr' as const,
      merchantId: 'M-GOLD',
      mcc: '5944',
    })),
  },
  {
    name: 'rent: 5 tenants pay one landlord 1,500–3,900',
    specs: range(5).map((i) => ({ from: `TEN${i}`, to: 'LAND', yuan: 1_500 + i * 600, hour: 100 + i * 2 })),
  },
  {
    name: 'rent: 4 tenants pay 6,000 (fewer than a fan-in)',
    specs: range(4).map((i) => ({ from: `TEN${i}`, to: 'LAND', yuan: 6_000, hour: 100 + i * 2 })),
  },
  {
    name: 'fan_out with unlike amounts (spread 4)',
    specs: range(6).map((i) => ({ from: 'A', to: `R${i}`, yuan: 5_000 + i * 3_000, hour: 100 + i })),
  },
  {
    name: 'fan_out spread over 6 days',
    specs: range(6).map((i) => ({ from: 'A', to: `R${i}`, yuan: 20_000, hour: 100 + i * 25 })),
  },
  {
    name: 'cycle whose hops go backwards in time',
    specs: [
      { from: 'C1', to: 'C2', yuan: 100_000, hour: 260 },
      { from: 'C2', to: 'C3', yuan: 95_000, hour: 230 },
      { from: 'C3', to: 'C4', yuan: 91_000, hour: 210 },
      { from: 'C4', to: 'C1', yuan: 88_000, hour: 200 },
    ],
  },
  {
    name: 'cycle with a hop 80 h after the previous one',
    specs: [
      { from: 'C1', to: 'C2', yuan: 100_000, hour: 200 },
      { from: 'C2', to: 'C3', yuan: 95_000, hour: 280 },
      { from: 'C3', to: 'C1', yuan: 91_000, hour: 290 },
    ],
  },
  {
    name: 'cycle of 7 hops (longer than the limit)',
    specs: range(7).map((i) => ({
      from: `C${i}`,
      to: `C${(i + 1) % 7}`,
      yuan: 200_000 * 0.97 ** i,
      hour: 200 + i * 10,
    })),
  },
  {
    name: 'friends pay each other back half',
    specs: [
      { from: 'C1', to: 'C2', yuan: 40_000, hour: 200 },
      { from: 'C2', to: 'C1', yuan: 20_000, hour: 210 },
    ],
  },
  {
    name: 'scatter_gather whose intermediates pay the sink before they were paid',
    specs: [
      ...range(4).map((i) => ({ from: 'S', to: `SM${i}`, yuan: 10_000, hour: 320 + i })),
      ...range(4).map((i) => ({ from: `SM${i}`, to: 'SK', yuan: 9_500, hour: 300 + i })),
    ],
  },
  {
    name: 'gather_scatter passing on a quarter of what came in',
    specs: [
      ...range(4).map((i) => ({ from: `GS${i}`, to: 'H', yuan: 10_000, hour: 400 + i })),
      ...range(4).map((i) => ({ from: 'H', to: `GT${i}`, yuan: 2_500, hour: 410 + i })),
    ],
  },
  {
    name: 'bipartite without a second receiver per sender',
    specs: range(6).map((i) => ({ from: `B${i}`, to: `BR${i % 3}`, yuan: 10_000, hour: 900 + i })),
  },
  {
    name: 'stack whose middle layer pays on before it was paid',
    specs: [
      ...range(4).map((i) => ({ from: `K${Math.floor(i / 2)}`, to: `KM${i % 2}`, yuan: 30_000, hour: 1010 + i })),
      ...range(4).map((i) => ({ from: `KM${Math.floor(i / 2)}`, to: `KB${i % 2}`, yuan: 2_900, hour: 1000 + i })),
    ],
  },
  {
    name: 'structuring: only two transfers below the threshold',
    specs: range(2).map((i) => ({ from: 'ST', to: 'STR', yuan: 49_000, hour: 500 + i * 20 })),
  },
  {
    name: 'structuring: 4 transfers at or above the threshold (reported, not hidden)',
    specs: range(4).map((i) => ({ from: 'ST', to: 'STR', yuan: 50_000 + i, hour: 500 + i * 20 })),
  },
  {
    name: 'structuring: 3 transfers 8 days apart',
    specs: range(3).map((i) => ({ from: 'ST', to: 'STR', yuan: 49_000, hour: 500 + i * 24 * 4 })),
  },
  {
    name: 'friends chip in for a gift: 10 small transfers, no top-ups',
    specs: range(10).map((i) => ({ from: `FR${i}`, to: 'GIFT', yuan: 2_000 + i * 10, hour: 600 + i })),
  },
  {
    name: 'one pass-through (a gift paid on for rent)',
    specs: [
      { from: 'X1', to: 'MULE', yuan: 20_000, hour: 700 },
      { from: 'MULE', to: 'Y1', yuan: 19_000, hour: 705 },
    ],
  },
  {
    name: 'dormant: first move ever after the data starts (no move before the spell)',
    specs: [
      { from: 'NEW', to: 'DZ', yuan: 30_000, hour: 24 * 70 },
      { from: 'NEW', to: 'DW', yuan: 30_000, hour: 24 * 71 },
      { from: 'NEW', to: 'DV', yuan: 30_000, hour: 24 * 72 },
    ],
  },
  {
    name: 'dormant: idle 30 days only',
    specs: [
      { from: 'D', to: 'DX', yuan: 100, hour: 24 * 40 },
      { from: 'D', to: 'DZ', yuan: 30_000, hour: 24 * 70 },
      { from: 'D', to: 'DW', yuan: 30_000, hour: 24 * 71 },
      { from: 'D', to: 'DV', yuan: 30_000, hour: 24 * 72 },
    ],
  },
];

describe('scanTransfers', () => {
  it('raises nothing on the licit background alone', () => {
    expect(scanTransfers(background).alerts).toEqual([]);
  });

  it.each(positives)('finds $name', ({ pattern, specs }) => {
    // "D" needs a move before its idle spell; harmless for the other cases.
    const records = transfers('case', [{ from: 'D', to: 'DX', yuan: 100, hour: 0 }, ...specs]);
    const expected = records
      .slice(1)
      .sort((a, b) => a.timestampMs - b.timestampMs || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const alerts = alertsOn(records);
    expect(alerts.map((a) => a.pattern)).toEqual([pattern]);
    expect(alerts[0]?.transactionIds).toEqual(expected);
    expect(alerts[0]?.score).toBeGreaterThan(0);
    expect(alerts[0]?.score).toBeLessThanOrEqual(1);
  });

  it.each(negatives)('ignores $name', ({ specs }) => {
    const records = transfers('case', specs);
    const ids = new Set(records.map((r) => r.id));
    const hits = alertsOn(records).filter((a) => a.transactionIds.some((id) => ids.has(id)));
    expect(hits).toEqual([]);
  });

  it('reports the parts of a composite when only they are enabled', () => {
    const sg = positives.find((p) => p.name.startsWith('scatter_gather: 8'));
    const records = transfers('case', sg?.specs ?? []);
    const patterns = (only: LaunderingPattern[]) =>
      scanTransfers([...background, ...records], { patterns: only }).alerts.map((a) => a.pattern);
    expect(patterns(['fan_out', 'fan_in'])).toEqual(['fan_out', 'fan_in']);
    expect(patterns(['fan_out', 'fan_in', 'scatter_gather'])).toEqual(['scatter_gather']);
  });

  it("keeps a mule's pass-throughs together when one of them is a scatter-gather's middle hop", () => {
    const records = transfers('case', [
      // MULE is one of the scatter-gather's intermediates...
      ...range(4).map((i) => ({ from: 'S', to: i === 0 ? 'MULE' : `SM${i}`, yuan: 20_000, hour: 300 + i })),
      ...range(4).map((i) => ({ from: i === 0 ? 'MULE' : `SM${i}`, to: 'SK', yuan: 19_000, hour: 310 + i })),
      // ...and passes money straight on twice more that month.
      { from: 'X1', to: 'MULE', yuan: 50_000, hour: 400 },
      { from: 'MULE', to: 'Y1', yuan: 48_000, hour: 405 },
      { from: 'X2', to: 'MULE', yuan: 80_000, hour: 500 },
      { from: 'MULE', to: 'Y2', yuan: 78_000, hour: 510 },
    ]);
    const alerts = alertsOn(records);
    // Both start with S → MULE, so they sort by pattern name.
    expect(alerts.map((a) => [a.pattern, a.transactionIds.length])).toEqual([
      ['rapid_pass_through', 6],
      ['scatter_gather', 8],
    ]);
  });

  it('writes a plain-language explanation with grouped amounts and the span', () => {
    const [alert] = alertsOn(transfers('case', positives[0]?.specs ?? []));
    expect(alert?.explanation).toBe(
      'Account A sent 6 transfers totalling 130,500.00 CNY to 6 accounts within 15 h; amounts within 15% of each other',
    );
    expect(alert?.accounts).toEqual(['A', 'R0', 'R1', 'R2', 'R3', 'R4', 'R5']);
    expect(alert?.windowStart).toBe('2025-01-10T04:00:00.000Z');
    expect(alert?.windowEnd).toBe('2025-01-10T19:00:00.000Z');
  });

  it('structures below a configured threshold', () => {
    const records = transfers(
      'case',
      range(3).map((i) => ({ from: 'ST', to: 'STR', yuan: 9_500 + i * 100, hour: 500 + i })),
    );
    const at = (yuan: bigint) =>
      scanTransfers(records, { thresholdMinor: yuan * 100n, patterns: ['structuring'] }).alerts.length;
    expect([at(10_000n), at(50_000n), at(9_600n)]).toEqual([1, 0, 0]);
  });

  it('leaves transfers in other currencies out and counts them', () => {
    const records = transfers('case', positives[0]?.specs.map((s) => ({ ...s, currency: 'USD' })) ?? []);
    const result = scanTransfers(records);
    expect(result.alerts).toEqual([]);
    expect(result.stats.skippedOtherCurrency).toBe(6);
    expect(scanTransfers(records, { currency: 'USD' }).alerts.map((a) => a.pattern)).toEqual(['fan_out']);
  });

  it.each([
    { options: { currency: 'cny' }, field: 'currency' },
    { options: { thresholdMinor: 0n }, field: 'thresholdMinor' },
    { options: { patterns: ['fan_out', 'smurf'] as unknown as LaunderingPattern[] }, field: 'patterns' },
    { options: { windows: { fanMs: -1 } }, field: 'windows.fanMs' },
    { options: { parameters: { fanCountMin: 1 } }, field: 'parameters.fanCountMin' },
    { options: { parameters: { forwardShareMin: 1.2 } }, field: 'parameters.forwardShareMin' },
    { options: { limits: { pathHopsMax: 7 } }, field: 'limits.pathHopsMax' },
    { options: { suppressCoverageMin: 0 }, field: 'suppressCoverageMin' },
  ] as const)('refuses bad options, naming $field', ({ options, field }) => {
    expect(() => scanTransfers([], options)).toThrowError(
      expect.objectContaining({ code: 'options_invalid', subject: field }),
    );
  });

  it('refuses an amount the graph cannot hold exactly, naming the transfer', () => {
    const [record] = transfers('huge', [{ from: 'A', to: 'B', yuan: 1e12, hour: 0 }]);
    expect(() => scanTransfers(record === undefined ? [] : [record])).toThrowError(
      expect.objectContaining({ code: 'amount_out_of_range', subject: 'huge-0' }),
    );
  });

  it('idles dormant accounts by the configured window', () => {
    const records = transfers('case', [
      { from: 'D', to: 'DX', yuan: 100, hour: 0 },
      ...range(3).map((i) => ({ from: 'D', to: `DZ${i}`, yuan: 20_000, hour: (40 * DAY_MS) / 3_600_000 + i })),
    ]);
    const found = (idleDays: number) =>
      scanTransfers(records, { patterns: ['dormant_activation'], windows: { dormantIdleMs: idleDays * DAY_MS } }).alerts
        .length;
    expect([found(60), found(30)]).toEqual([0, 1]);
  });
});
