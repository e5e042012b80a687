import { assert } from '@paychain/core';
import { FEATURE_NAMES, type FeatureVector, isFeatureVector } from './feature-vector.ts';
import type { RiskEvent } from './risk-event.ts';

/** 2024-03-01T00:00:00Z: 08:00 in Beijing. Tests count time from here. */
export const FIXTURE_T0_MS = Date.UTC(2024, 2, 1);

export const BEIJING = { lat: 39.9042, lon: 116.4074 } as const;
export const SHANGHAI = { lat: 31.2304, lon: 121.4737 } as const;

let fixtureCounter = 0;

/**
 * A payment for tests: a 100.00 CNY QR payment by `A-1` to merchant `M-1` at FIXTURE_T0_MS unless
 * overridden. Ids are unique within a test process, so no two fixtures collide in an engine.
 */
export function riskEvent(overrides: Partial<RiskEvent> = {}): RiskEvent {
  fixtureCounter += 1;
  return {
    id: `tx-${fixtureCounter}`,
    timestampMs: FIXTURE_T0_MS,
    fromAccount: 'A-1',
    toAccount: 'MA-1',
    amount: 10_000n,
    currency: 'CNY',
    channel: 'qr',
    mcc: '5812',
    merchantId: 'M-1',
    deviceId: 'D-1',
    ipRegion: 'CN-BJ',
    lat: null,
    lon: null,
    ...overrides,
  };
}

const zeros: unknown = Object.fromEntries(FEATURE_NAMES.map((name) => [name, 0]));
assert(isFeatureVector(zeros), 'every feature is 0');
/** Every feature 0, for tests that set only the few they are about. */
export const FEATURES_ZERO: FeatureVector = zeros;
