/**
 * The webhook dispatcher: sends the deliveries queued in the gateway's database (`enqueueWebhook`) to each merchant's
 * endpoint, signed (`webhook-signature.ts`), and retries failures with capped exponential backoff and full jitter
 * (docs/gateway-api.md, Webhooks).
 *
 * Delivery is at least once: a pass claims due deliveries (`claimDueDeliveries` leases each to one claimer for
 * WEBHOOK_DELIVERY_LEASE_MS, so several dispatchers, in one process or many, can share a database), POSTs each, then
 * records the outcome — a 2xx is delivered, anything else (another status, a timeout, a refused connection, no
 * endpoint) is rescheduled for later with a short error text. A dispatcher that dies mid-pass gives its deliveries
 * back when their lease runs out; a receiver deduplicates by event id (`Paychain-Event-Id`, the body's `id`).
 *
 * Time for scheduling comes from the injected `clock` and jitter from `random`, so tests drive retries without
 * waiting; only the per-request timeout and the poll interval use real timers. Error texts are built from status
 * codes and error codes only: never from the secret, the endpoint URL (it may carry a token) or the response body.
 */
import { assert } from '@paychain/core';
import {
  type GatewayDb,
  WEBHOOK_CLAIM_BATCH_MAX,
  WEBHOOK_DELIVERY_LEASE_MS,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../db/gateway-db.ts';
import { signWebhook, WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from './webhook-signature.ts';

export interface WebhookBackoffPolicy {
  /** The ceiling after the first failure. */
  readonly baseMs: number;
  /** The ceiling is multiplied by this after each further failure. */
  readonly factor: number;
  /** The ceiling never passes this. */
  readonly capMs: number;
}

export const WEBHOOK_BACKOFF_DEFAULT: WebhookBackoffPolicy = { baseMs: 1_000, factor: 2, capMs: 3_600_000 };
export const WEBHOOK_TIMEOUT_MS_DEFAULT = 5_000;
export const WEBHOOK_BATCH_DEFAULT = 20;
export const WEBHOOK_POLL_MS_DEFAULT = 500;
/** POSTs in flight per dispatcher at most (deliveries to one merchant may overlap). */
export const WEBHOOK_CONCURRENCY_DEFAULT = 8;
export const WEBHOOK_CONCURRENCY_MAX = 64;
export const WEBHOOK_USER_AGENT = 'Paychain-Webhooks/1';
/** Exponents past this cannot matter: 2^32 times any base of at least 1 ms passes any sane cap. */
const BACKOFF_EXPONENT_MAX = 32;

// A POST must end (or time out) well within its lease, or another dispatcher could send it again meanwhile.
assert(WEBHOOK_TIMEOUT_MS_DEFAULT * 2 <= WEBHOOK_DELIVERY_LEASE_MS, 'the default timeout fits twice in a lease');
assert(WEBHOOK_BATCH_DEFAULT <= WEBHOOK_CLAIM_BATCH_MAX, 'the default batch is a valid claim');
assert(WEBHOOK_CONCURRENCY_DEFAULT <= WEBHOOK_CONCURRENCY_MAX, 'the default concurrency is within its maximum');

/**
 * The most a retry after `attempts` failures (1, 2, …) waits: min(capMs, baseMs * factor^(attempts - 1)).
 * Non-decreasing in attempts.
 */
export function backoffCeilingMs(attempts: number, policy: WebhookBackoffPolicy = WEBHOOK_BACKOFF_DEFAULT): number {
  assert(Number.isSafeInteger(attempts) && attempts >= 1, 'attempts must be a positive integer');
  assertBackoffPolicy(policy);
  const exponent = Math.min(attempts - 1, BACKOFF_EXPONENT_MAX);
  return Math.min(policy.capMs, Math.floor(policy.baseMs * policy.factor ** exponent));
}

/**
 * The wait before the next try after `attempts` failures, with full jitter: uniform in [0, ceiling) from
 * random() in [0, 1), so retries of many deliveries that failed together spread out instead of arriving together.
 */
export function backoffMs(
  attempts: number,
  random: () => number,
  policy: WebhookBackoffPolicy = WEBHOOK_BACKOFF_DEFAULT,
): number {
  const ceilingMs = backoffCeilingMs(attempts, policy);
  const r = random();
  assert(r >= 0 && r < 1, 'random() must be in [0, 1)');
  const delayMs = Math.floor(r * ceilingMs);
  assert(delayMs >= 0 && delayMs <= ceilingMs, 'the jittered delay stays within the ceiling');
  return delayMs;
}

export interface WebhookDispatcherOptions {
  readonly db: GatewayDb;
  /** Opens an endpoint's sealed secret (the caller's encryption at rest); answers the raw HMAC key. */
  readonly openSecret: (sealed: Uint8Array) => Uint8Array;
  /** ms since the epoch; default `Date.now`. */
  readonly clock?: () => number;
  /** [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
  /** Default the global `fetch`. */
  readonly fetchImpl?: typeof fetch;
  /** Per POST, until the response headers; default WEBHOOK_TIMEOUT_MS_DEFAULT. */
  readonly timeoutMs?: number;
  /** Deliveries claimed per pass, 1..WEBHOOK_CLAIM_BATCH_MAX; default WEBHOOK_BATCH_DEFAULT. */
  readonly batch?: number;
  /** The loop's wait between passes; default WEBHOOK_POLL_MS_DEFAULT. */
  readonly pollMs?: number;
  /** POSTs in flight at most, 1..WEBHOOK_CONCURRENCY_MAX; default WEBHOOK_CONCURRENCY_DEFAULT. */
  readonly concurrency?: number;
  readonly backoff?: WebhookBackoffPolicy;
  /** Errors of a pass of the loop (`start`): the database failing, mostly. Default: written to stderr. */
  readonly onError?: (error: unknown) => void;
}

export interface WebhookPassResult {
  readonly delivered: number;
  /** Rescheduled for a later try. */
  readonly failed: number;
}

/** What one POST came to. */
type Attempt = { readonly ok: true } | { readonly ok: false; readonly error: string };

export class WebhookDispatcher {
  readonly timeoutMs: number;
  readonly batch: number;
  readonly pollMs: number;
  readonly concurrency: number;
  readonly backoff: WebhookBackoffPolicy;
  readonly #db: GatewayDb;
  readonly #openSecret: (sealed: Uint8Array) => Uint8Array;
  readonly #clock: () => number;
  readonly #random: () => number;
  readonly #fetch: typeof fetch;
  readonly #onError: (error: unknown) => void;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;

  constructor(options: WebhookDispatcherOptions) {
    this.#db = options.db;
    this.#openSecret = options.openSecret;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#fetch = options.fetchImpl ?? fetch;
    this.#onError = options.onError ?? reportToStderr;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS_DEFAULT;
    this.batch = options.batch ?? WEBHOOK_BATCH_DEFAULT;
    this.pollMs = options.pollMs ?? WEBHOOK_POLL_MS_DEFAULT;
    this.concurrency = options.concurrency ?? WEBHOOK_CONCURRENCY_DEFAULT;
    this.backoff = options.backoff ?? WEBHOOK_BACKOFF_DEFAULT;
    assert(Number.isSafeInteger(this.timeoutMs) && this.timeoutMs >= 1, 'timeoutMs must be a positive integer');
    assert(this.timeoutMs * 2 <= WEBHOOK_DELIVERY_LEASE_MS, 'a POST must end well within its delivery lease');
    assert(
      Number.isSafeInteger(this.batch) && this.batch >= 1 && this.batch <= WEBHOOK_CLAIM_BATCH_MAX,
      'batch must be in 1..WEBHOOK_CLAIM_BATCH_MAX',
    );
    assert(Number.isSafeInteger(this.pollMs) && this.pollMs >= 1, 'pollMs must be a positive integer');
    assert(
      Number.isSafeInteger(this.concurrency) && this.concurrency >= 1 && this.concurrency <= WEBHOOK_CONCURRENCY_MAX,
      'concurrency must be in 1..WEBHOOK_CONCURRENCY_MAX',
    );
    assertBackoffPolicy(this.backoff);
  }

  /**
   * One pass: claims up to `batch` due deliveries and tries each once, at most `concurrency` at a time. Throws (an
   * AggregateError of the database's errors) only when an outcome could not be recorded, after every delivery of
   * the pass was tried; such deliveries come back when their lease runs out.
   */
  async runOnce(): Promise<WebhookPassResult> {
    const claimed = await this.#db.claimDueDeliveries(this.#now(), this.batch);
    assert(claimed.length <= this.batch, 'a claim answers at most batch deliveries');
    // One lookup per merchant per pass, shared by its deliveries.
    const endpoints = new Map<string, Promise<WebhookEndpoint | null>>();
    const endpointOf = (merchantId: string): Promise<WebhookEndpoint | null> => {
      let endpoint = endpoints.get(merchantId);
      if (endpoint === undefined) {
        endpoint = this.#db.getWebhookEndpoint(merchantId);
        endpoints.set(merchantId, endpoint);
      }
      return endpoint;
    };

    let delivered = 0;
    let failed = 0;
    const errors: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      // Each worker takes the next unclaimed index: at most `concurrency` deliveries are in flight.
      while (next < claimed.length) {
        const delivery = claimed[next++];
        assert(delivery !== undefined, 'the index is within the claimed batch');
        try {
          if (await this.#deliver(delivery, endpointOf)) delivered++;
          else failed++;
        } catch (error) {
          // The outcome was not recorded: the lease gives the delivery back; the pass reports the error at its end.
          errors.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, claimed.length) }, worker));
    assert(delivered + failed + errors.length === claimed.length, 'every claimed delivery is accounted for');
    if (errors.length > 0) {
      throw new AggregateError(errors, `${errors.length} webhook delivery outcome(s) could not be recorded`);
    }
    return { delivered, failed };
  }

  /** Starts the polling loop (no-op when running): passes never overlap; errors go to `onError`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops the loop and waits for a running pass to end (bounded by timeoutMs per POST). */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    await this.#pass;
  }

  get running(): boolean {
    return this.#running;
  }

  #schedule(delayMs: number): void {
    assert(this.#timer === null && this.#pass === null, 'one pass or timer at a time');
    const timer = setTimeout(() => {
      this.#timer = null;
      this.#pass = this.#loopPass();
    }, delayMs);
    timer.unref();
    this.#timer = timer;
  }

  async #loopPass(): Promise<void> {
    let full = false;
    try {
      const result = await this.runOnce();
      full = result.delivered + result.failed === this.batch;
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#pass = null;
      // A full batch suggests more are due: go again at once rather than after pollMs.
      if (this.#running) this.#schedule(full ? 0 : this.pollMs);
    }
  }

  /** True when delivered, false when rescheduled; throws only when the database fails. */
  async #deliver(
    delivery: WebhookDelivery,
    endpointOf: (merchantId: string) => Promise<WebhookEndpoint | null>,
  ): Promise<boolean> {
    const endpoint = await endpointOf(delivery.merchantId);
    const attempt =
      endpoint === null ? { ok: false as const, error: 'no endpoint' } : await this.#post(delivery, endpoint);
    if (attempt.ok) {
      // False only if the lease ran out and another dispatcher delivered it too: delivered either way.
      await this.#db.markDeliveryDelivered(delivery.id, this.#now());
      return true;
    }
    const nextAttemptAtMs = this.#now() + backoffMs(delivery.attempts + 1, this.#random, this.backoff);
    await this.#db.rescheduleDelivery(delivery.id, nextAttemptAtMs, attempt.error);
    return false;
  }

  async #post(delivery: WebhookDelivery, endpoint: WebhookEndpoint): Promise<Attempt> {
    let secret: Uint8Array;
    try {
      secret = this.#openSecret(endpoint.secretSealed);
    } catch (error) {
      // A key problem of ours, not the merchant's: retried like any failure, and reported (without the secret).
      this.#onError(error);
      return { ok: false, error: 'secret could not be opened' };
    }
    const body = delivery.eventJson;
    let response: Response;
    try {
      response = await this.#fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body, this.#now()),
          [WEBHOOK_EVENT_ID_HEADER]: delivery.id,
          'user-agent': WEBHOOK_USER_AGENT,
        },
        body,
        // A redirect is a failure: the signature is for the configured URL only.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      return { ok: false, error: this.#describeFetchError(error) };
    }
    // The answer's body is not read (nothing in it matters); cancelling frees the connection.
    await response.body?.cancel().catch(ignoreCancelError);
    if (response.status >= 200 && response.status <= 299) return { ok: true };
    return { ok: false, error: `HTTP ${response.status}` };
  }

  /** A short text from the error's kind and code only (a message could quote the URL). */
  #describeFetchError(error: unknown): string {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return `timeout after ${this.timeoutMs} ms`;
    }
    const code = errorCodeOf(error instanceof Error ? error.cause : undefined) ?? errorCodeOf(error);
    if (code !== null) return `connection failed: ${code}`;
    return error instanceof TypeError ? 'request failed' : 'request failed (unexpected error)';
  }

  #now(): number {
    const nowMs = this.#clock();
    assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'the clock answers non-negative integer ms');
    return nowMs;
  }
}

function assertBackoffPolicy(policy: WebhookBackoffPolicy): void {
  assert(Number.isSafeInteger(policy.baseMs) && policy.baseMs >= 1, 'backoff baseMs must be a positive integer');
  assert(Number.isFinite(policy.factor) && policy.factor >= 1, 'backoff factor must be >= 1');
  assert(Number.isSafeInteger(policy.capMs) && policy.capMs >= policy.baseMs, 'backoff capMs must be >= baseMs');
}

/** A system error's code (ECONNREFUSED, ENOTFOUND, UND_ERR_…) when it has a plain one. */
function errorCodeOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || !('code' in value)) return null;
  const code = value.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : null;
}

/** Cancelling a body the peer already cut off fails; the status was read, so there is nothing left to do. */
function ignoreCancelError(): void {}

function reportToStderr(error: unknown): void {
  console.error('webhook dispatcher:', error);
}
