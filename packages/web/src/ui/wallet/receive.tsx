/**
 * Receive: the user's personal collection QR (`GET /v1/me/qr`; whoever scans it pays this user and enters the
 * amount), with a PNG download; the phone number, for a transfer; and "Request money": a one-time QR for an amount
 * (`POST /v1/me/payment-requests`, valid 5 minutes) that shows when it lapses.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyInput } from '../../api/money';
import type { PaymentRequest } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, MoneyText, QrImage } from '../common';
import { useAction, useLoad } from '../hooks';

const MEMO_CHARS_MAX = 140;
const EXPIRY_TICK_MS = 1000;

export function ReceiveScreen(): ReactNode {
  const { t } = useTranslation();
  const { client, user } = useApp();
  const qr = useLoad(() => client.myQr(), [client]);
  return (
    <div className="stack" data-testid="receive-screen">
      <section className="card center" data-testid="receive-qr-card">
        <h2>{t('receive.title')}</h2>
        <p className="hint">{t('receive.qrHint')}</p>
        <ErrorBox error={qr.error} />
        {qr.data !== null && (
          <QrImage
            payload={qr.data.payload}
            testId="receive-qr"
            downloadName={`paychain-receive-${user?.id ?? 'wallet'}.png`}
          />
        )}
        <p className="hint">{t('receive.hint')}</p>
        <p className="code-digits" data-testid="receive-phone">
          {user?.phone ?? '—'}
        </p>
        <p className="muted">
          {t('receive.account')} <code data-testid="receive-account">{user?.ledgerAccountId ?? '—'}</code>
        </p>
      </section>
      <RequestMoney />
    </div>
  );
}

function RequestMoney(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [request, setRequest] = useState<PaymentRequest | null>(null);
  const create = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const body = { amount: parsed.value, currency: 'CNY' };
    const note = memo.trim();
    setRequest(await client.createPaymentRequest(note === '' ? body : { ...body, memo: note }));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void create.run();
  };
  return (
    <section className="card" data-testid="request-card">
      <h2>{t('receive.requestTitle')}</h2>
      <p className="hint">{t('receive.requestHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="request-amount"
            required
          />
        </Field>
        <Field label={t('receive.requestMemo')}>
          <input
            maxLength={MEMO_CHARS_MAX}
            value={memo}
            onChange={(e) => setMemo(e.target.value)}
            data-testid="request-memo"
          />
        </Field>
        <ErrorBox error={create.error} />
        <button type="submit" className="button" disabled={create.busy} data-testid="request-submit">
          {create.busy ? t('common.working') : t('receive.requestSubmit')}
        </button>
      </form>
      {request !== null && <RequestResult key={request.requestId} request={request} />}
    </section>
  );
}

function RequestResult({ request }: { readonly request: PaymentRequest }): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [nowMs, setNowMs] = useState(() => Date.now());
  const expired = nowMs >= request.expiresAtMs;
  useEffect(() => {
    if (expired) return;
    const tick = setInterval(() => setNowMs(Date.now()), EXPIRY_TICK_MS);
    return () => clearInterval(tick);
  }, [expired]);
  const time = formatTime(request.expiresAtMs, locale);
  return (
    <div className="center" data-testid="request-result" data-request-id={request.requestId}>
      <QrImage
        payload={request.payload}
        testId="request-qr"
        downloadName={`paychain-request-${request.requestId}.png`}
      />
      <p>
        <MoneyText money={request.amount} testId="request-qr-amount" />
      </p>
      <p
        className={expired ? 'warning' : 'muted'}
        data-testid="request-qr-expiry"
        data-expires-at-ms={request.expiresAtMs}
        data-expired={String(expired)}
      >
        {expired ? t('receive.requestExpired', { time }) : t('receive.requestUntil', { time })}
      </p>
    </div>
  );
}
