/**
 * The node's JSON API under `/v1` (fastify), over a `LedgerNode` (embedded or cluster-ordered):
 *
 *   POST /v1/transactions           submit; 200 when final within `wait` ms, else 202 + status URL
 *   GET  /v1/transactions/:id       pending | committed | final, with result, receipt and decoded tx
 *   GET  /v1/blocks/:height         a block (decimal height or `head`)
 *   GET  /v1/chain/head             head, certified height, peers
 *   GET  /v1/accounts/:id           account and balances
 *   GET  /v1/fx/quotes              FX quotes (live ones of a pair best rate first, or all by expiry), with status
 *   GET  /v1/fx/quotes/:id/conversions  the conversions applied against a quote, from its blocks only
 *   GET  /v1/events/blocks          server-sent events, one per final block
 *   GET  /v1/health                 liveness and progress
 *   GET  /v1/openapi.json           the OpenAPI document, generated from the route schemas
 *   GET  /metrics                   Prometheus text
 *
 * Every error, fastify's own included, has the shape `{"error": {"code", "message", "details"}}`
 * and its HTTP status comes from one table, `API_ERROR_STATUS`. An unexpected error is logged
 * and answered 500 `internal` with nothing of its message or stack.
 *
 * On the wire, bigints are decimal strings and bytes are lowercase hex: nothing goes through
 * `JSON.stringify` as a bigint. Closing the app stops the event streams and the metrics'
 * listener; the consortium belongs to the caller, who closes it.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import {
  assert,
  assertNever,
  type BalanceEntry,
  balanceAvailable,
  balancePosted,
  bytesToHex,
  convertedAmount,
  decodeHeader,
  decodeTransaction,
  formatAmount,
  hexToBytes,
  isHex,
  type QuoteEntry,
  receiptToJson,
  TX_BYTES_MAX,
  TX_CODE_MESSAGES,
  TX_DISBURSE_BYTES_MAX,
  type TxCode,
  type WindowEntry,
} from '@paychain/core';
import { quoteOfTx, type StoredBlock } from '@paychain/store';
import { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, fastify } from 'fastify';
import { type FinalBlockEvent, type FinalOutcome, type RejectCode, SubmitError } from './consortium.ts';
import { fastifyClientError } from './fastify-errors.ts';
import type { LedgerNode } from './ledger-node.ts';
import { NodeMetrics } from './metrics.ts';
import { createHttpApiSchemas, openApiDocument } from './openapi.ts';
import { FinalReceipts } from './stored-receipt.ts';

/** The longest a client may hold a submission open waiting for finality. */
export const SUBMIT_WAIT_MS_MAX = 30_000;
export const SUBMIT_WAIT_MS_DEFAULT = 10_000;
export const BODY_BYTES_MAX_DEFAULT = 64 * 1024;
/** The smallest body limit that still carries a full-size ordinary transaction as hex in `{"tx": "…"}`. */
export const BODY_BYTES_MIN = 2 * TX_BYTES_MAX + 64;
/**
 * Body limit of `POST /v1/transactions` only: the largest transaction, a program disbursement
 * (TX_DISBURSE_BYTES_MAX), as hex in `{"tx": "…"}`. Every other route keeps `bodyBytesMax`; the decoder holds
 * every other transaction type to TX_BYTES_MAX.
 */
export const SUBMIT_BODY_BYTES_MAX = 2 * TX_DISBURSE_BYTES_MAX + 64;
/** Concurrent server-sent-event clients; each holds a socket and a share of every block's writes. */
export const SSE_CLIENTS_MAX = 64;
export const SSE_HEARTBEAT_MS = 15_000;
/** A client whose unsent events exceed this is too slow to follow and is disconnected. */
export const SSE_CLIENT_BUFFER_BYTES_MAX = 1024 * 1024;
/** Quotes `GET /v1/fx/quotes` lists without a `limit`, and at most. */
export const QUOTES_LIMIT_DEFAULT = 100;
export const QUOTES_LIMIT_MAX = 1_000;
/** Quotes a filtered listing looks through (latest expiry first) for those of a pair or still live. */
export const QUOTES_SCAN_MAX = 100_000;
/** Conversions `GET /v1/fx/quotes/:id/conversions` answers at most (the latest; `truncated` says when there were more). */
export const CONVERSIONS_LIMIT_MAX = 1_000;
/** Depth of the decoded transaction JSON (tx → batch → op → field); bounds `toJsonValue`. */
const JSON_DEPTH_MAX = 8;

/** Every error code of the API and its HTTP status: the one table. */
export const API_ERROR_STATUS = {
  bad_request: 400,
  tx_malformed: 400,
  chain_mismatch: 400,
  tx_expired: 400,
  expiry_too_far: 400,
  signature_invalid: 400,
  not_found: 404,
  tx_not_found: 404,
  block_not_found: 404,
  account_not_found: 404,
  scheme_not_found: 404,
  window_not_found: 404,
  quote_not_found: 404,
  id_in_flight: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  busy: 503,
  closed: 503,
  too_many_streams: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** Compile-time check that every refusal of `Consortium.submit` has a row in the table. */
function rejectCodeToApiCode(code: RejectCode): ApiErrorCode {
  return code;
}

const MEDIA_TYPES_ACCEPTED = ['application/json', 'application/octet-stream'] as const;

/** An expected error with a code from the table; its message and details go to the client. */
export class HttpApiError extends Error {
  override readonly name = 'HttpApiError';
  readonly code: ApiErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ApiErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

export interface HttpApiOptions {
  /** Upper bound of the `wait` query parameter, ms (default and at most `SUBMIT_WAIT_MS_MAX`). */
  readonly submitWaitMsMax?: number;
  /** Request body limit, bytes (default 64 KiB, at least `BODY_BYTES_MIN`). */
  readonly bodyBytesMax?: number;
  /** Log requests and unexpected errors with fastify's logger (pino). Default false. */
  readonly logger?: boolean;
  /**
   * More routes on the same server (the gateway): registered as a plugin after these, so its routes share the port
   * and this OpenAPI document; a plugin keeps its own error handler.
   */
  readonly extend?: {
    readonly plugin: (scope: FastifyInstance) => Promise<void>;
    readonly title: string;
    readonly description: string;
    readonly tags: ReadonlyArray<{ readonly name: string; readonly description: string }>;
  };
}

export function createHttpApi(consortium: LedgerNode, options: HttpApiOptions = {}): FastifyInstance {
  const submitWaitMsMax = options.submitWaitMsMax ?? SUBMIT_WAIT_MS_MAX;
  const bodyBytesMax = options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT;
  assert(Number.isSafeInteger(submitWaitMsMax) && submitWaitMsMax >= 0, 'submitWaitMsMax is a whole number of ms');
  assert(submitWaitMsMax <= SUBMIT_WAIT_MS_MAX, `submitWaitMsMax is at most ${SUBMIT_WAIT_MS_MAX}`);
  assert(
    Number.isSafeInteger(bodyBytesMax) && bodyBytesMax >= BODY_BYTES_MIN,
    `bodyBytesMax is at least ${BODY_BYTES_MIN}`,
  );
  const submitWaitMsDefault = Math.min(SUBMIT_WAIT_MS_DEFAULT, submitWaitMsMax);
  const submitBodyBytesMax = Math.max(bodyBytesMax, SUBMIT_BODY_BYTES_MAX);

  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: bodyBytesMax,
    // No coercion: `{"tx": 12}` is a type error, not the string "12". Unknown body fields are refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  const schemas = createHttpApiSchemas({
    errorCodes: Object.keys(API_ERROR_STATUS),
    submitWaitMsDefault,
    submitWaitMsMax,
    bodyBytesMax,
    submitBodyBytesMax,
  });
  const metrics = new NodeMetrics(consortium);
  const stream = new BlockEventStream(consortium);
  const api = new NodeApi(consortium, metrics, app.log);

  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: bodyBytesMax },
    (_request, body, done) => {
      done(null, body);
    },
  );
  app.setErrorHandler((error: unknown, request, reply) => {
    const { status, body } = errorResponse(error, request, bodyBytesMax);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply
      .code(API_ERROR_STATUS.not_found)
      .send(errorBody('not_found', `no route ${request.method} ${path}`, { method: request.method, path }));
  });
  app.addHook('preClose', async () => {
    stream.closeAll();
  });
  app.addHook('onClose', async () => {
    metrics.close();
  });

  const document = openApiDocument();
  const extend = options.extend;
  app.register(fastifySwagger, {
    openapi:
      extend === undefined
        ? document
        : {
            ...document,
            info: {
              ...document.info,
              title: extend.title,
              description: `${extend.description} ${document.info.description}`,
            },
            tags: [...document.tags, ...extend.tags],
            components: {
              securitySchemes: {
                bearer: { type: 'http' as const, scheme: 'bearer', description: 'the token from POST /v1/sessions' },
              },
            },
          },
  });
  app.register(async (scope) => {
    scope.post<{ Querystring: { wait: string }; Body: unknown }>(
      '/v1/transactions',
      {
        bodyLimit: submitBodyBytesMax,
        schema: schemas.submitTransaction,
        // The document also lists the raw-bytes body, which fastify does not validate with a schema.
        config: { swaggerTransform: ({ url }) => ({ url, schema: schemas.submitTransactionDocument }) },
      },
      async (request, reply) => {
        const waitMs = Number(request.query.wait);
        if (waitMs > submitWaitMsMax) {
          throw new HttpApiError('bad_request', `wait must be at most ${submitWaitMsMax} ms`, {
            in: 'querystring',
            field: 'wait',
            max: submitWaitMsMax,
          });
        }
        const settled = await api.submit(submittedBytes(request.body), waitMs);
        if (settled.state === 'pending') {
          reply.code(202);
          return { id: settled.id, status: 'pending', statusUrl: `/v1/transactions/${settled.id}` };
        }
        return api.finalToJson(settled.outcome);
      },
    );
    scope.get<{ Params: { id: string } }>('/v1/transactions/:id', { schema: schemas.getTransaction }, async (request) =>
      api.transaction(request.params.id),
    );
    scope.get<{ Params: { height: string } }>('/v1/blocks/:height', { schema: schemas.getBlock }, async (request) =>
      api.block(request.params.height),
    );
    scope.get('/v1/chain/head', { schema: schemas.getHead }, async () => api.head());
    scope.get<{ Params: { id: string } }>('/v1/accounts/:id', { schema: schemas.getAccount }, async (request) =>
      api.account(request.params.id),
    );
    scope.get('/v1/assets', { schema: schemas.listAssets }, async () => api.assets());
    scope.get<{ Params: { currency: string } }>(
      '/v1/settlement/:currency',
      { schema: schemas.getScheme },
      async (request) => api.scheme(request.params.currency),
    );
    scope.get<{ Params: { currency: string; seq: string } }>(
      '/v1/settlement/:currency/windows/:seq',
      { schema: schemas.getWindow },
      async (request) => api.window(request.params.currency, request.params.seq),
    );
    scope.get<{ Params: { currency: string; seq: string } }>(
      '/v1/settlement/:currency/windows/:seq/report.csv',
      { schema: schemas.getWindowReport },
      async (request, reply) => {
        const rows = api.windowReport(request.params.currency, request.params.seq);
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="settlement-${request.params.currency}-window-${request.params.seq}.csv"`,
          )
          .send(Readable.from(rows));
      },
    );
    scope.get<{ Querystring: QuotesQuery }>('/v1/fx/quotes', { schema: schemas.listQuotes }, async (request) =>
      api.quotes(request.query),
    );
    scope.get<{ Params: { id: string } }>('/v1/fx/quotes/:id', { schema: schemas.getQuote }, async (request) =>
      api.quote(request.params.id),
    );
    scope.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
      '/v1/fx/quotes/:id/conversions',
      { schema: schemas.listQuoteConversions },
      async (request) => api.conversions(request.params.id, request.query.limit),
    );
    // No HEAD twin: a HEAD request would hold a stream open that can carry no events.
    scope.get('/v1/events/blocks', { schema: schemas.streamBlocks, exposeHeadRoute: false }, (_request, reply) => {
      if (stream.size >= SSE_CLIENTS_MAX) {
        throw new HttpApiError('too_many_streams', `at most ${SSE_CLIENTS_MAX} event streams at once`, {
          max: SSE_CLIENTS_MAX,
        });
      }
      reply.hijack();
      stream.attach(reply.raw);
    });
    scope.get('/v1/health', { schema: schemas.health }, async () => ({
      status: 'ok',
      height: consortium.primary.tip.height.toString(),
      certifiedHeight: consortium.primary.certifiedHeight.toString(),
      inFlight: consortium.inFlight,
    }));
    scope.get('/v1/openapi.json', { schema: schemas.openapi }, async () => scope.swagger());
    scope.get('/metrics', { schema: schemas.metrics }, async (_request, reply) => {
      reply.type(metrics.contentType);
      return metrics.text();
    });
  });
  if (extend !== undefined) app.register(extend.plugin);
  return app;
}

// ---- request bodies ----

/** The transaction bytes of a JSON `{tx: hex}` body (validated by schema) or a raw octet-stream body. */
function submittedBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object' && body !== null && 'tx' in body && typeof body.tx === 'string' && isHex(body.tx)) {
    return hexToBytes(body.tx);
  }
  throw new HttpApiError(
    'bad_request',
    'expected a JSON body {"tx": "<hex>"} or the raw transaction as application/octet-stream',
    {
      accepted: MEDIA_TYPES_ACCEPTED,
    },
  );
}

// ---- handlers ----

type Submission =
  | { readonly state: 'final'; readonly outcome: FinalOutcome }
  | { readonly state: 'pending'; readonly id: string };

type Settled<T> =
  | { readonly state: 'fulfilled'; readonly value: T }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'timeout' };

/**
 * Resolves (never rejects) with the promise's outcome, or `timeout` after `ms`. The promise
 * keeps a rejection handler after the timeout, so a late failure is never unhandled.
 */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ state: 'timeout' }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ state: 'fulfilled', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ state: 'rejected', error });
      },
    );
  });
}

/** What the routes answer, as plain JSON values: bigints as decimal strings, bytes as hex. */
class NodeApi {
  private readonly consortium: LedgerNode;
  private readonly metrics: NodeMetrics;
  private readonly log: FastifyBaseLogger;
  private readonly receipts: FinalReceipts;

  constructor(consortium: LedgerNode, metrics: NodeMetrics, log: FastifyBaseLogger) {
    this.consortium = consortium;
    this.metrics = metrics;
    this.log = log;
    this.receipts = new FinalReceipts(consortium.primary.store, consortium.suite);
  }

  /** Submits and waits up to `waitMs`; a refusal throws its `SubmitError`, mapped by the error handler. */
  async submit(bytes: Uint8Array, waitMs: number): Promise<Submission> {
    this.metrics.recordSubmitted();
    const startedMs = performance.now();
    const outcome = this.consortium.submit(bytes).then(
      (final) => {
        this.metrics.recordFinalLatency((performance.now() - startedMs) / 1000);
        return final;
      },
      (error: unknown) => {
        if (error instanceof SubmitError) this.metrics.recordRefused(error.code);
        throw error;
      },
    );
    const settled = await settleWithin(outcome, waitMs);
    switch (settled.state) {
      case 'fulfilled':
        return { state: 'final', outcome: settled.value };
      case 'rejected':
        throw settled.error;
      case 'timeout': {
        // The consortium accepted the bytes, so they decode; the submission goes on in the background.
        const decoded = decodeTransaction(bytes);
        assert(decoded.ok, 'an accepted transaction decodes');
        const id = decoded.value.tx.id;
        // No client hears of a failure now: a refusal is counted; anything else is logged.
        outcome.catch((error: unknown) => {
          if (!(error instanceof SubmitError)) this.log.error({ err: error, txId: id }, 'submission failed after 202');
        });
        return { state: 'pending', id };
      }
      default:
        return assertNever(settled, 'settled state');
    }
  }

  finalToJson(outcome: FinalOutcome) {
    const receipt = this.receipts.at(outcome.height, outcome.index);
    assert(receipt.result.id === outcome.id, 'the outcome names its own position in the block');
    return {
      id: outcome.id,
      status: 'final',
      height: outcome.height.toString(),
      index: outcome.index,
      result: resultToJson(outcome.code, outcome.opIndex),
      receipt: receiptToJson(receipt),
      links: { self: `/v1/transactions/${outcome.id}`, block: `/v1/blocks/${outcome.height}` },
    };
  }

  transaction(id: string) {
    if (this.consortium.isInFlight(id)) return { id, status: 'pending' };
    const found = this.receipts.of(id);
    if (found === null) throw new HttpApiError('tx_not_found', `no transaction ${id}`, { id });
    const { tx: stored, receipt } = found;
    return {
      id,
      status: receipt === null ? 'committed' : 'final',
      height: stored.height.toString(),
      index: stored.index,
      result: resultToJson(stored.result.code, stored.result.opIndex),
      ...(receipt === null ? {} : { receipt: receiptToJson(receipt) }),
      tx: { hex: bytesToHex(stored.bytes), decoded: decodedTxToJson(stored.bytes) },
    };
  }

  block(heightText: string) {
    const primary = this.consortium.primary;
    const head = primary.tip.height;
    const height = heightText === 'head' ? head : BigInt(heightText);
    if (height > head)
      throw new HttpApiError('block_not_found', `no block ${height}: the head is ${head}`, {
        height: height.toString(),
        head: head.toString(),
      });
    if (height === 0n) return this.genesisBlock();
    const block = primary.store.getBlock(height);
    assert(block !== null, `block ${height} at or below the head is stored`);
    return blockToJson(block);
  }

  /** Height 0 has no block row: its header and hash are stored with the genesis document. */
  private genesisBlock() {
    const store = this.consortium.primary.store;
    const headerBytes = store.getMeta('genesis_header');
    const hash = store.getMeta('genesis_hash');
    assert(headerBytes !== undefined && hash !== undefined, 'an initialized store holds the genesis header');
    const header = decodeHeader(headerBytes);
    assert(header.ok, 'the stored genesis header decodes');
    return blockToJson({
      header: header.value,
      hash,
      txs: [],
      results: [],
      expired: [],
      programSweeps: [],
      certificate: null,
    });
  }

  head() {
    const primary = this.consortium.primary;
    return {
      chainId: this.consortium.genesis.chainId,
      suite: this.consortium.genesis.suite,
      height: primary.tip.height.toString(),
      hash: bytesToHex(primary.tip.hash),
      time: primary.tip.time.toString(),
      certifiedHeight: primary.certifiedHeight.toString(),
      peers: this.consortium.peers.map((peer) => ({
        org: peer.orgId,
        height: peer.tip.height.toString(),
        certifiedHeight: peer.certifiedHeight.toString(),
        validator: peer.isValidator(),
      })),
    };
  }

  account(id: string) {
    const ledger = this.consortium.primary.ledger;
    const account = ledger.getAccount(id);
    if (account === undefined) throw new HttpApiError('account_not_found', `no account ${id}`, { id });
    const balances = [];
    for (const assetId of ledger.assetIds()) {
      const balance = ledger.getBalance(id, assetId);
      if (balance === undefined) continue;
      const asset = ledger.getAsset(assetId);
      assert(asset !== undefined, `asset ${assetId} is defined`);
      balances.push(balanceToJson(balance, asset.asset.decimals));
    }
    return {
      id: account.id,
      issuer: account.issuer,
      tier: account.tier,
      frozen: account.frozen,
      closed: account.closed,
      allowNegative: account.flags.allowNegative,
      owners: account.owners.map(bytesToHex),
      threshold: account.threshold,
      openedAt: account.openedAt.toString(),
      balances,
    };
  }

  /** Every asset with its issuer, decimals and supply, by id. */
  assets() {
    const ledger = this.consortium.primary.ledger;
    return {
      items: ledger.assetIds().map((id) => {
        const entry = ledger.getAsset(id);
        assert(entry !== undefined, `asset ${id} is defined`);
        return {
          id,
          name: entry.asset.name,
          issuer: entry.asset.issuer,
          decimals: entry.asset.decimals,
          minted: entry.minted.toString(),
          burned: entry.burned.toString(),
        };
      }),
    };
  }

  /**
   * A currency's settlement scheme: its participants with their liquidity (pledged, owed, the open window's net,
   * exposure and headroom under the cap), and its latest windows, newest first.
   */
  scheme(currency: string) {
    const ledger = this.consortium.primary.ledger;
    const scheme = ledger.getScheme(currency);
    if (scheme === undefined)
      throw new HttpApiError('scheme_not_found', `no settlement scheme for ${currency}`, { currency });
    const open = ledger.getWindow(currency, scheme.openWindow);
    const participants = ledger.participantsOf(currency).map((p) => {
      const net = open?.positions.find((position) => position.org === p.org)?.net ?? 0n;
      const exposure = p.owed + (net < 0n ? -net : 0n);
      return {
        org: p.org,
        depositAsset: p.depositAsset,
        settlementAccount: p.settlementAccount,
        pledged: p.pledged.toString(),
        owed: p.owed.toString(),
        openNet: net.toString(),
        exposure: exposure.toString(),
        headroom: (p.pledged - exposure).toString(),
      };
    });
    const windows = [];
    for (let seq = scheme.openWindow; seq >= 1n && windows.length < SCHEME_WINDOWS_SHOWN; seq--) {
      const window = ledger.getWindow(currency, seq);
      if (window !== undefined) windows.push(windowToJson(window));
    }
    return {
      currency,
      settlementOrg: scheme.settlementOrg,
      settlementAsset: scheme.settlementAsset,
      openWindow: scheme.openWindow.toString(),
      nextToSettle: scheme.nextToSettle.toString(),
      participants,
      windows,
    };
  }

  window(currency: string, seqText: string) {
    // The route's schema took digits only.
    const window = this.consortium.primary.ledger.getWindow(currency, BigInt(seqText));
    if (window === undefined) {
      throw new HttpApiError('window_not_found', `no window ${seqText} of ${currency}`, { currency, window: seqText });
    }
    return windowToJson(window);
  }

  /**
   * The settlement report of a window, as CSV lines: every interbank payment that applied in it (found between the
   * transactions that opened and closed it), then per bank its net as the payments add it up and as the window
   * recorded it, then the totals and whether they reconcile. Lines are made as they are sent: a window of a million
   * payments is read block by block.
   */
  windowReport(currency: string, seqText: string): Generator<string> {
    const primary = this.consortium.primary;
    const window = primary.ledger.getWindow(currency, BigInt(seqText));
    if (window === undefined) {
      throw new HttpApiError('window_not_found', `no window ${seqText} of ${currency}`, { currency, window: seqText });
    }
    return settlementReportLines(
      window,
      primary.store.certifiedHeight(),
      (height) => primary.store.getBlock(height),
      (id) => primary.ledger.getAccount(id)?.issuer ?? null,
    );
  }

  quote(id: string) {
    const quote = this.consortium.primary.ledger.getQuote(id);
    if (quote === undefined) throw new HttpApiError('quote_not_found', `no FX quote ${id}`, { id });
    return quoteToJson(quote);
  }

  /**
   * FX quotes with their status now (the node's clock): with `base`, `quote` and `live=true`, the pair's live quotes,
   * best rate for the payer first (`LedgerState.liveQuotes`); otherwise every quote, latest expiry first
   * (`LedgerState.quotes`), kept when of the pair's assets given and, with `live=true`, live. At most `limit`.
   */
  quotes(query: QuotesQuery) {
    const ledger = this.consortium.primary.ledger;
    // The route's schema took 1..QUOTES_LIMIT_MAX digits only.
    const limit = query.limit === undefined ? QUOTES_LIMIT_DEFAULT : Number(query.limit);
    assert(Number.isSafeInteger(limit) && limit >= 1 && limit <= QUOTES_LIMIT_MAX, 'the schema bounds limit');
    const time = BigInt(Date.now());
    const live = query.live === 'true';
    const { base, quote } = query;
    let found: QuoteEntry[];
    if (live && base !== undefined && quote !== undefined) {
      found = ledger.liveQuotes(base, quote, time).slice(0, limit);
    } else if (!live && base === undefined && quote === undefined) {
      found = ledger.quotes(limit);
    } else {
      found = ledger
        .quotes(QUOTES_SCAN_MAX)
        .filter(
          (q) =>
            (base === undefined || q.baseAsset === base) &&
            (quote === undefined || q.quoteAsset === quote) &&
            (!live || quoteStatusAt(q, time) === 'live'),
        )
        .slice(0, limit);
    }
    return {
      time: time.toString(),
      items: found.map((q) => ({ ...quoteToJson(q), status: quoteStatusAt(q, time) })),
    };
  }

  /**
   * Every `fx.convert` of a quote that applied (result `ok`), in chain order, from the certified blocks the store's
   * quote index names (no other block holds one): the latest `limit` of them, `truncated` when there were more.
   * `quoteAmount` is what the ledger moved: ⌊baseAmount × rateNum / rateDen⌋ (the rate the transaction carried,
   * which an applied conversion shares with its quote).
   */
  conversions(id: string, limitText: string | undefined) {
    const primary = this.consortium.primary;
    if (primary.ledger.getQuote(id) === undefined) {
      throw new HttpApiError('quote_not_found', `no FX quote ${id}`, { id });
    }
    // The route's schema took 1..CONVERSIONS_LIMIT_MAX digits only.
    const limit = limitText === undefined ? CONVERSIONS_LIMIT_MAX : Number(limitText);
    assert(Number.isSafeInteger(limit) && limit >= 1 && limit <= CONVERSIONS_LIMIT_MAX, 'the schema bounds limit');
    const head = primary.store.certifiedHeight();
    let kept: ConversionJson[] = [];
    let total = 0n;
    let previous = 0n;
    for (const height of primary.store.quoteHeights(id)) {
      if (height > head) break;
      assert(height > previous, 'quote heights ascend');
      previous = height;
      const block = primary.store.getBlock(height);
      assert(block !== null, `certified block ${height} is stored`);
      for (const [index, bytes] of block.txs.entries()) {
        if (block.results[index]?.code !== 'ok' || quoteOfTx(bytes) !== id) continue;
        const decoded = decodeTransaction(bytes);
        assert(decoded.ok, 'a stored transaction that applied decodes');
        const { tx } = decoded.value;
        if (tx.body.type !== 'fx.convert') continue;
        const body = tx.body;
        total += 1n;
        kept.push({
          txId: tx.id,
          height: height.toString(),
          index,
          time: block.header.time.toString(),
          source: body.source,
          target: body.target,
          baseAmount: body.baseAmount.toString(),
          quoteAmount: convertedAmount(body.baseAmount, body.rateNum, body.rateDen).toString(),
          memo: body.memo,
        });
        // Memory stays within twice the limit: the older half goes once it is full.
        if (kept.length >= 2 * limit) kept = kept.slice(-limit);
      }
    }
    const items = kept.slice(-limit);
    return {
      quote: id,
      height: head.toString(),
      total: total.toString(),
      truncated: total > BigInt(items.length),
      items,
    };
  }
}

/** The query of `GET /v1/fx/quotes`, as its schema let it through. */
interface QuotesQuery {
  readonly base?: string;
  readonly quote?: string;
  readonly live?: 'true' | 'false';
  readonly limit?: string;
}

/** One applied conversion as `GET /v1/fx/quotes/:id/conversions` lists it (amounts in minor units). */
interface ConversionJson {
  readonly txId: string;
  readonly height: string;
  readonly index: number;
  readonly time: string;
  readonly source: string;
  readonly target: string;
  readonly baseAmount: string;
  readonly quoteAmount: string;
  readonly memo: string;
}

type QuoteStatus = 'live' | 'expired' | 'withdrawn';

/** Withdrawn (`fx.cancel`) before anything else; else expired at or after `expiresAt`, as the ledger decides. */
function quoteStatusAt(quote: QuoteEntry, time: bigint): QuoteStatus {
  if (quote.cancelled) return 'withdrawn';
  return time >= quote.expiresAt ? 'expired' : 'live';
}

function quoteToJson(quote: QuoteEntry) {
  return {
    id: quote.id,
    provider: quote.provider,
    baseAsset: quote.baseAsset,
    quoteAsset: quote.quoteAsset,
    rateNum: quote.rateNum.toString(),
    rateDen: quote.rateDen.toString(),
    minBase: quote.minBase.toString(),
    maxBase: quote.maxBase.toString(),
    capacity: quote.capacity.toString(),
    used: quote.used.toString(),
    conversions: quote.conversions.toString(),
    baseAccount: quote.baseAccount,
    quoteAccount: quote.quoteAccount,
    expiresAt: quote.expiresAt.toString(),
    cancelled: quote.cancelled,
  };
}

/** `settlement report` CSV lines of a window (see NodeApi.windowReport). */
function* settlementReportLines(
  window: WindowEntry,
  head: bigint,
  blockAt: (height: bigint) => StoredBlock | null,
  issuerOf: (account: string) => string | null,
): Generator<string> {
  yield 'kind,height,index,tx_id,payer_bank,payee_bank,amount_minor\n';
  const last = window.status === 'open' ? head : window.closedHeight;
  const nets = new Map<string, bigint>();
  let payments = 0n;
  let gross = 0n;
  for (let height = window.openedHeight; height <= last; height++) {
    const block = blockAt(height);
    if (block === null) break;
    for (const [index, bytes] of block.txs.entries()) {
      if (height === window.openedHeight && index <= window.openedIndex) continue;
      if (window.status !== 'open' && height === window.closedHeight && index >= window.closedIndex) break;
      if (block.results[index]?.code !== 'ok') continue;
      const decoded = decodeTransaction(bytes);
      if (!decoded.ok) continue;
      const body = decoded.value.tx.body;
      if (body.type !== 'interbank.transfer' || body.currency !== window.currency) continue;
      const payer = issuerOf(body.source) ?? '?';
      const payee = issuerOf(body.target) ?? '?';
      nets.set(payer, (nets.get(payer) ?? 0n) - body.amount);
      nets.set(payee, (nets.get(payee) ?? 0n) + body.amount);
      payments += 1n;
      gross += body.amount;
      yield `payment,${height},${index},${decoded.value.tx.id},${payer},${payee},${body.amount}\n`;
    }
  }
  let reconciled = payments === window.payments && gross === window.gross;
  const orgs = new Set([...nets.keys(), ...window.positions.map((p) => p.org)]);
  for (const org of [...orgs].sort()) {
    const recorded = window.positions.find((p) => p.org === org)?.net ?? 0n;
    const summed = nets.get(org) ?? 0n;
    if (recorded !== summed) reconciled = false;
    yield `net,,,,${org},,${summed}\n`;
    yield `net_recorded,,,,${org},,${recorded}\n`;
  }
  yield `total_payments,,,,,,${payments}\n`;
  yield `total_gross,,,,,,${gross}\n`;
  yield `window,${window.seq},,,${window.status},,${window.gross}\n`;
  yield `reconciled,,,,,,${reconciled ? 1 : 0}\n`;
}

/** Windows a scheme view lists, newest first; older ones by number. */
const SCHEME_WINDOWS_SHOWN = 50;

function windowToJson(window: WindowEntry) {
  return {
    currency: window.currency,
    seq: window.seq.toString(),
    status: window.status,
    opened: { height: window.openedHeight.toString(), index: window.openedIndex, time: window.openedAt.toString() },
    closed:
      window.status === 'open'
        ? null
        : { height: window.closedHeight.toString(), index: window.closedIndex, time: window.closedAt.toString() },
    settledAt: window.status === 'settled' ? window.settledAt.toString() : null,
    // Where the settlement transaction is: GET /v1/blocks/{height} holds it at `index`.
    settled:
      window.status === 'settled'
        ? { height: window.settledHeight.toString(), index: window.settledIndex, time: window.settledAt.toString() }
        : null,
    payments: window.payments.toString(),
    gross: window.gross.toString(),
    positions: window.positions.map((p) => ({ org: p.org, net: p.net.toString() })),
  };
}

// ---- JSON forms ----

function resultToJson(code: TxCode, opIndex: number) {
  return { code, message: TX_CODE_MESSAGES[code], opIndex };
}

function balanceToJson(balance: BalanceEntry, decimals: number) {
  const posted = balancePosted(balance);
  const available = balanceAvailable(balance);
  return {
    asset: balance.asset,
    posted: posted.toString(),
    available: available.toString(),
    pendingDebits: balance.debitsPending.toString(),
    pendingCredits: balance.creditsPending.toString(),
    decimal: formatAmount(posted, decimals),
    availableDecimal: formatAmount(available, decimals),
  };
}

function blockToJson(block: StoredBlock) {
  const { header } = block;
  return {
    chainId: header.chainId,
    height: header.height.toString(),
    prevHash: bytesToHex(header.prevHash),
    time: header.time.toString(),
    txCount: header.txCount,
    txRoot: bytesToHex(header.txRoot),
    resultRoot: bytesToHex(header.resultRoot),
    stateCommitment: bytesToHex(header.stateCommitment),
    hash: bytesToHex(block.hash),
    certificate:
      block.certificate === null
        ? null
        : { signatures: block.certificate.signatures.map((s) => ({ org: s.org, signature: bytesToHex(s.signature) })) },
    transactions: block.txs.map((bytes, index) => {
      const result = block.results[index];
      assert(result !== undefined, 'a result per transaction');
      const decoded = decodeTransaction(bytes);
      return { id: result.id, index, type: decoded.ok ? decoded.value.tx.body.type : null, code: result.code };
    }),
    expired: [...block.expired],
    programSweeps: block.programSweeps.map((s) => ({
      program: s.program,
      pool: s.pool.toString(),
      balances: s.balances.map((b) => ({ account: b.account, amount: b.amount.toString() })),
      complete: s.complete,
      stopped: s.stopped ?? null,
    })),
  };
}

function decodedTxToJson(bytes: Uint8Array) {
  const decoded = decodeTransaction(bytes);
  if (!decoded.ok) return null;
  const { tx } = decoded.value;
  return {
    chainId: tx.chainId,
    id: tx.id,
    expiresAt: tx.expiresAt.toString(),
    type: tx.body.type,
    body: toJsonValue(tx.body, 0),
    signatures: tx.signatures.map((s) => ({ publicKey: bytesToHex(s.publicKey), signature: bytesToHex(s.signature) })),
  };
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A decoded value as JSON: bigint → decimal string, bytes → hex. Depth is bounded by the transaction types. */
function toJsonValue(value: unknown, depth: number): JsonValue {
  assert(depth <= JSON_DEPTH_MAX, 'decoded transaction nests within the depth limit');
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value), 'decoded numbers are small integers');
    return value;
  }
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map((v: unknown) => toJsonValue(v, depth + 1));
  assert(typeof value === 'object', `decoded transactions hold no ${typeof value}`);
  const out: { [key: string]: JsonValue } = {};
  for (const [key, v] of Object.entries(value)) out[key] = toJsonValue(v, depth + 1);
  return out;
}

// ---- errors ----

function errorBody(code: ApiErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}): ApiErrorBody {
  return { error: { code, message, details } };
}

/** Maps any thrown value to the error shape; only expected errors show their message. */
function errorResponse(
  error: unknown,
  request: FastifyRequest,
  bodyBytesMax: number,
): { status: number; body: ApiErrorBody } {
  const respond = (code: ApiErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) => ({
    status: API_ERROR_STATUS[code],
    body: errorBody(code, message, details),
  });
  if (error instanceof HttpApiError) return respond(error.code, error.message, error.details);
  if (error instanceof SubmitError) return respond(rejectCodeToApiCode(error.code), error.message);
  // The route's own limit when it has one (POST /v1/transactions), else the app's.
  const routeBodyBytesMax = request.routeOptions.bodyLimit ?? bodyBytesMax;
  const client = fastifyClientError(error, request, {
    bodyBytesMax: routeBodyBytesMax,
    mediaTypes: MEDIA_TYPES_ACCEPTED,
  });
  if (client !== null) return respond(client.code, client.message, client.details);
  request.log.error({ err: error }, 'unexpected error in the HTTP API');
  return respond('internal', 'internal error', { requestId: request.id });
}

// ---- server-sent events ----

/** The JSON of one `block` event: what a live explorer or a merchant feed needs. */
function blockEventFrame(event: FinalBlockEvent): string {
  const data = JSON.stringify({
    height: event.header.height.toString(),
    hash: bytesToHex(event.hash),
    time: event.header.time.toString(),
    txCount: event.header.txCount,
    signers: event.certificate.signatures.map((s) => s.org),
  });
  return `event: block\ndata: ${data}\n\n`;
}

/**
 * Fans final blocks out to the connected event-stream clients. It listens to the consortium
 * only while it has clients, builds each frame once, and drops a client that cannot keep up.
 */
class BlockEventStream {
  private readonly consortium: LedgerNode;
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly onBlock = (event: FinalBlockEvent): void => this.broadcast(blockEventFrame(event));

  constructor(consortium: LedgerNode) {
    this.consortium = consortium;
  }

  get size(): number {
    return this.clients.size;
  }

  attach(response: ServerResponse): void {
    assert(this.clients.size < SSE_CLIENTS_MAX, 'the route checks the client limit');
    // The client may be gone already: its 'close' has fired, so it would never be detached.
    if (!isWritable(response)) return;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    if (this.clients.size === 0) {
      this.consortium.on('block', this.onBlock);
      this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    this.clients.add(response);
    response.on('close', () => this.detach(response));
    // A write racing the socket's end reports an error here; the client is simply gone.
    response.on('error', () => this.detach(response));
  }

  private detach(response: ServerResponse): void {
    if (!this.clients.delete(response)) return;
    if (this.clients.size > 0) return;
    this.consortium.off('block', this.onBlock);
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private broadcast(frame: string): void {
    for (const client of [...this.clients]) {
      if (!isWritable(client) || client.writableLength > SSE_CLIENT_BUFFER_BYTES_MAX) {
        client.destroy();
        this.detach(client);
        continue;
      }
      client.write(frame);
    }
  }

  /** Ends every stream (server shutdown); clients see the end and may reconnect elsewhere. */
  closeAll(): void {
    for (const client of [...this.clients]) {
      client.end();
      this.detach(client);
    }
  }
}

function isWritable(response: ServerResponse): boolean {
  return !response.writableEnded && !response.destroyed && response.socket !== null && !response.socket.destroyed;
}
