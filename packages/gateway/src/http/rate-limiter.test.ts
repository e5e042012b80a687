// Goal: the fixed-window limiter counts per key, refuses at the limit with the time left, starts a new window when
// the old one ends, and never tracks more than keysMax keys; the request hash ignores key order and spacing but not
// values. Method: tables over a fake clock (plain numbers).
import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from './rate-limiter.ts';
import { canonicalJson, requestHash } from './request-hash.ts';

describe('FixedWindowLimiter', () => {
  it('refuses at the limit with the time left, and opens a new window after it', () => {
    const limiter = new FixedWindowLimiter({ hitsMax: 2, windowMs: 1_000, keysMax: 10 });
    expect(limiter.hit('a', 0)).toEqual({ ok: true });
    expect(limiter.hit('a', 100)).toEqual({ ok: true });
    expect(limiter.hit('a', 400)).toEqual({ ok: false, retryAfterMs: 600 });
    expect(limiter.check('a', 999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(limiter.hit('b', 400)).toEqual({ ok: true });
    expect(limiter.hit('a', 1_000)).toEqual({ ok: true });
    limiter.reset('a');
    expect(limiter.check('a', 1_001)).toEqual({ ok: true });
  });

  it('keeps at most keysMax keys, dropping expired windows first, then the oldest', () => {
    const limiter = new FixedWindowLimiter({ hitsMax: 1, windowMs: 1_000, keysMax: 3 });
    for (const key of ['a', 'b', 'c']) limiter.hit(key, 0);
    limiter.hit('d', 10);
    expect(limiter.size).toBe(3);
    expect(limiter.check('a', 10)).toEqual({ ok: true });
    expect(limiter.check('b', 10).ok).toBe(false);
    limiter.hit('e', 2_000);
    expect(limiter.size).toBeLessThanOrEqual(3);
    for (let i = 0; i < 1_000; i++) limiter.hit(`k${i}`, 3_000);
    expect(limiter.size).toBe(3);
  });
});

describe('request hash', () => {
  const secret = new Uint8Array(32).fill(7);
  it.each([
    [{ b: 1, a: [1, { d: null, c: 'x' }] }, '{"a":[1,{"c":"x","d":null}],"b":1}'],
    [[], '[]'],
    ['é', '"é"'],
  ])('canonicalJson(%j) = %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('binds method, path and body, not key order', () => {
    const hash = requestHash(secret, 'POST', '/v1/users', { phone: '+861', password: 'p' });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash(secret, 'post', '/v1/users', { password: 'p', phone: '+861' })).toBe(hash);
    expect(requestHash(secret, 'POST', '/v1/users', { phone: '+861', password: 'q' })).not.toBe(hash);
    expect(requestHash(secret, 'POST', '/v1/other', { phone: '+861', password: 'p' })).not.toBe(hash);
    expect(requestHash(new Uint8Array(32), 'POST', '/v1/users', { phone: '+861', password: 'p' })).not.toBe(hash);
  });
});
