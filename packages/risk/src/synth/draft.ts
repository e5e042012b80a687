/**
 * A transfer being generated, before it has its id: the id is given in time order when the day
 * is written, so ids reveal nothing about how a transfer was made. `seq` breaks ties between
 * equal timestamps the same way on every run.
 */
import type { Channel, LabelPattern } from '../transfer-record.ts';
import { MERCHANT_CATEGORIES } from './mcc.ts';
import type { Population } from './population.ts';
import { REGIONS } from './regions.ts';
import type { Rng } from './rng.ts';

export interface Draft {
  readonly t: number;
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly channel: Channel;
  readonly mcc: string | null;
  readonly merchantId: string | null;
  readonly deviceId: string | null;
  readonly ipRegion: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly label: LabelPattern | null;
  /** Index of the pattern instance it belongs to, or -1. */
  readonly instance: number;
}

export function compareDrafts(a: Draft, b: Draft): number {
  return a.t - b.t || a.seq - b.seq;
}

/** Jitter is cut at three standard deviations: no point is more than about 60 km from its centre. */
function boundedNormal(rng: Rng): number {
  return Math.max(-3, Math.min(3, rng.normal()));
}

/** Where a payment is made: within about 15 km of the region's centre, to 5 decimals (about 1 m). */
export function locationNear(rng: Rng, region: number): { lat: number; lon: number } {
  const centre = REGIONS[region] ?? REGIONS[0];
  const lat = (centre?.lat ?? 0) + boundedNormal(rng) * 0.12;
  const lon = (centre?.lon ?? 0) + boundedNormal(rng) * 0.15;
  return { lat: Math.round(lat * 1e5) / 1e5, lon: Math.round(lon * 1e5) / 1e5 };
}

/** Builds drafts with consecutive `seq` numbers. */
export class DraftFactory {
  private readonly pop: Population;
  private seq: number;

  constructor(pop: Population, firstSeq: number) {
    this.pop = pop;
    this.seq = firstSeq;
  }

  get nextSeq(): number {
    return this.seq;
  }

  /** A transfer between two users from the sender's device, in the app. */
  transfer(
    t: number,
    from: number,
    to: number,
    amount: bigint,
    region: number,
    label: LabelPattern | null = null,
    instance = -1,
    device: number = this.pop.deviceA[from] ?? 0,
  ): Draft {
    return {
      t,
      seq: this.seq++,
      from: this.pop.userIds[from] ?? '',
      to: this.pop.userIds[to] ?? '',
      amount,
      channel: 'transfer',
      mcc: null,
      merchantId: null,
      deviceId: this.pop.deviceId(device),
      ipRegion: REGIONS[region]?.code ?? null,
      lat: null,
      lon: null,
      label,
      instance,
    };
  }

  /** A user's payment to a merchant, made where the user is. */
  merchantPayment(
    rng: Rng,
    t: number,
    user: number,
    merchant: number,
    amount: bigint,
    channel: Channel,
    device: number,
    region: number,
    label: LabelPattern | null = null,
    instance = -1,
  ): Draft {
    const where = locationNear(rng, region);
    return {
      t,
      seq: this.seq++,
      from: this.pop.userIds[user] ?? '',
      to: this.pop.merchantAccountIds[merchant] ?? '',
      amount,
      channel,
      mcc: MERCHANT_CATEGORIES[this.pop.merchantCategory[merchant] ?? 0]?.mcc ?? null,
      merchantId: this.pop.merchantIds[merchant] ?? null,
      deviceId: this.pop.deviceId(device),
      ipRegion: REGIONS[region]?.code ?? null,
      lat: where.lat,
      lon: where.lon,
      label,
      instance,
    };
  }

  /** Money in from the user's bank account, asked for in the app. */
  topup(
    t: number,
    user: number,
    amount: bigint,
    region: number,
    label: LabelPattern | null = null,
    instance = -1,
  ): Draft {
    return {
      t,
      seq: this.seq++,
      from: this.pop.bankAccount(user),
      to: this.pop.userIds[user] ?? '',
      amount,
      channel: 'topup',
      mcc: null,
      merchantId: null,
      deviceId: this.pop.deviceId(this.pop.deviceA[user] ?? 0),
      ipRegion: REGIONS[region]?.code ?? null,
      lat: null,
      lon: null,
      label,
      instance,
    };
  }

  withdrawal(t: number, user: number, amount: bigint, region: number): Draft {
    return {
      t,
      seq: this.seq++,
      from: this.pop.userIds[user] ?? '',
      to: this.pop.bankAccount(user),
      amount,
      channel: 'withdrawal',
      mcc: null,
      merchantId: null,
      deviceId: this.pop.deviceId(this.pop.deviceA[user] ?? 0),
      ipRegion: REGIONS[region]?.code ?? null,
      lat: null,
      lon: null,
      label: null,
      instance: -1,
    };
  }

  /** A merchant's settlement to its bank, made by the platform: no device, no place. */
  payout(t: number, merchant: number, amount: bigint): Draft {
    return {
      t,
      seq: this.seq++,
      from: this.pop.merchantAccountIds[merchant] ?? '',
      to: this.pop.merchantBankAccount(merchant),
      amount,
      channel: 'payout',
      mcc: null,
      merchantId: this.pop.merchantIds[merchant] ?? null,
      deviceId: null,
      ipRegion: null,
      lat: null,
      lon: null,
      label: null,
      instance: -1,
    };
  }
}

/** Whole CNY (fen to yuan), the way people type amounts. */
export function cnyToMinor(cny: number): bigint {
  return BigInt(Math.round(cny)) * 100n;
}

/** Fen from a real CNY amount, at least one fen. */
export function realCnyToMinor(cny: number): bigint {
  return BigInt(Math.max(1, Math.round(cny * 100)));
}
