/**
 * Who takes part: users (home region, devices, opening date, how much they pay and how often,
 * contacts and family, favourite merchants), merchants (category, region, popularity) and banks,
 * and the licit look-alikes set up front: landlords with tenants, and users who go idle for a
 * spell. Per-user attributes live in typed arrays so that ten million users stay affordable.
 */
import { assert } from '@paychain/core';
import type { AccountRecord } from '../csv/accounts-csv.ts';
import { DAY_MS } from '../csv/civil-date.ts';
import { MERCHANT_CATEGORIES } from './mcc.ts';
import { REGIONS } from './regions.ts';
import { cumulativeOf, pickCumulative, Rng } from './rng.ts';

export const BANKS: readonly { readonly account: string; readonly weight: number }[] = [
  { account: 'BANK-ICBC', weight: 25 },
  { account: 'BANK-CCB', weight: 20 },
  { account: 'BANK-ABC', weight: 18 },
  { account: 'BANK-BOC', weight: 15 },
  { account: 'BANK-BOCOM', weight: 8 },
  { account: 'BANK-CMB', weight: 14 },
];

/** Role bits of a user; a user with any of them is kept out of the others where it matters. */
export const FLAG_IDLE = 1;
export const FLAG_DORMANT = 2;
export const FLAG_VICTIM = 4;
/** Takes part in an injected instance (laundering, a takeover's payee, unpatterned). */
export const FLAG_IN_INSTANCE = 8;
export const FLAG_LANDLORD = 16;
export const FLAG_TENANT = 32;

export const CONTACTS_MIN = 3;
export const CONTACTS_MAX = 10;
export const FAVOURITES = 6;
/** Share of contacts picked in the user's own region. */
const CONTACTS_SAME_REGION = 0.8;
/** Share of users opened during the period rather than before it. */
const OPENED_DURING_SHARE = 0.08;
const OPENED_BEFORE_DAYS_MAX = 3 * 365;
/** Users who stop for a spell and come back: the licit side of dormant activation. */
const IDLE_SHARE = 0.02;
const IDLE_DAYS_MIN = 60;
const IDLE_DAYS_MAX = 120;
const LANDLORD_SHARE = 0.01;
const TENANTS_MIN = 2;
const TENANTS_MAX = 5;
const RENT_CNY_MIN = 1500;
const RENT_CNY_MAX = 6000;
/** Rent falls due this many days around the first of the month. */
const RENT_OFFSET_MIN = -3;
const RENT_OFFSET_MAX = 4;

export const IDLE_NONE = -1;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function userAccountId(index: number): string {
  return `U${pad(index + 1, 7)}`;
}

export function merchantAccountId(index: number): string {
  return `M${pad(index + 1, 6)}`;
}

export function merchantIdOf(index: number): string {
  return `MCH${pad(index + 1, 6)}`;
}

/** MurmurHash3's finaliser: a bijection on 32-bit integers, so distinct indices give distinct ids. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Licit devices count up from 0, fraudsters' from here: the two ranges never meet. */
export const FRAUD_DEVICE_BASE = 0x8000_0000;

export interface Tenancies {
  readonly tenant: Int32Array;
  readonly landlord: Int32Array;
  readonly amount: BigInt64Array;
  /** Days from the first of the month the rent is paid, -3 … 4. */
  readonly offset: Int8Array;
}

export interface PopulationOptions {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  readonly startMs: number;
}

export class Population {
  readonly userCount: number;
  readonly merchantCount: number;
  readonly startMs: number;
  readonly days: number;
  readonly userIds: readonly string[];
  readonly homeRegion: Uint8Array;
  readonly openedMs: Float64Array;
  /** Multiplier of the merchant-payment rate, mean 1. */
  readonly activity: Float32Array;
  /** Multiplier of payment amounts, median 1. */
  readonly spend: Float32Array;
  readonly bank: Uint8Array;
  readonly deviceA: Int32Array;
  /** A second device, or -1. */
  readonly deviceB: Int32Array;
  readonly idleFromDay: Int32Array;
  readonly idleToDay: Int32Array;
  readonly flags: Uint8Array;
  readonly contactStart: Int32Array;
  readonly contacts: Int32Array;
  /** The first `familyCount` contacts are family. */
  readonly familyCount: Uint8Array;
  readonly favourites: Int32Array;
  readonly regionUsers: readonly Int32Array[];
  readonly merchantAccountIds: readonly string[];
  readonly merchantIds: readonly string[];
  readonly merchantRegion: Uint8Array;
  readonly merchantCategory: Uint8Array;
  readonly merchantBank: Uint8Array;
  readonly merchantOpenedMs: Float64Array;
  /** Per region: merchant indices and their cumulative popularity. */
  readonly regionMerchants: readonly { readonly index: Int32Array; readonly cumulative: Float64Array }[];
  readonly allMerchantsCumulative: Float64Array;
  readonly tenancies: Tenancies;
  /** Accounts a fraud victim must never pay in the background: its takeover's payees. */
  private readonly forbiddenPayees = new Map<number, Set<number>>();
  private readonly deviceSalt: number;
  private nextDevice = 0;
  private nextFraudDevice = FRAUD_DEVICE_BASE;

  constructor(options: PopulationOptions) {
    const rng = new Rng(options.seed, 1);
    const n = options.users;
    const m = options.merchants;
    this.userCount = n;
    this.merchantCount = m;
    this.startMs = options.startMs;
    this.days = options.days;
    this.deviceSalt = rng.next();
    const regionCumulative = cumulativeOf(REGIONS.map((r) => r.weight));
    const bankCumulative = cumulativeOf(BANKS.map((b) => b.weight));

    this.userIds = Array.from({ length: n }, (_, i) => userAccountId(i));
    this.homeRegion = new Uint8Array(n);
    this.openedMs = new Float64Array(n);
    this.activity = new Float32Array(n);
    this.spend = new Float32Array(n);
    this.bank = new Uint8Array(n);
    this.deviceA = new Int32Array(n);
    this.deviceB = new Int32Array(n).fill(-1);
    this.idleFromDay = new Int32Array(n).fill(IDLE_NONE);
    this.idleToDay = new Int32Array(n).fill(IDLE_NONE);
    this.flags = new Uint8Array(n);
    const periodMs = options.days * DAY_MS;
    for (let u = 0; u < n; u += 1) {
      this.homeRegion[u] = pickCumulative(rng, regionCumulative);
      const opened = rng.chance(OPENED_DURING_SHARE)
        ? options.startMs + Math.floor(rng.float() * periodMs)
        : options.startMs - Math.floor(rng.uniform(1, OPENED_BEFORE_DAYS_MAX) * DAY_MS);
      this.openedMs[u] = opened;
      this.activity[u] = Math.exp(0.7 * rng.normal() - 0.245);
      this.spend[u] = Math.exp(0.35 * rng.normal());
      this.bank[u] = pickCumulative(rng, bankCumulative);
      this.deviceA[u] = this.nextDevice++;
      if (rng.chance(0.35)) this.deviceB[u] = this.nextDevice++;
      if (opened < options.startMs && rng.chance(IDLE_SHARE)) {
        const from = rng.int(1, Math.max(1, options.days - 1));
        this.idleFromDay[u] = from;
        this.idleToDay[u] = Math.min(options.days - 1, from + rng.int(IDLE_DAYS_MIN, IDLE_DAYS_MAX) - 1);
        this.flags[u] = FLAG_IDLE;
      }
    }
    const regionLists: number[][] = REGIONS.map(() => []);
    for (let u = 0; u < n; u += 1) regionLists[this.homeRegion[u] ?? 0]?.push(u);
    this.regionUsers = regionLists.map((list) => Int32Array.from(list));

    // Merchants.
    const categoryCumulative = cumulativeOf(MERCHANT_CATEGORIES.map((c) => c.weight));
    this.merchantAccountIds = Array.from({ length: m }, (_, i) => merchantAccountId(i));
    this.merchantIds = Array.from({ length: m }, (_, i) => merchantIdOf(i));
    this.merchantRegion = new Uint8Array(m);
    this.merchantCategory = new Uint8Array(m);
    this.merchantBank = new Uint8Array(m);
    this.merchantOpenedMs = new Float64Array(m);
    const popularity = new Float64Array(m);
    for (let i = 0; i < m; i += 1) {
      this.merchantRegion[i] = pickCumulative(rng, regionCumulative);
      this.merchantCategory[i] = pickCumulative(rng, categoryCumulative);
      this.merchantBank[i] = pickCumulative(rng, bankCumulative);
      this.merchantOpenedMs[i] = options.startMs - Math.floor(rng.uniform(30, 2000) * DAY_MS);
      popularity[i] = Math.exp(rng.normal());
    }
    this.regionMerchants = REGIONS.map((_, r) => {
      const index: number[] = [];
      for (let i = 0; i < m; i += 1) if (this.merchantRegion[i] === r) index.push(i);
      return { index: Int32Array.from(index), cumulative: cumulativeOf(index.map((i) => popularity[i] ?? 0)) };
    });
    this.allMerchantsCumulative = cumulativeOf(Array.from(popularity));

    // Contacts: mostly in the same region; the first one or two are family.
    this.contactStart = new Int32Array(n + 1);
    const contacts: number[] = [];
    this.familyCount = new Uint8Array(n);
    for (let u = 0; u < n; u += 1) {
      this.contactStart[u] = contacts.length;
      const want = rng.int(CONTACTS_MIN, CONTACTS_MAX);
      const home = this.regionUsers[this.homeRegion[u] ?? 0] ?? new Int32Array(0);
      for (let tries = 0, got = 0; got < want && tries < want * 4; tries += 1) {
        const v =
          rng.chance(CONTACTS_SAME_REGION) && home.length > 1 ? (home[rng.below(home.length)] ?? 0) : rng.below(n);
        if (v === u || this.isContact(u, v, contacts)) continue;
        contacts.push(v);
        got += 1;
      }
      const family = rng.float();
      this.familyCount[u] = Math.min(
        contacts.length - (this.contactStart[u] ?? 0),
        family < 0.3 ? 0 : family < 0.7 ? 1 : 2,
      );
    }
    this.contactStart[n] = contacts.length;
    this.contacts = Int32Array.from(contacts);

    // Favourite merchants in the home region, by popularity.
    this.favourites = new Int32Array(n * FAVOURITES);
    for (let u = 0; u < n; u += 1) {
      for (let k = 0; k < FAVOURITES; k += 1)
        this.favourites[u * FAVOURITES + k] = this.merchantIn(rng, this.homeRegion[u] ?? 0);
    }

    this.tenancies = this.createTenancies(rng);
  }

  /** A merchant of `region` by popularity, or of anywhere when the region has none. */
  merchantIn(rng: Rng, region: number): number {
    const pool = this.regionMerchants[region];
    if (pool === undefined || pool.index.length === 0) return pickCumulative(rng, this.allMerchantsCumulative);
    return pool.index[pickCumulative(rng, pool.cumulative)] ?? 0;
  }

  contactsOf(u: number): Int32Array {
    return this.contacts.subarray(this.contactStart[u] ?? 0, this.contactStart[u + 1] ?? 0);
  }

  /** Whether `u` may move money on day `day`: opened before the day began and not in an idle spell. */
  isActive(u: number, day: number): boolean {
    if ((this.openedMs[u] ?? 0) >= this.startMs + day * DAY_MS) return false;
    const from = this.idleFromDay[u] ?? IDLE_NONE;
    return from === IDLE_NONE || day < from || day > (this.idleToDay[u] ?? IDLE_NONE);
  }

  /** Marks `payee` as one `payer` never pays of its own accord (the "never paid" of a takeover). */
  forbidPayee(payer: number, payee: number): void {
    const set = this.forbiddenPayees.get(payer) ?? new Set<number>();
    set.add(payee);
    this.forbiddenPayees.set(payer, set);
  }

  /** Whether `payer` may pay `payee` in the background. */
  mayPay(payer: number, payee: number): boolean {
    if (((this.flags[payer] ?? 0) & FLAG_VICTIM) === 0) return true;
    return this.forbiddenPayees.get(payer)?.has(payee) !== true;
  }

  /** A user's typical merchant payment in CNY: its spend level times the median of its favourite categories' medians. */
  typicalPaymentCny(u: number): number {
    const medians: number[] = [];
    for (let k = 0; k < FAVOURITES; k += 1) {
      const merchant = this.favourites[u * FAVOURITES + k] ?? 0;
      medians.push(MERCHANT_CATEGORIES[this.merchantCategory[merchant] ?? 0]?.medianCny ?? 0);
    }
    medians.sort((a, b) => a - b);
    const middle = ((medians[FAVOURITES / 2 - 1] ?? 0) + (medians[FAVOURITES / 2] ?? 0)) / 2;
    return middle * (this.spend[u] ?? 1);
  }

  deviceId(index: number): string {
    return `D${mix32(index ^ this.deviceSalt)
      .toString(16)
      .padStart(8, '0')}`;
  }

  /** A licit user's new phone. */
  newDevice(): number {
    assert(this.nextDevice < FRAUD_DEVICE_BASE, 'licit device numbers stay below the fraud range');
    return this.nextDevice++;
  }

  /** A device a fraudster brings: never seen before on any account. */
  newFraudDevice(): number {
    assert(this.nextFraudDevice < 0xffff_ffff, 'fraud device numbers fit 32 bits');
    return this.nextFraudDevice++;
  }

  bankAccount(u: number): string {
    return BANKS[this.bank[u] ?? 0]?.account ?? 'BANK-ICBC';
  }

  merchantBankAccount(merchant: number): string {
    return BANKS[this.merchantBank[merchant] ?? 0]?.account ?? 'BANK-ICBC';
  }

  accounts(): AccountRecord[] {
    const out: AccountRecord[] = [];
    for (let u = 0; u < this.userCount; u += 1) {
      out.push({
        accountId: this.userIds[u] ?? '',
        kind: 'user',
        region: REGIONS[this.homeRegion[u] ?? 0]?.code ?? null,
        openedAtMs: this.openedMs[u] ?? 0,
        mcc: null,
        merchantId: null,
      });
    }
    for (let i = 0; i < this.merchantCount; i += 1) {
      out.push({
        accountId: this.merchantAccountIds[i] ?? '',
        kind: 'merchant',
        region: REGIONS[this.merchantRegion[i] ?? 0]?.code ?? null,
        openedAtMs: this.merchantOpenedMs[i] ?? 0,
        mcc: MERCHANT_CATEGORIES[this.merchantCategory[i] ?? 0]?.mcc ?? null,
        merchantId: this.merchantIds[i] ?? null,
      });
    }
    for (const bank of BANKS) {
      out.push({ accountId: bank.account, kind: 'bank', region: null, openedAtMs: null, mcc: null, merchantId: null });
    }
    return out;
  }

  private isContact(u: number, v: number, contacts: readonly number[]): boolean {
    for (let i = this.contactStart[u] ?? 0; i < contacts.length; i += 1) if (contacts[i] === v) return true;
    return false;
  }

  private createTenancies(rng: Rng): Tenancies {
    const tenant: number[] = [];
    const landlord: number[] = [];
    const amount: bigint[] = [];
    const offset: number[] = [];
    const landlords = Math.max(1, Math.round(this.userCount * LANDLORD_SHARE));
    const settled = (u: number): boolean => this.flags[u] === 0 && (this.openedMs[u] ?? 0) < this.startMs;
    for (let l = 0, tries = 0; l < landlords && tries < landlords * 10; tries += 1) {
      const owner = rng.below(this.userCount);
      if (!settled(owner)) continue;
      this.flags[owner] = FLAG_LANDLORD;
      l += 1;
      const neighbours = this.regionUsers[this.homeRegion[owner] ?? 0] ?? new Int32Array(0);
      const want = rng.int(TENANTS_MIN, TENANTS_MAX);
      for (let t = 0, tenantTries = 0; t < want && tenantTries < want * 10; tenantTries += 1) {
        const renter = neighbours[rng.below(neighbours.length)] ?? owner;
        if (!settled(renter)) continue;
        this.flags[renter] = FLAG_TENANT;
        tenant.push(renter);
        landlord.push(owner);
        amount.push(BigInt(rng.int(RENT_CNY_MIN / 100, RENT_CNY_MAX / 100)) * 100_00n);
        offset.push(rng.int(RENT_OFFSET_MIN, RENT_OFFSET_MAX));
        t += 1;
      }
    }
    return {
      tenant: Int32Array.from(tenant),
      landlord: Int32Array.from(landlord),
      amount: BigInt64Array.from(amount),
      offset: Int8Array.from(offset),
    };
  }
}
