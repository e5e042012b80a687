/**
 * The live feed: Server-Sent Events of what happens to a merchant (`GET /v1/merchants/{id}/events`, the console's
 * live list of payments; docs/gateway-api.md). Two parts:
 *
 * - `LiveFeed`, an in-memory hub: `publish` gives each event an id (one counter for the hub, so ids increase within
 *   every channel and never repeat in a process), keeps the last `eventsPerChannelMax` per channel for clients that
 *   reconnect, and hands it to the channel's subscribers. Bounded everywhere: channels (least recently used evicted
 *   first), events per channel, subscribers per channel and in all, and event size.
 * - `registerLiveFeedRoute`, the SSE route: authorizes (an error propagates to the app's error handler, nothing is
 *   written first), then replays the buffered events after `Last-Event-ID` (or `?lastEventId=`, for clients that
 *   cannot set headers), then streams live ones, with heartbeat comments so proxies keep the connection open. A
 *   client that stops reading is dropped once its unsent data passes `bufferedBytesMax`, instead of the server
 *   buffering for it without limit; the browser's EventSource reconnects and resumes with Last-Event-ID.
 *
 * The feed is a convenience for screens, not a record: events older than the buffer, or from before a restart, are
 * gone (the console reloads the list through the REST API); webhooks are the reliable channel.
 */
import type { ServerResponse } from 'node:http';
import { assert } from '@paychain/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayApiError } from './api-errors.ts';

export const LIVE_FEED_EVENTS_PER_CHANNEL_DEFAULT = 200;
export const LIVE_FEED_CHANNELS_MAX_DEFAULT = 10_000;
/** Open streams per channel (a merchant's console tabs) and in all. */
export const LIVE_FEED_SUBSCRIBERS_PER_CHANNEL_MAX_DEFAULT = 32;
export const LIVE_FEED_SUBSCRIBERS_MAX_DEFAULT = 10_000;
/** An event's JSON data at most; a payment event is well under 1 KiB. */
export const LIVE_FEED_EVENT_DATA_CHARS_MAX = 64 * 1024;
export const LIVE_FEED_CHANNEL_CHARS_MAX = 128;
export const LIVE_FEED_HEARTBEAT_MS_DEFAULT = 15_000;
/** Unsent bytes a stream may hold before its client counts as stalled and is dropped. */
export const LIVE_FEED_BUFFERED_BYTES_MAX_DEFAULT = 1024 * 1024;
/** The reconnection delay suggested to EventSource (`retry:`). */
export const LIVE_FEED_RETRY_MS = 3_000;

const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
/** Event ids are safe integers: up to 15 digits, no sign or leading zero. */
const EVENT_ID_PATTERN = /^(0|[1-9][0-9]{0,14})$/;

assert(
  LIVE_FEED_EVENT_DATA_CHARS_MAX * 4 <= LIVE_FEED_BUFFERED_BYTES_MAX_DEFAULT,
  'a stalled stream holds a few events',
);

export interface LiveFeedEvent {
  /** Increasing within a channel (and across the hub). */
  readonly id: number;
  readonly type: string;
  readonly data: unknown;
  /** The SSE frame (`id:`, `event:`, `data:` lines), made once at publish for every subscriber. */
  readonly frame: string;
}

export interface LiveFeedOptions {
  readonly eventsPerChannelMax?: number;
  readonly channelsMax?: number;
  readonly subscribersPerChannelMax?: number;
  readonly subscribersMax?: number;
}

export interface LiveFeedSubscriber {
  /** Called synchronously by `publish`, in id order. */
  readonly onEvent: (event: LiveFeedEvent) => void;
  /** The hub dropped the subscription (its channel was evicted): the stream should end so the client reconnects. */
  readonly onEvicted: () => void;
}

export type LiveFeedSubscription =
  | {
      readonly ok: true;
      /** Buffered events after the given id, oldest first, to send before any live one. */
      readonly missed: readonly LiveFeedEvent[];
      readonly unsubscribe: () => void;
    }
  | { readonly ok: false; readonly reason: 'channel_full' | 'feed_full' };

interface Channel {
  /** Oldest first, at most eventsPerChannelMax. */
  readonly events: LiveFeedEvent[];
  readonly subscribers: Set<LiveFeedSubscriber>;
}

export class LiveFeed {
  readonly eventsPerChannelMax: number;
  readonly channelsMax: number;
  readonly subscribersPerChannelMax: number;
  readonly subscribersMax: number;
  /** In least-recently-used-first order: a publish or a subscribe moves a channel to the end. */
  readonly #channels = new Map<string, Channel>();
  #lastId = 0;
  #subscriberCount = 0;

  constructor(options: LiveFeedOptions = {}) {
    this.eventsPerChannelMax = options.eventsPerChannelMax ?? LIVE_FEED_EVENTS_PER_CHANNEL_DEFAULT;
    this.channelsMax = options.channelsMax ?? LIVE_FEED_CHANNELS_MAX_DEFAULT;
    this.subscribersPerChannelMax = options.subscribersPerChannelMax ?? LIVE_FEED_SUBSCRIBERS_PER_CHANNEL_MAX_DEFAULT;
    this.subscribersMax = options.subscribersMax ?? LIVE_FEED_SUBSCRIBERS_MAX_DEFAULT;
    for (const [name, value] of [
      ['eventsPerChannelMax', this.eventsPerChannelMax],
      ['channelsMax', this.channelsMax],
      ['subscribersPerChannelMax', this.subscribersPerChannelMax],
      ['subscribersMax', this.subscribersMax],
    ] as const) {
      assert(Number.isSafeInteger(value) && value >= 1, `${name} must be a positive integer`);
    }
  }

  /** The id of the last event published (0 before the first). */
  get lastId(): number {
    return this.#lastId;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  /** Subscribers of one channel, or of all. */
  subscriberCount(channel?: string): number {
    if (channel === undefined) return this.#subscriberCount;
    return this.#channels.get(channel)?.subscribers.size ?? 0;
  }

  /** Buffers the event and hands it to the channel's subscribers. data must be JSON-serializable (no bigint). */
  publish(channel: string, event: { readonly type: string; readonly data: unknown }): LiveFeedEvent {
    assertChannel(channel);
    assert(EVENT_TYPE_PATTERN.test(event.type), 'an event type is 1..64 of [A-Za-z0-9_.:-], starting with a letter');
    // Serialized before any change, so data that does not serialize (a bigint, a cycle) changes nothing.
    const json = JSON.stringify(event.data);
    assert(typeof json === 'string', 'event data must be JSON-serializable');
    assert(json.length <= LIVE_FEED_EVENT_DATA_CHARS_MAX, 'event data must be at most LIVE_FEED_EVENT_DATA_CHARS_MAX');
    // JSON.stringify escapes CR and LF inside strings, so the data is one SSE line.
    assert(!/[\r\n]/.test(json), 'serialized data is one line');

    const id = this.#lastId + 1;
    assert(Number.isSafeInteger(id), 'event ids stay safe integers');
    this.#lastId = id;
    const published: LiveFeedEvent = {
      id,
      type: event.type,
      data: event.data,
      frame: `id: ${id}\nevent: ${event.type}\ndata: ${json}\n\n`,
    };
    const state = this.#touch(channel);
    state.events.push(published);
    if (state.events.length > this.eventsPerChannelMax) state.events.shift();
    assert(state.events.length <= this.eventsPerChannelMax, 'a channel buffers at most eventsPerChannelMax');
    // A copy: a subscriber may unsubscribe (a stalled stream is dropped) while we iterate.
    for (const subscriber of [...state.subscribers]) subscriber.onEvent(published);
    return published;
  }

  /**
   * The buffered events after lastEventId, oldest first. Null lastEventId: none. An id above the last one published
   * comes from before a restart of the process: every buffered event is newer than what that client saw.
   */
  eventsAfter(channel: string, lastEventId: number | null): LiveFeedEvent[] {
    const state = this.#channels.get(channel);
    if (state === undefined || lastEventId === null) return [];
    if (lastEventId > this.#lastId) return [...state.events];
    return state.events.filter((event) => event.id > lastEventId);
  }

  /**
   * Subscribes to the channel's live events and answers the buffered ones after lastEventId, in one step, so none
   * is missed or sent twice between the two.
   */
  subscribe(channel: string, lastEventId: number | null, subscriber: LiveFeedSubscriber): LiveFeedSubscription {
    assertChannel(channel);
    if (this.#subscriberCount >= this.subscribersMax) return { ok: false, reason: 'feed_full' };
    if (this.subscriberCount(channel) >= this.subscribersPerChannelMax) return { ok: false, reason: 'channel_full' };
    const state = this.#touch(channel);
    const missed = this.eventsAfter(channel, lastEventId);
    // An entry of its own, so the same callbacks subscribed twice are two subscriptions.
    const entry: LiveFeedSubscriber = { onEvent: subscriber.onEvent, onEvicted: subscriber.onEvicted };
    state.subscribers.add(entry);
    this.#subscriberCount++;
    let subscribed = true;
    const unsubscribe = (): void => {
      if (!subscribed) return;
      subscribed = false;
      // The channel may have been evicted already (its subscribers were counted out then).
      if (state.subscribers.delete(entry)) this.#subscriberCount--;
      assert(this.#subscriberCount >= 0, 'the subscriber count never goes negative');
    };
    return { ok: true, missed, unsubscribe };
  }

  /** The channel's state, created if needed, moved to the most recently used end; evicts one when over channelsMax. */
  #touch(channel: string): Channel {
    let state = this.#channels.get(channel);
    if (state === undefined) {
      state = { events: [], subscribers: new Set() };
      if (this.#channels.size >= this.channelsMax) this.#evictOne();
    } else {
      this.#channels.delete(channel);
    }
    this.#channels.set(channel, state);
    assert(this.#channels.size <= this.channelsMax, 'the hub holds at most channelsMax channels');
    return state;
  }

  /** Evicts the least recently used channel without subscribers, else the least recently used one. */
  #evictOne(): void {
    let victim: string | null = null;
    // Bounded by channelsMax.
    for (const [name, state] of this.#channels) {
      victim ??= name;
      if (state.subscribers.size === 0) {
        victim = name;
        break;
      }
    }
    if (victim === null) return;
    const state = this.#channels.get(victim);
    this.#channels.delete(victim);
    if (state === undefined) return;
    const subscribers = [...state.subscribers];
    state.subscribers.clear();
    this.#subscriberCount -= subscribers.length;
    for (const subscriber of subscribers) subscriber.onEvicted();
  }
}

export interface LiveFeedRouteOptions {
  /** e.g. '/v1/merchants/:id/events'. */
  readonly path: string;
  readonly feed: LiveFeed;
  /** Answers the request's channel, or throws (the app's error handler answers; e.g. 401 or 404). */
  readonly authorize: (request: FastifyRequest) => Promise<string>;
  readonly heartbeatMs?: number;
  readonly bufferedBytesMax?: number;
}

/** Registers the SSE route on scope; open streams end when the app closes. */
export function registerLiveFeedRoute(scope: FastifyInstance, options: LiveFeedRouteOptions): void {
  const heartbeatMs = options.heartbeatMs ?? LIVE_FEED_HEARTBEAT_MS_DEFAULT;
  const bufferedBytesMax = options.bufferedBytesMax ?? LIVE_FEED_BUFFERED_BYTES_MAX_DEFAULT;
  assert(Number.isSafeInteger(heartbeatMs) && heartbeatMs >= 1, 'heartbeatMs must be a positive integer');
  assert(Number.isSafeInteger(bufferedBytesMax) && bufferedBytesMax >= 1, 'bufferedBytesMax must be positive');
  const feed = options.feed;
  /** Ends every open stream: `app.close()` waits for open connections, and a stream never ends by itself. */
  const open = new Set<(drop?: boolean) => void>();
  scope.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  // No HEAD twin: a HEAD request would open a stream with no body to send.
  scope.route({
    method: 'GET',
    url: options.path,
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const channel = await options.authorize(request);
      const lastEventId = lastEventIdOf(request);
      const raw: ServerResponse = reply.raw;
      let ended = false;
      let heartbeat: NodeJS.Timeout | null = null;
      let unsubscribe = (): void => {};
      /** Ends the stream once: flushed and closed, or (drop) the connection cut with its unsent data. */
      const end = (drop = false): void => {
        if (ended) return;
        ended = true;
        open.delete(end);
        unsubscribe();
        if (heartbeat !== null) clearInterval(heartbeat);
        if (raw.destroyed) return;
        if (drop) raw.destroy();
        else raw.end();
      };
      /** Unsent bytes this stream may hold: the bound, plus the replay (sent at once, bounded by the buffer). */
      let unsentBytesMax = bufferedBytesMax;
      /** Writes text; a client whose unsent data passes the bound is dropped rather than buffered for. */
      const send = (text: string): void => {
        if (ended) return;
        if (!raw.write(text) && raw.writableLength > unsentBytesMax) end(true);
      };

      // The client may have left while authorize ran ('close' fired already): subscribe nothing. From here on the
      // handler runs to its end without waiting, so 'close' cannot come between this check and its listener.
      if (raw.destroyed) {
        reply.hijack();
        return;
      }
      const subscription = feed.subscribe(channel, lastEventId, {
        onEvent: (event) => send(event.frame),
        onEvicted: () => end(),
      });
      if (!subscription.ok) {
        // Nothing written yet: the app's error handler answers.
        throw new GatewayApiError('rate_limited', 'too many live feeds are open; try again later', {
          reason: subscription.reason,
        });
      }
      unsubscribe = subscription.unsubscribe;
      open.add(end);
      reply.hijack();
      raw.on('close', () => end());
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Tells nginx-like proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      // A long replay must not get a client that just reconnected dropped again at once.
      for (const event of subscription.missed) unsentBytesMax += Buffer.byteLength(event.frame);
      send(`retry: ${LIVE_FEED_RETRY_MS}\n\n`);
      for (const event of subscription.missed) send(event.frame);
      heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
    },
  });
}

/** The Last-Event-ID header, else `?lastEventId=`; null when absent or not an id this feed makes (then no replay). */
function lastEventIdOf(request: FastifyRequest): number | null {
  const header = request.headers['last-event-id'];
  const query = request.query;
  const fromQuery =
    typeof query === 'object' && query !== null && 'lastEventId' in query ? query.lastEventId : undefined;
  const text = typeof header === 'string' ? header.trim() : typeof fromQuery === 'string' ? fromQuery : null;
  return text !== null && EVENT_ID_PATTERN.test(text) ? Number(text) : null;
}

function assertChannel(channel: string): void {
  assert(channel.length >= 1 && channel.length <= LIVE_FEED_CHANNEL_CHARS_MAX, 'a channel name is 1..128 chars');
}
