/**
 * The cluster ordering layer on NATS JetStream (DESIGN §4, issue 3): stream setup and checks, idempotent
 * publishing, a deterministic block feed, a cut driver, and peer signatures. Peers on different machines read one
 * replicated stream and form identical blocks with `BlockCutter` (`block-cutter.ts`, where the cutting and resume
 * rules are written out). Durability and finality come from the peers — a payment is final when a quorum of
 * validators stored its block and signed the header — never from the stream's acknowledgement: JetStream acks
 * before fsync, and nats-server 2.9 offers no per-write fsync at all.
 *
 * Streams for a chain id C, with T = `chainIdToken(C)` (an injective escape of C into [A-Za-z0-9_-]):
 * - `PAYCHAIN_T_TXS`, subjects `paychain.T.tx` (transaction bytes, message id = transaction id) and
 *   `paychain.T.cut` (cut markers, message id `cut-<height>-<firstSeq>`);
 * - `PAYCHAIN_T_SIGS`, subject `paychain.T.sig` (peer header signatures, message id
 *   `sig-<height>-<orgId>-<headerHashHex>`).
 * Both keep their whole history (file storage, limits retention without limits, deny delete and purge) so a new or
 * restarted peer can catch up from the stream.
 *
 * Compatibility notes for @nats-io/jetstream 3.4 against nats-server 2.9: consumers use a single filter subject or
 * none (`filter_subjects` needs 2.10), and the message timestamp is read from `JsMsg.timestampNanos` (a bigint):
 * `info.timestampNanos` is a JS number and loses the low digits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  PubAck,
  StreamConfig,
  StreamInfo,
} from '@nats-io/jetstream';
import {
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  nanos,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import {
  assert,
  BLOCK_TXS_MAX,
  bytesToHex,
  CHAIN_ID_BYTES_MAX,
  DecodeError,
  type DecodeResult,
  decodeWith,
  HASH_BYTES,
  isId128,
  isOrgId,
  ORG_ID_BYTES_MAX,
  type Reader,
  SIGNATURE_BYTES_MAX,
  TX_BYTES_MAX,
  TX_DISBURSE_BYTES_MAX,
  utf8ToBytes,
  Writer,
} from '@paychain/core';
import {
  BlockCutter,
  type CutBlock,
  type CutMarker,
  type CutterPosition,
  encodeCutMarker,
  type OrderingMessageKind,
  type PendingBlock,
} from './block-cutter.ts';

// ---------------------------------------------------------------------------------------------------------------
// Limits

/** A stream replicated on fewer servers than this loses acknowledged history to a single bad disk. */
export const ORDERING_REPLICAS_MIN = 3;
export const ORDERING_REPLICAS_DEFAULT = 3;
/** How long JetStream remembers message ids; a retry inside it is dropped as a duplicate. */
export const ORDERING_DUPLICATE_WINDOW_MS = 10 * 60 * 1000;
/**
 * nats-server's default `max_payload` (1 MiB), which the local cluster keeps: no message may be larger, whatever a
 * stream allows.
 */
export const NATS_PAYLOAD_BYTES_DEFAULT = 1024 * 1024;
/**
 * Largest message the transaction stream accepts (payload and headers): the largest transaction (a program
 * disbursement, TX_DISBURSE_BYTES_MAX) plus headroom. Every other type is held to TX_BYTES_MAX by the decoder.
 */
export const TXS_MESSAGE_BYTES_MAX = TX_DISBURSE_BYTES_MAX + 64 * 1024;
/** Largest message the signature stream accepts (payload and headers). */
export const SIGS_MESSAGE_BYTES_MAX = 4 * 1024;
/** Whole budget for one publish, retries included: a cluster elects a stream leader in about 5 s. */
export const PUBLISH_DEADLINE_MS = 30_000;
/** Wait for one publish acknowledgement. */
export const PUBLISH_ATTEMPT_TIMEOUT_MS = 5_000;
export const PUBLISH_BACKOFF_MS_MIN = 50;
export const PUBLISH_BACKOFF_MS_MAX = 2_000;
/** Messages one pull may bring into the client: bounds what a feed buffers besides the cutter's pending block. */
export const FEED_FETCH_MESSAGES_MAX = 256;
/** How long one pull waits on the server for messages (the client library's minimum is 1 s). */
export const FEED_FETCH_EXPIRES_MS = 2_000;
/** A pull that neither delivers nor ends this long after its expiry is treated as lost and recreated. */
export const FEED_FETCH_STALL_MS = FEED_FETCH_EXPIRES_MS + 10_000;
/** A feed that cannot read for this long (consecutive failures) gives up with `ordering_feed_failed`. */
export const FEED_RETRY_DEADLINE_MS = 60_000;
export const FEED_BACKOFF_MS_MIN = 100;
export const FEED_BACKOFF_MS_MAX = 5_000;
/** The server deletes a feed's consumer after this long without a pull (a stopped or crashed peer). */
export const FEED_CONSUMER_INACTIVE_MS = 2 * 60 * 1000;
/** Bytes of a `Nats-Msg-Id` plus `Nats-Expected-Stream` header block, generously. */
const PUBLISH_HEADERS_BYTES_MAX = 512;

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type OrderingErrorCode =
  | 'ordering_invalid_argument'
  | 'ordering_unsafe_stream'
  | 'ordering_stream_mismatch'
  | 'ordering_stream_missing'
  | 'ordering_stream_create_failed'
  | 'ordering_stream_behind'
  | 'ordering_message_too_large'
  | 'ordering_wrong_stream'
  | 'ordering_publish_refused'
  | 'ordering_publish_timeout'
  | 'ordering_connection_closed'
  | 'ordering_feed_failed'
  | 'ordering_feed_out_of_order';

export interface OrderingErrorDetails {
  readonly stream?: string;
  readonly problems?: readonly string[];
  readonly attempts?: number;
}

/** An operating error of the ordering layer: a code to decide on, details, and the cause from the client. */
export class OrderingError extends Error {
  override readonly name = 'OrderingError';
  readonly code: OrderingErrorCode;
  readonly details: OrderingErrorDetails;

  constructor(code: OrderingErrorCode, message: string, options: { cause?: unknown; details?: OrderingErrorDetails }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names

export interface OrderingNames {
  readonly token: string;
  readonly txsStream: string;
  readonly sigsStream: string;
  readonly txSubject: string;
  readonly cutSubject: string;
  readonly sigSubject: string;
}

const TOKEN_PLAIN = /^[A-Za-z0-9-]$/;

/**
 * Escapes a chain id into [A-Za-z0-9_-], fit for stream names and one subject token. Letters, digits and `-` stay;
 * every other UTF-8 byte, `_` included, becomes `_XX`. Injective (unlike replacing bad characters with `_`, which
 * would put chains `a.b` and `a_b` in one stream), and the identity for the usual ids such as `paychain-demo`.
 */
export function chainIdToken(chainId: string): string {
  const bytes = utf8ToBytes(chainId);
  if (bytes.length === 0 || bytes.length > CHAIN_ID_BYTES_MAX) {
    throw new OrderingError('ordering_invalid_argument', `chain id: 1..${CHAIN_ID_BYTES_MAX} bytes of text`, {});
  }
  let token = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    token += byte < 0x80 && TOKEN_PLAIN.test(char) ? char : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token;
}

export function orderingNames(chainId: string): OrderingNames {
  const token = chainIdToken(chainId);
  return {
    token,
    txsStream: `PAYCHAIN_${token}_TXS`,
    sigsStream: `PAYCHAIN_${token}_SIGS`,
    txSubject: `paychain.${token}.tx`,
    cutSubject: `paychain.${token}.cut`,
    sigSubject: `paychain.${token}.sig`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Streams

export interface EnsureOrderingStreamsOptions {
  readonly chainId: string;
  /** Replicas for streams this call creates; default `ORDERING_REPLICAS_DEFAULT`. */
  readonly replicas?: number | undefined;
  /** Accept (with warnings) streams below the durability floor: single-server tests and demos only. */
  readonly unsafe?: boolean | undefined;
}

export interface OrderingStreamReport {
  readonly name: string;
  readonly created: boolean;
  readonly storage: StorageType;
  readonly replicas: number;
  /** Replicas caught up now (leader included), from the stream's cluster info; undefined on a standalone server. */
  readonly replicasCurrent: number | undefined;
}

export interface OrderingDurability {
  /** The weaker storage of the two streams. */
  readonly storage: StorageType;
  /** The smaller replica count of the two streams. */
  readonly replicas: number;
  /**
   * Whether a stored message is on disk when acknowledged: not checkable through the JetStream API, and nats-server
   * 2.9 cannot force it (`sync_interval`, and `always`, exist from 2.10). Hence finality from peer signatures.
   */
  readonly fsync: 'unverified';
  readonly finality: 'peer-signatures';
}

export interface OrderingStreams {
  readonly names: OrderingNames;
  readonly txs: OrderingStreamReport;
  readonly sigs: OrderingStreamReport;
  readonly durability: OrderingDurability;
  /** What is weaker than it should be; never empty, since fsync is never verified. */
  readonly warnings: readonly string[];
}

/** The fields `reviewStreamConfig` checks. */
export type ReviewedStreamConfig = Pick<
  StreamConfig,
  | 'subjects'
  | 'storage'
  | 'num_replicas'
  | 'retention'
  | 'max_age'
  | 'max_msgs'
  | 'max_bytes'
  | 'max_msgs_per_subject'
  | 'deny_delete'
  | 'deny_purge'
  | 'allow_rollup_hdrs'
  | 'duplicate_window'
  | 'max_msg_size'
  | 'sealed'
  | 'mirror'
  | 'sources'
  | 'no_ack'
  | 'subject_transform'
>;

/**
 * What `ensureOrderingStreams` creates. Only fields nats-server 2.9 knows: the client's `StreamConfig` type also
 * requires 2.12 fields (`persist_mode`, `allow_msg_counter`), which are left out on purpose.
 */
export type OrderingStreamConfig = ReviewedStreamConfig &
  Pick<
    StreamConfig,
    'name' | 'discard' | 'discard_new_per_subject' | 'max_consumers' | 'allow_direct' | 'mirror_direct'
  >;

/** What a stream's configuration should be; also the configuration `ensureOrderingStreams` creates. */
export function orderingStreamConfig(
  name: string,
  subjects: readonly string[],
  replicas: number,
  messageBytesMax: number,
): OrderingStreamConfig {
  return {
    name,
    subjects: [...subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    discard_new_per_subject: false,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    max_msgs_per_subject: -1,
    max_consumers: -1,
    max_msg_size: messageBytesMax,
    num_replicas: replicas,
    duplicate_window: nanos(ORDERING_DUPLICATE_WINDOW_MS),
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    allow_direct: false,
    mirror_direct: false,
    sealed: false,
  };
}

/** Bounds on a stream's `max_msg_size`, which nats-server counts with the headers (message id, expected stream). */
export interface MessageBytesRange {
  /** The largest valid message and its headers must fit. */
  readonly min: number;
  readonly max: number;
}

export const TXS_MESSAGE_BYTES: MessageBytesRange = {
  min: TX_DISBURSE_BYTES_MAX + PUBLISH_HEADERS_BYTES_MAX,
  max: TXS_MESSAGE_BYTES_MAX,
};

export interface StreamConfigReview {
  /** Wrong for ordering at any durability: refused with `ordering_stream_mismatch`. */
  readonly mismatches: readonly string[];
  /** Below the durability floor: refused with `ordering_unsafe_stream` unless `unsafe`. */
  readonly unsafe: readonly string[];
}

/** Compares an existing stream's configuration with what ordering needs. Pure. */
export function reviewStreamConfig(
  config: ReviewedStreamConfig,
  subjects: readonly string[],
  messageBytes: MessageBytesRange,
): StreamConfigReview {
  const mismatches: string[] = [];
  const unsafe: string[] = [];
  const actual = [...(config.subjects ?? [])].sort();
  const expected = [...subjects].sort();
  if (actual.length !== expected.length || actual.some((s, i) => s !== expected[i])) {
    mismatches.push(`subjects are [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
  if (config.sealed === true) mismatches.push('stream is sealed: it accepts no messages');
  if (config.mirror !== undefined) mismatches.push('stream is a mirror: it accepts no publishes');
  if (config.sources !== undefined && config.sources.length > 0) mismatches.push('stream has sources');
  if (config.no_ack === true) mismatches.push('stream does not acknowledge publishes (no_ack)');
  if (config.subject_transform !== undefined) mismatches.push('stream transforms subjects');

  if (config.storage !== StorageType.File) unsafe.push(`storage is ${config.storage}, not file`);
  if (config.num_replicas < ORDERING_REPLICAS_MIN) {
    unsafe.push(`replicas ${config.num_replicas} < ${ORDERING_REPLICAS_MIN}`);
  }
  if (config.retention !== RetentionPolicy.Limits) unsafe.push(`retention ${config.retention} drops history`);
  if (config.max_age > 0) unsafe.push('max_age drops history');
  if (config.max_msgs > 0) unsafe.push('max_msgs drops history');
  if (config.max_bytes > 0) unsafe.push('max_bytes drops history');
  if (config.max_msgs_per_subject > 0) unsafe.push('max_msgs_per_subject drops history');
  if (config.deny_delete !== true) unsafe.push('messages can be deleted (deny_delete is off)');
  if (config.deny_purge !== true) unsafe.push('the stream can be purged (deny_purge is off)');
  if (config.allow_rollup_hdrs === true) unsafe.push('rollup headers can erase history');
  if (config.duplicate_window < nanos(ORDERING_DUPLICATE_WINDOW_MS)) {
    unsafe.push(`duplicate window ${config.duplicate_window} ns < ${ORDERING_DUPLICATE_WINDOW_MS} ms`);
  }
  if (config.max_msg_size > 0 && config.max_msg_size < messageBytes.min) {
    mismatches.push(`max_msg_size ${config.max_msg_size} < ${messageBytes.min}: valid messages would be refused`);
  }
  if (config.max_msg_size <= 0 || config.max_msg_size > messageBytes.max) {
    unsafe.push(`max_msg_size ${config.max_msg_size} is not bounded by ${messageBytes.max}`);
  }
  return { mismatches, unsafe };
}

/**
 * Creates the chain's two streams if missing; checks them if present. Refuses (`ordering_unsafe_stream`) a stream
 * below the durability floor — not file storage, fewer than `ORDERING_REPLICAS_MIN` replicas, history that limits or
 * deletes can drop — unless `unsafe`, which turns those into warnings. Refuses always (`ordering_stream_mismatch`) a
 * stream that cannot carry ordering (other subjects, sealed, mirror). Never changes an existing stream's config:
 * that is an operator's decision.
 */
export async function ensureOrderingStreams(
  jsm: JetStreamManager,
  options: EnsureOrderingStreamsOptions,
): Promise<OrderingStreams> {
  const names = orderingNames(options.chainId);
  const replicas = options.replicas ?? ORDERING_REPLICAS_DEFAULT;
  const unsafe = options.unsafe === true;
  if (!Number.isSafeInteger(replicas) || replicas < 1) {
    throw new OrderingError('ordering_invalid_argument', `replicas: a positive integer, got ${replicas}`, {});
  }
  const warnings: string[] = [];
  if (replicas < ORDERING_REPLICAS_MIN) {
    const problem = `replicas ${replicas} < ${ORDERING_REPLICAS_MIN}`;
    if (!unsafe) {
      throw new OrderingError('ordering_unsafe_stream', `refusing to create ordering streams: ${problem}`, {
        details: { problems: [problem] },
      });
    }
  }
  const txs = await ensureStream(
    jsm,
    orderingStreamConfig(names.txsStream, [names.txSubject, names.cutSubject], replicas, TXS_MESSAGE_BYTES.max),
    TXS_MESSAGE_BYTES,
    unsafe,
    warnings,
  );
  const sigs = await ensureStream(
    jsm,
    orderingStreamConfig(names.sigsStream, [names.sigSubject], replicas, SIGS_MESSAGE_BYTES.max),
    SIGS_MESSAGE_BYTES,
    unsafe,
    warnings,
  );
  warnings.push(
    'fsync not verified: nats-server 2.9 cannot sync each write (sync_interval exists from 2.10, set it to ' +
      '"always" there); an acknowledged message can be lost, so finality comes from peer signatures (DESIGN §4)',
  );
  const storage = txs.storage === StorageType.File && sigs.storage === StorageType.File ? StorageType.File : 'memory';
  return {
    names,
    txs,
    sigs,
    durability: {
      storage,
      replicas: Math.min(txs.replicas, sigs.replicas),
      fsync: 'unverified',
      finality: 'peer-signatures',
    },
    warnings,
  };
}

async function ensureStream(
  jsm: JetStreamManager,
  wanted: OrderingStreamConfig,
  messageBytes: MessageBytesRange,
  unsafe: boolean,
  warnings: string[],
): Promise<OrderingStreamReport> {
  let info = await streamInfoOrUndefined(jsm, wanted.name);
  let created = false;
  if (info === undefined) {
    try {
      info = await jsm.streams.add(wanted);
      created = true;
    } catch (error) {
      // Another peer may have created it at the same moment: read what is there and check it like any other.
      info = await streamInfoOrUndefined(jsm, wanted.name);
      if (info === undefined) {
        throw new OrderingError('ordering_stream_create_failed', `creating stream ${wanted.name}: ${message(error)}`, {
          cause: error,
          details: { stream: wanted.name },
        });
      }
    }
  }
  if (info.config.max_msg_size > 0 && info.config.max_msg_size < messageBytes.min) {
    // A stream made before the largest transaction grew (64 KiB before program disbursements): raising the limit
    // refuses nothing that was accepted before, so it is migrated in place rather than refused.
    const before = info.config.max_msg_size;
    try {
      info = await jsm.streams.update(wanted.name, { max_msg_size: wanted.max_msg_size });
    } catch (error) {
      throw new OrderingError(
        'ordering_stream_mismatch',
        `stream ${wanted.name}: raising max_msg_size from ${before} to ${wanted.max_msg_size} failed: ${message(error)}`,
        { cause: error, details: { stream: wanted.name } },
      );
    }
    warnings.push(`${wanted.name}: max_msg_size raised from ${before} to ${wanted.max_msg_size}`);
  }
  const review = reviewStreamConfig(info.config, wanted.subjects, messageBytes);
  if (review.mismatches.length > 0) {
    throw new OrderingError(
      'ordering_stream_mismatch',
      `stream ${wanted.name} cannot carry ordering: ${review.mismatches.join('; ')}`,
      { details: { stream: wanted.name, problems: review.mismatches } },
    );
  }
  if (review.unsafe.length > 0) {
    if (!unsafe) {
      throw new OrderingError(
        'ordering_unsafe_stream',
        `stream ${wanted.name} is unsafe: ${review.unsafe.join('; ')}`,
        {
          details: { stream: wanted.name, problems: review.unsafe },
        },
      );
    }
    for (const problem of review.unsafe) warnings.push(`${wanted.name}: ${problem}`);
  }
  const lost = info.state.lost?.msgs?.length ?? 0;
  if (lost > 0) warnings.push(`${wanted.name}: the server reports ${lost} lost messages`);
  if (info.state.num_deleted > 0) warnings.push(`${wanted.name}: ${info.state.num_deleted} deleted messages`);
  return {
    name: wanted.name,
    created,
    storage: info.config.storage,
    replicas: info.config.num_replicas,
    replicasCurrent: replicasCurrent(info),
  };
}

function replicasCurrent(info: StreamInfo): number | undefined {
  const cluster = info.cluster;
  if (cluster?.leader === undefined) return undefined;
  return 1 + (cluster.replicas ?? []).filter((r) => r.current && !r.offline).length;
}

async function streamInfoOrUndefined(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw new OrderingError('ordering_stream_missing', `reading stream ${name}: ${message(error)}`, {
      cause: error,
      details: { stream: name },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Publishing

export interface PublishOptions {
  /** Whole budget, retries included; default `PUBLISH_DEADLINE_MS`. */
  readonly deadlineMs?: number | undefined;
  /** Wait for one acknowledgement; default `PUBLISH_ATTEMPT_TIMEOUT_MS`. */
  readonly attemptTimeoutMs?: number | undefined;
}

export interface PublishResult {
  /** The stream sequence holding the message (for a duplicate: the earlier copy's). */
  readonly seq: number;
  /** The stream already held this message id (an earlier attempt of ours, or another publisher's). */
  readonly duplicate: boolean;
  readonly attempts: number;
}

/**
 * Publishes signed transaction bytes with message id = transaction id, so retries and resubmissions inside the
 * duplicate window are stored once. `txIdHex` must be the id inside `txBytes` (the caller decoded them): a wrong id
 * would make JetStream drop another transaction as a duplicate. An acknowledgement is not finality.
 */
export async function publishTransaction(
  js: JetStreamClient,
  chainId: string,
  txBytes: Uint8Array,
  txIdHex: string,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const names = orderingNames(chainId);
  if (!isId128(txIdHex)) {
    throw new OrderingError('ordering_invalid_argument', 'transaction id: 32 lower-case hex digits', {});
  }
  // The largest transaction of any type; the caller decoded the bytes, which holds each type to its own limit.
  if (txBytes.length === 0 || txBytes.length > TX_DISBURSE_BYTES_MAX) {
    throw new OrderingError('ordering_message_too_large', `transaction: 1..${TX_DISBURSE_BYTES_MAX} bytes`, {
      details: { stream: names.txsStream },
    });
  }
  return publishWithRetry(js, names.txSubject, txBytes, txIdHex, names.txsStream, options);
}

/** Asks every peer to cut the pending block `marker.height` (whose first transaction is `marker.firstSeq`). */
export async function publishCut(
  js: JetStreamClient,
  chainId: string,
  marker: CutMarker,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const names = orderingNames(chainId);
  const data = encodeCutMarker(marker);
  return publishWithRetry(
    js,
    names.cutSubject,
    data,
    `cut-${marker.height}-${marker.firstSeq}`,
    names.txsStream,
    options,
  );
}

export interface PeerSignature {
  readonly height: bigint;
  readonly headerHash: Uint8Array;
  readonly orgId: string;
  readonly signature: Uint8Array;
}

export async function publishSignature(
  js: JetStreamClient,
  chainId: string,
  signature: PeerSignature,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const names = orderingNames(chainId);
  const data = encodePeerSignature(signature);
  const msgId = `sig-${signature.height}-${signature.orgId}-${bytesToHex(signature.headerHash)}`;
  return publishWithRetry(js, names.sigSubject, data, msgId, names.sigsStream, options);
}

/**
 * One JetStream publish, retried with the same message id on timeouts, missing responders and 503s (a stream
 * without a leader during an election) until the deadline; permanent refusals are thrown at once.
 */
async function publishWithRetry(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgId: string,
  streamName: string,
  options: PublishOptions,
): Promise<PublishResult> {
  const deadlineMs = options.deadlineMs ?? PUBLISH_DEADLINE_MS;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? PUBLISH_ATTEMPT_TIMEOUT_MS;
  assert(deadlineMs > 0 && attemptTimeoutMs > 0, 'publish deadline and attempt timeout are positive');
  const start = performance.now();
  let backoffMs = PUBLISH_BACKOFF_MS_MIN;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    const remainingMs = deadlineMs - (performance.now() - start);
    if (remainingMs <= 0) {
      throw new OrderingError(
        'ordering_publish_timeout',
        `publish ${msgId} to ${streamName}: no acknowledgement within ${deadlineMs} ms (${message(lastError)})`,
        { cause: lastError, details: { stream: streamName, attempts: attempt - 1 } },
      );
    }
    let ack: PubAck;
    try {
      ack = await js.publish(subject, data, {
        msgID: msgId,
        expect: { streamName },
        timeout: Math.max(1, Math.min(attemptTimeoutMs, Math.ceil(remainingMs))),
      });
    } catch (error) {
      const verdict = classifyPublishError(error);
      if (verdict !== 'transient') {
        throw new OrderingError(verdict, `publish ${msgId} to ${streamName}: ${message(error)}`, {
          cause: error,
          details: { stream: streamName, attempts: attempt },
        });
      }
      lastError = error;
      const waitMs = Math.min(backoffMs, deadlineMs - (performance.now() - start));
      if (waitMs > 0) await sleep(waitMs);
      backoffMs = Math.min(backoffMs * 2, PUBLISH_BACKOFF_MS_MAX);
      continue;
    }
    assert(ack.stream === streamName, `acknowledged by ${ack.stream}, expected ${streamName}`);
    return { seq: ack.seq, duplicate: ack.duplicate, attempts: attempt };
  }
}

/** JetStream API error codes that a retry cannot fix (nats-server `errors.json`). */
const JS_MESSAGE_TOO_LARGE = 10054;
const JS_WRONG_STREAM = 10060;

function classifyPublishError(error: unknown): 'transient' | OrderingErrorCode {
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return 'ordering_connection_closed';
  }
  if (error instanceof JetStreamApiError) {
    if (error.code === JS_MESSAGE_TOO_LARGE) return 'ordering_message_too_large';
    if (error.code === JS_WRONG_STREAM) return 'ordering_wrong_stream';
    return error.status === 503 || error.status === 408 ? 'transient' : 'ordering_publish_refused';
  }
  // A timeout or "no responders" (no stream leader yet) may come wrapped: the client reports no responders on a
  // publish as `JetStreamNotEnabled` with the `RequestError` as its cause.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof TimeoutError || current instanceof NoRespondersError) return 'transient';
    if (current instanceof RequestError && current.isNoResponders()) return 'transient';
    current = current.cause;
  }
  return 'ordering_publish_refused';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Peer signatures: canonical encoding

export const PEER_SIGNATURE_VERSION = 1;
/**
 * Encoding, version 1, big-endian, no trailing bytes:
 * u8 version · u64 height · 32 bytes header hash · u8 length + org id (1..32 of [a-z0-9-]) ·
 * u8 length + signature (1..SIGNATURE_BYTES_MAX).
 */
export const PEER_SIGNATURE_BYTES_MAX = 1 + 8 + HASH_BYTES + 1 + ORG_ID_BYTES_MAX + 1 + SIGNATURE_BYTES_MAX;

export const SIGS_MESSAGE_BYTES: MessageBytesRange = {
  min: PEER_SIGNATURE_BYTES_MAX + PUBLISH_HEADERS_BYTES_MAX,
  max: SIGS_MESSAGE_BYTES_MAX,
};

assert(TXS_MESSAGE_BYTES.min <= TXS_MESSAGE_BYTES.max, 'a transaction and its headers fit the stream');
assert(TX_DISBURSE_BYTES_MAX >= TX_BYTES_MAX, 'the largest transaction is a disbursement');
assert(
  TXS_MESSAGE_BYTES_MAX <= NATS_PAYLOAD_BYTES_DEFAULT,
  "the stream's largest message passes the server's max_payload",
);
assert(SIGS_MESSAGE_BYTES.min <= SIGS_MESSAGE_BYTES.max, 'a signature message and its headers fit the stream');
assert(FEED_FETCH_EXPIRES_MS >= 1_000, 'the client refuses pulls shorter than 1 s');
assert(FEED_CONSUMER_INACTIVE_MS > FEED_FETCH_STALL_MS, 'a live feed keeps its consumer');

export function encodePeerSignature(value: PeerSignature): Uint8Array {
  assert(isOrgId(value.orgId), `org id: ${value.orgId}`);
  assert(value.signature.length > 0, 'signature is not empty');
  const w = new Writer(PEER_SIGNATURE_BYTES_MAX);
  w.u8(PEER_SIGNATURE_VERSION);
  w.u64(value.height);
  w.fixed(value.headerHash, HASH_BYTES);
  w.text(value.orgId, ORG_ID_BYTES_MAX);
  w.bytes(value.signature, SIGNATURE_BYTES_MAX);
  return w.finish();
}

export function decodePeerSignature(bytes: Uint8Array): DecodeResult<PeerSignature> {
  if (bytes.length > PEER_SIGNATURE_BYTES_MAX) {
    return { ok: false, error: `peer signature: ${bytes.length} bytes, at most ${PEER_SIGNATURE_BYTES_MAX}` };
  }
  return decodeWith(bytes, readPeerSignature, 'peer signature');
}

function readPeerSignature(r: Reader): PeerSignature {
  const version = r.u8('peer signature version');
  if (version !== PEER_SIGNATURE_VERSION) throw new DecodeError(`peer signature version ${version} is unknown`);
  const height = r.u64('height');
  const headerHash = r.fixed(HASH_BYTES, 'header hash');
  const orgId = r.text(ORG_ID_BYTES_MAX, 'org id');
  if (!isOrgId(orgId)) throw new DecodeError('org id: 1..32 of [a-z0-9-]');
  const signature = r.bytes(SIGNATURE_BYTES_MAX, 'signature');
  if (signature.length === 0) throw new DecodeError('signature: empty');
  return { height, headerHash, orgId, signature };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a stream in order

interface StreamRecord {
  readonly seq: number;
  readonly subject: string;
  readonly timeMs: bigint;
  readonly data: Uint8Array;
  /** No message after this one in the stream when it was delivered. */
  readonly caughtUp: boolean;
}

/**
 * Reads one stream in sequence order from a start sequence with an ordered consumer, one bounded pull at a time
 * (`FEED_FETCH_MESSAGES_MAX`), so a slow reader never makes the client buffer more. The reader keeps its own
 * cursor: after any failure (consumer reaped, leader change, lost pull) it makes a new consumer at the next
 * sequence, so no message is skipped or read twice, and gives up after `FEED_RETRY_DEADLINE_MS` of failures.
 */
class OrderedStreamReader {
  private readonly js: JetStreamClient;
  private readonly streamName: string;
  private nextSeq: number;
  private consumer: Consumer | undefined;
  private batch: ConsumerMessages | undefined;
  private stopped = false;
  private started = false;
  /** The last failure to delete a consumer, for diagnostics. */
  releaseError: unknown;

  constructor(js: JetStreamClient, streamName: string, fromSeq: number) {
    assert(Number.isSafeInteger(fromSeq) && fromSeq >= 1, `start sequence: ${fromSeq}`);
    this.js = js;
    this.streamName = streamName;
    this.nextSeq = fromSeq;
  }

  async *records(): AsyncGenerator<StreamRecord, void, undefined> {
    assert(!this.started, 'a stream reader is iterated once');
    this.started = true;
    let failingSinceMs: number | undefined;
    let backoffMs = FEED_BACKOFF_MS_MIN;
    try {
      while (!this.stopped) {
        let failure: unknown;
        let batch: ConsumerMessages | undefined;
        let stalled = false;
        let watchdog: NodeJS.Timeout | undefined;
        const arm = (batch: ConsumerMessages): void => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => {
            stalled = true;
            void batch.close();
          }, FEED_FETCH_STALL_MS);
        };
        try {
          this.consumer ??= await this.js.consumers.get(this.streamName, {
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: this.nextSeq,
            inactive_threshold: FEED_CONSUMER_INACTIVE_MS,
          });
          batch = await this.consumer.fetch({
            max_messages: FEED_FETCH_MESSAGES_MAX,
            expires: FEED_FETCH_EXPIRES_MS,
          });
          this.batch = batch;
          if (this.stopped) {
            void batch.close();
            break;
          }
          arm(batch);
          for await (const m of batch) {
            clearTimeout(watchdog);
            if (this.stopped) break;
            const record = this.toRecord(m);
            failingSinceMs = undefined;
            yield record;
            if (this.stopped) break;
            arm(batch);
          }
          if (stalled) failure = new Error(`pull on ${this.streamName} stalled`);
        } catch (error) {
          if (error instanceof OrderingError) throw error;
          failure = error;
        } finally {
          clearTimeout(watchdog);
          // Also when the caller left the loop at a `yield`: end the pull (its unsubscribe is immediate).
          void batch?.close();
          this.batch = undefined;
        }
        if (this.stopped) break;
        if (failure === undefined) {
          failingSinceMs = undefined;
          backoffMs = FEED_BACKOFF_MS_MIN;
          continue;
        }
        // Start over from our own cursor with a new consumer.
        await this.releaseConsumer();
        const nowMs = performance.now();
        failingSinceMs ??= nowMs;
        if (nowMs - failingSinceMs > FEED_RETRY_DEADLINE_MS) {
          throw new OrderingError(
            'ordering_feed_failed',
            `reading ${this.streamName} from seq ${this.nextSeq}: ${message(failure)}`,
            { cause: failure, details: { stream: this.streamName } },
          );
        }
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, FEED_BACKOFF_MS_MAX);
      }
    } finally {
      this.stopped = true;
      await this.releaseConsumer();
    }
  }

  private toRecord(m: JsMsg): StreamRecord {
    if (m.seq < this.nextSeq) {
      throw new OrderingError(
        'ordering_feed_out_of_order',
        `${this.streamName}: seq ${m.seq} delivered, expected ${this.nextSeq} or later`,
        { details: { stream: this.streamName } },
      );
    }
    this.nextSeq = m.seq + 1;
    return {
      seq: m.seq,
      subject: m.subject,
      timeMs: m.timestampNanos / 1_000_000n,
      // A copy: the client hands out Node Buffers, views whose `slice` does not copy (core's Reader relies on it).
      data: new Uint8Array(m.data),
      caughtUp: m.info.pending === 0,
    };
  }

  /** Ends the current pull and deletes the consumer; the iteration then ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    // Not awaited: the client's `close()` settles only once its iterator is drained, and the generator may be
    // parked at a `yield` for good. Its unsubscribe happens at once.
    void this.batch?.close();
    await this.releaseConsumer();
  }

  private async releaseConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer === undefined) return;
    try {
      await consumer.delete();
    } catch (error) {
      // Already gone or unreachable: the server reaps it after FEED_CONSUMER_INACTIVE_MS without pulls.
      this.releaseError = error;
    }
  }
}

async function checkStreamPosition(js: JetStreamClient, streamName: string, fromSeq: number): Promise<void> {
  let info: StreamInfo;
  try {
    info = await (await js.streams.get(streamName)).info();
  } catch (error) {
    throw new OrderingError('ordering_stream_missing', `stream ${streamName}: ${message(error)}`, {
      cause: error,
      details: { stream: streamName },
    });
  }
  const { first_seq: firstSeq, last_seq: lastSeq, messages } = info.state;
  if (lastSeq < fromSeq - 1) {
    throw new OrderingError(
      'ordering_stream_behind',
      `stream ${streamName} ends at seq ${lastSeq}, but this peer already read up to ${fromSeq - 1}: ` +
        'the stream lost acknowledged history or was recreated',
      { details: { stream: streamName } },
    );
  }
  if (messages > 0 && firstSeq > fromSeq) {
    throw new OrderingError(
      'ordering_stream_behind',
      `stream ${streamName} starts at seq ${firstSeq}; messages from ${fromSeq} are gone`,
      { details: { stream: streamName } },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Block feed

export interface FeedProgress {
  /** Sequence of the last message read. */
  readonly readSeq: number;
  readonly pending: PendingBlock | undefined;
  /** The stream held nothing after the last message read when it was delivered. */
  readonly caughtUp: boolean;
}

export interface BlockFeedOptions {
  readonly js: JetStreamClient;
  readonly chainId: string;
  /**
   * Where to start: the position after the last block this peer stored (`{ height: h + 1, lastSeq, prevTimeMs }`
   * of block h), or `{ height: 1n, lastSeq: 0, prevTimeMs: genesis time }` for a new chain. The feed reads from
   * `lastSeq + 1`.
   */
  readonly position: CutterPosition;
  /** Consensus parameter, the same on every peer. */
  readonly blockTxsMax: number;
  /** Called after each message read, e.g. with `CutDriver.update`. */
  readonly onProgress?: ((progress: FeedProgress) => void) | undefined;
}

/**
 * Blocks cut from the transaction stream, in height order. Iterate once; `stop()` (or leaving the loop) ends the
 * pull and deletes the consumer. Buffers at most one pull (`FEED_FETCH_MESSAGES_MAX` messages) and one pending block.
 */
export class BlockFeed implements AsyncIterable<CutBlock> {
  private readonly reader: OrderedStreamReader;
  private readonly cutter: BlockCutter;
  private readonly names: OrderingNames;
  private readonly onProgress: ((progress: FeedProgress) => void) | undefined;

  constructor(options: BlockFeedOptions) {
    this.names = orderingNames(options.chainId);
    this.cutter = new BlockCutter({ blockTxsMax: options.blockTxsMax }, options.position);
    this.reader = new OrderedStreamReader(options.js, this.names.txsStream, options.position.lastSeq + 1);
    this.onProgress = options.onProgress;
  }

  /** The position after the last block yielded: persist it with the block to resume there. */
  position(): CutterPosition {
    return this.cutter.position();
  }

  pending(): PendingBlock | undefined {
    return this.cutter.pending();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CutBlock, void, undefined> {
    for await (const record of this.reader.records()) {
      const block = this.cutter.push({
        seq: record.seq,
        timeMs: record.timeMs,
        kind: this.kind(record),
        data: record.data,
      });
      this.onProgress?.({ readSeq: record.seq, pending: this.cutter.pending(), caughtUp: record.caughtUp });
      if (block !== undefined) yield block;
    }
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }

  private kind(record: StreamRecord): OrderingMessageKind {
    if (record.subject === this.names.txSubject) return 'tx';
    if (record.subject === this.names.cutSubject) return 'cut';
    throw new OrderingError(
      'ordering_stream_mismatch',
      `${this.names.txsStream} seq ${record.seq} has subject ${record.subject}`,
      { details: { stream: this.names.txsStream } },
    );
  }
}

/** Checks the stream against the position (refusing a stream that lost what this peer already read), then opens. */
export async function openBlockFeed(options: BlockFeedOptions): Promise<BlockFeed> {
  const names = orderingNames(options.chainId);
  if (!Number.isSafeInteger(options.blockTxsMax) || options.blockTxsMax < 1 || options.blockTxsMax > BLOCK_TXS_MAX) {
    throw new OrderingError('ordering_invalid_argument', `blockTxsMax: 1..${BLOCK_TXS_MAX}`, {});
  }
  const { height, lastSeq, prevTimeMs } = options.position;
  if (height < 1n || !Number.isSafeInteger(lastSeq) || lastSeq < 0 || prevTimeMs < 0n) {
    throw new OrderingError('ordering_invalid_argument', 'position: height ≥ 1, lastSeq ≥ 0, prevTimeMs ≥ 0', {});
  }
  await checkStreamPosition(options.js, names.txsStream, lastSeq + 1);
  return new BlockFeed(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Signature feed

export type SignatureEntry =
  | { readonly seq: number; readonly timeMs: bigint; readonly ok: true; readonly value: PeerSignature }
  | { readonly seq: number; readonly timeMs: bigint; readonly ok: false; readonly error: string };

export interface SignatureFeedOptions {
  readonly js: JetStreamClient;
  readonly chainId: string;
  /** Stream sequence to start at (default 1); a peer that remembers where it stopped reads only what is new. */
  readonly fromSeq?: number | undefined;
  /**
   * Skip well-formed signatures below this height. A filter, not a seek: signatures arrive roughly but not strictly
   * in height order (a lagging peer signs old heights late), so the stream is still read from `fromSeq`.
   */
  readonly fromHeight?: bigint | undefined;
}

/**
 * Peer signatures in stream order, for certificates and catch-up. Malformed messages are yielded as
 * `{ ok: false, error }` (for the caller to report), never dropped silently; a well-formed one still needs its
 * signature verified against the validator set.
 */
export class SignatureFeed implements AsyncIterable<SignatureEntry> {
  private readonly reader: OrderedStreamReader;
  private readonly names: OrderingNames;
  private readonly fromHeight: bigint;

  constructor(options: SignatureFeedOptions) {
    this.names = orderingNames(options.chainId);
    this.reader = new OrderedStreamReader(options.js, this.names.sigsStream, options.fromSeq ?? 1);
    this.fromHeight = options.fromHeight ?? 0n;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<SignatureEntry, void, undefined> {
    for await (const record of this.reader.records()) {
      const { seq, timeMs } = record;
      if (record.subject !== this.names.sigSubject) {
        yield { seq, timeMs, ok: false, error: `subject ${record.subject} is not ${this.names.sigSubject}` };
        continue;
      }
      const decoded = decodePeerSignature(record.data);
      if (!decoded.ok) yield { seq, timeMs, ok: false, error: decoded.error };
      else if (decoded.value.height >= this.fromHeight) yield { seq, timeMs, ok: true, value: decoded.value };
    }
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }
}

export async function openSignatureFeed(options: SignatureFeedOptions): Promise<SignatureFeed> {
  const names = orderingNames(options.chainId);
  const fromSeq = options.fromSeq ?? 1;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
    throw new OrderingError('ordering_invalid_argument', `fromSeq: a positive integer, got ${fromSeq}`, {});
  }
  await checkStreamPosition(options.js, names.sigsStream, fromSeq);
  return new SignatureFeed(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Cut driver

export interface CutDriverTimer {
  cancel(): void;
}

/** Time for the cut driver: injected so tests advance it by hand. */
export interface CutDriverClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): CutDriverTimer;
}

export const systemCutDriverClock: CutDriverClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface CutDriverOptions {
  /** The time limit of a block: how long a transaction may wait for a block that is not full. */
  readonly blockIntervalMs: number;
  /** Publishes the marker, e.g. `(marker) => publishCut(js, chainId, marker)`. */
  readonly publish: (marker: CutMarker) => Promise<unknown>;
  /** A failed publish; the driver asks again after another interval. */
  readonly onError: (error: unknown) => void;
  readonly clock?: CutDriverClock | undefined;
}

/**
 * Turns the feed's "a block has been pending since t" into a cut marker once `blockIntervalMs` has passed, measured
 * on this peer's clock from when it first saw the pending block. Only a caught-up feed arms the timer (a peer
 * replaying history would ask for cuts the stream already holds). Every peer may ask; the markers share one message
 * id, so the stream keeps one. If the block is still pending one interval after a marker was published (a marker
 * lost with a failed-over leader, say), it asks again: idempotent inside the duplicate window.
 */
export class CutDriver {
  private readonly blockIntervalMs: number;
  private readonly publish: (marker: CutMarker) => Promise<unknown>;
  private readonly onError: (error: unknown) => void;
  private readonly clock: CutDriverClock;
  private marker: CutMarker | undefined;
  private sinceMs = 0;
  private timer: CutDriverTimer | undefined;
  private inFlight = false;
  private stopped = false;
  private publishedValue = 0;

  constructor(options: CutDriverOptions) {
    assert(Number.isFinite(options.blockIntervalMs) && options.blockIntervalMs > 0, 'blockIntervalMs is positive');
    this.blockIntervalMs = options.blockIntervalMs;
    this.publish = options.publish;
    this.onError = options.onError;
    this.clock = options.clock ?? systemCutDriverClock;
  }

  /** Markers published successfully. */
  get published(): number {
    return this.publishedValue;
  }

  /** Feed it every `FeedProgress` (it fits `BlockFeedOptions.onProgress`). */
  update(progress: Pick<FeedProgress, 'pending' | 'caughtUp'>): void {
    if (this.stopped) return;
    const pending = progress.pending;
    if (pending === undefined) {
      this.marker = undefined;
      this.cancelTimer();
      return;
    }
    if (this.marker?.height !== pending.height || this.marker.firstSeq !== pending.firstSeq) {
      this.cancelTimer();
      this.marker = { height: pending.height, firstSeq: pending.firstSeq };
      this.sinceMs = this.clock.now();
    }
    if (!progress.caughtUp) {
      this.cancelTimer();
      return;
    }
    if (this.timer === undefined && !this.inFlight) {
      this.arm(this.sinceMs + this.blockIntervalMs - this.clock.now());
    }
  }

  stop(): void {
    this.stopped = true;
    this.marker = undefined;
    this.cancelTimer();
  }

  private arm(delayMs: number): void {
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, delayMs));
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    const marker = this.marker;
    if (this.stopped || marker === undefined) return;
    this.inFlight = true;
    this.publish(marker)
      .then(
        () => {
          this.publishedValue++;
        },
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.stopped || this.marker !== marker || this.timer !== undefined) return;
        this.arm(this.blockIntervalMs);
      });
  }
}
