// Goal: the benchmark reports percentiles and throughput from the clock it is given (figures come from `paychain bench`).
// Method: a clock that advances by a fixed step per reading, so every figure is known in advance.
import { describe, expect, it } from 'vitest';
import { benchRiskScoring } from './bench-risk-scoring.ts';
import { FIXTURE_T0_MS, riskEvent } from './risk-event-fixture.ts';

describe('benchRiskScoring', () => {
  it('times each assess with the given clock', () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      riskEvent({ fromAccount: `A-${i % 10}`, timestampMs: FIXTURE_T0_MS + i * 1000 }),
    );
    let micros = 0;
    // Three readings per payment, 2 µs apart: before, after assess, after commit. Each assess takes
    // 2 µs, each payment 4 µs: 250,000 a second.
    const result = benchRiskScoring({ events, nowMicros: () => (micros += 2) });
    expect(result).toEqual({
      events: 100,
      p50Micros: 2,
      p99Micros: 2,
      p999Micros: 2,
      maxMicros: 2,
      perSecond: 250_000,
    });
  });
});
