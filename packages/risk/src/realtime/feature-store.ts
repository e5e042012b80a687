import { CURRENCY_DECIMALS } from '../transfer-record.ts';
import { BoundedLru } from './bounded-lru.ts';
import type { FeatureVector } from './feature-vector.ts';
import { haversineKm } from './geo.ts';
import { mccRisk } from './mcc-risk.ts';
import type { RiskEngineMaxima } from './risk-engine-maxima.ts';
import type { RiskEvent } from './risk-event.ts';
import { SlidingWindows } from './sliding-windows.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The velocity windows, narrowest first: 1 min, 1 h, 24 h. */
export const VELOCITY_WINDOWS_MS = [MINUTE_MS, HOUR_MS, DAY_MS] as const;
/** Card testing runs 5–20 tiny payments within 10 minutes (docs/aml-patterns.md). */
export const SMALL_AMOUNT_BURST_WINDOW_MS = 10 * MINUTE_MS;
/** A "small" payment for card testing: at most 2.00 in major units (in hundredths, see `amountCenti`). */
export const SMALL_AMOUNT_CENTI_MAX = 200;
/** Account takeover pays 1–4 new payees within an hour of taking the device. */
export const NEW_PAYEE_WINDOW_MS = HOUR_MS;
/** Bursts and new-payee runs longer than this look the same to a rule or a model. */
const MARKED_EVENTS_MAX = 64;
/** Below this the location error (IP geolocation, GPS fixes) dominates: speeds use at least 1 min. */
const GEO_ELAPSED_MS_MIN = MINUTE_MS;
/** Faster than any airliner several times over: beyond it the figure only says "impossible". */
export const GEO_VELOCITY_KMH_MAX = 20_000;
/**
 * The spread of an account's log-amounts is floored so that an account that always pays the same
 * sum does not turn a 10 % larger payment into z = 1000: 0.25 in log units is about ±28 %.
 */
const AMOUNT_LOG_STD_MIN = 0.25;
/**
 * Weight of each committed location in the account's home (an exponential moving average): one
 * payment far away moves home by a fifth of the way, so a second fraudulent payment there still
 * looks far from home, while a move of city is home after a dozen payments.
 */
const HOME_LOCATION_WEIGHT = 0.2;
/** A device first used for this account less than an hour ago is "fresh": a takeover's hour. */
const DEVICE_FRESH_HOURS = 1;
/** A device known for a month is as trusted as the feature can say. */
const DEVICE_KNOWN_HOURS_MAX = 30 * 24;
/** Local hours [0, 6) are "night". */
const NIGHT_HOUR_END = 6;

interface AccountState {
  readonly attempts: SlidingWindows;
  smallAttempts: SlidingWindows | null;
  newPayeeAttempts: SlidingWindows | null;
  firstSeenMs: number;
  // Welford's running mean and sum of squared deviations of log(1 + amount), committed payments only.
  historyCount: number;
  logMean: number;
  logM2: number;
  readonly payees: BoundedLru<string, true>;
  /** Device → when this account first committed a payment with it. */
  readonly devices: BoundedLru<string, number>;
  located: { readonly lat: number; readonly lon: number; readonly timeMs: number } | null;
  /** Moving average of committed locations (degrees; no antimeridian handling, the network is China). */
  home: { lat: number; lon: number } | null;
  ipRegion: string | null;
}

/**
 * The per-account, per-device and per-merchant state behind the features, bounded by `maxima`.
 *
 * Two kinds of memory, on purpose:
 * - attempts (`recordAttempt`, every assessed payment, whatever the decision): velocity windows, the
 *   small-amount burst and the new-payee count. A fraudster retrying after a block must look faster,
 *   not slower, and card testing is precisely many attempts, most of them declined.
 * - history (`recordCommit`, only payments that went ahead): amount statistics, seen payees and
 *   devices, last location and IP region. A blocked payment must not teach the engine that the
 *   attacker's device or payee is familiar, nor move the account to the attacker's city.
 */
export class FeatureStore {
  readonly maxima: RiskEngineMaxima;
  readonly utcOffsetMs: number;
  readonly #accounts: BoundedLru<string, AccountState>;
  readonly #devices: BoundedLru<string, SlidingWindows>;
  readonly #merchants: BoundedLru<string, SlidingWindows>;

  constructor(maxima: RiskEngineMaxima, utcOffsetMs: number) {
    this.maxima = maxima;
    this.utcOffsetMs = utcOffsetMs;
    this.#accounts = new BoundedLru(maxima.accountsTrackedMax);
    this.#devices = new BoundedLru(maxima.devicesTrackedMax);
    this.#merchants = new BoundedLru(maxima.merchantsTrackedMax);
  }

  get accountsTracked(): number {
    return this.#accounts.size;
  }

  get devicesTracked(): number {
    return this.#devices.size;
  }

  get merchantsTracked(): number {
    return this.#merchants.size;
  }

  /** The features of `event` from the state before it. Records nothing (windows only expire). */
  features(event: RiskEvent): FeatureVector {
    const timeMs = event.timestampMs;
    const amountCenti = amountToCenti(event.amount, event.currency);
    const amount = amountCenti / 100;
    const account = this.#accounts.get(event.fromAccount);
    const device = event.deviceId === null ? undefined : this.#devices.get(event.deviceId);
    const merchant = event.merchantId === null ? undefined : this.#merchants.get(event.merchantId);
    account?.attempts.advance(timeMs);
    account?.smallAttempts?.advance(timeMs);
    account?.newPayeeAttempts?.advance(timeMs);
    device?.advance(timeMs);
    merchant?.advance(timeMs);

    const logAmount = Math.log1p(amount);
    let amountZ = 0;
    let amountLogRatio = 0;
    if (account !== undefined && account.historyCount >= 1) {
      amountLogRatio = logAmount - account.logMean;
      if (account.historyCount >= 2) {
        const std = Math.max(AMOUNT_LOG_STD_MIN, Math.sqrt(account.logM2 / (account.historyCount - 1)));
        amountZ = amountLogRatio / std;
      }
    }

    const deviceFirstMs = event.deviceId === null ? undefined : account?.devices.peek(event.deviceId);
    let geoDistanceKm = 0;
    let geoVelocityKmh = 0;
    let geoHomeDistanceKm = 0;
    if (account?.home != null && event.lat !== null && event.lon !== null) {
      geoHomeDistanceKm = haversineKm(account.home.lat, account.home.lon, event.lat, event.lon);
    }
    if (account?.located != null && event.lat !== null && event.lon !== null) {
      const { lat, lon, timeMs: lastMs } = account.located;
      geoDistanceKm = haversineKm(lat, lon, event.lat, event.lon);
      const hours = Math.max(GEO_ELAPSED_MS_MIN, timeMs - lastMs) / HOUR_MS;
      geoVelocityKmh = Math.min(GEO_VELOCITY_KMH_MAX, geoDistanceKm / hours);
    }

    const hourOfDay = localHour(timeMs, this.utcOffsetMs);
    const openedMs = event.accountOpenedAtMs ?? account?.firstSeenMs ?? timeMs;
    const small = amountCenti <= SMALL_AMOUNT_CENTI_MAX && event.merchantId !== null;
    const newDevice = event.deviceId !== null && deviceFirstMs === undefined;
    const deviceKnownHours =
      deviceFirstMs === undefined ? 0 : Math.min(DEVICE_KNOWN_HOURS_MAX, Math.max(0, timeMs - deviceFirstMs) / HOUR_MS);
    const newPayee = account?.payees.has(event.toAccount) !== true;
    const freshDevice = event.deviceId !== null && deviceKnownHours < DEVICE_FRESH_HOURS;

    return {
      account_count_1m: account?.attempts.count(0) ?? 0,
      account_count_1h: account?.attempts.count(1) ?? 0,
      account_count_24h: account?.attempts.count(2) ?? 0,
      account_sum_1m: (account?.attempts.sum(0) ?? 0) / 100,
      account_sum_1h: (account?.attempts.sum(1) ?? 0) / 100,
      account_sum_24h: (account?.attempts.sum(2) ?? 0) / 100,
      device_count_1m: device?.count(0) ?? 0,
      device_count_1h: device?.count(1) ?? 0,
      device_count_24h: device?.count(2) ?? 0,
      device_sum_1m: (device?.sum(0) ?? 0) / 100,
      device_sum_1h: (device?.sum(1) ?? 0) / 100,
      device_sum_24h: (device?.sum(2) ?? 0) / 100,
      merchant_count_1m: merchant?.count(0) ?? 0,
      merchant_count_1h: merchant?.count(1) ?? 0,
      merchant_count_24h: merchant?.count(2) ?? 0,
      merchant_sum_1m: (merchant?.sum(0) ?? 0) / 100,
      merchant_sum_1h: (merchant?.sum(1) ?? 0) / 100,
      merchant_sum_24h: (merchant?.sum(2) ?? 0) / 100,
      amount,
      amount_z: amountZ,
      amount_log_ratio: amountLogRatio,
      account_history_count: account?.historyCount ?? 0,
      new_payee: newPayee ? 1 : 0,
      new_payee_count_1h: account?.newPayeeAttempts?.count(0) ?? 0,
      new_device: newDevice ? 1 : 0,
      device_known_hours: deviceKnownHours,
      ip_region_changed:
        event.ipRegion !== null && account?.ipRegion != null && account.ipRegion !== event.ipRegion ? 1 : 0,
      geo_distance_km: geoDistanceKm,
      geo_velocity_kmh: geoVelocityKmh,
      geo_home_distance_km: geoHomeDistanceKm,
      hour_of_day: hourOfDay,
      night: hourOfDay < NIGHT_HOUR_END ? 1 : 0,
      mcc_risk: mccRisk(event.mcc),
      channel_transfer: event.channel === 'transfer' ? 1 : 0,
      account_age_days: Math.max(0, timeMs - openedMs) / DAY_MS,
      small_amount_burst_10m: account?.smallAttempts?.count(0) ?? 0,
      small_amount: small ? 1 : 0,
      new_device_amount_log_ratio: newDevice ? Math.max(0, amountLogRatio) : 0,
      fresh_device_new_payee: freshDevice && newPayee ? 1 : 0,
    };
  }

  /** Counts `event` as an attempt: velocity, small-amount burst, new-payee run. */
  recordAttempt(event: RiskEvent, features: FeatureVector): void {
    const timeMs = event.timestampMs;
    const amountCenti = amountToCenti(event.amount, event.currency);
    const account = this.#account(event);
    account.attempts.add(timeMs, amountCenti);
    if (features.small_amount === 1) {
      account.smallAttempts ??= new SlidingWindows([SMALL_AMOUNT_BURST_WINDOW_MS], MARKED_EVENTS_MAX);
      account.smallAttempts.add(timeMs, amountCenti);
    }
    if (features.new_payee === 1) {
      account.newPayeeAttempts ??= new SlidingWindows([NEW_PAYEE_WINDOW_MS], MARKED_EVENTS_MAX);
      account.newPayeeAttempts.add(timeMs, amountCenti);
    }
    if (event.deviceId !== null) {
      const eventsMax = this.maxima.eventsPerWindowMax;
      const device = this.#devices.getOrCreate(
        event.deviceId,
        () => new SlidingWindows(VELOCITY_WINDOWS_MS, eventsMax),
      );
      device.add(timeMs, amountCenti);
    }
    if (event.merchantId !== null) {
      const eventsMax = this.maxima.merchantEventsPerWindowMax;
      const merchant = this.#merchants.getOrCreate(
        event.merchantId,
        () => new SlidingWindows(VELOCITY_WINDOWS_MS, eventsMax),
      );
      merchant.add(timeMs, amountCenti);
    }
  }

  /** Adds a payment that went ahead to its account's history: amounts, payee, device, place. */
  recordCommit(event: RiskEvent): void {
    const account = this.#account(event);
    const x = Math.log1p(amountToCenti(event.amount, event.currency) / 100);
    account.historyCount += 1;
    const delta = x - account.logMean;
    account.logMean += delta / account.historyCount;
    account.logM2 += delta * (x - account.logMean);
    account.payees.set(event.toAccount, true);
    if (event.deviceId !== null && !account.devices.has(event.deviceId)) {
      account.devices.set(event.deviceId, event.timestampMs);
    } else if (event.deviceId !== null) {
      account.devices.get(event.deviceId); // marks it used, so a daily device is never the one evicted
    }
    if (event.lat !== null && event.lon !== null) {
      account.located = { lat: event.lat, lon: event.lon, timeMs: event.timestampMs };
      if (account.home === null) account.home = { lat: event.lat, lon: event.lon };
      else {
        account.home.lat += HOME_LOCATION_WEIGHT * (event.lat - account.home.lat);
        account.home.lon += HOME_LOCATION_WEIGHT * (event.lon - account.home.lon);
      }
    }
    if (event.ipRegion !== null) account.ipRegion = event.ipRegion;
  }

  #account(event: RiskEvent): AccountState {
    const { maxima } = this;
    return this.#accounts.getOrCreate(event.fromAccount, () => ({
      attempts: new SlidingWindows(VELOCITY_WINDOWS_MS, maxima.eventsPerWindowMax),
      smallAttempts: null,
      newPayeeAttempts: null,
      firstSeenMs: event.timestampMs,
      historyCount: 0,
      logMean: 0,
      logM2: 0,
      payees: new BoundedLru(maxima.payeesPerAccountMax),
      devices: new BoundedLru(maxima.devicesPerAccountMax),
      located: null,
      home: null,
      ipRegion: null,
    }));
  }
}

/**
 * The amount in hundredths of a major unit, as a number: an integer for every currency with up to
 * two decimals, so window sums stay exact, and comparable across CNY and JPY at face value (features
 * do not convert currencies). A currency missing from the table is taken to have two decimals.
 */
export function amountToCenti(amount: bigint, currency: string): number {
  const decimals = Object.hasOwn(CURRENCY_DECIMALS, currency) ? (CURRENCY_DECIMALS[currency] ?? 2) : 2;
  if (decimals <= 2) return Number(amount) * 10 ** (2 - decimals);
  return Math.round(Number(amount) / 10 ** (decimals - 2));
}

/** The hour, 0–23, at `utcOffsetMs` from UTC (the network's local time; UTC+8 for China). */
export function localHour(timeMs: number, utcOffsetMs: number): number {
  const msOfDay = (((timeMs + utcOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(msOfDay / HOUR_MS);
}
