/**
 * A payment's receipt page: what was paid, to whom, its status, and whether its ledger receipt verifies — checked
 * here in the browser against the consortium's validator keys (GET /v1/consortium), never taken from the server.
 * A payment not yet final is re-read until it is.
 */
import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment } from '../../api/types';
import type { Consortium } from '../../chain/consortium';
import { verifyReceiptInBrowser } from '../../chain/verify-receipt';
import { useApp } from '../app-context';
import { ErrorBox, formatTime, MoneyText, Row, shortHex } from '../common';
import { useLoad } from '../hooks';

const PENDING_RELOAD_MS = 1500;

export function ReceiptScreen({ txId }: { readonly txId: string }): ReactNode {
  const { t } = useTranslation();
  const { client, consortium, locale } = useApp();
  const payment = useLoad(() => client.payment(txId), [client, txId]);
  const chain = useLoad(() => consortium(), [consortium]);

  const status = payment.data?.status;
  useEffect(() => {
    if (status !== 'pending') return;
    const timer = setTimeout(payment.reload, PENDING_RELOAD_MS);
    return () => clearTimeout(timer);
  }, [status, payment.reload]);

  const p = payment.data;
  return (
    <section className="card" data-testid="receipt-screen" data-txid={txId}>
      <h2>{t('receipt.title')}</h2>
      <ErrorBox error={payment.error ?? chain.error} />
      {p !== null && (
        <>
          <p className="balance">
            {p.direction === 'in' ? '+' : '−'}
            {/* The payer of a payment in another currency sees what left its wallet; the payee what it got. */}
            <MoneyText money={p.direction === 'out' && p.fx !== null ? p.fx.paid : p.amount} testId="receipt-amount" />
          </p>
          <div className="rows">
            <Row label={t('receipt.status')} testId="receipt-status">
              {t(`payment.status.${p.status}`)}
            </Row>
            <Row label={t('receipt.kind')} testId="receipt-kind">
              {t(`kind.${p.kind}`)}
            </Row>
            <Row label={t('receipt.counterparty')} testId="receipt-counterparty">
              {p.counterparty.name}
              {p.counterparty.phone !== undefined ? ` (${p.counterparty.phone})` : ''}
            </Row>
            {p.memo !== null && p.memo !== '' && (
              <Row label={t('receipt.memo')} testId="receipt-memo">
                {p.memo}
              </Row>
            )}
            {p.refunded.amount !== '0.00' && p.refunded.amount !== '0' && (
              <Row label={t('receipt.refunded')}>
                <MoneyText money={p.refunded} testId="receipt-refunded" />
              </Row>
            )}
            {p.code !== null && p.status === 'refused' && (
              <Row label={t('receipt.code')} testId="receipt-code">
                {p.code}
              </Row>
            )}
            {p.fx !== null && (
              <Row label={t('receipt.fxPaid')} testId="receipt-fx">
                <MoneyText money={p.fx.paid} testId="receipt-fx-paid" /> → <MoneyText money={p.amount} />
              </Row>
            )}
            {p.programId !== null && (
              <Row label={t('programs.paidFrom')} testId="receipt-program">
                <a href="#/wallet/programs">
                  <code>{shortHex(p.programId, 4)}</code>
                </a>
              </Row>
            )}
            <Row label={t('receipt.time')}>{formatTime(p.createdAtMs, locale)}</Row>
            <Row label={t('receipt.txId')} testId="receipt-txid">
              <code>{p.txId}</code>
            </Row>
            {p.ledger !== null && (
              <Row label={t('receipt.block')} testId="receipt-block">
                {String(p.ledger.height)} / {p.ledger.index}
              </Row>
            )}
          </div>
          <Verification payment={p} consortium={chain.data} />
        </>
      )}
      <a className="button button-secondary" href="#/wallet" data-testid="receipt-back">
        {t('receipt.back')}
      </a>
    </section>
  );
}

function Verification({
  payment: shown,
  consortium,
}: {
  readonly payment: Payment;
  readonly consortium: Consortium | null;
}): ReactNode {
  const { t } = useTranslation();
  if (consortium === null) return null;
  if (shown.receipt === null) {
    return (
      <p className="verify verify-none" data-testid="receipt-unverified" data-verified="none">
        {shown.status === 'refused' ? t('receipt.noReceiptRefused') : t('receipt.noReceiptYet')}
      </p>
    );
  }
  const verdict = verifyReceiptInBrowser(shown.receipt, consortium, { expectedTxId: shown.txId });
  if (!verdict.ok) {
    return (
      <p className="verify verify-bad" data-testid="receipt-not-verified" data-verified="false">
        {t('receipt.notVerified', { reason: verdict.reason })}
      </p>
    );
  }
  return (
    <div className="verify verify-ok" data-testid="receipt-verified" data-verified="true">
      <p>
        <strong>{t('receipt.verified')}</strong>
      </p>
      <p className="muted">
        {t('receipt.verifiedDetail', {
          height: verdict.height.toString(),
          hash: shortHex(verdict.headerHash),
          signers: verdict.signers.join(', '),
        })}
      </p>
      {verdict.code !== 'ok' && <p className="warning">{t('receipt.ledgerRefused', { code: verdict.code })}</p>}
    </div>
  );
}
