// Goal: the generated data set holds what docs/aml-patterns.md promises — every pattern with its
// documented shape, amounts and time order, exactly one label per transfer, at least 1 % illicit,
// the licit look-alikes, and the options honoured. Method: one small data set per seed (400 users,
// 75 days, so dormant activation fits), checked instance by instance against the spec.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../csv/civil-date.ts';
import { LABEL_PATTERNS } from '../csv/labels-csv.ts';
import {
  FRAUD_PATTERNS,
  LAUNDERING_PATTERNS,
  type LabelPattern,
  type TransferRecord,
  UNPATTERNED,
} from '../transfer-record.ts';
import { HOUR_MS, MINUTE_MS } from './calendar.ts';
import { distanceKm } from './regions.ts';
import {
  generateTransfers,
  SYNTH_START_DEFAULT_MS,
  type SyntheticData,
  type SynthOptions,
  SynthOptionsError,
} from './synthetic-dataset.ts';

const SEED = 20_260_101;
const OPTIONS = { seed: SEED, users: 400, merchants: 30, days: 75 } as const;
const data = generateTransfers(OPTIONS);
const byId = new Map(data.transfers.map((t) => [t.id, t]));
const CNY = 100n;

function instancesOf(pattern: LabelPattern) {
  return data.instances
    .filter((i) => i.pattern === pattern)
    .map((i) => ({ ...i, txs: i.transactionIds.map((id) => byId.get(id) as TransferRecord) }));
}

const span = (txs: readonly TransferRecord[]) =>
  Math.max(...txs.map((t) => t.timestampMs)) - Math.min(...txs.map((t) => t.timestampMs));
const inRange = (amount: bigint, min: bigint, max: bigint) => amount >= min && amount <= max;
const ratio = (a: bigint, b: bigint) => Number(a) / Number(b);
const distinct = (values: readonly string[]) => new Set(values).size;

describe('generateTransfers: the whole data set', () => {
  it('writes every account it uses and the counts it was asked for', () => {
    const kinds = (kind: string) => data.accounts.filter((a) => a.kind === kind).length;
    expect([kinds('user'), kinds('merchant'), kinds('bank')]).toEqual([400, 30, 6]);
    const known = new Set(data.accounts.map((a) => a.accountId));
    const strangers = data.transfers.filter(
      (t) => !known.has(t.fromAccount) || !known.has(t.toAccount) || t.fromAccount === t.toAccount,
    );
    expect(strangers).toEqual([]);
  });

  it('is sorted by time inside the period, with ids increasing in that order', () => {
    const end = SYNTH_START_DEFAULT_MS + OPTIONS.days * DAY_MS;
    const outOfOrder = data.transfers.filter((t, i) => {
      const before = data.transfers[i - 1];
      const inside = t.timestampMs >= SYNTH_START_DEFAULT_MS && t.timestampMs < end;
      return !inside || (before !== undefined && (before.timestampMs > t.timestampMs || before.id >= t.id));
    });
    expect(outOfOrder).toEqual([]);
  });

  it('gives every transfer exactly one label, and every illicit one exactly one instance of its pattern', () => {
    expect(data.labels.map((l) => l.id)).toEqual(data.transfers.map((t) => t.id));
    const owner = new Map<string, LabelPattern>();
    for (const instance of data.instances) {
      for (const id of instance.transactionIds) {
        expect(owner.has(id)).toBe(false);
        owner.set(id, instance.pattern);
      }
    }
    const mislabelled = data.labels.filter(
      (label) => label.isIllicit !== (label.pattern !== null) || (owner.get(label.id) ?? null) !== label.pattern,
    );
    expect(mislabelled).toEqual([]);
  });

  it.each(LABEL_PATTERNS.map((pattern) => ({ pattern })))('injects $pattern', ({ pattern }) => {
    expect(data.counts.byPattern[pattern].instances).toBeGreaterThan(0);
    expect(data.counts.skipped[pattern]).toBe(0);
  });

  it('makes at least 1 % of transfers illicit', () => {
    expect(data.counts.illicit / data.counts.transfers).toBeGreaterThanOrEqual(0.01);
    expect(data.counts.illicit).toBe(data.labels.filter((l) => l.isIllicit).length);
  });

  it('gives laundering accounts ordinary activity too', () => {
    const launderers = new Set(
      data.instances
        .filter((i) => (LAUNDERING_PATTERNS as readonly string[]).includes(i.pattern))
        .flatMap((i) => i.accounts),
    );
    const licitFrom = new Set(
      data.transfers.filter((t) => t.channel !== 'transfer' || !launderers.has(t.toAccount)).map((t) => t.fromAccount),
    );
    const active = [...launderers].filter((a) => licitFrom.has(a));
    expect(active.length / launderers.size).toBeGreaterThan(0.8);
  });
});

describe('generateTransfers: laundering shapes as documented', () => {
  it('fan_out: one source, 5–15 payees within 1–48 h, 5,000–40,000 each, within ±10 % of a base', () => {
    for (const { accounts, txs } of instancesOf('fan_out')) {
      expect(txs.every((t) => t.fromAccount === accounts[0])).toBe(true);
      expect(distinct(txs.map((t) => t.toAccount))).toBe(txs.length);
      expect(txs.length >= 5 && txs.length <= 15).toBe(true);
      expect(span(txs) >= HOUR_MS && span(txs) <= 48 * HOUR_MS).toBe(true);
      const amounts = txs.map((t) => t.amount);
      expect(amounts.every((a) => inRange(a, 5_000n * CNY, 40_000n * CNY))).toBe(true);
      expect(
        Number(amounts.reduce((a, b) => (a > b ? a : b))) / Number(amounts.reduce((a, b) => (a < b ? a : b))),
      ).toBeLessThanOrEqual(1.1 / 0.9 + 1e-9);
    }
  });

  it('fan_in: 5–15 distinct sources to one account within 1–48 h, 5,000–40,000 each', () => {
    for (const { accounts, txs } of instancesOf('fan_in')) {
      expect(txs.every((t) => t.toAccount === accounts[0])).toBe(true);
      expect(distinct(txs.map((t) => t.fromAccount))).toBe(txs.length);
      expect(txs.length >= 5 && txs.length <= 15).toBe(true);
      expect(span(txs) >= HOUR_MS && span(txs) <= 48 * HOUR_MS).toBe(true);
      expect(txs.every((t) => inRange(t.amount, 5_000n * CNY, 40_000n * CNY))).toBe(true);
    }
  });

  it('cycle: a ring of 2–6 accounts back to the first, each hop 1–72 h later forwarding 90–99 %', () => {
    for (const { txs } of instancesOf('cycle')) {
      expect(txs.length >= 2 && txs.length <= 6).toBe(true);
      expect(distinct(txs.map((t) => t.fromAccount))).toBe(txs.length);
      expect(inRange(txs[0]?.amount ?? 0n, 20_000n * CNY, 200_000n * CNY)).toBe(true);
      for (let i = 0; i < txs.length; i += 1) {
        const hop = txs[i] as TransferRecord;
        const next = txs[(i + 1) % txs.length] as TransferRecord;
        expect(hop.toAccount).toBe(next.fromAccount);
        if (i + 1 < txs.length) {
          const gap = next.timestampMs - hop.timestampMs;
          expect(gap >= HOUR_MS && gap <= 72 * HOUR_MS).toBe(true);
          const share = ratio(next.amount, hop.amount);
          expect(share > 0.8999 && share <= 0.99).toBe(true);
        }
      }
    }
  });

  it('scatter_gather: 3–10 intermediates each forward 90–99 % to one sink 1–48 h after receiving', () => {
    for (const { accounts, txs } of instancesOf('scatter_gather')) {
      const out = txs.filter((t) => t.fromAccount === accounts[0]);
      const forwards = txs.filter((t) => t.fromAccount !== accounts[0]);
      expect(out.length >= 3 && out.length <= 10 && forwards.length === out.length).toBe(true);
      expect(span(out)).toBeLessThanOrEqual(24 * HOUR_MS);
      expect(distinct(forwards.map((t) => t.toAccount))).toBe(1);
      for (const received of out) {
        const forward = forwards.find((t) => t.fromAccount === received.toAccount) as TransferRecord;
        const gap = forward.timestampMs - received.timestampMs;
        expect(gap >= HOUR_MS && gap <= 48 * HOUR_MS).toBe(true);
        expect(ratio(forward.amount, received.amount)).toBeGreaterThan(0.8999);
        expect(ratio(forward.amount, received.amount)).toBeLessThanOrEqual(0.99);
      }
    }
  });

  it('gather_scatter: 3–10 inputs within 48 h, then 3–10 outputs of 90–99 % of them within 48 h after the last', () => {
    for (const { accounts, txs } of instancesOf('gather_scatter')) {
      const inputs = txs.filter((t) => t.toAccount === accounts[0]);
      const outputs = txs.filter((t) => t.fromAccount === accounts[0]);
      expect(inputs.length >= 3 && inputs.length <= 10 && outputs.length >= 3 && outputs.length <= 10).toBe(true);
      expect(span(inputs)).toBeLessThanOrEqual(48 * HOUR_MS);
      const lastIn = Math.max(...inputs.map((t) => t.timestampMs));
      expect(outputs.every((t) => t.timestampMs > lastIn && t.timestampMs - lastIn <= 48 * HOUR_MS)).toBe(true);
      const share = ratio(
        outputs.reduce((s, t) => s + t.amount, 0n),
        inputs.reduce((s, t) => s + t.amount, 0n),
      );
      expect(share > 0.8999 && share <= 0.99).toBe(true);
    }
  });

  it('bipartite: 3–6 senders each paying 2 or more of 3–6 receivers, 8+ edges within 72 h', () => {
    for (const { txs } of instancesOf('bipartite')) {
      const senders = new Set(txs.map((t) => t.fromAccount));
      const receivers = new Set(txs.map((t) => t.toAccount));
      expect([...senders].some((s) => receivers.has(s))).toBe(false);
      expect(senders.size >= 3 && senders.size <= 6 && receivers.size >= 3 && receivers.size <= 6).toBe(true);
      expect(txs.length).toBeGreaterThanOrEqual(8);
      for (const s of senders)
        expect(distinct(txs.filter((t) => t.fromAccount === s).map((t) => t.toAccount))).toBeGreaterThanOrEqual(2);
      expect(span(txs)).toBeLessThanOrEqual(72 * HOUR_MS);
      expect(txs.every((t) => inRange(t.amount, 5_000n * CNY, 40_000n * CNY))).toBe(true);
    }
  });

  it('stack: three layers of 2–5, each account paying each of the next layer within 24 h after it was paid', () => {
    for (const { txs } of instancesOf('stack')) {
      const senders = new Set(txs.map((t) => t.fromAccount));
      const receivers = new Set(txs.map((t) => t.toAccount));
      const first = [...senders].filter((a) => !receivers.has(a));
      const second = [...senders].filter((a) => receivers.has(a));
      const third = [...receivers].filter((a) => !senders.has(a));
      for (const layer of [first, second, third]) expect(layer.length >= 2 && layer.length <= 5).toBe(true);
      expect(txs.length).toBe(first.length * second.length + second.length * third.length);
      const firstAt = Math.min(...txs.map((t) => t.timestampMs));
      for (const t of txs.filter((t) => first.includes(t.fromAccount))) {
        expect(inRange(t.amount, 10_000n * CNY, 60_000n * CNY)).toBe(true);
        expect(t.timestampMs - firstAt).toBeLessThanOrEqual(24 * HOUR_MS);
      }
      for (const b of second) {
        const paidAt = Math.max(...txs.filter((t) => t.toAccount === b).map((t) => t.timestampMs));
        const pays = txs.filter((t) => t.fromAccount === b);
        expect(distinct(pays.map((t) => t.toAccount))).toBe(third.length);
        expect(pays.every((t) => t.timestampMs > paidAt && t.timestampMs - paidAt <= 24 * HOUR_MS)).toBe(true);
      }
    }
  });

  it('structuring: 3–10 transfers from 90 % of the threshold to just below it, within 1–7 days', () => {
    for (const { accounts, txs } of instancesOf('structuring')) {
      expect(txs.every((t) => t.fromAccount === accounts[0])).toBe(true);
      expect(txs.length >= 3 && txs.length <= 10).toBe(true);
      expect(txs.every((t) => inRange(t.amount, 45_000n * CNY, 49_999n * CNY + 99n))).toBe(true);
      expect(span(txs) >= DAY_MS && span(txs) <= 7 * DAY_MS).toBe(true);
      expect(distinct(txs.map((t) => t.toAccount))).toBeLessThanOrEqual(3);
    }
  });

  it('smurfing: 8–25 accounts each top up and within 24 h send 2,000–9,999 to one collector, within 7 days', () => {
    for (const { accounts, txs } of instancesOf('smurfing')) {
      const sends = txs.filter((t) => t.channel === 'transfer');
      expect(sends.every((t) => t.toAccount === accounts[0])).toBe(true);
      expect(sends.length >= 8 && sends.length <= 25).toBe(true);
      expect(distinct(sends.map((t) => t.fromAccount))).toBe(sends.length);
      expect(span(txs)).toBeLessThanOrEqual(7 * DAY_MS);
      for (const send of sends) {
        expect(inRange(send.amount, 2_000n * CNY, 9_999n * CNY)).toBe(true);
        const topup = txs.find((t) => t.channel === 'topup' && t.toAccount === send.fromAccount) as TransferRecord;
        expect(topup.fromAccount.startsWith('BANK-')).toBe(true);
        const gap = send.timestampMs - topup.timestampMs;
        expect(gap >= 10 * MINUTE_MS && gap <= 24 * HOUR_MS && topup.amount >= send.amount).toBe(true);
      }
    }
  });

  it('rapid_pass_through: 2–5 times a mule gets 10,000–200,000 and sends 90–100 % on within 1–24 h, within 30 days', () => {
    for (const { accounts, txs } of instancesOf('rapid_pass_through')) {
      const incoming = txs.filter((t) => t.toAccount === accounts[0]);
      const outgoing = txs.filter((t) => t.fromAccount === accounts[0]);
      expect(incoming.length >= 2 && incoming.length <= 5 && outgoing.length === incoming.length).toBe(true);
      expect(span(txs)).toBeLessThanOrEqual(30 * DAY_MS);
      for (const received of incoming) {
        expect(inRange(received.amount, 10_000n * CNY, 200_000n * CNY)).toBe(true);
        const sent = outgoing.some((t) => {
          const gap = t.timestampMs - received.timestampMs;
          const share = ratio(t.amount, received.amount);
          return gap >= HOUR_MS && gap <= 24 * HOUR_MS && share > 0.8999 && share <= 1;
        });
        expect(sent).toBe(true);
      }
    }
  });

  it('dormant_activation: after a move in the data and 60+ idle days, 3+ transfers over 50,000 within 7 days', () => {
    for (const { accounts, txs } of instancesOf('dormant_activation')) {
      const account = accounts[0] as string;
      expect(txs.every((t) => t.fromAccount === account || t.toAccount === account)).toBe(true);
      expect(txs.length).toBeGreaterThanOrEqual(3);
      expect(txs.reduce((s, t) => s + t.amount, 0n)).toBeGreaterThan(50_000n * CNY);
      expect(span(txs)).toBeLessThanOrEqual(7 * DAY_MS);
      const wake = Math.min(...txs.map((t) => t.timestampMs));
      const before = data.transfers.filter(
        (t) => t.timestampMs < wake && (t.fromAccount === account || t.toAccount === account),
      );
      expect(before.length).toBeGreaterThan(0);
      expect(wake - Math.max(...before.map((t) => t.timestampMs))).toBeGreaterThanOrEqual(60 * DAY_MS);
    }
  });
});

describe('generateTransfers: fraud and unpatterned', () => {
  const earlier = (account: string, at: number) =>
    data.transfers.filter((t) => t.fromAccount === account && t.timestampMs < at);
  const home = new Map(data.accounts.map((a) => [a.accountId, a.region]));

  it('account_takeover: a new device in another region, 1–4 transfers within an hour to payees never paid', () => {
    for (const { accounts, txs } of instancesOf('account_takeover')) {
      const victim = accounts[0] as string;
      const before = earlier(victim, txs[0]?.timestampMs ?? 0);
      expect(txs.length >= 1 && txs.length <= 4 && span(txs) <= HOUR_MS).toBe(true);
      for (const t of txs) {
        expect(t.fromAccount === victim && t.channel === 'transfer').toBe(true);
        expect(before.some((b) => b.deviceId === t.deviceId || b.toAccount === t.toAccount)).toBe(false);
        expect(t.ipRegion).not.toBe(home.get(victim));
      }
    }
  });

  it('new_device_high_amount: a first payment from a new device above the account’s usual amounts', () => {
    for (const { accounts, txs } of instancesOf('new_device_high_amount')) {
      const t = txs[0] as TransferRecord;
      const before = earlier(accounts[0] as string, t.timestampMs).filter((b) => b.merchantId !== null);
      expect(txs.length === 1 && t.merchantId !== null).toBe(true);
      expect(before.some((b) => b.deviceId === t.deviceId)).toBe(false);
      const amounts = before.map((b) => b.amount).sort((a, b) => (a < b ? -1 : 1));
      expect(t.amount).toBeGreaterThan(amounts[Math.floor(amounts.length / 2)] ?? 0n);
    }
  });

  it('geo_velocity: each labelled payment is over 500 km from a payment less than an hour before', () => {
    for (const { accounts, txs } of instancesOf('geo_velocity')) {
      for (const t of txs) {
        const near = earlier(accounts[0] as string, t.timestampMs).filter(
          (b) => t.timestampMs - b.timestampMs < HOUR_MS && b.lat !== null && b.lon !== null,
        );
        const far = near.some((b) => distanceKm(b.lat ?? 0, b.lon ?? 0, t.lat ?? 0, t.lon ?? 0) > 500);
        expect(far).toBe(true);
      }
    }
  });

  it('card_testing: 5–20 payments of 0.01–2.00 within 10 minutes, then at most one large one', () => {
    for (const { txs } of instancesOf('card_testing')) {
      const tests = txs.filter((t) => t.amount <= 200n);
      const large = txs.filter((t) => t.amount > 200n);
      expect(tests.length >= 5 && tests.length <= 20 && span(tests) <= 10 * MINUTE_MS).toBe(true);
      expect(large.length).toBeLessThanOrEqual(1);
      expect(txs.every((t) => t.merchantId !== null && t.channel === 'online')).toBe(true);
    }
  });

  it('unpatterned: single transfers between two users', () => {
    for (const { txs } of instancesOf(UNPATTERNED)) {
      expect(txs.length === 1 && txs[0]?.channel === 'transfer').toBe(true);
    }
  });

  it('counts every fraud pattern', () => {
    for (const pattern of FRAUD_PATTERNS) expect(instancesOf(pattern).length).toBeGreaterThan(0);
  });
});

describe('generateTransfers: licit look-alikes', () => {
  const licit = data.transfers.filter((_, i) => !data.labels[i]?.isIllicit);

  it('has red envelopes: 5 or more small transfers from one user within minutes', () => {
    const small = licit.filter((t) => t.channel === 'transfer' && t.amount < 200n * CNY);
    const bursts = new Set<string>();
    for (const t of small) {
      const burst = small.filter(
        (o) => o.fromAccount === t.fromAccount && Math.abs(o.timestampMs - t.timestampMs) <= 5 * MINUTE_MS,
      );
      if (burst.length >= 5) bursts.add(t.fromAccount);
    }
    expect(bursts.size).toBeGreaterThan(0);
  });

  it('has rent: several tenants paying one landlord 1,500–6,000 in round hundreds', () => {
    const rent = licit.filter(
      (t) =>
        t.channel === 'transfer' && inRange(t.amount, 1_500n * CNY, 6_000n * CNY) && t.amount % (100n * CNY) === 0n,
    );
    const payers = new Map<string, Set<string>>();
    for (const t of rent) payers.set(t.toAccount, (payers.get(t.toAccount) ?? new Set()).add(t.fromAccount));
    expect([...payers.values()].some((p) => p.size >= 2)).toBe(true);
  });

  it('has merchant fan-in: merchants paid by many distinct users within two days', () => {
    const firstTwoDays = licit.filter(
      (t) => t.merchantId !== null && t.timestampMs < SYNTH_START_DEFAULT_MS + 2 * DAY_MS,
    );
    const payers = new Map<string, Set<string>>();
    for (const t of firstTwoDays) payers.set(t.toAccount, (payers.get(t.toAccount) ?? new Set()).add(t.fromAccount));
    expect(Math.max(...[...payers.values()].map((p) => p.size))).toBeGreaterThanOrEqual(15);
  });

  it('has licit transfers of 10,000 or more, so that a large amount alone is not illicit', () => {
    expect(licit.filter((t) => t.channel === 'transfer' && t.amount >= 10_000n * CNY).length).toBeGreaterThan(0);
  });
});

describe('generateTransfers: options', () => {
  it('structures below the threshold it is given', () => {
    const small: SyntheticData = generateTransfers({
      seed: 5,
      users: 200,
      merchants: 10,
      days: 20,
      thresholdMinor: 10_000n * CNY,
    });
    const txs = small.instances
      .filter((i) => i.pattern === 'structuring')
      .flatMap((i) => i.transactionIds.map((id) => small.transfers.find((t) => t.id === id) as TransferRecord));
    expect(txs.length).toBeGreaterThan(0);
    expect(txs.every((t) => inRange(t.amount, 9_000n * CNY, 9_999n * CNY + 99n))).toBe(true);
    expect(small.counts.notes.some((n) => n.startsWith('dormant_activation'))).toBe(true);
    expect(small.counts.byPattern.dormant_activation.instances).toBe(0);
  });

  it('depends on the seed', () => {
    const a = generateTransfers({ seed: 1, users: 100, merchants: 5, days: 3 });
    const b = generateTransfers({ seed: 1, users: 100, merchants: 5, days: 3 });
    const c = generateTransfers({ seed: 2, users: 100, merchants: 5, days: 3 });
    expect(b.transfers).toEqual(a.transfers);
    expect(b.instances).toEqual(a.instances);
    expect(c.transfers).not.toEqual(a.transfers);
  });

  it.each<[string, Partial<SynthOptions>]>([
    ['seed', { seed: -1 }],
    ['seed', { seed: 1.5 }],
    ['users', { users: 99 }],
    ['users', { users: 10_000_000 }],
    ['merchants', { merchants: 0 }],
    ['days', { days: 0 }],
    ['days', { days: 3661 }],
    ['threshold', { thresholdMinor: 99n }],
    ['illicitRate', { illicitRate: 0 }],
    ['illicitRate', { illicitRate: 0.5 }],
    ['fraudRate', { fraudRate: 0.015 }],
  ])('refuses a bad %s: %o', (option, patch) => {
    const run = () => generateTransfers({ seed: 1, users: 100, merchants: 5, days: 2, ...patch });
    expect(run).toThrow(SynthOptionsError);
    expect(run).toThrow(expect.objectContaining({ option }));
  });
});

it('names every laundering pattern of the spec', () => {
  expect(LAUNDERING_PATTERNS.every((p) => data.counts.byPattern[p].instances > 0)).toBe(true);
});
