/**
 * Card and account fraud of `docs/aml-patterns.md`, placed directly on a victim: an account
 * takeover from a new device elsewhere, a first high payment from a new device, payments far
 * apart within the hour, and card testing with tiny amounts before a cash-out.
 */
import { assertNever } from '@paychain/core';
import { DAY_MS } from '../csv/civil-date.ts';
import type { FraudPattern } from '../transfer-record.ts';
import { MERCHANT_PAYMENTS_PER_DAY } from './background.ts';
import { HOUR_MS, MINUTE_MS } from './calendar.ts';
import { type Draft, type DraftFactory, realCnyToMinor } from './draft.ts';
import { MERCHANT_CATEGORIES } from './mcc.ts';
import type { UserPicker } from './picker.ts';
import { FAVOURITES, FLAG_DORMANT, FLAG_IDLE, FLAG_IN_INSTANCE, FLAG_VICTIM, type Population } from './population.ts';
import { REGIONS, regionsFartherThan } from './regions.ts';
import { pickCumulative, type Rng } from './rng.ts';

/**
 * Far enough between region centres that two payments stay over 500 km apart: each lies within
 * 0.36° of latitude and 0.45° of longitude of its centre (`locationNear`), under 65 km.
 */
const GEO_VELOCITY_KM_MIN = 650;
/** A victim has at least this much history before the fraud. */
const VICTIM_HISTORY_MS = 30 * DAY_MS;
/** A victim pays regularly (at least half the average rate), so "usual" and "typical" mean something. */
const VICTIM_ACTIVITY_MIN = 0.5;
const VICTIM_TRIES = 32;
/** A victim is neither idle nor dormant, and a victim once; ordinary users are preferred to launderers. */
const VICTIM_EXCLUDED = FLAG_IDLE | FLAG_DORMANT | FLAG_VICTIM;

export interface FraudContext {
  readonly pop: Population;
  readonly rng: Rng;
  readonly drafts: DraftFactory;
  readonly picker: UserPicker;
  readonly startMs: number;
  readonly endMs: number;
  /** Where a new device spends big, and where card testers cash out (may be empty). */
  readonly highTicketMerchants: readonly number[];
  readonly cashOutMerchants: readonly number[];
}

/** Categories of a first high payment from a new device. */
export const HIGH_TICKET_MCCS: readonly string[] = ['5732', '6051', '7995', '5311', '5999'];

export interface PlacedInstance {
  readonly accounts: readonly string[];
  /** The instance's labelled transfers, then licit context (such as the genuine payment before a far one). */
  readonly labelled: readonly Draft[];
  readonly context: readonly Draft[];
}

const FAR_REGIONS = regionsFartherThan(GEO_VELOCITY_KM_MIN);

export function merchantsWithMcc(pop: Population, mccs: readonly string[]): number[] {
  const out: number[] = [];
  for (let m = 0; m < pop.merchantCount; m += 1) {
    if (mccs.includes(MERCHANT_CATEGORIES[pop.merchantCategory[m] ?? 0]?.mcc ?? '')) out.push(m);
  }
  return out;
}

function distinct(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Places one instance of `pattern` on a fresh victim, or returns null when no victim is left. */
export function placeFraud(pattern: FraudPattern, ctx: FraudContext, instance: number): PlacedInstance | null {
  const { pop, rng, drafts } = ctx;
  const t0 = ctx.startMs + HOUR_MS + Math.floor(rng.float() * Math.max(0, ctx.endMs - ctx.startMs - 3 * HOUR_MS));
  let victim = -1;
  for (let tries = 0; tries < VICTIM_TRIES && victim < 0; tries += 1) {
    const candidate = ctx.picker.pick(t0 - VICTIM_HISTORY_MS, VICTIM_EXCLUDED, FLAG_IN_INSTANCE, []);
    if (candidate >= 0 && (pop.activity[candidate] ?? 0) >= VICTIM_ACTIVITY_MIN) victim = candidate;
  }
  if (victim < 0) return null;
  pop.flags[victim] = (pop.flags[victim] ?? 0) | FLAG_VICTIM;
  const home = pop.homeRegion[victim] ?? 0;
  const victimId = pop.userIds[victim] ?? '';
  switch (pattern) {
    case 'account_takeover': {
      const device = pop.newFraudDevice();
      const away = (home + 1 + rng.below(REGIONS.length - 1)) % REGIONS.length;
      const count = rng.int(1, 4);
      const payees = ctx.picker.pickMany(count, t0, FLAG_IDLE | FLAG_DORMANT | FLAG_VICTIM, FLAG_IN_INSTANCE, [
        victim,
        ...pop.contactsOf(victim),
      ]);
      if (payees === null) return null;
      for (const payee of payees) {
        pop.flags[payee] = (pop.flags[payee] ?? 0) | FLAG_IN_INSTANCE;
        pop.forbidPayee(victim, payee);
      }
      const monthlyCny = pop.typicalPaymentCny(victim) * MERCHANT_PAYMENTS_PER_DAY * (pop.activity[victim] ?? 1) * 30;
      const total = realCnyToMinor(monthlyCny * rng.uniform(0.5, 1));
      const times = payees.map(() => t0 + rng.below(HOUR_MS)).sort((a, b) => a - b);
      const labelled = payees.map((payee, i) => {
        const amount =
          i === payees.length - 1 ? total - (total / BigInt(count)) * BigInt(count - 1) : total / BigInt(count);
        return drafts.transfer(
          times[i] ?? t0,
          victim,
          payee,
          amount > 0n ? amount : 1n,
          away,
          pattern,
          instance,
          device,
        );
      });
      return { accounts: [victimId, ...payees.map((p) => pop.userIds[p] ?? '')], labelled, context: [] };
    }
    case 'new_device_high_amount': {
      const device = pop.newFraudDevice();
      const shops = ctx.highTicketMerchants;
      const merchant = shops.length > 0 ? rng.pick(shops) : pop.merchantIn(rng, home);
      const amount = realCnyToMinor(pop.typicalPaymentCny(victim) * rng.uniform(5, 20));
      const payment = drafts.merchantPayment(
        rng,
        t0,
        victim,
        merchant,
        amount,
        'online',
        device,
        home,
        pattern,
        instance,
      );
      return { accounts: [victimId, pop.merchantAccountIds[merchant] ?? ''], labelled: [payment], context: [] };
    }
    case 'geo_velocity': {
      const far = rng.pick(FAR_REGIONS[home] ?? []);
      const device = pop.deviceA[victim] ?? 0;
      const local = pop.favourites[victim * FAVOURITES + rng.below(FAVOURITES)] ?? 0;
      const genuine = drafts.merchantPayment(
        rng,
        t0,
        victim,
        local,
        realCnyToMinor(rng.logNormal(pop.typicalPaymentCny(victim), 0.5)),
        'qr',
        device,
        home,
      );
      const count = rng.int(1, 2);
      const times = Array.from(
        { length: count },
        () => t0 + Math.floor(rng.uniform(5 * MINUTE_MS, 55 * MINUTE_MS)),
      ).sort((a, b) => a - b);
      const labelled = times.map((t) => {
        const merchant = pop.merchantIn(rng, far);
        const amount = realCnyToMinor(pop.typicalPaymentCny(victim) * rng.uniform(1, 5));
        return drafts.merchantPayment(rng, t, victim, merchant, amount, 'pay_code', device, far, pattern, instance);
      });
      const merchants = labelled.map((d) => d.to);
      return { accounts: distinct([victimId, ...merchants]), labelled, context: [genuine] };
    }
    case 'card_testing': {
      const device = pop.newFraudDevice();
      const region = rng.below(REGIONS.length);
      const count = rng.int(5, 20);
      const times = Array.from({ length: count }, () => t0 + rng.below(10 * MINUTE_MS)).sort((a, b) => a - b);
      const labelled = times.map((t) => {
        const merchant = pickCumulative(rng, pop.allMerchantsCumulative);
        return drafts.merchantPayment(
          rng,
          t,
          victim,
          merchant,
          BigInt(rng.int(1, 200)),
          'online',
          device,
          region,
          pattern,
          instance,
        );
      });
      if (rng.chance(0.7)) {
        const shops = ctx.cashOutMerchants;
        const merchant = shops.length > 0 ? rng.pick(shops) : pickCumulative(rng, pop.allMerchantsCumulative);
        const t = (times[times.length - 1] ?? t0) + Math.floor(rng.uniform(MINUTE_MS, 30 * MINUTE_MS));
        const amount = realCnyToMinor(rng.uniform(1_000, 10_000));
        labelled.push(
          drafts.merchantPayment(rng, t, victim, merchant, amount, 'online', device, region, pattern, instance),
        );
      }
      return { accounts: distinct([victimId, ...labelled.map((d) => d.to)]), labelled, context: [] };
    }
    default:
      return assertNever(pattern, 'fraud pattern');
  }
}

/** About how many transactions an instance has, to size the injected share. */
export const FRAUD_TRANSACTIONS_MEAN: Readonly<Record<FraudPattern, number>> = {
  account_takeover: 2.5,
  new_device_high_amount: 1,
  geo_velocity: 1.5,
  card_testing: 13.2,
};
