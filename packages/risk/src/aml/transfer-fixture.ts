/**
 * Hand-built transfers for the AML tests: a person-to-person CNY transfer unless told otherwise,
 * times in hours from a fixed start, amounts in whole yuan.
 */
import type { Channel, TransferRecord } from '../transfer-record.ts';

export const FIXTURE_START_MS = Date.UTC(2025, 0, 6, 0, 0, 0);
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface FixtureTransfer {
  readonly from: string;
  readonly to: string;
  /** Whole yuan (may have fen as a fraction: 49_999.99). */
  readonly yuan: number;
  /** Hours after `FIXTURE_START_MS`. */
  readonly hour: number;
  readonly channel?: Channel;
  readonly merchantId?: string;
  readonly mcc?: string;
  readonly id?: string;
  readonly currency?: string;
}

let counter = 0;

/** One record; ids are `T` + a running number unless given, so tests name what they check. */
export function transfer(spec: FixtureTransfer): TransferRecord {
  counter += 1;
  return {
    id: spec.id ?? `T${String(counter).padStart(6, '0')}`,
    timestampMs: FIXTURE_START_MS + Math.round(spec.hour * HOUR_MS),
    fromAccount: spec.from,
    toAccount: spec.to,
    amount: BigInt(Math.round(spec.yuan * 100)),
    currency: spec.currency ?? 'CNY',
    channel: spec.channel ?? 'transfer',
    mcc: spec.mcc ?? null,
    merchantId: spec.merchantId ?? null,
    deviceId: null,
    ipRegion: null,
    lat: null,
    lon: null,
  };
}

/** Records with ids `<prefix>-0`, `<prefix>-1`, … in the order given. */
export function transfers(prefix: string, specs: readonly Omit<FixtureTransfer, 'id'>[]): TransferRecord[] {
  return specs.map((spec, i) => transfer({ ...spec, id: `${prefix}-${i}` }));
}

/**
 * Ordinary life around the patterns, so a detector is shown not to fire on it: shoppers paying
 * merchants, friends, red envelopes, rent, top-ups, withdrawals and payouts, over `days` days.
 * Deterministic: a fixed linear congruential sequence, no wall clock.
 */
export function licitBackground(days: number, people = 60): TransferRecord[] {
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const person = (i: number) => `P${String(i % people).padStart(4, '0')}`;
  const out: TransferRecord[] = [];
  let n = 0;
  const add = (spec: Omit<FixtureTransfer, 'id'>) => {
    out.push(transfer({ ...spec, id: `bg-${n++}` }));
  };
  for (let day = 0; day < days; day++) {
    for (let p = 0; p < people; p++) {
      const base = day * 24;
      // Meals and shopping: a merchant's fan-in from many payers.
      add({
        from: person(p),
        to: 'M-CANTEEN',
        yuan: 15 + Math.round(next() * 40),
        hour: base + 7 + next() * 2,
        channel: 'qr',
        merchantId: 'M-CANTEEN',
        mcc: '5812',
      });
      add({
        from: person(p),
        to: 'M-SHOP',
        yuan: 50 + Math.round(next() * 500),
        hour: base + 18 + next() * 3,
        channel: 'pay_code',
        merchantId: 'M-SHOP',
        mcc: '5411',
      });
      if (next() < 0.3)
        add({
          from: person(p),
          to: person(p + 1 + Math.floor(next() * 5)),
          yuan: 20 + Math.round(next() * 800),
          hour: base + 12 + next() * 8,
        });
      if (next() < 0.05)
        add({
          from: `BANK-${person(p)}`,
          to: person(p),
          yuan: 500 + Math.round(next() * 5000),
          hour: base + 9 + next(),
          channel: 'topup',
        });
      if (next() < 0.02)
        add({
          from: person(p),
          to: `BANK-${person(p)}`,
          yuan: 300 + Math.round(next() * 3000),
          hour: base + 10 + next(),
          channel: 'withdrawal',
        });
    }
    add({
      from: 'M-CANTEEN',
      to: 'BANK-M-CANTEEN',
      yuan: 20_000 + Math.round(next() * 30_000),
      hour: day * 24 + 23,
      channel: 'payout',
    });
    add({
      from: 'M-SHOP',
      to: 'BANK-M-SHOP',
      yuan: 45_000 + Math.round(next() * 4_999),
      hour: day * 24 + 23.5,
      channel: 'payout',
    });
    if (day % 30 === 0) {
      // Rent: four tenants pay one landlord.
      for (let t = 0; t < 4; t++)
        add({
          from: person(10 + t),
          to: 'P-LANDLORD',
          yuan: 1_500 + Math.round(next() * 4_500),
          hour: day * 24 + 9 + t,
        });
    }
    if (day % 10 === 5) {
      // Red envelopes: small sums to many contacts within minutes.
      for (let c = 0; c < 12; c++)
        add({
          from: person(day),
          to: person(day + 1 + c),
          yuan: 8 + Math.round(next() * 180),
          hour: day * 24 + 20 + c / 60,
        });
    }
  }
  return out;
}
