/**
 * One merchant's console: today's summary with the bank account and the settlement balance (read from the ledger
 * account, `GET /v1/accounts/{settlementAccountId}`), the sales of the last 30 days (merchant-sales.tsx), the static collection QR, dynamic QR codes (amount, one-time,
 * expiry; rendered with a PNG download), charging or pre-authorizing a customer's pay code, the live payment feed
 * (server-sent events from `GET /v1/merchants/{id}/events?access_token=…`, since EventSource cannot send an
 * Authorization header), the payment list with full or partial refunds and the capture or void of authorizations,
 * program receivables and their redemption (merchant-programs.tsx), payouts to the bank account, and the webhook URL.
 */
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { paymentOf } from '../../api/client';
import { accountBalance, isOpenAuthorization, refundable } from '../../api/merchant';
import { parseMoneyInput } from '../../api/money';
import type { DynamicQr, Merchant, Payment, Webhook } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, MoneyText, QrImage, Row } from '../common';
import { useAction, useLoad } from '../hooks';
import { PaymentRunner } from '../payment-runner';
import { AuthorizationActions } from './merchant-authorization';
import { PayoutCard } from './merchant-payout';
import { MerchantPrograms } from './merchant-programs';
import { MerchantSales } from './merchant-sales';

/** Live events kept on screen; older ones are in the payment list. */
const LIVE_EVENTS_MAX = 50;
const PAYMENTS_PAGE_SIZE = 20;
const QR_EXPIRY_S_DEFAULT = 300;
const QR_EXPIRY_S_MAX = 86_400;

export function MerchantDetail({ merchantId }: { readonly merchantId: string }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const merchant = useLoad(() => client.merchant(merchantId), [client, merchantId]);
  const [changes, setChanges] = useState(0);
  const onPaymentChange = useCallback(() => setChanges((n) => n + 1), []);

  return (
    <div className="stack" data-testid="merchant-console" data-merchant-id={merchantId}>
      <a className="back-link" href="#/merchant" data-testid="merchant-back">
        ← {t('merchant.mine')}
      </a>
      <ErrorBox error={merchant.error} />
      {merchant.data !== null && (
        <>
          <MerchantHeader merchant={merchant.data} changes={changes} />
          <MerchantSales merchantId={merchantId} changes={changes} />
          <LiveFeed merchantId={merchantId} onPayment={onPaymentChange} />
          <section className="card center" data-testid="static-qr-card">
            <h2>{t('merchant.staticQr')}</h2>
            <p className="hint">{t('merchant.staticQrHint')}</p>
            <QrImage
              payload={merchant.data.staticQr}
              testId="static-qr"
              downloadName={`paychain-${merchantId}-static.png`}
            />
          </section>
          <DynamicQrForm merchantId={merchantId} />
          <PayCodeForm mode="charge" merchantId={merchantId} onSettled={onPaymentChange} />
          <PayCodeForm mode="preauth" merchantId={merchantId} onSettled={onPaymentChange} />
          <Payments merchantId={merchantId} changes={changes} onChanged={onPaymentChange} />
          <MerchantPrograms merchant={merchant.data} changes={changes} onRedeemed={onPaymentChange} />
          <PayoutCard merchant={merchant.data} onSettled={onPaymentChange} />
          <WebhookForm merchantId={merchantId} />
        </>
      )}
    </div>
  );
}

function MerchantHeader({ merchant, changes }: { readonly merchant: Merchant; readonly changes: number }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const summary = useLoad(() => client.merchantSummary(merchant.id), [client, merchant.id, changes]);
  const settlement = useLoad(
    () => client.account(merchant.settlementAccountId),
    [client, merchant.settlementAccountId, changes],
  );
  const balance = settlement.data === null ? null : accountBalance(settlement.data);
  return (
    <section className="card" data-testid="merchant-summary">
      <h2 data-testid="merchant-title">{merchant.name}</h2>
      <p className="muted">
        MCC {merchant.mcc} · {merchant.city} · {merchant.region}
      </p>
      <div className="rows">
        <Row label={t('merchant.bankAccount')} testId="merchant-bank-account-shown">
          {merchant.bankAccount}
        </Row>
        {balance !== null && (
          <>
            <Row label={t('merchant.settlementBalance')}>
              <MoneyText money={balance.posted} testId="merchant-settlement-balance" />
            </Row>
            {balance.available.amount !== balance.posted.amount && (
              <Row label={t('merchant.settlementAvailable')}>
                <MoneyText money={balance.available} testId="merchant-settlement-available" />
              </Row>
            )}
          </>
        )}
      </div>
      <ErrorBox error={settlement.error} />
      <ErrorBox error={summary.error} />
      {summary.data !== null && (
        <div className="rows">
          <Row label={t('merchant.summaryDay')}>{summary.data.day}</Row>
          <Row label={t('merchant.summaryCount')} testId="summary-count">
            {summary.data.count}
          </Row>
          <Row label={t('merchant.summaryGross')}>
            <MoneyText money={summary.data.gross} testId="summary-gross" />
          </Row>
          <Row label={t('merchant.summaryRefunded')}>
            <MoneyText money={summary.data.refunded} testId="summary-refunded" />
          </Row>
          <Row label={t('merchant.summaryNet')}>
            <MoneyText money={summary.data.net} testId="summary-net" />
          </Row>
        </div>
      )}
    </section>
  );
}

/** A feed event's payment: the event data is the Payment, or `{payment}` around it. */
function paymentOfEvent(data: string): Payment | null {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    // A malformed event is skipped; the payment list (reloaded on each event) stays the source of truth.
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const inner = 'payment' in json ? json.payment : json;
  if (typeof inner !== 'object' || inner === null || !('txId' in inner) || typeof inner.txId !== 'string') return null;
  try {
    return paymentOf(inner as Payment);
  } catch {
    return null;
  }
}

function LiveFeed({
  merchantId,
  onPayment,
}: {
  readonly merchantId: string;
  readonly onPayment: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [events, setEvents] = useState<readonly Payment[]>([]);
  const [state, setState] = useState<'connecting' | 'open' | 'error'>('connecting');

  useEffect(() => {
    const source = new EventSource(client.merchantEventsUrl(merchantId));
    const onEvent = (event: MessageEvent<string>): void => {
      const payment = paymentOfEvent(event.data);
      if (payment === null) return;
      setEvents((old) => [payment, ...old.filter((p) => p.txId !== payment.txId)].slice(0, LIVE_EVENTS_MAX));
      onPayment();
    };
    source.addEventListener('payment', onEvent);
    source.addEventListener('message', onEvent);
    source.onopen = () => setState('open');
    // EventSource reconnects by itself (with Last-Event-ID); the badge shows the gap.
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'error' : 'connecting');
    return () => source.close();
  }, [client, merchantId, onPayment]);

  return (
    <section className="card" data-testid="live-feed">
      <h2>
        {t('merchant.live')}{' '}
        <span className={`badge badge-${state}`} data-testid="live-status" data-state={state}>
          {t(`merchant.liveState.${state}`)}
        </span>
      </h2>
      {events.length === 0 && <p className="muted">{t('merchant.liveEmpty')}</p>}
      <ul className="list">
        {events.map((p) => (
          <li
            key={p.txId}
            className="list-row live-row"
            data-testid="live-payment"
            data-txid={p.txId}
            data-status={p.status}
          >
            <span>
              <strong>{p.counterparty.name}</strong>
              <small>
                {t(`kind.${p.kind}`)} · {formatTime(p.createdAtMs, locale)} · {t(`payment.status.${p.status}`)}
              </small>
            </span>
            <MoneyText money={p.amount} testId="live-payment-amount" />
          </li>
        ))}
      </ul>
    </section>
  );
}

function DynamicQrForm({ merchantId }: { readonly merchantId: string }): ReactNode {
  const { t, i18n } = useTranslation();
  const { client } = useApp();
  const [amount, setAmount] = useState('');
  const [oneTime, setOneTime] = useState(true);
  const [expiresInS, setExpiresInS] = useState(String(QR_EXPIRY_S_DEFAULT));
  const [qr, setQr] = useState<DynamicQr | null>(null);
  const create = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const expiry = Number(expiresInS);
    if (!Number.isInteger(expiry) || expiry < 1 || expiry > QR_EXPIRY_S_MAX)
      throw new Error(t('merchant.expiryInvalid'));
    setQr(
      await client.createDynamicQr(merchantId, { amount: parsed.value, currency: 'CNY', oneTime, expiresInS: expiry }),
    );
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void create.run();
  };
  return (
    <section className="card" data-testid="dynamic-qr-card">
      <h2>{t('merchant.dynamicQr')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="dynamic-qr-amount"
            required
          />
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={oneTime}
            onChange={(e) => setOneTime(e.target.checked)}
            data-testid="dynamic-qr-one-time"
          />
          <span>{t('merchant.oneTime')}</span>
        </label>
        <Field label={t('merchant.expiresInS')}>
          <input
            inputMode="numeric"
            value={expiresInS}
            onChange={(e) => setExpiresInS(e.target.value)}
            data-testid="dynamic-qr-expiry"
          />
        </Field>
        <ErrorBox error={create.error} />
        <button type="submit" className="button" disabled={create.busy} data-testid="dynamic-qr-submit">
          {create.busy ? t('common.working') : t('merchant.makeQr')}
        </button>
      </form>
      {qr !== null && (
        <div className="center" data-testid="dynamic-qr-result" data-request-id={qr.requestId}>
          <QrImage payload={qr.payload} testId="dynamic-qr" downloadName={`paychain-qr-${qr.requestId}.png`} />
          <p>
            <MoneyText money={qr.amount} testId="dynamic-qr-shown-amount" />
            {qr.expiresAtMs !== null &&
              ` · ${t('merchant.until', { time: formatTime(qr.expiresAtMs, i18n.language) })}`}
          </p>
        </div>
      )}
    </section>
  );
}

/**
 * A customer's pay code, charged at once (`charge`: `POST /v1/merchants/{id}/charges`) or pre-authorized
 * (`preauth`: `POST /v1/merchants/{id}/authorizations`, a hold captured or voided later from the payment list).
 * The test ids are the mode's: `charge-…` or `preauth-…`.
 */
function PayCodeForm({
  mode,
  merchantId,
  onSettled,
}: {
  readonly mode: 'charge' | 'preauth';
  readonly merchantId: string;
  readonly onSettled: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [payCode, setPayCode] = useState('');
  const [amount, setAmount] = useState('');
  const [payment, setPayment] = useState<Payment | null>(null);
  const [settled, setSettled] = useState<Payment | null>(null);
  const charge = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    setSettled(null);
    const body = { payCode: payCode.trim(), amount: parsed.value, currency: 'CNY' };
    setPayment(mode === 'charge' ? await client.charge(merchantId, body) : await client.authorize(merchantId, body));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void charge.run();
  };
  return (
    <section className="card" data-testid={`${mode}-card`}>
      <h2>{mode === 'charge' ? t('merchant.charge') : t('merchant.preauth')}</h2>
      {mode === 'preauth' && <p className="hint">{t('merchant.preauthHint')}</p>}
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
          <Field label={t('merchant.payCode')}>
            <input
              value={payCode}
              onChange={(e) => setPayCode(e.target.value)}
              data-testid={`${mode}-pay-code`}
              required
            />
          </Field>
          <Field label={t('common.amount')}>
            <input
              inputMode="decimal"
              placeholder="0.00"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid={`${mode}-amount`}
              required
            />
          </Field>
          <ErrorBox error={charge.error} />
          <button type="submit" className="button" disabled={charge.busy} data-testid={`${mode}-submit`}>
            {charge.busy
              ? t('common.working')
              : mode === 'charge'
                ? t('merchant.chargeSubmit')
                : t('merchant.preauthSubmit')}
          </button>
        </form>
      )}
      {settled !== null && (
        <p data-testid={`${mode}-result`} data-status={settled.status} data-txid={settled.txId}>
          {t(`payment.status.${settled.status}`)} · <MoneyText money={settled.amount} />
          {settled.status === 'refused' && settled.code !== null ? ` (${settled.code})` : ''}
        </p>
      )}
    </section>
  );
}

function Payments({
  merchantId,
  changes,
  onChanged,
}: {
  readonly merchantId: string;
  readonly changes: number;
  /** A refund, capture or void settled: the summary, balance and list reload. */
  readonly onChanged: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const page = useLoad(
    () => client.merchantPayments(merchantId, { limit: PAYMENTS_PAGE_SIZE }),
    [client, merchantId, changes],
  );
  const [refunding, setRefunding] = useState<string | null>(null);
  /** The last refund's outcome, shown on the row it refunded until another refund starts. */
  const [refunded, setRefunded] = useState<{ readonly rowTxId: string; readonly refund: Payment } | null>(null);
  return (
    <section className="card" data-testid="merchant-payments">
      <h2>{t('merchant.payments')}</h2>
      <ErrorBox error={page.error} />
      {page.data !== null && page.data.items.length === 0 && <p className="muted">{t('merchant.noPayments')}</p>}
      <ul className="list">
        {page.data?.items.map((p) => (
          <li
            key={p.txId}
            className="payment-row"
            data-testid="payment-row"
            data-txid={p.txId}
            data-kind={p.kind}
            data-status={p.status}
          >
            <div className="list-row">
              <span>
                <strong>{p.counterparty.name}</strong>
                <small>
                  {t(`kind.${p.kind}`)} · {formatTime(p.createdAtMs, locale)} · {t(`payment.status.${p.status}`)}
                </small>
              </span>
              <span>
                <MoneyText money={p.amount} testId="payment-row-amount" />
                {p.refunded.amount !== '0.00' && p.refunded.amount !== '0' && (
                  <small data-testid="payment-row-refunded">
                    {t('merchant.refundedSoFar')} <MoneyText money={p.refunded} />
                  </small>
                )}
              </span>
            </div>
            {refundable(p) !== '' && refunding !== p.txId && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => {
                  setRefunded(null);
                  setRefunding(p.txId);
                }}
                data-testid="refund-open"
              >
                {t('merchant.refund')}
              </button>
            )}
            {refunding === p.txId && (
              <RefundForm
                payment={p}
                onDone={(refund) => {
                  setRefunding(null);
                  setRefunded({ rowTxId: p.txId, refund });
                  onChanged();
                }}
                onCancel={() => setRefunding(null)}
              />
            )}
            {refunded !== null && refunded.rowTxId === p.txId && (
              <p
                className={refunded.refund.status === 'final' ? 'verify verify-ok' : 'verify verify-bad'}
                data-testid="refund-result"
                data-status={refunded.refund.status}
                data-txid={refunded.refund.txId}
              >
                {t('merchant.refundDone', { status: t(`payment.status.${refunded.refund.status}`) })}{' '}
                <MoneyText money={refunded.refund.amount} />
                {refunded.refund.status === 'refused' && refunded.refund.code !== null
                  ? ` (${refunded.refund.code})`
                  : ''}
              </p>
            )}
            {p.kind === 'authorize' && p.status === 'final' && (
              <AuthorizationActions
                authorization={p}
                open={isOpenAuthorization(p, page.data?.items ?? [])}
                onSettled={onChanged}
              />
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="link" onClick={page.reload} data-testid="merchant-payments-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function RefundForm({
  payment,
  onDone,
  onCancel,
}: {
  readonly payment: Payment;
  /** The refund settled (final or refused); the list shows its outcome on the row. */
  readonly onDone: (refund: Payment) => void;
  readonly onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const remaining = refundable(payment);
  const [amount, setAmount] = useState(remaining);
  const [running, setRunning] = useState<Payment | null>(null);
  const refund = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    setRunning(await client.refund(payment.txId, { amount: parsed.value, currency: payment.amount.currency }));
  });
  if (running !== null) {
    return (
      <PaymentRunner
        payment={running}
        onSettled={(p) => {
          setRunning(null);
          onDone(p);
        }}
        onCancel={() => setRunning(null)}
      />
    );
  }
  return (
    <div className="refund" data-testid="refund-form">
      <Field label={t('merchant.refundAmount')}>
        <input
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          data-testid="refund-amount"
        />
      </Field>
      <div className="actions">
        <button
          type="button"
          className="button button-secondary"
          onClick={() => setAmount(remaining)}
          data-testid="refund-full"
        >
          {t('merchant.refundFull')}
        </button>
        <button
          type="button"
          className="button"
          disabled={refund.busy}
          onClick={() => void refund.run()}
          data-testid="refund-submit"
        >
          {refund.busy ? t('common.working') : t('merchant.refundSubmit')}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel} data-testid="refund-cancel">
          {t('common.cancel')}
        </button>
      </div>
      <ErrorBox error={refund.error} />
    </div>
  );
}

function WebhookForm({ merchantId }: { readonly merchantId: string }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [url, setUrl] = useState('');
  const [webhook, setWebhook] = useState<Webhook | null>(null);
  const save = useAction(async () => {
    setWebhook(await client.setWebhook(merchantId, url.trim()));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void save.run();
  };
  return (
    <section className="card" data-testid="webhook-card">
      <h2>{t('merchant.webhook')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('merchant.webhookUrl')}>
          <input
            type="url"
            placeholder="https://"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            data-testid="webhook-url"
            required
          />
        </Field>
        <ErrorBox error={save.error} />
        <button type="submit" className="button button-secondary" disabled={save.busy} data-testid="webhook-submit">
          {t('merchant.webhookSave')}
        </button>
      </form>
      {webhook !== null && (
        <div className="rows">
          <Row label={t('merchant.webhookSecret')} testId="webhook-secret">
            <code>{webhook.secret}</code>
          </Row>
          <p className="hint">{t('merchant.webhookSecretOnce')}</p>
        </div>
      )}
    </section>
  );
}
