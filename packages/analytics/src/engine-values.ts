/**
 * Values read back from either engine's JSON rows: counts, heights and sums arrive as strings
 * (64- and 128-bit integers do not fit a JSON number), and are checked on the way in.
 */
import { isChannel } from '@paychain/risk';
import { isRiskDecision, WarehouseError, type WarehouseTransfer } from './warehouse.ts';

export type EngineRow = Readonly<Record<string, unknown>>;

function bad(what: string, value: unknown): WarehouseError {
  return new WarehouseError('engine_failed', `${what}: unexpected value ${JSON.stringify(value)} from the engine`);
}

/** A non-negative integer that fits a double exactly (counts, times). */
export function countOf(row: EngineRow, key: string): number {
  const value = row[key];
  const n = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad(key, value);
  return n;
}

/** A sum of minor units as a canonical decimal string (no sign for zero, no leading zeros). */
export function decimalOf(row: EngineRow, key: string): string {
  const value = row[key];
  if (value === null) return '0';
  if (typeof value !== 'string' || !/^(0|-?[1-9][0-9]{0,38})$/.test(value)) throw bad(key, value);
  return value;
}

export function textOf(row: EngineRow, key: string): string {
  const value = row[key];
  if (typeof value !== 'string') throw bad(key, value);
  return value;
}

export function nullableTextOf(row: EngineRow, key: string): string | null {
  const value = row[key];
  if (value === null) return null;
  if (typeof value !== 'string') throw bad(key, value);
  return value;
}

export function bigintOf(row: EngineRow, key: string): bigint {
  const value = row[key];
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) throw bad(key, value);
  return BigInt(value);
}

function nullableNumberOf(row: EngineRow, key: string): number | null {
  const value = row[key];
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(key, value);
  return value;
}

/** A fact row as both engines answer the export columns in JSON (64-bit integers as strings). */
export function transferOfRow(row: EngineRow): WarehouseTransfer {
  const channel = textOf(row, 'channel');
  if (!isChannel(channel)) throw bad('channel', channel);
  const riskDecision = nullableTextOf(row, 'risk_decision');
  if (riskDecision !== null && !isRiskDecision(riskDecision)) throw bad('risk_decision', riskDecision);
  return {
    id: textOf(row, 'id'),
    height: row.height === null ? null : bigintOf(row, 'height'),
    timestampMs: countOf(row, 'timestamp_ms'),
    fromAccount: textOf(row, 'from_account'),
    toAccount: textOf(row, 'to_account'),
    amount: bigintOf(row, 'amount'),
    currency: textOf(row, 'currency'),
    channel,
    mcc: nullableTextOf(row, 'mcc'),
    merchantId: nullableTextOf(row, 'merchant_id'),
    region: nullableTextOf(row, 'region'),
    issuer: nullableTextOf(row, 'issuer'),
    riskDecision,
    riskScore: nullableNumberOf(row, 'risk_score'),
  };
}
