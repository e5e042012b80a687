// Goal: a webhook signed by the gateway verifies at the receiver, and every way of getting it wrong is refused with
// the right reason, in precedence order; the replay cache stays bounded and forgets only what the timestamp check
// already refuses. Method: tables of headers and bodies against a fixed secret and a fixed clock; the HMAC is checked
// once against node:crypto computed independently of the module.
import { createHmac } from 'node:crypto';
import { AssertionError } from '@paychain/core';
import { describe, expect, it } from 'vitest';
import {
  decodeWebhookSecret,
  encodeWebhookSecret,
  newWebhookSecret,
  parseSignatureHeader,
  ReplayCache,
  signWebhook,
  VERIFY_WEBHOOK_FAILURES,
  type VerifyWebhookFailure,
  verifyWebhook,
  WEBHOOK_SECRET_BYTES,
  WEBHOOK_SECRET_TEXT_CHARS,
  WEBHOOK_SIGNATURES_MAX,
  WEBHOOK_TOLERANCE_MS_DEFAULT,
} from './webhook-signature.ts';

/** Fixed clock: 2025-06-15T15:06:40Z. */
const T0 = 1_750_000_000_000;
const SECRET = new Uint8Array(WEBHOOK_SECRET_BYTES).map((_, i) => i + 1);
const OTHER_SECRET = new Uint8Array(WEBHOOK_SECRET_BYTES).fill(9);
const BODY = '{"id":"0123456789abcdef0123456789abcdef","type":"payment.final","data":{"amount":"12.34"}}';

function hmacHex(secret: Uint8Array, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function v1Of(header: string): string {
  const parsed = parseSignatureHeader(header);
  expect(parsed).not.toBeNull();
  return parsed?.signatures[0] ?? '';
}

describe('signWebhook', () => {
  it('signs "t.body" with HMAC-SHA256 of the raw secret, t in whole seconds', () => {
    const header = signWebhook(SECRET, BODY, T0 + 999);
    expect(header).toBe(`t=${T0 / 1000},v1=${hmacHex(SECRET, `${T0 / 1000}.${BODY}`)}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('signs the exact text: another spelling of the same JSON is another signature', () => {
    expect(v1Of(signWebhook(SECRET, '{"a":1}', T0))).not.toBe(v1Of(signWebhook(SECRET, '{ "a": 1 }', T0)));
  });
});

describe('verifyWebhook', () => {
  const good = signWebhook(SECRET, BODY, T0);
  const goodV1 = v1Of(good);
  const t = T0 / 1000;

  it('accepts what signWebhook made, within the tolerance on either side', () => {
    for (const nowMs of [T0, T0 + WEBHOOK_TOLERANCE_MS_DEFAULT, T0 - WEBHOOK_TOLERANCE_MS_DEFAULT]) {
      expect(verifyWebhook({ secret: SECRET, body: BODY, header: good, nowMs })).toEqual({
        ok: true,
        timestampMs: T0,
        eventId: '0123456789abcdef0123456789abcdef',
      });
    }
  });

  it('accepts any matching v1 entry (rotation), spaces after commas, unknown schemes, a repeated header', () => {
    const oldV1 = v1Of(signWebhook(OTHER_SECRET, BODY, T0));
    const headers: (string | string[])[] = [
      `t=${t},v1=${oldV1},v1=${goodV1}`,
      `t=${t},v1=${goodV1},v1=${oldV1}`,
      `v1=${goodV1}, t=${t}`,
      `t=${t},v0=whatever,v1=${goodV1},v2=future`,
      [`t=${t}`, `v1=${goodV1}`],
    ];
    for (const header of headers) {
      expect(verifyWebhook({ secret: SECRET, body: BODY, header, nowMs: T0 }).ok).toBe(true);
    }
  });

  // Invalid cases in precedence order; each row is wrong in its own way and in the ones after it, if at all.
  const cases: [string, string | string[] | null | undefined, string, number, VerifyWebhookFailure][] = [
    ['missing header', undefined, BODY, T0, 'header_malformed'],
    ['null header', null, BODY, T0, 'header_malformed'],
    ['empty header', '', BODY, T0, 'header_malformed'],
    ['no v1', `t=${t}`, BODY, T0, 'header_malformed'],
    ['no t', `v1=${goodV1}`, BODY, T0, 'header_malformed'],
    ['two t', `t=${t},t=${t},v1=${goodV1}`, BODY, T0, 'header_malformed'],
    ['t not digits', `t=-1,v1=${goodV1}`, BODY, T0, 'header_malformed'],
    ['t with leading zero', `t=0${t},v1=${goodV1}`, BODY, T0, 'header_malformed'],
    ['t in ms (too many digits)', `t=${T0}0,v1=${goodV1}`, BODY, T0, 'header_malformed'],
    ['v1 uppercase', `t=${t},v1=${goodV1.toUpperCase()}`, BODY, T0, 'header_malformed'],
    ['v1 short', `t=${t},v1=${goodV1.slice(2)}`, BODY, T0, 'header_malformed'],
    ['part without =', `t=${t},v1=${goodV1},junk`, BODY, T0, 'header_malformed'],
    ['too many v1', `t=${t}${`,v1=${goodV1}`.repeat(WEBHOOK_SIGNATURES_MAX + 1)}`, BODY, T0, 'header_malformed'],
    ['too long', `t=${t},v1=${goodV1},x=${'a'.repeat(1024)}`, BODY, T0, 'header_malformed'],
    // Also a wrong body: the timestamp is checked first.
    ['too old', good, '{}', T0 + WEBHOOK_TOLERANCE_MS_DEFAULT + 1_000, 'timestamp_outside_tolerance'],
    ['too new', good, BODY, T0 - WEBHOOK_TOLERANCE_MS_DEFAULT - 1_000, 'timestamp_outside_tolerance'],
    ['altered body', good, BODY.replace('12.34', '99.99'), T0, 'signature_mismatch'],
    ['other secret', signWebhook(OTHER_SECRET, BODY, T0), BODY, T0, 'signature_mismatch'],
    ['timestamp changed', `t=${t + 1},v1=${goodV1}`, BODY, T0, 'signature_mismatch'],
  ];

  it.each(cases)('refuses %s', (_name, header, body, nowMs, reason) => {
    expect(verifyWebhook({ secret: SECRET, body, header, nowMs })).toEqual({ ok: false, reason });
  });

  it('lists the reasons in the precedence order the table follows', () => {
    const order = cases.map((row) => VERIFY_WEBHOOK_FAILURES.indexOf(row[4]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('honours a custom tolerance', () => {
    const request = { secret: SECRET, body: BODY, header: good, nowMs: T0 + 2_000 };
    expect(verifyWebhook({ ...request, toleranceMs: 1_000 })).toEqual({
      ok: false,
      reason: 'timestamp_outside_tolerance',
    });
    expect(verifyWebhook({ ...request, toleranceMs: 2_000 }).ok).toBe(true);
  });

  it('refuses an event id seen before, remembers only authentic events, and accepts again after delete', () => {
    const seen = new ReplayCache();
    const forged = verifyWebhook({
      secret: SECRET,
      body: BODY,
      header: `t=${t},v1=${'0'.repeat(64)}`,
      nowMs: T0,
      seen,
    });
    expect(forged).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(seen.size).toBe(0);

    expect(verifyWebhook({ secret: SECRET, body: BODY, header: good, nowMs: T0, seen }).ok).toBe(true);
    // The same event re-signed later (a retry, or a replay): refused by id.
    const resigned = signWebhook(SECRET, BODY, T0 + 60_000);
    const again = { secret: SECRET, body: BODY, header: resigned, nowMs: T0 + 60_000, seen };
    expect(verifyWebhook(again)).toEqual({ ok: false, reason: 'replayed' });
    expect(seen.delete('0123456789abcdef0123456789abcdef')).toBe(true);
    expect(verifyWebhook(again).ok).toBe(true);
  });

  it('answers eventId null for a body without a string id, and then checks no replay', () => {
    const seen = new ReplayCache();
    for (const body of ['{"id":7}', '[1,2]', 'not json', '{"type":"x"}']) {
      const header = signWebhook(SECRET, body, T0);
      expect(verifyWebhook({ secret: SECRET, body, header, nowMs: T0, seen })).toEqual({
        ok: true,
        timestampMs: T0,
        eventId: null,
      });
    }
    expect(seen.size).toBe(0);
  });

  it('refuses (as a bug) a replay cache that forgets ids sooner than timestamps are accepted', () => {
    const seen = new ReplayCache({ toleranceMs: 1_000 });
    expect(() => verifyWebhook({ secret: SECRET, body: BODY, header: good, nowMs: T0, seen })).toThrow(AssertionError);
  });
});

describe('ReplayCache', () => {
  it('forgets an id toleranceMs after its timestamp, not before', () => {
    const cache = new ReplayCache({ toleranceMs: 1_000 });
    cache.add('a', T0, T0);
    expect(cache.has('a', T0 + 1_000)).toBe(true);
    expect(cache.has('a', T0 + 1_001)).toBe(false);
    // Expired ids are dropped on the next add.
    cache.add('b', T0 + 2_000, T0 + 2_000);
    expect(cache.size).toBe(1);
  });

  it('holds at most entriesMax ids, forgetting the oldest first', () => {
    const cache = new ReplayCache({ entriesMax: 3 });
    for (const id of ['a', 'b', 'c', 'd']) cache.add(id, T0, T0);
    expect(cache.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => cache.has(id, T0))).toEqual([false, true, true, true]);
    // Adding an id again refreshes it rather than taking a second place.
    cache.add('b', T0 + 10, T0 + 10);
    cache.add('e', T0 + 10, T0 + 10);
    expect(['b', 'c', 'd', 'e'].map((id) => cache.has(id, T0 + 10))).toEqual([true, false, true, true]);
    expect(cache.size).toBe(3);
  });

  it('stays bounded under many ids', () => {
    const cache = new ReplayCache({ entriesMax: 100 });
    for (let i = 0; i < 10_000; i++) cache.add(`id-${i}`, T0 + i, T0 + i);
    expect(cache.size).toBe(100);
  });
});

describe('webhook secrets', () => {
  it('are 32 random bytes whose base64url text round-trips', () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a.length).toBe(WEBHOOK_SECRET_BYTES);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const text = encodeWebhookSecret(a);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(text.length).toBe(WEBHOOK_SECRET_TEXT_CHARS);
    expect(decodeWebhookSecret(text)).toEqual(a);
  });

  it.each([
    ['empty', ''],
    ['padded', `${encodeWebhookSecret(SECRET)}=`],
    ['standard base64 alphabet', `+${encodeWebhookSecret(SECRET).slice(1)}`],
    ['short', encodeWebhookSecret(SECRET).slice(1)],
    // The same bytes with other unused trailing bits: not the canonical text.
    ['non-canonical last char', `${'A'.repeat(42)}B`],
  ])('refuses a text form that is %s', (_name, text) => {
    expect(decodeWebhookSecret(text)).toBeNull();
  });
});
