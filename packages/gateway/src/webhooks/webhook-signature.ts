/**
 * Webhook signatures: how the gateway signs each webhook POST to a merchant and how a receiver checks it
 * (docs/gateway-api.md, Webhooks). The header is
 *
 *   Paychain-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, `${t}.${body}`)>
 *
 * where body is the exact JSON text sent. The timestamp is signed with the body, so a captured request cannot be
 * replayed later than the tolerance (5 minutes) and, within it, a receiver refuses an event id seen before
 * (`ReplayCache`). Several `v1=` entries may appear (one per secret during a rotation); any match counts. Entries of
 * other schemes (`v2=`…) are ignored, so a later scheme can be added without breaking today's receivers.
 *
 * The secret is 32 random bytes (`newWebhookSecret`), shown to the merchant once in base64url
 * (`encodeWebhookSecret`); the HMAC key is the raw bytes, not the text.
 *
 * Expected refusals are a result union in precedence order (`VerifyWebhookFailure`), never a throw; comparisons of
 * signatures run in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { assert } from '@paychain/core';

export const WEBHOOK_SIGNATURE_HEADER = 'Paychain-Signature';
export const WEBHOOK_EVENT_ID_HEADER = 'Paychain-Event-Id';
export const WEBHOOK_SECRET_BYTES = 32;
/** base64url without padding of WEBHOOK_SECRET_BYTES bytes. */
export const WEBHOOK_SECRET_TEXT_CHARS = 43;
/** The contract's rule: a receiver refuses a timestamp more than 5 minutes away from its clock. */
export const WEBHOOK_TOLERANCE_MS_DEFAULT = 300_000;
/** A longer header is refused unread: a sender needs a timestamp and a few signatures. */
export const WEBHOOK_SIGNATURE_HEADER_CHARS_MAX = 1024;
/** `v1=` entries per header at most (old and new secret during a rotation, with room to spare). */
export const WEBHOOK_SIGNATURES_MAX = 8;
/** Event ids a `ReplayCache` keeps by default; size it above the events a receiver gets per tolerance window. */
export const REPLAY_CACHE_ENTRIES_MAX_DEFAULT = 100_000;
/** Event ids longer than this are not remembered (ours are 32 hex characters). */
export const WEBHOOK_EVENT_ID_CHARS_MAX = 255;

const SIGNATURE_HEX_CHARS = 64;
const SIGNATURE_HEX_PATTERN = /^[0-9a-f]{64}$/;
/** Unix seconds: 1 to 12 digits, no sign, no leading zero (except 0 itself). */
const TIMESTAMP_PATTERN = /^(0|[1-9][0-9]{0,11})$/;
const SECRET_TEXT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

assert(SIGNATURE_HEX_CHARS === 2 * 32, 'a v1 signature is a hex SHA-256 HMAC');
assert(WEBHOOK_SECRET_TEXT_CHARS === Math.ceil((WEBHOOK_SECRET_BYTES * 4) / 3), 'secret text is base64url unpadded');

/** Reasons in precedence order: the first that applies is answered. */
export type VerifyWebhookFailure =
  | 'header_malformed'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch'
  | 'replayed';

export const VERIFY_WEBHOOK_FAILURES: readonly VerifyWebhookFailure[] = [
  'header_malformed',
  'timestamp_outside_tolerance',
  'signature_mismatch',
  'replayed',
];

export type VerifyWebhookResult =
  | {
      readonly ok: true;
      /** The signed timestamp, in ms. */
      readonly timestampMs: number;
      /** The body's JSON `id` when it is a string; null otherwise (then no replay check could be made). */
      readonly eventId: string | null;
    }
  | { readonly ok: false; readonly reason: VerifyWebhookFailure };

export interface VerifyWebhookRequest {
  /** The raw secret bytes (decode the text form with `decodeWebhookSecret`). */
  readonly secret: Uint8Array;
  /** The request body exactly as received (not re-serialized JSON). */
  readonly body: string;
  /** The Paychain-Signature header; a repeated header (array) is read as its values joined by commas. */
  readonly header: string | readonly string[] | null | undefined;
  /** The receiver's clock, ms since the epoch. */
  readonly nowMs: number;
  /** Default WEBHOOK_TOLERANCE_MS_DEFAULT. */
  readonly toleranceMs?: number;
  /** When given, an event id seen before is refused and a new one is remembered. */
  readonly seen?: ReplayCache;
}

export interface ParsedSignatureHeader {
  readonly timestampS: number;
  /** Lowercase hex, each SIGNATURE_HEX_CHARS long; at least one. */
  readonly signatures: readonly string[];
}

/** 32 random bytes for a new endpoint. */
export function newWebhookSecret(): Uint8Array {
  return new Uint8Array(randomBytes(WEBHOOK_SECRET_BYTES));
}

/** The secret's text form, shown to the merchant once: base64url without padding (43 characters). */
export function encodeWebhookSecret(secret: Uint8Array): string {
  assert(secret.length === WEBHOOK_SECRET_BYTES, `a webhook secret is ${WEBHOOK_SECRET_BYTES} bytes`);
  const text = Buffer.from(secret).toString('base64url');
  assert(text.length === WEBHOOK_SECRET_TEXT_CHARS, 'base64url of a secret is 43 characters');
  return text;
}

/** The secret from its text form; null unless the text is exactly what `encodeWebhookSecret` makes. */
export function decodeWebhookSecret(text: string): Uint8Array | null {
  if (!SECRET_TEXT_PATTERN.test(text)) return null;
  const secret = new Uint8Array(Buffer.from(text, 'base64url'));
  // The last character carries 2 padding bits: only one of 16 spellings round-trips, so the form is canonical.
  if (secret.length !== WEBHOOK_SECRET_BYTES || encodeWebhookSecret(secret) !== text) return null;
  return secret;
}

/** The Paychain-Signature header value for body, signed at nowMs (truncated to whole seconds). */
export function signWebhook(secret: Uint8Array, body: string, nowMs: number): string {
  assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'nowMs must be a non-negative integer of ms');
  const timestampS = Math.floor(nowMs / 1000);
  return `t=${timestampS},v1=${signatureHex(secret, timestampS, body)}`;
}

/** Null when the header is not `t=<seconds>` and 1..WEBHOOK_SIGNATURES_MAX `v1=<64 hex>` (other keys ignored). */
export function parseSignatureHeader(header: string): ParsedSignatureHeader | null {
  if (header.length === 0 || header.length > WEBHOOK_SIGNATURE_HEADER_CHARS_MAX) return null;
  let timestampS: number | null = null;
  const signatures: string[] = [];
  // Bounded: the header length bounds the number of parts.
  for (const part of header.split(',')) {
    const trimmed = part.trim();
    const equals = trimmed.indexOf('=');
    if (equals <= 0) return null;
    const key = trimmed.slice(0, equals);
    const value = trimmed.slice(equals + 1);
    if (key === 't') {
      if (timestampS !== null || !TIMESTAMP_PATTERN.test(value)) return null;
      timestampS = Number(value);
    } else if (key === 'v1') {
      if (!SIGNATURE_HEX_PATTERN.test(value) || signatures.length === WEBHOOK_SIGNATURES_MAX) return null;
      signatures.push(value);
    }
  }
  if (timestampS === null || signatures.length === 0) return null;
  return { timestampS, signatures };
}

/**
 * Checks a received webhook: the header's form, then its timestamp against nowMs, then the signatures (any v1 entry
 * made with secret counts), then — when `seen` is given — that the body's event id was not seen before. Only an
 * authentic event is remembered in `seen`, so a forger cannot fill the cache or block a real event.
 */
export function verifyWebhook(request: VerifyWebhookRequest): VerifyWebhookResult {
  const toleranceMs = request.toleranceMs ?? WEBHOOK_TOLERANCE_MS_DEFAULT;
  assert(Number.isSafeInteger(request.nowMs) && request.nowMs >= 0, 'nowMs must be a non-negative integer of ms');
  assert(Number.isSafeInteger(toleranceMs) && toleranceMs >= 0, 'toleranceMs must be a non-negative integer');
  assert(
    request.seen === undefined || request.seen.toleranceMs >= toleranceMs,
    'a replay cache must remember ids at least as long as timestamps are accepted',
  );
  const headerText = typeof request.header === 'string' ? request.header : (request.header ?? []).join(',');
  const parsed = parseSignatureHeader(headerText);
  if (parsed === null) return { ok: false, reason: 'header_malformed' };

  const timestampMs = parsed.timestampS * 1000;
  if (Math.abs(request.nowMs - timestampMs) > toleranceMs) return { ok: false, reason: 'timestamp_outside_tolerance' };

  const expected = Buffer.from(signatureHex(request.secret, parsed.timestampS, request.body), 'hex');
  let matched = false;
  // Every entry is compared, in constant time each, so the timing tells nothing about which one matched.
  for (const signature of parsed.signatures) {
    const candidate = Buffer.from(signature, 'hex');
    assert(candidate.length === expected.length, 'the header pattern fixes the signature length');
    if (timingSafeEqual(candidate, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'signature_mismatch' };

  const eventId = eventIdOf(request.body);
  if (eventId !== null && request.seen !== undefined) {
    if (request.seen.has(eventId, request.nowMs)) return { ok: false, reason: 'replayed' };
    request.seen.add(eventId, timestampMs, request.nowMs);
  }
  return { ok: true, timestampMs, eventId };
}

export interface ReplayCacheOptions {
  /** Default REPLAY_CACHE_ENTRIES_MAX_DEFAULT. */
  readonly entriesMax?: number;
  /** Ids are forgotten this long after their signed timestamp; default WEBHOOK_TOLERANCE_MS_DEFAULT. */
  readonly toleranceMs?: number;
}

/**
 * For receivers (merchants), not used by the gateway itself: the event ids of webhooks accepted within the last
 * tolerance window, so a captured request resent within the window is refused ('replayed'); older ones are refused
 * by their timestamp anyway. Bounded: at most entriesMax ids; when full, the oldest is forgotten first, so size it
 * above the events you receive per window. It lives in memory only: a receiver that must never process an event
 * twice (across restarts, or after the window, when Paychain retries a delivery your server failed to answer) also
 * keeps the ids of events it processed in its own database.
 *
 * `verifyWebhook` remembers an id when it accepts the event; if processing then fails and you answer an error so that
 * Paychain retries, call `delete(id)` first, or the retry is refused as 'replayed'.
 */
export class ReplayCache {
  readonly entriesMax: number;
  readonly toleranceMs: number;
  /** Id → signed timestamp (ms), in insertion order (nearly timestamp order: senders sign at send time). */
  readonly #entries = new Map<string, number>();

  constructor(options: ReplayCacheOptions = {}) {
    this.entriesMax = options.entriesMax ?? REPLAY_CACHE_ENTRIES_MAX_DEFAULT;
    this.toleranceMs = options.toleranceMs ?? WEBHOOK_TOLERANCE_MS_DEFAULT;
    assert(Number.isSafeInteger(this.entriesMax) && this.entriesMax >= 1, 'entriesMax must be a positive integer');
    assert(Number.isSafeInteger(this.toleranceMs) && this.toleranceMs >= 0, 'toleranceMs must be >= 0');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True when eventId was added and has not expired at nowMs. */
  has(eventId: string, nowMs: number): boolean {
    const timestampMs = this.#entries.get(eventId);
    return timestampMs !== undefined && !this.#isExpired(timestampMs, nowMs);
  }

  /** Remembers eventId until toleranceMs after timestampMs (an id already present takes the later timestamp). */
  add(eventId: string, timestampMs: number, nowMs: number): void {
    assert(eventId.length >= 1 && eventId.length <= WEBHOOK_EVENT_ID_CHARS_MAX, 'event id length out of range');
    this.#evictExpired(nowMs);
    const previous = this.#entries.get(eventId);
    this.#entries.delete(eventId);
    if (this.#entries.size >= this.entriesMax) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(eventId, Math.max(timestampMs, previous ?? timestampMs));
    assert(this.#entries.size <= this.entriesMax, 'a replay cache holds at most entriesMax ids');
  }

  /** Forgets eventId (its processing failed and a retry must be accepted). */
  delete(eventId: string): boolean {
    return this.#entries.delete(eventId);
  }

  #isExpired(timestampMs: number, nowMs: number): boolean {
    return timestampMs + this.toleranceMs < nowMs;
  }

  /** Drops expired ids from the old end; stops at the first live one (amortized O(1) per add). */
  #evictExpired(nowMs: number): void {
    for (const [eventId, timestampMs] of this.#entries) {
      if (!this.#isExpired(timestampMs, nowMs)) return;
      this.#entries.delete(eventId);
    }
  }
}

function signatureHex(secret: Uint8Array, timestampS: number, body: string): string {
  assert(secret.length >= 1, 'a webhook secret must not be empty');
  return createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
}

/** The body's top-level JSON `id`, when the body is a JSON object whose id is a string of a sane length. */
function eventIdOf(body: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const id = value.id;
  return typeof id === 'string' && id.length >= 1 && id.length <= WEBHOOK_EVENT_ID_CHARS_MAX ? id : null;
}
