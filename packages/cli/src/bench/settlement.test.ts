import { describe, expect, it } from 'vitest';
import { PaymentGenerator } from './settlement.ts';

describe('bench settlement payment generator', () => {
  const make = (funding: bigint) =>
    new PaymentGenerator({ seed: 11n, banks: 3, customers: 4, funding, maxMinor: 10_000 });

  it('makes cross-bank payments between different banks and same-bank ones between different customers', () => {
    const g = make(1_000_000n);
    const toBanks = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const cross = g.next(true);
      expect(cross.toBank).not.toBe(cross.fromBank);
      toBanks.add(cross.toBank);
      const same = g.next(false);
      expect(same.toBank).toBe(same.fromBank);
      expect(same.toCustomer).not.toBe(same.fromCustomer);
      for (const p of [cross, same]) {
        expect(p.amount).toBeGreaterThanOrEqual(1n);
        expect(p.amount).toBeLessThanOrEqual(10_000n);
      }
    }
    expect(toBanks.size).toBe(3);
  });

  it('never pays more than a payer holds, and keeps the money', () => {
    const g = make(50n);
    for (let i = 0; i < 5_000; i++) {
      const p = g.next(i % 2 === 0);
      expect(g.balance(p.fromBank, p.fromCustomer)).toBeGreaterThanOrEqual(0n);
    }
    let total = 0n;
    for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) total += g.balance(b, c);
    expect(total).toBe(12n * 50n);
  });

  it("tracks a window's payments, gross and net positions (Σ = 0) from cross-bank payments only", () => {
    const g = make(1_000_000n);
    let gross = 0n;
    for (let i = 0; i < 300; i++) {
      const p = g.next(i % 3 !== 0);
      if (p.fromBank !== p.toBank) gross += p.amount;
    }
    const w = g.takeWindow();
    expect(w.payments).toBe(200);
    expect(w.gross).toBe(gross);
    expect(w.nets.reduce((a, n) => a + n, 0n)).toBe(0n);
    expect(g.takeWindow()).toEqual({ payments: 0, gross: 0n, nets: [0n, 0n, 0n] });
  });
});
