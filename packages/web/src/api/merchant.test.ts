// Goal: the console refuses a bank account the gateway would refuse, shows the settlement balance the ledger
// answers (zero when it lists none), and offers refund, capture and void only where the gateway allows them.
// Method: tables of inputs; payments and accounts built as the API answers them.
import { describe, expect, it } from 'vitest';
import { accountBalance, isOpenAuthorization, parseBankAccount, refundable } from './merchant';
import type { AccountJson, Payment } from './types';

const payment = (extra: Partial<Payment>): Payment => ({
  txId: 'ab'.repeat(16),
  kind: 'qr',
  status: 'final',
  amount: { amount: '12.34', currency: 'CNY' },
  refunded: { amount: '0.00', currency: 'CNY' },
  direction: 'in',
  counterparty: { kind: 'user', name: '138****0001' },
  merchantId: '01'.repeat(16),
  refundOf: null,
  memo: '',
  code: 'ok',
  createdAtMs: 1,
  ledger: null,
  receipt: null,
  programId: null,
  fx: null,
  ...extra,
});

const account = (balances: AccountJson['balances']): AccountJson => ({
  id: '02'.repeat(16),
  issuer: 'bank',
  tier: 3,
  frozen: false,
  closed: false,
  allowNegative: false,
  owners: [],
  threshold: 1,
  openedAt: '0',
  balances,
});

describe('parseBankAccount', () => {
  it.each([
    ['6222021001123456', '6222021001123456'],
    ['  6222 0210 0112 3456 ', '6222 0210 0112 3456'],
    ['DE89-3704-0044-0532-0130-00', 'DE89-3704-0044-0532-0130-00'],
    ['abc123', 'abc123'],
    ['A'.repeat(34), 'A'.repeat(34)],
  ])('accepts %j as %j', (input, value) => {
    expect(parseBankAccount(input)).toEqual({ ok: true, value });
  });

  it.each([
    [''],
    ['12345'],
    ['A'.repeat(35)],
    ['6222_0210_0112'],
    ['6222.0210.0112'],
    ['-62220210'],
    ['62220210-'],
    ['６２２２０２１０'],
    ['6222\n0210'],
  ])('refuses %j', (input) => {
    expect(parseBankAccount(input)).toEqual({ ok: false });
  });
});

describe('accountBalance', () => {
  it("is the ledger's posted and available decimals of the asset", () => {
    const entry = {
      asset: 'CNY',
      posted: '12345',
      available: '10000',
      pendingDebits: '2345',
      pendingCredits: '0',
      decimal: '123.45',
      availableDecimal: '100.00',
    };
    expect(accountBalance(account([entry]))).toEqual({
      posted: { amount: '123.45', currency: 'CNY' },
      available: { amount: '100.00', currency: 'CNY' },
    });
  });

  it('is zero for an account that never held the asset', () => {
    const zero = { amount: '0.00', currency: 'CNY' };
    expect(accountBalance(account([]))).toEqual({ posted: zero, available: zero });
  });
});

describe('refundable', () => {
  it('is what is left of a final qr, pay-code or capture payment', () => {
    expect(refundable(payment({ kind: 'qr' }))).toBe('12.34');
    expect(refundable(payment({ kind: 'paycode', refunded: { amount: '2.34', currency: 'CNY' } }))).toBe('10.00');
    expect(refundable(payment({ kind: 'capture' }))).toBe('12.34');
  });

  it('is nothing for a payment of program money', () => {
    expect(refundable(payment({ programId: 'a1'.repeat(16) }))).toBe('');
  });

  it('is nothing for a refunded, unsettled or non-refundable payment', () => {
    expect(refundable(payment({ refunded: { amount: '12.34', currency: 'CNY' } }))).toBe('');
    expect(refundable(payment({ status: 'pending' }))).toBe('');
    for (const kind of ['authorize', 'void', 'refund', 'payout'] as const)
      expect(refundable(payment({ kind }))).toBe('');
  });
});

describe('isOpenAuthorization', () => {
  const auth = payment({ kind: 'authorize', txId: 'cd'.repeat(16) });

  it('is open while no final capture or void of it is listed', () => {
    expect(isOpenAuthorization(auth, [auth])).toBe(true);
    const refusedCapture = payment({ kind: 'capture', status: 'refused', authorizationOf: auth.txId });
    const otherVoid = payment({ kind: 'void', authorizationOf: 'ef'.repeat(16) });
    expect(isOpenAuthorization(auth, [refusedCapture, otherVoid, auth])).toBe(true);
  });

  it('is closed once captured or voided, and never open unless a final authorization', () => {
    expect(isOpenAuthorization(auth, [payment({ kind: 'capture', authorizationOf: auth.txId }), auth])).toBe(false);
    expect(isOpenAuthorization(auth, [payment({ kind: 'void', authorizationOf: auth.txId }), auth])).toBe(false);
    expect(isOpenAuthorization({ ...auth, status: 'pending' }, [])).toBe(false);
    expect(isOpenAuthorization(payment({ kind: 'qr' }), [])).toBe(false);
  });
});
