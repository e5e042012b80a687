/**
 * Seeded transfers in bulk for the warehouse benchmark: millions of rows a second, shaped like
 * the dashboards' data (merchants with a fixed MCC and region, a daily rhythm, amounts spread
 * over five orders of magnitude) but with no fraud or laundering in them — the generator of
 * `@paychain/risk` is the one for detection. Same seed, same rows, on every machine.
 */
import { CURRENCY_DECIMALS, type TransferRecord } from '@paychain/risk';
import { DAY_MS, HOUR_MS } from './warehouse.ts';

export const SYNTHETIC_BATCH_ROWS_DEFAULT = 100_000;
export const SYNTHETIC_ROWS_MAX = 1_000_000_000;

export interface SyntheticOptions {
  readonly seed: number;
  readonly rows: number;
  readonly startMs: number;
  readonly days: number;
  readonly accounts?: number;
  readonly merchants?: number;
  readonly batchRows?: number;
}

const MCCS = ['5411', '5812', '5814', '5912', '5999', '4111', '5541', '7011', '5311', '5732'] as const;
const REGIONS = ['310000', '110000', '440300', '330100', '510100', '420100', '320500', '500000', '610100', '370200'];
/** Share of each hour of the day in the day's payments (a lunch and an evening peak, a quiet night). */
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 7, 7, 8, 10, 12, 9, 7, 7, 8, 9, 11, 12, 10, 7, 4, 2];

/** mulberry32: 32-bit state, good enough to shape benchmark data, and fast. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Batches of records; the day follows the row index, so the data arrives day after day as a chain's would. */
export function* syntheticTransfers(options: SyntheticOptions): Generator<TransferRecord[]> {
  const { seed, rows, startMs, days } = options;
  const accounts = options.accounts ?? 1_000_000;
  const merchants = options.merchants ?? 50_000;
  const batchRows = options.batchRows ?? SYNTHETIC_BATCH_ROWS_DEFAULT;
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > SYNTHETIC_ROWS_MAX) throw new RangeError(`rows ${rows}`);
  if (!Number.isSafeInteger(days) || days < 1) throw new RangeError(`days ${days}`);
  const random = createRandom(seed);
  const hourCumulative: number[] = [];
  let total = 0;
  for (const w of HOUR_WEIGHTS) {
    total += w;
    hourCumulative.push(total);
  }
  const decimals = CURRENCY_DECIMALS.CNY ?? 2;
  const minor = 10 ** decimals;
  for (let start = 0; start < rows; start += batchRows) {
    const batch: TransferRecord[] = [];
    const end = Math.min(rows, start + batchRows);
    for (let i = start; i < end; i++) {
      // Rows spread evenly over the days in order; the hour follows the daily rhythm.
      const day = Math.floor((i / rows) * days);
      const pickHour = random() * total;
      let hour = 0;
      while ((hourCumulative[hour] ?? total) < pickHour) hour++;
      const timestampMs = startMs + day * DAY_MS + hour * HOUR_MS + Math.floor(random() * HOUR_MS);
      const payer = `u${Math.floor(random() * accounts)}`;
      const kind = random();
      const amount = BigInt(Math.max(1, Math.floor(10 ** (random() * 5) * minor * random())));
      if (kind < 0.72) {
        const merchant = Math.floor(random() ** 2 * merchants);
        const mcc = MCCS[merchant % MCCS.length] ?? null;
        batch.push({
          id: `s${seed}-${i}`,
          timestampMs,
          fromAccount: payer,
          toAccount: `m${merchant}`,
          amount,
          currency: 'CNY',
          channel: kind < 0.45 ? 'qr' : kind < 0.6 ? 'pay_code' : 'online',
          mcc,
          merchantId: `m${merchant}`,
          deviceId: null,
          ipRegion: REGIONS[merchant % REGIONS.length] ?? null,
          lat: null,
          lon: null,
        });
      } else {
        const channel = kind < 0.9 ? 'transfer' : kind < 0.96 ? 'topup' : 'withdrawal';
        batch.push({
          id: `s${seed}-${i}`,
          timestampMs,
          fromAccount: channel === 'topup' ? 'bank' : payer,
          toAccount: channel === 'withdrawal' ? 'bank' : `u${Math.floor(random() * accounts)}`,
          amount,
          currency: 'CNY',
          channel,
          mcc: null,
          merchantId: null,
          deviceId: null,
          ipRegion: REGIONS[Math.floor(random() * REGIONS.length)] ?? null,
          lat: null,
          lon: null,
        });
      }
    }
    yield batch;
  }
}
