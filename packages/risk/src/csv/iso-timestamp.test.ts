// Goal: timestamps read exactly as ISO-8601 defines them (zones, leap years, any year 0000–9999)
// and are written in the one canonical form, which reads back to the same millisecond.
// Method: a table of instants checked against Date.UTC, and a fast-check round trip against Date.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil } from './civil-date.ts';
import {
  describeTimestampProblem,
  isoTimestampToMs,
  msToIsoTimestamp,
  TIMESTAMP_MS_MAX,
  TIMESTAMP_MS_MIN,
} from './iso-timestamp.ts';

describe('isoTimestampToMs', () => {
  it.each<[string, number]>([
    ['2026-01-01T10:00:00Z', Date.UTC(2026, 0, 1, 10)],
    ['2026-01-01T10:00:00.000Z', Date.UTC(2026, 0, 1, 10)],
    ['2026-01-01T18:00:00+08:00', Date.UTC(2026, 0, 1, 10)],
    ['2026-01-01T18:00:00+0800', Date.UTC(2026, 0, 1, 10)],
    ['2025-12-31T23:00:00-11:00', Date.UTC(2026, 0, 1, 10)],
    ['2026-01-01T10:00Z', Date.UTC(2026, 0, 1, 10)],
    ['2026-01-01T10:00:00.5Z', Date.UTC(2026, 0, 1, 10, 0, 0, 500)],
    ['2026-01-01T10:00:00.123456789Z', Date.UTC(2026, 0, 1, 10, 0, 0, 123)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59.999Z', -1],
  ])('reads %s', (text, ms) => {
    expect(isoTimestampToMs(text)).toBe(ms);
  });

  it('reads year 0050 as that year, not 1950', () => {
    expect(isoTimestampToMs('0050-06-01T00:00:00Z')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
  });

  it.each<[string, string]>([
    ['2026-01-01 10:00:00', 'has no time zone'],
    ['2026-01-01T10:00:00', 'has no time zone'],
    ['2026-01-01', 'has no time zone'],
    ['2026-01-01T10:00:00.5', 'has no time zone'],
    ['2026-02-29T00:00:00Z', 'is not a real date and time'],
    ['2026-13-01T00:00:00Z', 'is not a real date and time'],
    ['2026-01-01T10:60:00Z', 'is not a real date and time'],
    ['2026-01-01T10:00:60Z', 'is not a real date and time'],
    ['2026-01-01T10:00:00+24:00', 'is not a real date and time'],
    ['0000-01-01T00:00:00+01:00', 'is not a real date and time'],
    ['2026-01-01t10:00:00z', 'is not an ISO-8601 timestamp'],
    ['2026-1-1T10:00:00Z', 'is not an ISO-8601 timestamp'],
    [' 2026-01-01T10:00:00Z', 'is not an ISO-8601 timestamp'],
    ['', 'is empty'],
  ])('refuses %j: %s', (text, problem) => {
    expect(isoTimestampToMs(text)).toBeNaN();
    expect(describeTimestampProblem(text)).toContain(problem);
    expect(describeTimestampProblem(text)).toContain('use ISO-8601 UTC such as 2026-01-01T10:00:00Z');
  });
});

describe('msToIsoTimestamp', () => {
  it('writes what Date writes, and reads back to the same millisecond (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: TIMESTAMP_MS_MIN, max: TIMESTAMP_MS_MAX }), (ms) => {
        const text = msToIsoTimestamp(ms);
        expect(text).toBe(new Date(ms).toISOString());
        expect(isoTimestampToMs(text)).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses instants it cannot write in four-digit years', () => {
    expect(() => msToIsoTimestamp(TIMESTAMP_MS_MAX + 1)).toThrow();
    expect(() => msToIsoTimestamp(1.5)).toThrow();
  });
});

describe('civil dates', () => {
  it('converts days and dates both ways (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 3_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
      }),
    );
  });
});
