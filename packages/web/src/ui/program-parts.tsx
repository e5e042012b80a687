/**
 * Pieces of the program views shared by the wallet and the ops console: a program's status badge, its rules in
 * plain words (kinds of shop by MCC name, regions, listed merchants, the cap per payment, the validity with the
 * expiry date prominent) and a statement's movements.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { mccLabel } from '../api/mcc';
import type { ProgramRules, ProgramStatement, ProgramStatus } from '../api/programs';
import { useApp } from './app-context';
import { formatTime, MoneyText, Row, shortHex } from './common';

const STATEMENT_KINDS = ['disburse', 'spend', 'clawback', 'expiry_return', 'expiry_release'] as const;

export function ProgramStatusBadge({ status }: { readonly status: ProgramStatus }): ReactNode {
  const { t } = useTranslation();
  const style =
    status === 'active' ? 'badge badge-open' : status === 'suspended' ? 'badge badge-warn' : 'badge badge-error';
  return (
    <span className={style} data-testid="program-status" data-status={status}>
      {t(`programs.status.${status}`)}
    </span>
  );
}

/** A date (no time) in the user's locale. */
export function formatDate(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(ms);
}

/** The validity, the expiry first and prominent: "Spend by 31 December 2026" (or "Expired on …"). */
export function ProgramExpiry({
  rules,
  status,
}: {
  readonly rules: ProgramRules;
  readonly status: ProgramStatus;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const expired = status === 'expired' || rules.validUntilMs <= Date.now();
  return (
    <p
      className={expired ? 'warning' : 'program-expiry'}
      data-testid="program-expiry"
      data-valid-until={rules.validUntilMs}
    >
      <strong>
        {expired
          ? t('programs.expiredOn', { date: formatDate(rules.validUntilMs, locale) })
          : t('programs.spendBy', { date: formatDate(rules.validUntilMs, locale) })}
      </strong>
    </p>
  );
}

export function ProgramRulesView({ rules }: { readonly rules: ProgramRules }): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const mccName = (mcc: string): string => mccLabel(mcc, (known) => t(`mcc.c${known}`));
  const notStarted = rules.validFromMs > Date.now();
  return (
    <div className="rows" data-testid="program-rules">
      <Row label={t('programs.categories')} testId="program-rule-mccs">
        {rules.mccs.length === 0 ? t('programs.anyCategory') : rules.mccs.map(mccName).join(', ')}
      </Row>
      <Row label={t('programs.regions')} testId="program-rule-regions">
        {rules.regions.length === 0 ? t('programs.anyRegion') : rules.regions.join(', ')}
      </Row>
      <Row label={t('programs.merchants')} testId="program-rule-merchants">
        {rules.merchants.length === 0
          ? t('programs.anyMerchant')
          : rules.merchants.map((m) => m.name ?? shortHex(m.accountId, 4)).join(', ')}
      </Row>
      <Row label={t('programs.perPaymentCap')} testId="program-rule-cap">
        {rules.perPaymentMax === null ? t('programs.noCap') : <MoneyText money={rules.perPaymentMax} />}
      </Row>
      <Row label={t('programs.perBeneficiaryMax')}>
        <MoneyText money={rules.perBeneficiaryMax} />
      </Row>
      <Row label={t('programs.validFrom')} testId="program-rule-from">
        {formatTime(rules.validFromMs, locale)}
        {notStarted ? ` (${t('programs.notStarted')})` : ''}
      </Row>
      <Row label={t('programs.validUntil')} testId="program-rule-until">
        {formatTime(rules.validUntilMs, locale)}
      </Row>
      <Row label={t('programs.atExpiry')} testId="program-rule-at-expiry">
        {t(`programs.atExpiryAction.${rules.atExpiry}`)}
      </Row>
    </div>
  );
}

/** A statement's movements, newest last as the chain has them; `txHref` links a transaction where there is a view. */
export function StatementTable({
  statement,
  txHref,
}: {
  readonly statement: ProgramStatement;
  readonly txHref?: (txId: string) => string;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const kindName = (kind: string): string => {
    const known = STATEMENT_KINDS.find((k) => k === kind);
    return known === undefined ? kind : t(`programs.rowKind.${known}`);
  };
  return (
    <div data-testid="program-statement" data-account-id={statement.accountId} data-rows={statement.rows.length}>
      <div className="rows">
        {statement.phone !== null && <Row label={t('auth.phone')}>{statement.phone}</Row>}
        <Row label={t('ops.accountId')}>
          <code>{shortHex(statement.accountId)}</code>
        </Row>
        <Row label={t('programs.balance')}>
          <MoneyText money={statement.balance} testId="program-statement-balance" />
        </Row>
      </div>
      {statement.rows.length === 0 ? (
        <p className="muted">{t('programs.noRows')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('ops.time')}</th>
              <th>{t('programs.movement')}</th>
              <th>{t('common.amountShort')}</th>
              <th>{t('programs.counterparty')}</th>
              <th>{t('ops.txId')}</th>
            </tr>
          </thead>
          <tbody>
            {statement.rows.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one statement, in chain order.
              <tr key={i} data-testid="program-statement-row" data-kind={row.kind}>
                <td>{formatTime(row.timeMs, locale)}</td>
                <td>{kindName(row.kind)}</td>
                <td className={row.amount.amount.startsWith('-') ? 'amount-out' : 'amount-in'}>
                  <MoneyText money={row.amount} />
                </td>
                <td>
                  {row.counterparty ?? '—'}
                  {row.reason !== null && <small className="muted block">{row.reason}</small>}
                </td>
                <td>
                  {row.txId === null ? (
                    t('programs.sweepAt', { height: row.height })
                  ) : txHref === undefined ? (
                    <code>{shortHex(row.txId, 4)}</code>
                  ) : (
                    <a href={txHref(row.txId)}>
                      <code>{shortHex(row.txId, 4)}</code>
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {statement.truncated && <p className="hint">{t('programs.truncated')}</p>}
    </div>
  );
}
