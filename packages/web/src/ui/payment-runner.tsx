/**
 * Carries a payment from its first request to the ledger's decision. The first request goes through
 * `useStepUp().send` (step-up.tsx, re-exported here): when risk control asks the payer to confirm it is them, the
 * step-up dialog asks, and the same request is sent again with the one-time token. From the API's first answer on,
 * this runner takes over. A custodial payment is usually final at
 * once; a `pending` one is polled; an `awaiting_signature` one (browser-held key) shows the one confirm step:
 * the transaction decoded in the browser (kind, amount, from, to, memo, expiry), then "Confirm and sign" signs
 * the bytes derived from that same transaction with the wallet key and posts the signature. The transaction must
 * also match the payment the gateway described (amount), or signing is refused. A payment waiting on someone
 * else's key (a merchant charging a browser-key customer's pay code) is polled until that customer signs.
 */
import { formatAmount } from '@paychain/core/browser';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isSettled, isWaiting, waitForSettled } from '../api/client';
import { decimalsOfMoney } from '../api/fx';
import { formatMinor } from '../api/money';
import type { Payment } from '../api/types';
import { prepareSigning } from '../chain/decode-for-display';
import { signWithWalletKey } from '../keys/wallet-key';
import { useApp } from './app-context';
import { ErrorBox, formatTime, MoneyText, Row, shortHex } from './common';
import { toShown, useAction, useLoad } from './hooks';

export { type StepUpGate, useStepUp } from './step-up';

/** Polls (1 s apart) while waiting: a little above the 120 s an unsigned payment lives before it lapses. */
const WAIT_ATTEMPTS_MAX = 150;

export function PaymentRunner({
  payment,
  onSettled,
  onCancel,
}: {
  readonly payment: Payment;
  readonly onSettled: (payment: Payment) => void;
  readonly onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [current, setCurrent] = useState(payment);
  const [error, setError] = useState<ReturnType<typeof toShown> | null>(null);
  const onSettledRef = useRef(onSettled);
  onSettledRef.current = onSettled;

  useEffect(() => {
    if (isSettled(current)) {
      onSettledRef.current(current);
      return;
    }
    if (!isWaiting(current)) return;
    let live = true;
    waitForSettled(client, current, { attemptsMax: WAIT_ATTEMPTS_MAX }).then(
      (settled) => {
        if (live && !isWaiting(settled)) setCurrent(settled);
        else if (live) setError({ message: t('payment.stillPending'), code: 'pending' });
      },
      (failure: unknown) => {
        if (live) setError(toShown(failure));
      },
    );
    return () => {
      live = false;
    };
  }, [client, current, t]);

  if (current.status === 'awaiting_signature' && current.signing !== undefined) {
    return <SignConfirm payment={current} onSigned={setCurrent} onCancel={onCancel} />;
  }
  const waitingText =
    current.status === 'pending'
      ? t('payment.pending')
      : current.status === 'awaiting_signature'
        ? t('payment.awaitingOther')
        : t(`payment.status.${current.status}`);
  return (
    <section className="card" data-testid="payment-progress" data-status={current.status}>
      <p>{waitingText}</p>
      <ErrorBox error={error} />
    </section>
  );
}

function SignConfirm({
  payment,
  onSigned,
  onCancel,
}: {
  readonly payment: Payment;
  readonly onSigned: (payment: Payment) => void;
  readonly onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client, user, consortium, keys, locale } = useApp();
  const chain = useLoad(() => consortium(), [consortium]);
  const prepared = useMemo(
    () =>
      payment.signing === undefined
        ? ({ ok: false, error: t('sign.noSigningRequest') } as const)
        : prepareSigning(payment.signing, payment.txId),
    [payment, t],
  );
  const sign = useAction(async () => {
    if (!prepared.ok || chain.data === null || user === null) return;
    const signature = await signWithWalletKey(user.phone, chain.data.suite, prepared.signingBytes, keys);
    onSigned(await client.submitSignature(payment.txId, signature, payment.signing?.intent));
  });

  const display = prepared.ok ? prepared.display : null;
  // A payment in another currency signs what leaves the payer (the quote's base asset), not what the payee gets.
  const fx = payment.fx;
  const expected = fx === null ? payment.amount : fx.paid;
  const asset = display?.asset ?? expected.currency;
  const decimals = chain.data?.assets.find((a) => a.id === asset)?.decimals ?? decimalsOfMoney(expected);
  const signedFx = display?.ops.length === 1 ? display.ops[0]?.fx : undefined;
  // The gateway's description and the transaction must agree on the amount of a single-operation payment, and on
  // the quote and the rate of a conversion.
  const mismatch =
    display !== null &&
    display.ops.length === 1 &&
    ((display.amount !== null && formatAmount(display.amount, decimals) !== expected.amount) ||
      (signedFx === undefined) !== (fx === null) ||
      (signedFx !== undefined &&
        (fx === null ||
          signedFx.quote !== fx.quoteId ||
          signedFx.rateNum !== fx.rate.num ||
          signedFx.rateDen !== fx.rate.den)));
  const account = (id: string | null): string =>
    id === null ? '—' : id === user?.ledgerAccountId ? t('sign.yourAccount') : shortHex(id);

  return (
    <section className="card sign" data-testid="sign-screen" data-txid={payment.txId}>
      <h2>{t('sign.title')}</h2>
      <p className="hint">{t('sign.hint')}</p>
      {!prepared.ok && <ErrorBox error={{ message: prepared.error, code: 'sign_refused' }} />}
      {display !== null && (
        <div className="rows">
          <Row label={t('sign.kind')} testId="sign-kind">
            {display.kind}
          </Row>
          <Row label={t('sign.amount')} testId="sign-amount">
            {display.amount === null ? '—' : formatMinor(display.amount, decimals, asset, locale)}
          </Row>
          {signedFx !== undefined && (
            <Row label={t('scan.fx.rate')} testId="sign-fx-rate">
              {signedFx.rateNum.toString()} / {signedFx.rateDen.toString()} · {shortHex(signedFx.quote)}
            </Row>
          )}
          <Row label={t('sign.from')} testId="sign-source">
            {account(display.source)}
          </Row>
          <Row label={t('sign.to')} testId="sign-target">
            {payment.counterparty.name} ({account(display.target)})
          </Row>
          {display.memo !== '' && (
            <Row label={t('sign.memo')} testId="sign-memo">
              {display.memo}
            </Row>
          )}
          <Row label={t('sign.expires')} testId="sign-expiry">
            {formatTime(display.expiresAtMs, locale)}
          </Row>
          {display.ops.length > 1 && (
            <ol className="ops" data-testid="sign-ops">
              {display.ops.map((op, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the operations of one transaction never reorder.
                <li key={index}>
                  {op.kind} {op.amount === null ? '' : formatMinor(op.amount, decimals, op.asset ?? 'CNY', locale)} →{' '}
                  {account(op.target)}
                </li>
              ))}
            </ol>
          )}
          <Row label={t('sign.gatewaySays')}>
            <MoneyText money={payment.amount} />
          </Row>
        </div>
      )}
      {mismatch && <ErrorBox error={{ message: t('sign.mismatch'), code: 'sign_mismatch' }} />}
      <ErrorBox error={chain.error ?? sign.error} />
      <div className="actions">
        <button
          type="button"
          className="button"
          data-testid="sign-confirm"
          disabled={!prepared.ok || mismatch || chain.data === null || sign.busy}
          onClick={() => void sign.run()}
        >
          {sign.busy ? t('sign.signing') : t('sign.confirm')}
        </button>
        <button type="button" className="button button-secondary" data-testid="sign-cancel" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </section>
  );
}
