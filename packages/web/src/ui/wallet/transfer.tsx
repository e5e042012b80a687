/**
 * Transfer to another user by phone number (`POST /v1/transfers`): phone, amount, optional memo; the payment
 * then runs to its receipt page.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyInput } from '../../api/money';
import type { Payment } from '../../api/types';
import { ErrorBox, Field } from '../common';
import { useAction } from '../hooks';
import { PaymentRunner, useStepUp } from '../payment-runner';
import { navigate } from '../router';
import { normalizePhone } from './auth';

const MEMO_CHARS_MAX = 140;

export function TransferScreen(): ReactNode {
  const { t } = useTranslation();
  const [toPhone, setToPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [payment, setPayment] = useState<Payment | null>(null);
  const stepUp = useStepUp();
  const send = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const body = { toPhone: normalizePhone(toPhone), amount: parsed.value, currency: 'CNY' };
    const request = memo.trim() === '' ? body : { ...body, memo: memo.trim() };
    setPayment(await stepUp.send((c) => c.transfer(request)));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void send.run();
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
    <section className="card" data-testid="transfer-screen">
      <h2>{t('transfer.title')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('transfer.toPhone')}>
          <input
            type="tel"
            inputMode="tel"
            placeholder="+8613900139000"
            value={toPhone}
            onChange={(e) => setToPhone(e.target.value)}
            data-testid="transfer-phone"
            required
          />
        </Field>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="transfer-amount"
            required
          />
        </Field>
        <Field label={t('transfer.memo')}>
          <input
            maxLength={MEMO_CHARS_MAX}
            value={memo}
            onChange={(e) => setMemo(e.target.value)}
            data-testid="transfer-memo"
          />
        </Field>
        <ErrorBox error={send.error} />
        <button type="submit" className="button" disabled={send.busy} data-testid="transfer-submit">
          {send.busy ? t('common.working') : t('transfer.submit')}
        </button>
      </form>
      {stepUp.dialog}
    </section>
  );
}
