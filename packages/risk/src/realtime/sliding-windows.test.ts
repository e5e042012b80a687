// Goal: the windows count exactly the events of the last w ms and stay within eventsMax.
// Method: hand-made boundary cases, then fast-check against a naive list that keeps every event.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindows } from './sliding-windows.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('SlidingWindows', () => {
  it.each([
    { label: 'just added', elapsedMs: 0, inMinute: 1 },
    { label: '1 ms before a minute', elapsedMs: MINUTE - 1, inMinute: 1 },
    { label: 'exactly a minute: expired', elapsedMs: MINUTE, inMinute: 0 },
    { label: 'past a minute', elapsedMs: MINUTE + 1, inMinute: 0 },
  ])('an event $label later: $inMinute in the 1 min window, still in the 1 h one', ({ elapsedMs, inMinute }) => {
    const windows = new SlidingWindows([MINUTE, HOUR], 16);
    windows.add(1_000_000, 500);
    windows.advance(1_000_000 + elapsedMs);
    expect(windows.count(0)).toBe(inMinute);
    expect(windows.sum(0)).toBe(inMinute * 500);
    expect(windows.count(1)).toBe(1);
    expect(windows.sum(1)).toBe(500);
  });

  it('saturates at eventsMax, dropping the oldest from every window', () => {
    const windows = new SlidingWindows([MINUTE, HOUR], 4);
    for (let i = 0; i < 10; i++) windows.add(i, i + 1);
    windows.advance(10);
    expect(windows.size).toBe(4);
    expect(windows.count(1)).toBe(4);
    expect(windows.sum(1)).toBe(7 + 8 + 9 + 10);
    expect(windows.count(0)).toBe(4);
  });

  it('records a late event at the latest time seen', () => {
    const windows = new SlidingWindows([MINUTE], 8);
    windows.add(10 * MINUTE, 1);
    windows.add(5 * MINUTE, 2); // 5 minutes late: kept, at 10 min
    windows.advance(11 * MINUTE - 1);
    expect(windows.count(0)).toBe(2);
    windows.advance(11 * MINUTE);
    expect(windows.count(0)).toBe(0);
  });

  it('agrees with a list of every event (property)', () => {
    const widths = [MINUTE, 10 * MINUTE, HOUR];
    const step = fc.record({
      gapMs: fc.integer({ min: 0, max: 20 * MINUTE }),
      amount: fc.integer({ min: 0, max: 1e9 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (steps, eventsMax) => {
        const windows = new SlidingWindows(widths, eventsMax);
        const all: { timeMs: number; amount: number }[] = [];
        let timeMs = 0;
        for (let i = 0; i < steps.length; i++) {
          const { gapMs, amount } = steps[i] ?? { gapMs: 0, amount: 0 };
          timeMs += gapMs;
          windows.add(timeMs, amount);
          all.push({ timeMs, amount });
          // Queries run forward in time: half way to the next event, never past it.
          const queryMs = timeMs + Math.floor((steps[i + 1]?.gapMs ?? 0) / 2);
          windows.advance(queryMs);
          const kept = all.slice(-eventsMax);
          widths.forEach((width, w) => {
            const inWindow = kept.filter((e) => queryMs - e.timeMs < width);
            expect(windows.count(w)).toBe(inWindow.length);
            expect(windows.sum(w)).toBe(inWindow.reduce((sum, e) => sum + e.amount, 0));
          });
        }
      }),
    );
  });
});
