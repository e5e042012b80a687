/**
 * ISO-8601 timestamps of the import format. Reading requires a zone (`Z` or `±hh:mm`): a time
 * without one is ambiguous, and guessing the importer's zone would shift payments by hours.
 * Writing always gives UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ`.
 */
import { assert } from '@paychain/core';
import { DAY_MS, daysFromCivil, daysInMonth } from './civil-date.ts';

const TIMESTAMP =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(?:(Z)|([+-])([0-9]{2}):?([0-9]{2}))$/;
const ZONELESS = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$/;

export const TIMESTAMP_EXAMPLE = '2026-01-01T10:00:00Z';

/** The range of `msToIsoTimestamp`: 0000-01-01 to 9999-12-31 (UTC). */
export const TIMESTAMP_MS_MIN = daysFromCivil(0, 1, 1) * DAY_MS;
export const TIMESTAMP_MS_MAX = daysFromCivil(10_000, 1, 1) * DAY_MS - 1;

/**
 * UTC milliseconds of an ISO-8601 timestamp with a zone, or NaN when it is not one (ask
 * `describeTimestampProblem` why). Digits below the millisecond are dropped.
 */
export function isoTimestampToMs(text: string): number {
  if (text.length === 24) {
    const ms = canonicalToMs(text);
    if (!Number.isNaN(ms)) return ms;
  }
  const m = TIMESTAMP.exec(text);
  if (m === null) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const milli = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHour = Number(m[10]);
    const offsetMinute = Number(m[11]);
    if (offsetHour > 23 || offsetMinute > 59) return Number.NaN;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  }
  const ms =
    daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + milli;
  // An offset can push year 0000 or 9999 out of the range the writer can give back.
  return ms < TIMESTAMP_MS_MIN || ms > TIMESTAMP_MS_MAX ? Number.NaN : ms;
}

function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/** The form the writer gives, `YYYY-MM-DDTHH:MM:SS.sssZ`, without a regular expression: most files are in it. */
function canonicalToMs(text: string): number {
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 ||
    text.charCodeAt(23) !== 90
  ) {
    return Number.NaN;
  }
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  const milli = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
  // NaN from a non-digit fails every comparison below.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return Number.NaN;
  if (!(hour <= 23 && minute <= 59 && second <= 59 && milli >= 0)) return Number.NaN;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
}

/** Why `isoTimestampToMs` refused `text`, phrased to follow the quoted value. */
export function describeTimestampProblem(text: string): string {
  const hint = `use ISO-8601 UTC such as ${TIMESTAMP_EXAMPLE}`;
  if (text === '') return `is empty; ${hint}`;
  if (ZONELESS.test(text)) return `has no time zone; ${hint}`;
  if (TIMESTAMP.test(text)) return `is not a real date and time between years 0000 and 9999; ${hint}`;
  return `is not an ISO-8601 timestamp; ${hint}`;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ`; years 0–9999 only, where the ISO form has four digits. */
export function msToIsoTimestamp(ms: number): string {
  assert(
    Number.isSafeInteger(ms) && ms >= TIMESTAMP_MS_MIN && ms <= TIMESTAMP_MS_MAX,
    'timestamp within years 0000–9999',
  );
  const days = Math.floor(ms / DAY_MS);
  // Files are written in time order: the date part is usually the previous row's.
  if (days !== cachedDays) {
    cachedDays = days;
    cachedDatePrefix = new Date(days * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - days * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${cachedDatePrefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let cachedDays = Number.NaN;
let cachedDatePrefix = '';
