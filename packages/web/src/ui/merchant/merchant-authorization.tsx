/**
 * What a merchant does with a pre-authorization (a hold on a customer's wallet), on its row of the payment list:
 * capture up to the authorized amount (`POST /v1/payments/{txId}/capture`, kind "capture"; the rest of the hold is
 * released) or void it (`POST /v1/payments/{txId}/void`, kind "void", no body). Either runs like every payment:
 * final at once, polled while pending, or signed with the owner's browser-held key first.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyInput } from '../../api/money';
import type { Payment } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, Field, MoneyText } from '../common';
import { useAction } from '../hooks';
import { PaymentRunner } from '../payment-runner';

type Settling = 'capture' | 'void';

export function AuthorizationActions({
  authorization,
  open,
  onSettled,
}: {
  readonly authorization: Payment;
  /** False once the listed payments show it captured or voided: the buttons go, the last outcome stays. */
  readonly open: boolean;
  readonly onSettled: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [capturing, setCapturing] = useState(false);
  const [amount, setAmount] = useState(authorization.amount.amount);
  const [running, setRunning] = useState<{ readonly kind: Settling; readonly payment: Payment } | null>(null);
  const [result, setResult] = useState<{ readonly kind: Settling; readonly payment: Payment } | null>(null);
  const capture = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const payment = await client.capture(authorization.txId, {
      amount: parsed.value,
      currency: authorization.amount.currency,
    });
    setRunning({ kind: 'capture', payment });
  });
  const voidHold = useAction(async () => {
    setResult(null);
    setRunning({ kind: 'void', payment: await client.voidPayment(authorization.txId) });
  });
  const onCapture = (event: FormEvent): void => {
    event.preventDefault();
    void capture.run();
  };

  if (running !== null) {
    return (
      <PaymentRunner
        payment={running.payment}
        onSettled={(payment) => {
          setRunning(null);
          setCapturing(false);
          setResult({ kind: running.kind, payment });
          onSettled();
        }}
        onCancel={() => setRunning(null)}
      />
    );
  }
  return (
    <>
      {open && capturing && (
        <form className="refund" onSubmit={onCapture} data-testid="capture-form">
          <Field label={t('merchant.captureAmount')}>
            <input
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid="capture-amount"
              required
            />
          </Field>
          <div className="actions">
            <button type="submit" className="button" disabled={capture.busy} data-testid="capture-submit">
              {capture.busy ? t('common.working') : t('merchant.captureSubmit')}
            </button>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setCapturing(false)}
              data-testid="capture-cancel"
            >
              {t('common.cancel')}
            </button>
          </div>
          <ErrorBox error={capture.error} />
        </form>
      )}
      {open && !capturing && (
        <div className="actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setResult(null);
              setAmount(authorization.amount.amount);
              capture.clearError();
              setCapturing(true);
            }}
            data-testid="capture-open"
          >
            {t('merchant.capture')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={voidHold.busy}
            onClick={() => void voidHold.run()}
            data-testid="void-submit"
          >
            {voidHold.busy ? t('common.working') : t('merchant.voidSubmit')}
          </button>
        </div>
      )}
      <ErrorBox error={voidHold.error} />
      {result !== null && (
        <p
          className={result.payment.status === 'final' ? 'verify verify-ok' : 'verify verify-bad'}
          data-testid={`${result.kind}-result`}
          data-status={result.payment.status}
          data-txid={result.payment.txId}
        >
          {result.kind === 'capture' ? (
            <>
              {t('merchant.captureDone', { status: t(`payment.status.${result.payment.status}`) })}{' '}
              <MoneyText money={result.payment.amount} />
            </>
          ) : (
            t('merchant.voidDone', { status: t(`payment.status.${result.payment.status}`) })
          )}
          {result.payment.status === 'refused' && result.payment.code !== null ? ` (${result.payment.code})` : ''}
        </p>
      )}
    </>
  );
}
