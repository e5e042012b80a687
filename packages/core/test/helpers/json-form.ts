// Goal: a JSON form of transactions, headers and certificates for golden vectors. Method: a field-name table
// says which strings are decimal bigints and which are hex bytes; no guessing.
import { bytesToHex, hexToBytes } from '../../src/index.ts';

const BIGINT_FIELDS = new Set([
  'expiresAt',
  'amount',
  'timeoutMs',
  'height',
  'time',
  'budget',
  'window',
  'rateNum',
  'rateDen',
  'minBase',
  'maxBase',
  'capacity',
  'baseAmount',
  'perPaymentMax',
  'perBeneficiaryMax',
  'validFromMs',
  'validUntilMs',
]);
const BYTES_FIELDS = new Set([
  'validatorKey',
  'publicKey',
  'signature',
  'prevHash',
  'txRoot',
  'resultRoot',
  'stateCommitment',
  'headerHash',
]);
const BYTES_LIST_FIELDS = new Set(['owners', 'adminKeys']);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** bigint → decimal string, Uint8Array → lowercase hex; everything else as is. */
export function toJsonForm(value: unknown): Json {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map(toJsonForm);
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string')
    return value;
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of Object.entries(value)) out[key] = toJsonForm(field);
    return out;
  }
  throw new TypeError(`no JSON form for ${typeof value}`);
}

/** The inverse of `toJsonForm`, driven by field names. The result is cast by the caller's type parameter. */
export function fromJsonForm<T>(json: Json): T {
  return convert(json, '') as T;
}

function convert(json: Json, key: string): unknown {
  if (BIGINT_FIELDS.has(key)) {
    if (typeof json !== 'string' || !/^(0|[1-9][0-9]*)$/.test(json)) throw new TypeError(`${key}: decimal string`);
    return BigInt(json);
  }
  if (BYTES_FIELDS.has(key)) {
    if (json === null) return null;
    if (typeof json !== 'string') throw new TypeError(`${key}: hex string`);
    return hexToBytes(json);
  }
  if (BYTES_LIST_FIELDS.has(key)) {
    if (!Array.isArray(json)) throw new TypeError(`${key}: list of hex strings`);
    return json.map((k) => convert(k, 'publicKey'));
  }
  if (Array.isArray(json)) return json.map((element) => convert(element, ''));
  if (json !== null && typeof json === 'object') {
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(json)) out[field] = convert(value, field);
    return out;
  }
  return json;
}
