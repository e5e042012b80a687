/**
 * The generator's days and hours. Users live on China Standard Time (UTC+8, no daylight saving),
 * so the daily rhythm is by local hour, while the period and every timestamp are UTC: day `d` is
 * [start + d·24 h, start + (d+1)·24 h), cut into 24 one-hour slots weighted by their local hour and
 * local weekday. Festivals (red envelopes) are local dates.
 */
import {
  type CivilDate,
  civilFromDays,
  DAY_MS,
  daysFromCivil,
  daysInMonth,
  weekdayFromDays,
} from '../csv/civil-date.ts';
import type { Rng } from './rng.ts';
import { pickCumulative } from './rng.ts';

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const LOCAL_OFFSET_MS = 8 * HOUR_MS;

/** Payments per local hour on a weekday: breakfast, lunch and evening peaks. */
const HOUR_WEIGHTS_WEEKDAY = [
  0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.4, 1.2, 2.0, 1.4, 1.0, 1.5, 2.6, 2.0, 1.1, 1.0, 1.1, 1.4, 2.2, 2.4, 2.0, 1.6, 1.0,
  0.6,
];
/** Weekends start later and stay busy through the afternoon. */
const HOUR_WEIGHTS_WEEKEND = [
  0.5, 0.3, 0.15, 0.08, 0.05, 0.07, 0.2, 0.5, 1.0, 1.4, 1.6, 1.9, 2.4, 2.1, 1.7, 1.6, 1.6, 1.7, 2.2, 2.4, 2.2, 1.8, 1.3,
  0.8,
];
/** A weekend day has this many times the payments of a weekday. */
export const WEEKEND_FACTOR = 1.15;

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const WEEKDAY_TOTAL = sum(HOUR_WEIGHTS_WEEKDAY);
const WEEKEND_SCALE = (WEEKEND_FACTOR * WEEKDAY_TOTAL) / sum(HOUR_WEIGHTS_WEEKEND);

/** Spring Festival (Chinese New Year's Day), Gregorian dates. */
const SPRING_FESTIVAL_DAYS = [
  [2024, 2, 10],
  [2025, 1, 29],
  [2026, 2, 17],
  [2027, 2, 6],
  [2028, 1, 26],
  [2029, 2, 13],
  [2030, 2, 3],
  [2031, 1, 23],
  [2032, 2, 11],
  [2033, 1, 31],
  [2034, 2, 19],
  [2035, 2, 8],
].map(([y, m, d]) => daysFromCivil(y ?? 0, m ?? 0, d ?? 0));

/** No festival, a festival (New Year, 5.20, National Day, Spring Festival week, Lantern), Spring Festival eve and day. */
export type FestivalLevel = 0 | 1 | 2;

function festivalLevel(date: CivilDate, localDays: number): FestivalLevel {
  for (const festival of SPRING_FESTIVAL_DAYS) {
    const offset = localDays - festival;
    if (offset === -1 || offset === 0) return 2;
    if ((offset >= 1 && offset <= 6) || offset === 14) return 1;
  }
  if ((date.month === 1 && date.day === 1) || (date.month === 5 && date.day === 20)) return 1;
  if (date.month === 10 && date.day <= 3) return 1;
  return 0;
}

/** One generated day: its UTC window, local date, slot weights and festival level. */
export interface SynthDay {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Local date at the window's middle: what "today" means for rent and festivals. */
  readonly localDate: CivilDate;
  readonly localDaysInMonth: number;
  /** Local hour of each one-hour slot. */
  readonly slotLocalHour: Uint8Array;
  /** Cumulative payment weights of the 24 slots. */
  readonly slotCumulative: Float64Array;
  /** Payments today relative to a weekday. */
  readonly activity: number;
  readonly festival: FestivalLevel;
}

export function synthDay(periodStartMs: number, index: number): SynthDay {
  const startMs = periodStartMs + index * DAY_MS;
  const slotLocalHour = new Uint8Array(24);
  const slotCumulative = new Float64Array(24);
  let total = 0;
  for (let slot = 0; slot < 24; slot += 1) {
    const local = startMs + slot * HOUR_MS + LOCAL_OFFSET_MS;
    const localDays = Math.floor(local / DAY_MS);
    const hour = Math.floor((local - localDays * DAY_MS) / HOUR_MS);
    const weekday = weekdayFromDays(localDays);
    const weekend = weekday === 0 || weekday === 6;
    const weight = weekend ? (HOUR_WEIGHTS_WEEKEND[hour] ?? 0) * WEEKEND_SCALE : (HOUR_WEIGHTS_WEEKDAY[hour] ?? 0);
    slotLocalHour[slot] = hour;
    total += weight;
    slotCumulative[slot] = total;
  }
  const middleLocalDays = Math.floor((startMs + 12 * HOUR_MS + LOCAL_OFFSET_MS) / DAY_MS);
  const localDate = civilFromDays(middleLocalDays);
  return {
    index,
    startMs,
    endMs: startMs + DAY_MS,
    localDate,
    localDaysInMonth: daysInMonth(localDate.year, localDate.month),
    slotLocalHour,
    slotCumulative,
    activity: total / WEEKDAY_TOTAL,
    festival: festivalLevel(localDate, middleLocalDays),
  };
}

/** A slot drawn by the daily rhythm. */
export function rhythmSlot(rng: Rng, day: SynthDay): number {
  return pickCumulative(rng, day.slotCumulative);
}

/** A millisecond within `slot` of `day`. */
export function timeInSlot(rng: Rng, day: SynthDay, slot: number): number {
  return day.startMs + slot * HOUR_MS + rng.below(HOUR_MS);
}
