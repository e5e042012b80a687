// Goal: the live feed hands every event to its channel's subscribers in order and stays bounded (events, channels,
// subscribers), and its SSE route streams them — replaying exactly the missed ones on resume, refusing through the
// app's error handler when authorize throws, dropping a client that stops reading, and forgetting a client that
// leaves. Method: the hub tested directly with tables; the route on a real fastify app listening on 127.0.0.1:0,
// read by a real node:http client with a small SSE parser; waits poll observable state with a deadline, never sleep
// for a fixed time.
import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { AssertionError } from '@paychain/core';
import { type FastifyInstance, type FastifyRequest, fastify } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_API_ERROR_STATUS, GatewayApiError } from './api-errors.ts';
import { LIVE_FEED_RETRY_MS, LiveFeed, type LiveFeedEvent, registerLiveFeedRoute } from './live-feed.ts';

const PATH = '/v1/merchants/:id/events';
const TOKEN = 'Bearer merchant-owner';

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function noop(): void {}

function payment(n: number): { type: string; data: unknown } {
  return {
    type: 'payment',
    data: { txId: n.toString(16).padStart(32, '0'), amount: { amount: `${n}.00`, currency: 'CNY' } },
  };
}

describe('LiveFeed', () => {
  it('gives increasing ids, keeps the last eventsPerChannelMax per channel and replays those after an id', () => {
    const feed = new LiveFeed({ eventsPerChannelMax: 3 });
    const a = [1, 2, 3, 4, 5].map((n) => feed.publish('a', payment(n)));
    const b = feed.publish('b', payment(6));
    expect(a.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(b.id).toBe(6);
    expect(a[0]?.frame).toBe(`id: 1\nevent: payment\ndata: ${JSON.stringify(payment(1).data)}\n\n`);

    const idsAfter = (channel: string, lastEventId: number | null): number[] =>
      feed.eventsAfter(channel, lastEventId).map((e) => e.id);
    expect(idsAfter('a', null)).toEqual([]);
    expect(idsAfter('a', 0)).toEqual([3, 4, 5]);
    expect(idsAfter('a', 3)).toEqual([4, 5]);
    expect(idsAfter('a', 5)).toEqual([]);
    expect(idsAfter('a', 6)).toEqual([]);
    // An id this process never issued: the client saw a previous process, so everything buffered is new to it.
    expect(idsAfter('a', 1_000)).toEqual([3, 4, 5]);
    expect(idsAfter('b', 0)).toEqual([6]);
    expect(idsAfter('unknown', 0)).toEqual([]);
  });

  it('delivers live events to each subscriber of the channel, in order, and none after unsubscribe', () => {
    const feed = new LiveFeed();
    const seen: number[] = [];
    const other: number[] = [];
    feed.publish('a', payment(1));
    const subscription = feed.subscribe('a', 0, { onEvent: (e) => seen.push(e.id), onEvicted: noop });
    const otherSubscription = feed.subscribe('b', null, { onEvent: (e) => other.push(e.id), onEvicted: noop });
    if (!subscription.ok || !otherSubscription.ok) throw new Error('subscribed');
    expect(subscription.missed.map((e) => e.id)).toEqual([1]);
    feed.publish('a', payment(2));
    feed.publish('b', payment(3));
    feed.publish('a', payment(4));
    expect(seen).toEqual([2, 4]);
    expect(other).toEqual([3]);
    expect(feed.subscriberCount()).toBe(2);
    subscription.unsubscribe();
    subscription.unsubscribe(); // Twice is harmless.
    feed.publish('a', payment(5));
    expect(seen).toEqual([2, 4]);
    expect(feed.subscriberCount('a')).toBe(0);
    expect(feed.subscriberCount()).toBe(1);
  });

  it('keeps at most channelsMax channels, evicting the least recently used one without subscribers first', () => {
    const feed = new LiveFeed({ channelsMax: 2 });
    let evicted = 0;
    feed.publish('a', payment(1));
    const held = feed.subscribe('a', null, { onEvent: noop, onEvicted: () => evicted++ });
    feed.publish('b', payment(2));
    // 'a' is least recently used but has a subscriber: 'b' goes.
    feed.publish('c', payment(3));
    expect(feed.channelCount).toBe(2);
    expect(feed.eventsAfter('b', 0)).toEqual([]);
    expect(feed.eventsAfter('a', 0).map((e) => e.id)).toEqual([1]);
    expect(evicted).toBe(0);

    // Every channel has a subscriber: the least recently used goes, and its subscriber is told.
    feed.subscribe('c', null, { onEvent: noop, onEvicted: noop });
    feed.publish('d', payment(4));
    expect(evicted).toBe(1);
    expect(feed.channelCount).toBe(2);
    expect(feed.subscriberCount()).toBe(1);
    if (held.ok) held.unsubscribe();
    expect(feed.subscriberCount()).toBe(1);
  });

  it('refuses subscribers beyond the per-channel and total limits', () => {
    const feed = new LiveFeed({ subscribersPerChannelMax: 2, subscribersMax: 3 });
    const subscriber = { onEvent: noop, onEvicted: noop };
    const reasons = ['a', 'a', 'a', 'b', 'c'].map((channel) => {
      const subscription = feed.subscribe(channel, null, subscriber);
      return subscription.ok ? 'ok' : subscription.reason;
    });
    expect(reasons).toEqual(['ok', 'ok', 'channel_full', 'ok', 'feed_full']);
  });

  it.each([
    ['an empty channel', () => new LiveFeed().publish('', payment(1))],
    ['a type with a newline', () => new LiveFeed().publish('a', { type: 'pay\nment', data: 1 })],
    ['data that is not JSON (bigint)', () => new LiveFeed().publish('a', { type: 'payment', data: 1n })],
    ['data that serializes to nothing', () => new LiveFeed().publish('a', { type: 'payment', data: undefined })],
    ['data over the size limit', () => new LiveFeed().publish('a', { type: 'payment', data: 'x'.repeat(70_000) })],
  ])('refuses to publish %s', (_name, publish) => {
    expect(publish).toThrow();
  });

  it('changes nothing when a publish is refused', () => {
    const feed = new LiveFeed();
    expect(() => feed.publish('a', { type: 'payment', data: { amount: 1n } })).toThrow(TypeError);
    expect(() => feed.publish('a', { type: 'pay ment', data: 1 })).toThrow(AssertionError);
    expect(feed.lastId).toBe(0);
    expect(feed.channelCount).toBe(0);
  });
});

/** One message of an event stream. */
interface SseMessage {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: string;
}

/** A real HTTP client reading an event stream as it arrives (a minimal parser of the SSE format). */
class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  retryMs: number | null = null;
  ended = false;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly #request: ClientRequest;
  readonly #response: IncomingMessage;
  #pending = '';

  private constructor(req: ClientRequest, response: IncomingMessage) {
    this.#request = req;
    this.#response = response;
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.#feed(chunk));
    response.on('end', () => {
      this.ended = true;
    });
    response.on('close', () => {
      this.ended = true;
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers, agent: false }, (response) => resolve(new SseClient(req, response)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The whole body of a response that is not a stream (an error). */
  async text(): Promise<string> {
    await waitFor('the end of the response', () => this.ended);
    return this.#pending;
  }

  async waitForMessages(count: number): Promise<SseMessage[]> {
    await waitFor(`${count} messages`, () => this.messages.length >= count);
    return this.messages;
  }

  /** Stops reading: the socket's buffers fill up, as with a stalled client. */
  pause(): void {
    this.#response.pause();
  }

  resume(): void {
    this.#response.resume();
  }

  close(): void {
    this.#request.destroy();
  }

  #feed(chunk: string): void {
    this.#pending += chunk;
    if (this.headers['content-type']?.startsWith('text/event-stream') !== true) return;
    let boundary = this.#pending.indexOf('\n\n');
    while (boundary >= 0) {
      const block = this.#pending.slice(0, boundary);
      this.#pending = this.#pending.slice(boundary + 2);
      this.#parseBlock(block);
      boundary = this.#pending.indexOf('\n\n');
    }
  }

  #parseBlock(block: string): void {
    let id: string | null = null;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') this.retryMs = Number(value);
    }
    if (data.length > 0) this.messages.push({ id, event, data: data.join('\n') });
  }
}

describe('registerLiveFeedRoute', () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fastify app with the route, and an error handler that answers the authorize errors as 401. */
  async function startApp(
    feed: LiveFeed,
    options: {
      heartbeatMs?: number;
      bufferedBytesMax?: number;
      beforeAuthorize?: (request: FastifyRequest) => Promise<void>;
    } = {},
  ): Promise<{ app: FastifyInstance; base: string }> {
    const { beforeAuthorize, ...routeOptions } = options;
    const app = fastify();
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof GatewayApiError) {
        return reply.status(GATEWAY_API_ERROR_STATUS[error.code]).send({ error: { code: error.code } });
      }
      return reply.status(401).send({ error: { code: 'unauthenticated', message: String(error) } });
    });
    registerLiveFeedRoute(app, {
      path: PATH,
      feed,
      authorize: async (req) => {
        await beforeAuthorize?.(req);
        if (req.headers.authorization !== TOKEN) throw new Error('no session');
        const params = req.params;
        const id = typeof params === 'object' && params !== null && 'id' in params ? params.id : null;
        if (typeof id !== 'string') throw new Error('no merchant id');
        return `merchant:${id}`;
      },
      ...routeOptions,
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    return { app, base: address };
  }

  async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(url, { authorization: TOKEN, ...headers });
    cleanups.push(() => client.close());
    return client;
  }

  function ids(messages: readonly SseMessage[]): (string | null)[] {
    return messages.map((m) => m.id);
  }

  it('streams live events in order with the SSE headers, a retry hint and JSON data', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed);
    const client = await connect(`${base}/v1/merchants/m1/events`);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-store');
    await waitFor('the subscription', () => feed.subscriberCount('merchant:m1') === 1);

    const published: LiveFeedEvent[] = [];
    for (let n = 1; n <= 5; n++) {
      published.push(feed.publish('merchant:m1', payment(n)));
      feed.publish('merchant:m2', payment(100 + n)); // Another merchant's: never sent here.
    }
    const messages = await client.waitForMessages(5);
    expect(ids(messages)).toEqual(published.map((e) => String(e.id)));
    expect(messages.map((m) => m.event)).toEqual(Array(5).fill('payment'));
    expect(messages.map((m) => JSON.parse(m.data))).toEqual([1, 2, 3, 4, 5].map((n) => payment(n).data));
    expect(client.retryMs).toBe(LIVE_FEED_RETRY_MS);
  });

  it('resumes after Last-Event-ID (or ?lastEventId=) with exactly the missed events, then live ones', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed);
    const first = [1, 2, 3, 4, 5].map((n) => feed.publish('merchant:m1', payment(n)));
    feed.publish('merchant:m2', payment(99));
    const lastSeen = String(first[1]?.id);

    const viaHeader = await connect(`${base}/v1/merchants/m1/events`, { 'last-event-id': lastSeen });
    const viaQuery = await connect(`${base}/v1/merchants/m1/events?lastEventId=${lastSeen}`);
    const missed = first.slice(2).map((e) => String(e.id));
    expect(ids(await viaHeader.waitForMessages(3))).toEqual(missed);
    expect(ids(await viaQuery.waitForMessages(3))).toEqual(missed);

    const live = feed.publish('merchant:m1', payment(6));
    expect(ids(await viaHeader.waitForMessages(4))).toEqual([...missed, String(live.id)]);
    expect(ids(await viaQuery.waitForMessages(4))).toEqual([...missed, String(live.id)]);

    // Without an id (or with one that is not ours), only live events.
    const fresh = await connect(`${base}/v1/merchants/m1/events`, { 'last-event-id': 'garbage' });
    await waitFor('three subscribers', () => feed.subscriberCount('merchant:m1') === 3);
    const next = feed.publish('merchant:m1', payment(7));
    expect(ids(await fresh.waitForMessages(1))).toEqual([String(next.id)]);
  });

  it('answers through the app’s error handler when authorize throws, with no stream and no subscriber', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed);
    const client = await SseClient.open(`${base}/v1/merchants/m1/events`, { authorization: 'Bearer wrong' });
    cleanups.push(() => client.close());
    expect(client.status).toBe(401);
    expect(client.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(await client.text())).toEqual({
      error: { code: 'unauthenticated', message: 'Error: no session' },
    });
    expect(feed.subscriberCount()).toBe(0);
  });

  it('answers 429 through the error handler when the feed is full', async () => {
    const feed = new LiveFeed({ subscribersPerChannelMax: 1 });
    const { base } = await startApp(feed);
    await connect(`${base}/v1/merchants/m1/events`);
    await waitFor('the subscription', () => feed.subscriberCount('merchant:m1') === 1);
    const refused = await connect(`${base}/v1/merchants/m1/events`);
    expect(refused.status).toBe(429);
    expect(JSON.parse(await refused.text())).toEqual({ error: { code: 'rate_limited' } });
  });

  it('removes the subscriber when the client closes the connection', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed);
    const client = await connect(`${base}/v1/merchants/m1/events`);
    await waitFor('the subscription', () => feed.subscriberCount('merchant:m1') === 1);
    client.close();
    await waitFor('the subscriber to go', () => feed.subscriberCount() === 0);
    // Publishing afterwards writes to nobody and throws nothing.
    feed.publish('merchant:m1', payment(1));
  });

  it('subscribes nobody when the client leaves while authorize runs', async () => {
    const feed = new LiveFeed();
    let serverSawClose = false;
    let open = (): void => {};
    const beforeAuthorize = (req: FastifyRequest): Promise<void> => {
      req.raw.socket.once('close', () => {
        serverSawClose = true;
      });
      leaving.destroy();
      return new Promise<void>((resolve) => {
        open = resolve;
      });
    };
    const { base } = await startApp(feed, { beforeAuthorize });
    const leaving = request(`${base}/v1/merchants/m1/events`, { headers: { authorization: TOKEN }, agent: false });
    leaving.on('error', noop);
    leaving.end();
    await waitFor('the server to see the client go', () => serverSawClose);
    open();
    // The handler runs to its end without waiting on anything after authorize answers.
    await new Promise((resolve) => setImmediate(resolve));
    expect(feed.subscriberCount()).toBe(0);
    expect(feed.channelCount).toBe(0);
  });

  it('sends heartbeat comments while idle', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed, { heartbeatMs: 20 });
    const client = await connect(`${base}/v1/merchants/m1/events`);
    await waitFor('two heartbeats', () => client.comments.filter((c) => c === 'heartbeat').length >= 2);
    expect(client.messages).toEqual([]);
  });

  it('drops a client that stops reading once its unsent data passes the bound', async () => {
    const feed = new LiveFeed();
    const { base } = await startApp(feed, { bufferedBytesMax: 256 * 1024 });
    const client = await connect(`${base}/v1/merchants/m1/events`);
    await waitFor('the subscription', () => feed.subscriberCount('merchant:m1') === 1);
    client.pause();
    const big = { type: 'payment', data: 'x'.repeat(60_000) };
    // Loopback socket buffers hold a few MB: publish until the server gives up, with a bound on our side too.
    let published = 0;
    while (feed.subscriberCount() > 0 && published < 2_000) {
      feed.publish('merchant:m1', big);
      published++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(feed.subscriberCount()).toBe(0);
    expect(published).toBeLessThan(2_000);
    // Reading again, the client gets what was in flight, then finds the connection cut short.
    client.resume();
    await waitFor('the connection to be cut', () => client.ended);
    expect(client.messages.length).toBeLessThan(published);
  });

  it('ends open streams when the app closes', async () => {
    const feed = new LiveFeed();
    const { app, base } = await startApp(feed, { heartbeatMs: 60_000 });
    const client = await connect(`${base}/v1/merchants/m1/events`);
    await waitFor('the subscription', () => feed.subscriberCount('merchant:m1') === 1);
    await app.close();
    await waitFor('the stream to end', () => client.ended);
    expect(feed.subscriberCount()).toBe(0);
  });
});
