// Goal: the wallet prices a payment in another currency exactly as the gateway and the ledger do (the payer pays
// ⌈amount × den / num⌉, the payee gets ⌊pay × num / den⌋ ≥ amount), says why a quote cannot take a typed amount, and
// refuses a scan answer or payment whose FX part has the wrong shape. Method: pure functions, a property over rates
// and amounts with fast-check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { fxPrice, paymentFxOf, priceTyped, type QrFxOption, qrFxOptionsOf } from './fx';

const answer = {
  currency: 'HKD',
  available: { amount: '100.00', currency: 'HKD' },
  quote: {
    id: '9f'.repeat(16),
    provider: 'fxlp',
    providerName: 'FX desk',
    baseAsset: 'HKD',
    quoteAsset: 'CNY',
    rate: { num: '9213', den: '10000' },
    minBase: { amount: '1.00', currency: 'HKD' },
    maxBase: { amount: '1000.00', currency: 'HKD' },
    expiresAtMs: 1_800_000_000_000,
  },
  pay: null,
  receives: null,
  eligible: true,
  reason: null,
};

describe('paying in another currency', () => {
  it('prices as the ledger rounds: the payee gets at least the amount, the payer under one unit more', () => {
    expect(fxPrice(4_500n, { num: 9_213n, den: 10_000n })).toEqual({ pay: 4_885n, receives: 4_500n });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (amount, num, den) => {
          const { pay, receives } = fxPrice(amount, { num, den });
          expect(receives).toBe((pay * num) / den);
          expect(receives >= amount).toBe(true);
          // One base unit less would not reach the amount.
          expect(((pay - 1n) * num) / den < amount).toBe(true);
        },
      ),
      { seed: 7 },
    );
  });

  it('prices what the payer types, and says when the quote or the balance cannot take it', () => {
    const [option] = qrFxOptionsOf([answer]) as [QrFxOption];
    expect(priceTyped(option, '45.00', 2)).toEqual({
      pay: { amount: '48.85', currency: 'HKD' },
      receives: { amount: '45.00', currency: 'CNY' },
      reason: null,
    });
    expect(priceTyped(option, '100.00', 2)?.reason).toBe('insufficient_funds');
    expect(priceTyped(option, '0.50', 2)?.reason).toBe('amount_outside_quote');
    for (const bad of ['', '0', '1.234', 'abc', '-1']) expect(priceTyped(option, bad, 2)).toBeNull();
  });

  it('reads the scan answer and a payment, and refuses a wrong shape', () => {
    expect(qrFxOptionsOf(undefined)).toEqual([]);
    const [option] = qrFxOptionsOf([answer]);
    expect(option?.quote.rate).toEqual({ num: 9213n, den: 10000n });
    expect(() => qrFxOptionsOf([{ ...answer, quote: { ...answer.quote, rate: { num: '0', den: '1' } } }])).toThrow(
      ApiError,
    );
    expect(() => qrFxOptionsOf([{ ...answer, available: { amount: '1e3', currency: 'HKD' } }])).toThrow(ApiError);
    expect(() => qrFxOptionsOf({})).toThrow(ApiError);
    expect(paymentFxOf(null)).toBeNull();
    expect(
      paymentFxOf({ quoteId: 'ab', paid: { amount: '48.85', currency: 'HKD' }, rate: { num: '9213', den: '10000' } }),
    ).toEqual({ quoteId: 'ab', paid: { amount: '48.85', currency: 'HKD' }, rate: { num: 9213n, den: 10000n } });
    expect(() => paymentFxOf({ quoteId: 'ab', paid: 5, rate: { num: '1', den: '1' } })).toThrow(ApiError);
  });
});
