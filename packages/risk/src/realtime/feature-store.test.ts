// Goal: each feature means what feature-vector.ts says, on hand-made payment sequences.
// Method: a FeatureStore fed attempts and commits by hand; expected values worked out in the test.
import { describe, expect, it } from 'vitest';
import { FeatureStore } from './feature-store.ts';
import { haversineKm } from './geo.ts';
import { RISK_ENGINE_MAXIMA_DEFAULT } from './risk-engine-maxima.ts';
import type { RiskEvent } from './risk-event.ts';
import { BEIJING, FIXTURE_T0_MS, riskEvent, SHANGHAI } from './risk-event-fixture.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UTC8 = 8 * HOUR;

function store(overrides: Partial<typeof RISK_ENGINE_MAXIMA_DEFAULT> = {}): FeatureStore {
  return new FeatureStore({ ...RISK_ENGINE_MAXIMA_DEFAULT, ...overrides }, UTC8);
}

/** What the engine does with a payment that went ahead. */
function attemptAndCommit(features: FeatureStore, event: RiskEvent): void {
  features.recordAttempt(event, features.features(event));
  features.recordCommit(event);
}

describe('velocity', () => {
  it.each([
    { elapsedMs: 0, count1m: 1 },
    { elapsedMs: MINUTE - 1, count1m: 1 },
    { elapsedMs: MINUTE, count1m: 0 },
  ])('a prior attempt $elapsedMs ms ago: $count1m in 1 min, 1 in 1 h and 24 h', ({ elapsedMs, count1m }) => {
    const features = store();
    const first = riskEvent({ amount: 12_345n });
    features.recordAttempt(first, features.features(first));
    const f = features.features(riskEvent({ timestampMs: FIXTURE_T0_MS + elapsedMs }));
    expect([f.account_count_1m, f.account_count_1h, f.account_count_24h]).toEqual([count1m, 1, 1]);
    expect([f.account_sum_1m, f.account_sum_1h]).toEqual([count1m * 123.45, 123.45]);
    expect([f.device_count_1m, f.merchant_count_1m]).toEqual([count1m, count1m]);
  });

  it('counts per device and per merchant across accounts, and not the payment itself', () => {
    const features = store();
    const a = riskEvent({ fromAccount: 'A-1' });
    expect(features.features(a).account_count_1m).toBe(0);
    features.recordAttempt(a, features.features(a));
    const b = riskEvent({ fromAccount: 'A-2', timestampMs: FIXTURE_T0_MS + 1000 });
    const f = features.features(b);
    expect(f.account_count_1m).toBe(0);
    expect(f.device_count_1m).toBe(1);
    expect(f.merchant_count_1m).toBe(1);
    const noDevice = features.features(riskEvent({ fromAccount: 'A-2', deviceId: null, merchantId: null }));
    expect([noDevice.device_count_1m, noDevice.merchant_count_1m]).toEqual([0, 0]);
  });

  it('reads amounts in major units of any currency', () => {
    expect(store().features(riskEvent({ amount: 1_000n, currency: 'JPY' })).amount).toBe(1000);
    expect(store().features(riskEvent({ amount: 1_000n, currency: 'CNY' })).amount).toBe(10);
  });
});

describe('history: amounts, payees, devices', () => {
  it('computes the z-score of log(1 + amount) against committed payments', () => {
    const features = store();
    attemptAndCommit(features, riskEvent({ amount: 1_000n })); // 10.00
    attemptAndCommit(features, riskEvent({ amount: 10_000n })); // 100.00
    const f = features.features(riskEvent({ amount: 100_000n })); // 1,000.00
    const x1 = Math.log(11);
    const x2 = Math.log(101);
    const mean = (x1 + x2) / 2;
    const std = Math.abs(x2 - x1) / Math.SQRT2; // sample standard deviation of two values
    expect(f.amount_z).toBeCloseTo((Math.log(1001) - mean) / std, 12);
    expect(f.amount_log_ratio).toBeCloseTo(Math.log(1001) - mean, 12);
    expect(f.account_history_count).toBe(2);
  });

  it('gives z = 0 until two payments, and floors the spread of an account that always pays the same', () => {
    const features = store();
    expect(features.features(riskEvent()).amount_z).toBe(0);
    attemptAndCommit(features, riskEvent({ amount: 10_000n }));
    expect(features.features(riskEvent({ amount: 99_000n })).amount_z).toBe(0);
    attemptAndCommit(features, riskEvent({ amount: 10_000n }));
    const z = features.features(riskEvent({ amount: 11_000n })).amount_z;
    expect(z).toBeCloseTo((Math.log(111) - Math.log(101)) / 0.25, 12);
  });

  it('knows a payee only once a payment to it went ahead', () => {
    const features = store();
    const toPayee = (): RiskEvent => riskEvent({ toAccount: 'P-1', channel: 'transfer', mcc: null, merchantId: null });
    const first = toPayee();
    const f1 = features.features(first);
    expect([f1.new_payee, f1.new_payee_count_1h]).toEqual([1, 0]);
    features.recordAttempt(first, f1); // blocked: not committed
    const f2 = features.features(toPayee());
    expect([f2.new_payee, f2.new_payee_count_1h]).toEqual([1, 1]);
    features.recordCommit(first);
    expect(features.features(toPayee()).new_payee).toBe(0);
  });

  it('knows a device once a payment from it went ahead, and for how long', () => {
    const features = store();
    const onDevice = (deviceId: string, timestampMs = FIXTURE_T0_MS): RiskEvent => riskEvent({ deviceId, timestampMs });
    const first = onDevice('D-9');
    expect(features.features(first).new_device).toBe(1);
    features.recordAttempt(first, features.features(first));
    expect(features.features(onDevice('D-9')).new_device).toBe(1);
    features.recordCommit(first);
    const later = features.features(onDevice('D-9', FIXTURE_T0_MS + 90 * MINUTE));
    expect([later.new_device, later.device_known_hours]).toEqual([0, 1.5]);
    expect(features.features(riskEvent({ deviceId: null })).new_device).toBe(0);
  });

  it('sees a change of IP region against the last committed payment', () => {
    const features = store();
    expect(features.features(riskEvent({ ipRegion: 'CN-SH' })).ip_region_changed).toBe(0);
    attemptAndCommit(features, riskEvent({ ipRegion: 'CN-BJ' }));
    expect(features.features(riskEvent({ ipRegion: 'CN-SH' })).ip_region_changed).toBe(1);
    expect(features.features(riskEvent({ ipRegion: 'CN-BJ' })).ip_region_changed).toBe(0);
    expect(features.features(riskEvent({ ipRegion: null })).ip_region_changed).toBe(0);
  });
});

describe('geo-velocity', () => {
  it('Beijing then Shanghai 10 minutes later is about 6,400 km/h', () => {
    const features = store();
    attemptAndCommit(features, riskEvent({ ...BEIJING }));
    const f = features.features(riskEvent({ ...SHANGHAI, timestampMs: FIXTURE_T0_MS + 10 * MINUTE }));
    // The great-circle distance between the two city centres is about 1,067 km.
    expect(f.geo_distance_km).toBeGreaterThan(1_060);
    expect(f.geo_distance_km).toBeLessThan(1_075);
    expect(f.geo_velocity_kmh).toBeCloseTo(f.geo_distance_km * 6, 9);
  });

  it.each([
    { label: 'no earlier located payment', history: [] as RiskEvent[], expected: 0 },
    { label: 'this payment has no location', history: [riskEvent({ ...BEIJING })], expected: 0, lat: null },
    { label: 'a blocked attempt elsewhere does not move the account', history: [], expected: 0, attemptOnly: true },
  ])('is 0 when $label', ({ history, expected, lat, attemptOnly }) => {
    const features = store();
    for (const event of history) attemptAndCommit(features, event);
    if (attemptOnly === true) {
      const blocked = riskEvent({ ...SHANGHAI });
      features.recordAttempt(blocked, features.features(blocked));
    }
    const next = riskEvent({ ...SHANGHAI, timestampMs: FIXTURE_T0_MS + MINUTE });
    const f = features.features(lat === null ? { ...next, lat: null } : next);
    expect(f.geo_velocity_kmh).toBe(expected);
  });

  it('measures the distance from home, a moving average that one far payment moves by a fifth', () => {
    const features = store();
    attemptAndCommit(features, riskEvent({ ...BEIJING }));
    attemptAndCommit(features, riskEvent({ ...SHANGHAI }));
    const home = {
      lat: BEIJING.lat + 0.2 * (SHANGHAI.lat - BEIJING.lat),
      lon: BEIJING.lon + 0.2 * (SHANGHAI.lon - BEIJING.lon),
    };
    const f = features.features(riskEvent({ ...SHANGHAI }));
    expect(f.geo_home_distance_km).toBeCloseTo(haversineKm(home.lat, home.lon, SHANGHAI.lat, SHANGHAI.lon), 9);
    expect(f.geo_home_distance_km).toBeGreaterThan(800);
    expect(f.geo_distance_km).toBe(0);
  });

  it('floors the elapsed time at a minute and caps the speed', () => {
    const features = store();
    attemptAndCommit(features, riskEvent({ lat: 0, lon: 0 }));
    const near = features.features(riskEvent({ lat: 0, lon: 0.01 }));
    expect(near.geo_velocity_kmh).toBeCloseTo(haversineKm(0, 0, 0, 0.01) * 60, 9);
    const far = features.features(riskEvent({ lat: 0, lon: 180 }));
    expect(far.geo_velocity_kmh).toBe(20_000);
  });
});

describe('context', () => {
  it.each([
    { utcMs: 0, offsetMs: UTC8, hour: 8, night: 0 },
    { utcMs: 16 * HOUR, offsetMs: UTC8, hour: 0, night: 1 },
    { utcMs: 21 * HOUR + 59 * MINUTE, offsetMs: UTC8, hour: 5, night: 1 },
    { utcMs: 22 * HOUR, offsetMs: UTC8, hour: 6, night: 0 },
    { utcMs: 16 * HOUR, offsetMs: 0, hour: 16, night: 0 },
    { utcMs: 1 * HOUR, offsetMs: -5 * HOUR, hour: 20, night: 0 },
  ])('$utcMs ms after midnight UTC at offset $offsetMs is local hour $hour', ({ utcMs, offsetMs, hour, night }) => {
    const features = new FeatureStore(RISK_ENGINE_MAXIMA_DEFAULT, offsetMs);
    const f = features.features(riskEvent({ timestampMs: FIXTURE_T0_MS + utcMs }));
    expect([f.hour_of_day, f.night]).toEqual([hour, night]);
  });

  it.each([
    { mcc: '7995', risk: 2 },
    { mcc: '6051', risk: 2 },
    { mcc: '4829', risk: 2 },
    { mcc: '5732', risk: 1 },
    { mcc: '5812', risk: 0 },
    { mcc: 'constructor', risk: 0 },
    { mcc: null, risk: 0 },
  ])('MCC $mcc has risk $risk', ({ mcc, risk }) => {
    expect(store().features(riskEvent({ mcc })).mcc_risk).toBe(risk);
  });

  it('ages the account from its opening, or from the first payment seen', () => {
    const features = store();
    const opened = riskEvent({ accountOpenedAtMs: FIXTURE_T0_MS - 3 * 24 * HOUR });
    expect(features.features(opened).account_age_days).toBe(3);
    attemptAndCommit(features, riskEvent({ fromAccount: 'A-7' }));
    const later = riskEvent({ fromAccount: 'A-7', timestampMs: FIXTURE_T0_MS + 12 * HOUR });
    expect(features.features(later).account_age_days).toBe(0.5);
  });
});

describe('conjunctions', () => {
  it.each([
    { label: 'a known device', deviceId: 'D-1', amount: 1_000_000n, expected: 0 },
    { label: 'a new device, usual amount', deviceId: 'D-2', amount: 10_000n, expected: 0 },
    { label: 'a new device, smaller amount', deviceId: 'D-2', amount: 1_000n, expected: 0 },
    { label: 'a new device, 10 times the usual', deviceId: 'D-2', amount: 100_000n, expected: Math.log(1001 / 101) },
  ])('new_device_amount_log_ratio for $label', ({ deviceId, amount, expected }) => {
    const features = store();
    attemptAndCommit(features, riskEvent({ deviceId: 'D-1', amount: 10_000n }));
    expect(features.features(riskEvent({ deviceId, amount })).new_device_amount_log_ratio).toBeCloseTo(expected, 12);
  });

  it.each([
    { label: 'new device, new payee', deviceId: 'D-2', toAccount: 'P-2', minutes: 0, expected: 1 },
    { label: 'device known for 59 min, new payee', deviceId: 'D-1', toAccount: 'P-2', minutes: 59, expected: 1 },
    { label: 'device known for an hour, new payee', deviceId: 'D-1', toAccount: 'P-2', minutes: 60, expected: 0 },
    { label: 'new device, known payee', deviceId: 'D-2', toAccount: 'P-1', minutes: 0, expected: 0 },
    { label: 'no device', deviceId: null, toAccount: 'P-2', minutes: 0, expected: 0 },
  ])('fresh_device_new_payee for $label', ({ deviceId, toAccount, minutes, expected }) => {
    const features = store();
    attemptAndCommit(features, riskEvent({ deviceId: 'D-1', toAccount: 'P-1' }));
    const f = features.features(riskEvent({ deviceId, toAccount, timestampMs: FIXTURE_T0_MS + minutes * MINUTE }));
    expect(f.fresh_device_new_payee).toBe(expected);
  });
});

describe('card testing', () => {
  it('counts prior small merchant payments of the last 10 minutes, not transfers', () => {
    const features = store();
    const small = (minutes: number, extra: Partial<RiskEvent> = {}): RiskEvent =>
      riskEvent({ amount: 150n, timestampMs: FIXTURE_T0_MS + minutes * MINUTE, ...extra });
    for (const minutes of [0, 1, 2]) {
      const event = small(minutes);
      features.recordAttempt(event, features.features(event));
    }
    const redEnvelope = small(2, { channel: 'transfer', merchantId: null, mcc: null, toAccount: 'F-1' });
    expect(features.features(redEnvelope).small_amount).toBe(0);
    features.recordAttempt(redEnvelope, features.features(redEnvelope));
    const f = features.features(small(3));
    expect([f.small_amount_burst_10m, f.small_amount]).toEqual([3, 1]);
    expect(features.features(small(10)).small_amount_burst_10m).toBe(2);
    expect(features.features(riskEvent({ amount: 201n })).small_amount).toBe(0);
  });
});

describe('bounded memory', () => {
  it('tracks at most accountsTrackedMax accounts; a forgotten one looks new', () => {
    const features = store({ accountsTrackedMax: 3, devicesTrackedMax: 2, merchantsTrackedMax: 2 });
    for (let i = 0; i < 10; i++) {
      attemptAndCommit(features, riskEvent({ fromAccount: `A-${i}`, deviceId: `D-${i}`, merchantId: `M-${i}` }));
      expect(features.accountsTracked).toBe(Math.min(i + 1, 3));
    }
    expect([features.devicesTracked, features.merchantsTracked]).toEqual([2, 2]);
    expect(features.features(riskEvent({ fromAccount: 'A-9' })).account_history_count).toBe(1);
    expect(features.features(riskEvent({ fromAccount: 'A-0' })).account_history_count).toBe(0);
  });

  it('remembers at most payeesPerAccountMax payees, forgetting the least recently paid', () => {
    const features = store({ payeesPerAccountMax: 2 });
    const pay = (toAccount: string): void => attemptAndCommit(features, riskEvent({ toAccount }));
    pay('P-1');
    pay('P-2');
    pay('P-1');
    pay('P-3'); // evicts P-2, paid less recently than P-1
    const newPayee = (toAccount: string): number => features.features(riskEvent({ toAccount })).new_payee;
    expect([newPayee('P-1'), newPayee('P-2'), newPayee('P-3')]).toEqual([0, 1, 0]);
  });
});
