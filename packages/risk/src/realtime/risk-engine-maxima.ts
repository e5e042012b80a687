import { assert } from '@paychain/core';

/**
 * The engine's memory bounds. Every map and window is capped by one of these and forgets its least
 * recently used (maps) or oldest (windows) entry when full, so memory stays bounded whatever the
 * traffic; an evicted account simply looks new again. Worst case, roughly:
 * accounts × (eventsPerWindowMax × 16 B + payees × 100 B + devices × 100 B)
 * + devices × eventsPerWindowMax × 16 B + merchants × merchantEventsPerWindowMax × 16 B
 * + recentAssessments × 2 KiB; the defaults stay near 1 GiB in that worst case and far below it
 * in practice, because a ring grows only as its entity is active.
 */
export interface RiskEngineMaxima {
  /** Paying accounts with state (velocity, history, seen payees and devices). */
  readonly accountsTrackedMax: number;
  readonly devicesTrackedMax: number;
  readonly merchantsTrackedMax: number;
  /** Events kept per account or device for its 24 h window: its counts saturate there. */
  readonly eventsPerWindowMax: number;
  /** Merchants see far more payments than a payer: their own, larger, cap. */
  readonly merchantEventsPerWindowMax: number;
  /** Payees an account remembers having paid (for `new_payee`). */
  readonly payeesPerAccountMax: number;
  /** Devices an account remembers having used (for `new_device`). */
  readonly devicesPerAccountMax: number;
  /** Assessments kept, with their features, for `dryRun` and for answering a repeated `assess`. */
  readonly recentAssessmentsMax: number;
}

export const RISK_ENGINE_MAXIMA_DEFAULT: RiskEngineMaxima = {
  accountsTrackedMax: 200_000,
  devicesTrackedMax: 200_000,
  merchantsTrackedMax: 20_000,
  eventsPerWindowMax: 256,
  merchantEventsPerWindowMax: 4_096,
  payeesPerAccountMax: 128,
  devicesPerAccountMax: 8,
  recentAssessmentsMax: 10_000,
};

/**
 * Rules compare 1 min velocity with thresholds around 10: a window must hold more than that, or
 * a rule like "more than 10 a minute" could never fire.
 */
export const EVENTS_PER_WINDOW_MIN = 32;

export function assertRiskEngineMaxima(maxima: RiskEngineMaxima): void {
  for (const [name, value] of Object.entries(maxima)) {
    assert(Number.isSafeInteger(value) && value >= 1, `maxima.${name} must be a positive integer: ${value}`);
  }
  assert(maxima.eventsPerWindowMax >= EVENTS_PER_WINDOW_MIN, `eventsPerWindowMax ≥ ${EVENTS_PER_WINDOW_MIN}`);
  assert(maxima.merchantEventsPerWindowMax >= maxima.eventsPerWindowMax, 'a merchant window holds at least as much');
}
