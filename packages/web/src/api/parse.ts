/**
 * Checks the shape of an API answer the screens draw from (charts, queues, cases) and turns it into the typed value,
 * or fails with `ApiError('bad_response')` naming the field (`items[3].value: expected a decimal string, got 12.5`).
 * The named client methods in client.ts trust the contract's shape; these answers feed arithmetic and charts, where
 * a number where a decimal string belongs would be silently rounded, so they are checked on arrival.
 */
import { ApiError } from './client';

/** Rows accepted in one answer: the routes answer far fewer (a day of hours, a page, a month of days). */
export const ANSWER_ITEMS_MAX = 10_000;
/** A decimal amount as the API writes it: optional minus, digits, optional fraction. */
const DECIMAL_PATTERN = /^-?[0-9]{1,40}(\.[0-9]{1,18})?$/;
/** A ledger height: a decimal string (it may exceed 2^53) or a safe integer. */
const HEIGHT_PATTERN = /^(0|[1-9][0-9]{0,19})$/;

export type Json = Readonly<Record<string, unknown>>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function fail(where: string, expected: string, got: unknown): never {
  throw new ApiError('bad_response', `${where}: expected ${expected}, got ${describe(got)}`, 200);
}

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, where: string): Json {
  return isJsonObject(value) ? value : fail(where, 'an object', value);
}

export function arrayAt(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) return fail(where, 'an array', value);
  if (value.length > ANSWER_ITEMS_MAX) return fail(where, `at most ${ANSWER_ITEMS_MAX} items`, value.length);
  return value;
}

/** `items` of an answer, each checked by `parseItem` with its path (`items[2]`). */
export function itemsAt<T>(json: Json, key: string, parseItem: (item: Json, where: string) => T): T[] {
  return arrayAt(json[key], key).map((item, i) => parseItem(objectAt(item, `${key}[${i}]`), `${key}[${i}]`));
}

export function stringAt(json: Json, key: string, where: string): string {
  const value = json[key];
  return typeof value === 'string' ? value : fail(`${where}.${key}`, 'a string', value);
}

export function nullableStringAt(json: Json, key: string, where: string): string | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : fail(`${where}.${key}`, 'a string or null', value);
}

/** A finite number (a count, a score, a rate, a time in ms): never an amount of money. */
export function numberAt(json: Json, key: string, where: string): number {
  const value = json[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fail(`${where}.${key}`, 'a number', value);
}

export function nullableNumberAt(json: Json, key: string, where: string): number | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : fail(`${where}.${key}`, 'a number or null', value);
}

/** A count: a non-negative safe integer. */
export function countAt(json: Json, key: string, where: string): number {
  const value = json[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : fail(`${where}.${key}`, 'a non-negative integer', value);
}

/** An amount: a decimal string, never a JSON number (which could not hold every amount exactly). */
export function decimalAt(json: Json, key: string, where: string): string {
  const value = json[key];
  return typeof value === 'string' && DECIMAL_PATTERN.test(value)
    ? value
    : fail(`${where}.${key}`, 'a decimal string', value);
}

/** A ledger height, as a decimal string whichever way the API wrote it. */
export function heightAt(json: Json, key: string, where: string): string {
  const value = json[key];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && HEIGHT_PATTERN.test(value)) return value;
  return fail(`${where}.${key}`, 'a height', value);
}

export function booleanAt(json: Json, key: string, where: string): boolean {
  const value = json[key];
  return typeof value === 'boolean' ? value : fail(`${where}.${key}`, 'true or false', value);
}

export function stringsAt(json: Json, key: string, where: string): string[] {
  return arrayAt(json[key], `${where}.${key}`).map((item, i) =>
    typeof item === 'string' ? item : fail(`${where}.${key}[${i}]`, 'a string', item),
  );
}

/** One of a fixed list of words. */
export function oneOfAt<T extends string>(json: Json, key: string, where: string, allowed: readonly T[]): T {
  const value = json[key];
  const found = allowed.find((word) => word === value);
  return found ?? fail(`${where}.${key}`, allowed.join(' | '), value);
}

/** A page's `next` cursor. */
export function nextAt(json: Json): string | null {
  return nullableStringAt(json, 'next', '(page)');
}
