/**
 * Paying a merchant's settlement balance out to its bank account (`POST /v1/merchants/{id}/payouts`, kind
 * "payout"): the money leaves the settlement account on the ledger (burned) and the bank credits the merchant's
 * account there. It runs like every payment: final at once, polled while pending, or signed with the owner's
 * browser-held key first; the outcome stays on the card (`payout-result`).
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyInput } from '../../api/money';
import type { Merchant, Payment } from '../../api/types';
import { ErrorBox, Field, MoneyText } from '../common';
import { useAction } from '../hooks';
import { PaymentRunner, useStepUp } from '../payment-runner';

export function PayoutCard({
  merchant,
  onSettled,
}: {
  readonly merchant: Merchant;
  /** The payout settled (final or refused): the balance and the payment list reload. */
  readonly onSettled: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const [amount, setAmount] = useState('');
  const [payment, setPayment] = useState<Payment | null>(null);
  const [settled, setSettled] = useState<Payment | null>(null);
  const stepUp = useStepUp();
  const payout = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    setSettled(null);
    const money = { amount: parsed.value, currency: 'CNY' };
    setPayment(await stepUp.send((c) => c.payout(merchant.id, money)));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void payout.run();
  };
  return (
    <section className="card" data-testid="payout-card">
      <h2>{t('merchant.payout')}</h2>
      <p className="hint">{t('merchant.payoutHint', { account: merchant.bankAccount })}</p>
      {payment !== null ? (
        <PaymentRunner
          payment={payment}
          onSettled={(p) => {
            setPayment(null);
            setSettled(p);
            onSettled();
          }}
          onCancel={() => setPayment(null)}
        />
      ) : (
        <form onSubmit={onSubmit}>
          <Field label={t('common.amount')}>
            <input
              inputMode="decimal"
              placeholder="0.00"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid="payout-amount"
              required
            />
          </Field>
          <ErrorBox error={payout.error} />
          <button type="submit" className="button" disabled={payout.busy} data-testid="payout-submit">
            {payout.busy ? t('common.working') : t('merchant.payoutSubmit')}
          </button>
        </form>
      )}
      {settled !== null && (
        <p
          className={settled.status === 'final' ? 'verify verify-ok' : 'verify verify-bad'}
          data-testid="payout-result"
          data-status={settled.status}
          data-txid={settled.txId}
        >
          {t('merchant.payoutDone', { status: t(`payment.status.${settled.status}`) })}{' '}
          <MoneyText money={settled.amount} />
          {settled.status === 'refused' && settled.code !== null ? ` (${settled.code})` : ''}
        </p>
      )}
      {stepUp.dialog}
    </section>
  );
}
