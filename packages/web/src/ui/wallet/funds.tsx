/**
 * Top-up (the bank debits the linked account, the issuer mints) and withdrawal (burn, then the bank credits):
 * one amount form for both, run to the receipt page like every payment.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyInput } from '../../api/money';
import type { Payment } from '../../api/types';
import { ErrorBox, Field } from '../common';
import { useAction } from '../hooks';
import { PaymentRunner, useStepUp } from '../payment-runner';
import { navigate } from '../router';

export function FundsScreen({ direction }: { readonly direction: 'top-up' | 'withdraw' }): ReactNode {
  const { t } = useTranslation();
  const [amount, setAmount] = useState('');
  const [payment, setPayment] = useState<Payment | null>(null);
  const stepUp = useStepUp();
  const submit = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const money = { amount: parsed.value, currency: 'CNY' };
    setPayment(await stepUp.send((c) => (direction === 'top-up' ? c.topUp(money) : c.withdraw(money))));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void submit.run();
  };
  if (payment !== null) {
    return (
      <PaymentRunner
        payment={payment}
        onSettled={(p) => navigate(`/wallet/payments/${p.txId}`)}
        onCancel={() => setPayment(null)}
      />
    );
  }
  return (
    <section className="card" data-testid={`${direction}-screen`}>
      <h2>{direction === 'top-up' ? t('funds.topUpTitle') : t('funds.withdrawTitle')}</h2>
      <p className="hint">{direction === 'top-up' ? t('funds.topUpHint') : t('funds.withdrawHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid={`${direction}-amount`}
            required
          />
        </Field>
        <ErrorBox error={submit.error} />
        <button type="submit" className="button" disabled={submit.busy} data-testid={`${direction}-submit`}>
          {submit.busy ? t('common.working') : direction === 'top-up' ? t('funds.topUp') : t('funds.withdraw')}
        </button>
      </form>
      {stepUp.dialog}
    </section>
  );
}
