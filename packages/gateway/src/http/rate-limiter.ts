/**
 * Fixed-window counters for the gateway's rate limits (log-in attempts per client IP, failed log-ins per phone).
 * In memory, per process: with several gateway replicas each would count on its own, so a deployment with more than
 * one must keep these counters in the shared database or in Redis (same interface, one atomic increment per hit).
 * The map is bounded (`keysMax`): when full, expired windows are dropped first, then the oldest keys.
 */
import { assert } from '@paychain/core';

export interface FixedWindowLimit {
  /** Hits allowed per window. */
  readonly hitsMax: number;
  readonly windowMs: number;
  /** Keys tracked at most; beyond it the oldest are forgotten. */
  readonly keysMax: number;
}

export type RateCheck = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Window {
  readonly startMs: number;
  hits: number;
}

export class FixedWindowLimiter {
  readonly limit: FixedWindowLimit;
  private readonly windows = new Map<string, Window>();

  constructor(limit: FixedWindowLimit) {
    assert(Number.isSafeInteger(limit.hitsMax) && limit.hitsMax >= 1, 'hitsMax is a positive integer');
    assert(Number.isSafeInteger(limit.windowMs) && limit.windowMs >= 1, 'windowMs is a positive integer');
    assert(Number.isSafeInteger(limit.keysMax) && limit.keysMax >= 1, 'keysMax is a positive integer');
    this.limit = limit;
  }

  get size(): number {
    return this.windows.size;
  }

  /** Whether the key is under its limit now, without counting a hit. */
  check(key: string, nowMs: number): RateCheck {
    const window = this.current(key, nowMs);
    if (window === null || window.hits < this.limit.hitsMax) return { ok: true };
    return { ok: false, retryAfterMs: window.startMs + this.limit.windowMs - nowMs };
  }

  /** Counts a hit if the key is under its limit; refuses (counting nothing) when it is not. */
  hit(key: string, nowMs: number): RateCheck {
    const checked = this.check(key, nowMs);
    if (!checked.ok) return checked;
    const window = this.current(key, nowMs);
    if (window === null) {
      this.makeRoom(nowMs);
      this.windows.set(key, { startMs: nowMs, hits: 1 });
    } else {
      window.hits += 1;
    }
    return { ok: true };
  }

  /** Forgets the key (e.g. failures after a successful log-in). */
  reset(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string, nowMs: number): Window | null {
    const window = this.windows.get(key);
    if (window === undefined) return null;
    if (nowMs >= window.startMs + this.limit.windowMs || nowMs < window.startMs) {
      this.windows.delete(key);
      return null;
    }
    return window;
  }

  private makeRoom(nowMs: number): void {
    if (this.windows.size < this.limit.keysMax) return;
    for (const [key, window] of this.windows) {
      if (nowMs >= window.startMs + this.limit.windowMs) this.windows.delete(key);
    }
    // Still full: forget the oldest keys (insertion order), at least one.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.limit.keysMax) break;
      this.windows.delete(key);
    }
    assert(this.windows.size < this.limit.keysMax, 'room for one more key');
  }
}
