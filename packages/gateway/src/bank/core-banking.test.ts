// Goal: the simulated core banking system behaves as the gateway relies on: a retried call
// gets the first answer and moves money once, refusals change nothing, a reversal happens once.
import { describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from './core-banking.ts';

const topUp = (reference: string, amount = 10_000n) => ({
  reference,
  bankAccount: '6222-0001',
  amount,
  currency: 'CNY',
});

describe('SimulatedCoreBanking', () => {
  it('debits once per reference and answers a retry with the first result', async () => {
    const bank = new SimulatedCoreBanking();
    bank.fund('6222-0001', 'CNY', 50_000n);
    const first = await bank.debit(topUp('t1'));
    const again = await bank.debit(topUp('t1'));
    expect(first.ok).toBe(true);
    expect(again).toEqual(first);
    expect(bank.balance('6222-0001')).toBe(40_000n);
  });

  it.each([
    ['insufficient funds', topUp('t2', 60_000n), 'insufficient_funds'],
    ['zero amount', topUp('t3', 0n), 'amount_invalid'],
    ['unknown account', { ...topUp('t4'), bankAccount: 'nope' }, 'account_unknown'],
    ['other currency', { ...topUp('t5'), currency: 'HKD' }, 'account_unknown'],
  ])('refuses %s and changes nothing', async (_name, transfer, code) => {
    const bank = new SimulatedCoreBanking();
    bank.fund('6222-0001', 'CNY', 50_000n);
    expect(await bank.debit(transfer)).toMatchObject({ ok: false, code });
    expect(bank.balance('6222-0001')).toBe(50_000n);
  });

  it('refuses a reference reused for another movement, and a blocked account', async () => {
    const bank = new SimulatedCoreBanking();
    bank.fund('6222-0001', 'CNY', 50_000n);
    await bank.debit(topUp('t1'));
    expect(await bank.debit(topUp('t1', 20_000n))).toMatchObject({ ok: false, code: 'reference_reused' });
    expect(await bank.credit(topUp('t1'))).toMatchObject({ ok: false, code: 'reference_reused' });
    bank.block('6222-0001');
    expect(await bank.credit(topUp('w1'))).toMatchObject({ ok: false, code: 'account_blocked' });
    expect(bank.balance('6222-0001')).toBe(40_000n);
  });

  it('reverses a debit exactly once, and only a debit', async () => {
    const bank = new SimulatedCoreBanking();
    bank.fund('6222-0001', 'CNY', 50_000n);
    await bank.debit(topUp('t1'));
    await bank.credit(topUp('w1', 5_000n));
    expect((await bank.reverse('t1')).ok).toBe(true);
    expect(await bank.reverse('t1')).toMatchObject({ ok: false, code: 'already_reversed' });
    expect(await bank.reverse('w1')).toMatchObject({ ok: false, code: 'reference_unknown' });
    expect(bank.balance('6222-0001')).toBe(55_000n);
  });
});
