/**
 * Licit activity, one day at a time: merchant payments by the daily rhythm, transfers to friends
 * and family, red envelopes at festivals, rent around the first of the month, top-ups and
 * withdrawals, large one-off transfers, merchants' payouts of the previous day's takings; now and
 * then a user travels to another region for the day or gets a new phone. These are the
 * look-alikes the detectors must leave alone.
 */
import { HOUR_MS, MINUTE_MS, rhythmSlot, type SynthDay, synthDay, timeInSlot } from './calendar.ts';
import { cnyToMinor, type Draft, type DraftFactory, realCnyToMinor } from './draft.ts';
import { MERCHANT_CATEGORIES } from './mcc.ts';
import { FAVOURITES, type Population } from './population.ts';
import { REGIONS } from './regions.ts';
import { cumulativeOf, pickCumulative, Rng } from './rng.ts';

/** Mean events per active user and day (before the user's activity multiplier for merchant payments). */
export const MERCHANT_PAYMENTS_PER_DAY = 1.25;
const FRIEND_TRANSFERS_PER_DAY = 0.1;
const FAMILY_TRANSFERS_PER_DAY = 0.025;
const TOPUPS_PER_DAY = 0.07;
const WITHDRAWALS_PER_DAY = 0.025;
const LARGE_TRANSFERS_PER_DAY = 0.0007;
/** Chance a user sends red envelopes on a day, by festival level. */
const RED_ENVELOPE_CHANCE = [0.003, 0.04, 0.25] as const;
const RED_ENVELOPE_RECIPIENTS_MIN = 5;
const RED_ENVELOPE_RECIPIENTS_MAX = 20;
const RED_ENVELOPE_LUCKY_CNY = [6.66, 8.88, 16.88, 18.88, 66.66, 88.88, 66, 88, 168, 188, 100, 50, 20];
const TRAVEL_CHANCE = 0.004;
const NEW_PHONE_CHANCE = 0.001;
const FAVOURITE_SHARE = 0.75;
const SECOND_DEVICE_SHARE = 0.2;
/** Bound on one user's events in a day, whatever the rates. */
const EVENTS_PER_USER_DAY_MAX = 40;
/** Share of the takings paid out (the rest is the acquirer's fee). */
const PAYOUT_SHARE_BP = 9940n;

const EVENT_MERCHANT = 0;
const EVENT_FRIEND = 1;
const EVENT_FAMILY = 2;
const EVENT_TOPUP = 3;
const EVENT_WITHDRAWAL = 4;
const EVENT_LARGE = 5;

/** Expected licit transfers per active user-day, for sizing the injected share up front. */
export function expectedUserDayTransfers(
  activity: number,
  dayActivity: number,
  hasFamily: boolean,
  festival: 0 | 1 | 2,
): number {
  const redEnvelopes =
    RED_ENVELOPE_CHANCE[festival] * ((RED_ENVELOPE_RECIPIENTS_MIN + RED_ENVELOPE_RECIPIENTS_MAX) / 2);
  return (
    MERCHANT_PAYMENTS_PER_DAY * activity * dayActivity +
    FRIEND_TRANSFERS_PER_DAY +
    (hasFamily ? FAMILY_TRANSFERS_PER_DAY : 0) +
    TOPUPS_PER_DAY +
    WITHDRAWALS_PER_DAY +
    LARGE_TRANSFERS_PER_DAY +
    redEnvelopes
  );
}

/** Expected licit transfers over the whole period (users, rent and payouts). */
export function expectedBackgroundTransfers(pop: Population): number {
  let total = 0;
  const days = Array.from({ length: pop.days }, (_, d) => synthDay(pop.startMs, d));
  for (const day of days) {
    for (let u = 0; u < pop.userCount; u += 1) {
      if (!pop.isActive(u, day.index)) continue;
      total += expectedUserDayTransfers(
        pop.activity[u] ?? 1,
        day.activity,
        (pop.familyCount[u] ?? 0) > 0,
        day.festival,
      );
    }
  }
  total += (pop.tenancies.tenant.length * pop.days) / 30;
  total += pop.merchantCount * Math.max(0, pop.days - 1);
  return total;
}

export class BackgroundGenerator {
  private readonly pop: Population;
  private readonly rng: Rng;
  private readonly drafts: DraftFactory;
  private readonly takings: BigInt64Array;
  private readonly regionCumulative = cumulativeOf(REGIONS.map((r) => r.weight));
  /** Cumulative event rates of the current user-day, reused to spare an allocation per user. */
  private readonly eventCumulative = new Float64Array(6);

  constructor(pop: Population, seed: number, drafts: DraftFactory) {
    this.pop = pop;
    this.rng = new Rng(seed, 3);
    this.drafts = drafts;
    this.takings = new BigInt64Array(pop.merchantCount);
  }

  /** Counts an injected merchant payment into the takings paid out the next day. */
  addTakings(merchant: number, amount: bigint): void {
    this.takings[merchant] = (this.takings[merchant] ?? 0n) + amount;
  }

  /** Appends day `day`'s licit transfers to `out`, in generation order (not sorted). */
  generateDay(day: SynthDay, out: Draft[]): void {
    this.payouts(day, out);
    this.rent(day, out);
    const pop = this.pop;
    const rng = this.rng;
    for (let u = 0; u < pop.userCount; u += 1) {
      if (!pop.isActive(u, day.index)) continue;
      const home = pop.homeRegion[u] ?? 0;
      // Only users without a role change phones or travel, so injected patterns keep their device and place.
      const ordinary = pop.flags[u] === 0;
      let travel = -1;
      if (ordinary && rng.chance(TRAVEL_CHANCE)) {
        travel = pickCumulative(rng, this.regionCumulative);
        if (travel === home) travel = -1;
      }
      if (ordinary && rng.chance(NEW_PHONE_CHANCE)) pop.deviceA[u] = pop.newDevice();
      const family = pop.familyCount[u] ?? 0;
      const merchantRate = MERCHANT_PAYMENTS_PER_DAY * (pop.activity[u] ?? 1) * day.activity;
      const cumulative = this.eventCumulative;
      cumulative[EVENT_MERCHANT] = merchantRate;
      cumulative[EVENT_FRIEND] = merchantRate + FRIEND_TRANSFERS_PER_DAY;
      cumulative[EVENT_FAMILY] = (cumulative[EVENT_FRIEND] ?? 0) + (family > 0 ? FAMILY_TRANSFERS_PER_DAY : 0);
      cumulative[EVENT_TOPUP] = (cumulative[EVENT_FAMILY] ?? 0) + TOPUPS_PER_DAY;
      cumulative[EVENT_WITHDRAWAL] = (cumulative[EVENT_TOPUP] ?? 0) + WITHDRAWALS_PER_DAY;
      cumulative[EVENT_LARGE] = (cumulative[EVENT_WITHDRAWAL] ?? 0) + LARGE_TRANSFERS_PER_DAY;
      const count = rng.poisson(cumulative[cumulative.length - 1] ?? 0, EVENTS_PER_USER_DAY_MAX);
      for (let e = 0; e < count; e += 1) {
        const kind = pickCumulative(rng, cumulative);
        const slot = rhythmSlot(rng, day);
        const region = this.regionAt(day, slot, home, travel);
        if (region < 0) continue;
        const t = timeInSlot(rng, day, slot);
        this.event(kind, day, t, u, region, travel >= 0 && region === travel, out);
      }
      if (rng.chance(RED_ENVELOPE_CHANCE[day.festival])) this.redEnvelopes(day, u, home, out);
    }
  }

  /**
   * Where a traveller is in a slot: at home in the local morning, away from 14:00 to 06:00, and
   * nowhere (no payment) in between, so that no licit pair of payments is far apart within an hour.
   */
  private regionAt(day: SynthDay, slot: number, home: number, travel: number): number {
    if (travel < 0) return home;
    const hour = day.slotLocalHour[slot] ?? 0;
    if (hour >= 8 && hour < 12) return home;
    if ((hour >= 12 && hour < 14) || (hour >= 6 && hour < 8)) return -1;
    return travel;
  }

  private event(kind: number, day: SynthDay, t: number, u: number, region: number, away: boolean, out: Draft[]): void {
    const pop = this.pop;
    const rng = this.rng;
    switch (kind) {
      case EVENT_MERCHANT: {
        const merchant =
          !away && rng.chance(FAVOURITE_SHARE)
            ? (pop.favourites[u * FAVOURITES + rng.below(FAVOURITES)] ?? 0)
            : pop.merchantIn(rng, region);
        const category = MERCHANT_CATEGORIES[pop.merchantCategory[merchant] ?? 0];
        if (category === undefined) return;
        const cny = Math.min(
          rng.logNormal(category.medianCny * (pop.spend[u] ?? 1), category.sigma),
          category.medianCny * 200,
        );
        const amount = cny >= 1 && rng.chance(0.3) ? cnyToMinor(cny) : realCnyToMinor(cny);
        const channel = rng.chance(category.onlineShare) ? 'online' : rng.chance(0.55) ? 'qr' : 'pay_code';
        const second = pop.deviceB[u] ?? -1;
        const device = second >= 0 && rng.chance(SECOND_DEVICE_SHARE) ? second : (pop.deviceA[u] ?? 0);
        out.push(this.drafts.merchantPayment(rng, t, u, merchant, amount, channel, device, region));
        this.takings[merchant] = (this.takings[merchant] ?? 0n) + amount;
        return;
      }
      case EVENT_FRIEND: {
        const contacts = pop.contactsOf(u);
        if (contacts.length === 0) return;
        const v = contacts[rng.below(contacts.length)] ?? u;
        if (!pop.isActive(v, day.index) || !pop.mayPay(u, v)) return;
        const cny = Math.min(Math.max(rng.logNormal(120, 1.0), 1), 5000);
        out.push(this.drafts.transfer(t, u, v, rng.chance(0.7) ? cnyToMinor(cny) : realCnyToMinor(cny), region));
        return;
      }
      case EVENT_FAMILY: {
        const contacts = pop.contactsOf(u);
        const v = contacts[rng.below(pop.familyCount[u] ?? 1)] ?? u;
        if (v === u || !pop.isActive(v, day.index) || !pop.mayPay(u, v)) return;
        const cny = Math.min(Math.max(rng.logNormal(1500, 0.8), 100), 20_000);
        out.push(
          this.drafts.transfer(t, u, v, rng.chance(0.8) ? cnyToMinor(cny / 100) * 100n : cnyToMinor(cny), region),
        );
        return;
      }
      case EVENT_TOPUP: {
        const cny = Math.min(Math.max(rng.logNormal(500, 0.8), 50), 20_000);
        out.push(this.drafts.topup(t, u, cnyToMinor(cny / 50) * 50n, region));
        return;
      }
      case EVENT_WITHDRAWAL: {
        const cny = Math.min(Math.max(rng.logNormal(800, 0.9), 100), 50_000);
        out.push(this.drafts.withdrawal(t, u, cnyToMinor(cny / 100) * 100n, region));
        return;
      }
      case EVENT_LARGE: {
        const family = pop.familyCount[u] ?? 0;
        const v = family > 0 ? (pop.contactsOf(u)[rng.below(family)] ?? u) : rng.below(pop.userCount);
        if (v === u || !pop.isActive(v, day.index) || !pop.mayPay(u, v)) return;
        out.push(this.drafts.transfer(t, u, v, largeTransferAmount(rng), region));
        return;
      }
      default:
        return;
    }
  }

  /** Small sums to 5–20 contacts (and their contacts, and neighbours) within minutes. */
  private redEnvelopes(day: SynthDay, u: number, home: number, out: Draft[]): void {
    const pop = this.pop;
    const rng = this.rng;
    const want = rng.int(RED_ENVELOPE_RECIPIENTS_MIN, RED_ENVELOPE_RECIPIENTS_MAX);
    const chosen: number[] = [];
    const consider = (v: number): void => {
      if (chosen.length < want && v !== u && !chosen.includes(v) && pop.isActive(v, day.index) && pop.mayPay(u, v)) {
        chosen.push(v);
      }
    };
    for (const v of pop.contactsOf(u)) consider(v);
    for (const c of pop.contactsOf(u)) for (const v of pop.contactsOf(c)) consider(v);
    const neighbours = pop.regionUsers[home] ?? new Int32Array(0);
    for (let tries = 0; chosen.length < want && tries < want * 3 && neighbours.length > 0; tries += 1) {
      consider(neighbours[rng.below(neighbours.length)] ?? u);
    }
    // Too few people to send to: no red envelopes today, so every burst has 5 or more.
    if (chosen.length < RED_ENVELOPE_RECIPIENTS_MIN) return;
    const slot = rhythmSlot(rng, day);
    // Start early enough that the last envelope still falls inside the day.
    const start = Math.min(timeInSlot(rng, day, slot), day.endMs - 6 * MINUTE_MS);
    for (const v of chosen) {
      const amount = rng.chance(0.5)
        ? BigInt(Math.round(rng.pick(RED_ENVELOPE_LUCKY_CNY) * 100))
        : BigInt(rng.int(100, 19_999));
      out.push(this.drafts.transfer(start + rng.below(5 * MINUTE_MS), u, v, amount, home));
    }
  }

  /** Tenants pay their landlord on their day around the first of the month. */
  private rent(day: SynthDay, out: Draft[]): void {
    const { tenant, landlord, amount, offset } = this.pop.tenancies;
    const dom = day.localDate.day;
    for (let i = 0; i < tenant.length; i += 1) {
      const due = offset[i] ?? 0;
      const isDue = due >= 0 ? dom === due + 1 : dom === day.localDaysInMonth + due + 1;
      if (!isDue) continue;
      const from = tenant[i] ?? 0;
      const to = landlord[i] ?? 0;
      if (!this.pop.isActive(from, day.index) || !this.pop.isActive(to, day.index) || !this.pop.mayPay(from, to))
        continue;
      const t = timeInSlot(this.rng, day, rhythmSlot(this.rng, day));
      out.push(this.drafts.transfer(t, from, to, amount[i] ?? 0n, this.pop.homeRegion[from] ?? 0));
    }
  }

  /** Yesterday's takings, less the fee, paid out to each merchant's bank at 02:00–04:00 local time. */
  private payouts(day: SynthDay, out: Draft[]): void {
    let slot = 0;
    while ((day.slotLocalHour[slot] ?? 2) !== 2 && slot < 23) slot += 1;
    for (let m = 0; m < this.pop.merchantCount; m += 1) {
      const takings = this.takings[m] ?? 0n;
      if (takings <= 0n) continue;
      this.takings[m] = 0n;
      const amount = (takings * PAYOUT_SHARE_BP) / 10_000n;
      if (amount <= 0n) continue;
      const t = Math.min(day.startMs + slot * HOUR_MS + this.rng.below(2 * HOUR_MS), day.endMs - 1);
      out.push(this.drafts.payout(t, m, amount));
    }
  }
}

/** A licit one-off large transfer (a car, a deposit, school fees): 10,000–100,000 CNY, log-uniform. */
export function largeTransferAmount(rng: Rng): bigint {
  const cny = Math.exp(rng.uniform(Math.log(10_000), Math.log(100_000)));
  return rng.chance(0.7) ? cnyToMinor(cny / 1000) * 1000n : cnyToMinor(cny);
}
