// Goal: a bucket is labelled with the network's day and hour (UTC+8), whatever the browser's time zone: the
// warehouse's day starting at 16:00 UTC is the next calendar day there. Method: a table of instants and labels.
import { describe, expect, it } from 'vitest';
import { createBucketLabel } from './bucket-label';

describe('createBucketLabel', () => {
  it.each([
    [Date.UTC(2026, 10, 27, 16), 'day', 'en-US', '11/28'],
    [Date.UTC(2026, 10, 27, 16), 'day', 'zh-CN', '11/28'],
    [Date.UTC(2026, 10, 28, 10), 'hour', 'en-US', '18:00'],
    [Date.UTC(2026, 10, 28, 16), 'hour', 'zh-CN', '00:00'],
  ] as const)('%i as a %s in %s → %s', (ms, granularity, locale, label) => {
    expect(createBucketLabel(locale)(ms, granularity)).toBe(label);
  });
});
