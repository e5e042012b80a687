/**
 * Program receivables (`GET /v1/merchants/{id}/programs`): program money a customer paid arrives as a receivable
 * per program, turned into an ordinary deposit of the settlement account by redemption (`POST
 * /v1/merchants/{id}/programs/{programId}/redemptions`, all of it). A custodial owner's redemption is done at once;
 * an owner with a browser-held key gets the `program.redeem` transaction to sign (202): it is decoded here, checked
 * to be this program's redemption into this merchant's account, signed with the wallet key as payments are, and the
 * signature posted. The outcome (transaction id, amount) stays on the row.
 */
import { formatAmount } from '@paychain/core/browser';
import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMinor } from '../../api/money';
import {
  getMerchantPrograms,
  type MerchantProgram,
  prepareRedemptionSigning,
  type Redemption,
  redeemProgram,
  submitRedemptionSignature,
} from '../../api/programs';
import type { Merchant, Signing } from '../../api/types';
import { signWithWalletKey } from '../../keys/wallet-key';
import { useApp } from '../app-context';
import { ErrorBox, formatTime, MoneyText, Row, shortHex } from '../common';
import { useAction, useLoad } from '../hooks';

const ZERO_PATTERN = /^0+(\.0+)?$/;

export function MerchantPrograms({
  merchant,
  changes,
  onRedeemed,
}: {
  readonly merchant: Merchant;
  readonly changes: number;
  /** A redemption is final: the settlement balance reloads. */
  readonly onRedeemed: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [redeemed, setRedeemed] = useState(0);
  const programs = useLoad(() => getMerchantPrograms(client, merchant.id), [client, merchant.id, changes, redeemed]);
  return (
    <section className="card" data-testid="merchant-programs">
      <h2>{t('programs.receivables')}</h2>
      <p className="hint">{t('programs.receivablesHint')}</p>
      <ErrorBox error={programs.error} />
      {programs.data !== null && programs.data.length === 0 && (
        <p className="muted" data-testid="merchant-programs-empty">
          {t('programs.noReceivables')}
        </p>
      )}
      <ul className="list">
        {programs.data?.map((p) => (
          <ReceivableRow
            key={p.programId}
            merchant={merchant}
            item={p}
            onRedeemed={() => {
              setRedeemed((n) => n + 1);
              onRedeemed();
            }}
          />
        ))}
      </ul>
      <button type="button" className="link" onClick={programs.reload} data-testid="merchant-programs-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function ReceivableRow({
  merchant,
  item,
  onRedeemed,
}: {
  readonly merchant: Merchant;
  readonly item: MerchantProgram;
  readonly onRedeemed: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [signing, setSigning] = useState<(Signing & { readonly intent: string }) | null>(null);
  const [result, setResult] = useState<Redemption | null>(null);
  const redeem = useAction(async () => {
    setResult(null);
    const answer = await redeemProgram(client, merchant.id, item.programId);
    if (answer.kind === 'signing') {
      setSigning(answer.signing);
      return;
    }
    setResult(answer);
    onRedeemed();
  });
  const nothing = ZERO_PATTERN.test(item.receivable.amount);
  return (
    <li className="payment-row" data-testid="merchant-program-row" data-program-id={item.programId}>
      <div className="list-row">
        <span>
          <strong>{item.name}</strong>
          <small>
            {t('programs.received')} <MoneyText money={item.received} testId="merchant-program-received" /> ·{' '}
            {t('programs.redeemed')} <MoneyText money={item.redeemed} testId="merchant-program-redeemed" />
          </small>
        </span>
        <span>
          <small>{t('programs.receivable')}</small> <MoneyText money={item.receivable} testId="merchant-receivable" />
        </span>
      </div>
      {signing === null ? (
        <button
          type="button"
          className="button button-secondary"
          disabled={redeem.busy || nothing}
          onClick={() => void redeem.run()}
          data-testid="merchant-redeem"
        >
          {redeem.busy ? t('common.working') : t('programs.redeem')}
        </button>
      ) : (
        <RedemptionSign
          merchant={merchant}
          programId={item.programId}
          signing={signing}
          onDone={(done) => {
            setSigning(null);
            setResult(done);
            onRedeemed();
          }}
          onCancel={() => setSigning(null)}
        />
      )}
      <ErrorBox error={redeem.error} />
      {result !== null && (
        <p
          className="verify verify-ok"
          data-testid="merchant-redeem-result"
          data-txid={result.txId}
          data-amount={result.amount.amount}
        >
          {t('programs.redeemDone')} <MoneyText money={result.amount} /> ·{' '}
          <a href={`#/ops/tx/${result.txId}`}>
            <code>{shortHex(result.txId)}</code>
          </a>
        </p>
      )}
    </li>
  );
}

/** The owner's key signs the redemption, after the browser decoded it and checked it is the one asked for. */
function RedemptionSign({
  merchant,
  programId,
  signing,
  onDone,
  onCancel,
}: {
  readonly merchant: Merchant;
  readonly programId: string;
  readonly signing: Signing & { readonly intent: string };
  readonly onDone: (redemption: Redemption) => void;
  readonly onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client, user, consortium, keys, locale } = useApp();
  const chain = useLoad(() => consortium(), [consortium]);
  const prepared = useMemo(
    () => prepareRedemptionSigning(signing, { programId, merchantAccountId: merchant.settlementAccountId }),
    [signing, programId, merchant.settlementAccountId],
  );
  const sign = useAction(async () => {
    if (!prepared.ok || chain.data === null || user === null) return;
    const signature = await signWithWalletKey(user.phone, chain.data.suite, prepared.signingBytes, keys);
    onDone(await submitRedemptionSignature(client, merchant.id, programId, signing.intent, signature));
  });
  const decimals = chain.data?.assets.find((a) => a.id === 'CNY')?.decimals ?? 2;
  return (
    <div className="sign" data-testid="merchant-redeem-sign">
      <p className="hint">{t('sign.hint')}</p>
      {!prepared.ok && <ErrorBox error={{ message: prepared.error, code: 'sign_refused' }} />}
      {prepared.ok && (
        <div className="rows">
          <Row label={t('sign.kind')} testId="merchant-redeem-sign-kind">
            {prepared.display.kind}
          </Row>
          <Row label={t('sign.amount')} testId="merchant-redeem-sign-amount">
            <span data-amount={formatAmount(prepared.amount, decimals)}>
              {formatMinor(prepared.amount, decimals, 'CNY', locale)}
            </span>
          </Row>
          <Row label={t('sign.to')}>{merchant.name}</Row>
          <Row label={t('sign.expires')}>{formatTime(prepared.display.expiresAtMs, locale)}</Row>
        </div>
      )}
      <ErrorBox error={chain.error ?? sign.error} />
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={!prepared.ok || chain.data === null || sign.busy}
          onClick={() => void sign.run()}
          data-testid="merchant-redeem-sign-confirm"
        >
          {sign.busy ? t('sign.signing') : t('sign.confirm')}
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={onCancel}
          data-testid="merchant-redeem-cancel"
        >
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
