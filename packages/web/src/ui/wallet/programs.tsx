/**
 * The wallet's programs (`#/wallet/programs`): each program I was given money in (`GET /v1/me/programs`) with its
 * name, purpose, my balance, what I was given and spent, the expiry date first, its rules in plain words (kinds of
 * shop, regions, listed merchants, the cap per payment, validity) and whether it is suspended or expired; my
 * statement of a program (`GET /v1/me/programs/{id}/statement`) on demand.
 */
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getMyProgramStatement, getMyPrograms, type MyProgram } from '../../api/programs';
import { useApp } from '../app-context';
import { ErrorBox, MoneyText, Row } from '../common';
import { useLoad } from '../hooks';
import { ProgramExpiry, ProgramRulesView, ProgramStatusBadge, StatementTable } from '../program-parts';

export function WalletPrograms(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const programs = useLoad(() => getMyPrograms(client), [client]);
  return (
    <section className="card" data-testid="wallet-programs">
      <h2>{t('programs.walletTitle')}</h2>
      <p className="hint">{t('programs.walletHint')}</p>
      <ErrorBox error={programs.error} />
      {programs.data !== null && programs.data.length === 0 && (
        <p className="muted" data-testid="wallet-programs-empty">
          {t('programs.none')}
        </p>
      )}
      <div className="stack">
        {programs.data?.map((item) => (
          <WalletProgramCard key={item.program.id} item={item} />
        ))}
      </div>
      <button type="button" className="link" onClick={programs.reload} data-testid="wallet-programs-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function WalletProgramCard({ item }: { readonly item: MyProgram }): ReactNode {
  const { t } = useTranslation();
  const { program } = item;
  const [showStatement, setShowStatement] = useState(false);
  return (
    <article
      className="card program-card"
      data-testid="wallet-program"
      data-program-id={program.id}
      data-status={program.status}
    >
      <h3>
        {program.name} <ProgramStatusBadge status={program.status} />
      </h3>
      <p className="muted" data-testid="wallet-program-purpose">
        {program.purpose}
      </p>
      <ProgramExpiry rules={program.rules} status={program.status} />
      {program.status === 'suspended' && <p className="warning">{t('programs.suspendedNote')}</p>}
      {program.status === 'expired' && <p className="warning">{t('programs.expiredNote')}</p>}
      <div className="rows">
        <Row label={t('programs.balance')}>
          <MoneyText money={item.balance} testId="wallet-program-balance" />
        </Row>
        <Row label={t('programs.allocated')}>
          <MoneyText money={item.allocated} testId="wallet-program-allocated" />
        </Row>
        <Row label={t('programs.spent')}>
          <MoneyText money={item.spent} testId="wallet-program-spent" />
        </Row>
      </div>
      <h4>{t('programs.rules')}</h4>
      <ProgramRulesView rules={program.rules} />
      <button
        type="button"
        className="button button-secondary"
        onClick={() => setShowStatement((on) => !on)}
        aria-expanded={showStatement}
        data-testid="wallet-program-statement-toggle"
      >
        {showStatement ? t('programs.hideStatement') : t('programs.showStatement')}
      </button>
      {showStatement && <MyStatement programId={program.id} />}
    </article>
  );
}

function MyStatement({ programId }: { readonly programId: string }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const statement = useLoad(() => getMyProgramStatement(client, programId), [client, programId]);
  return (
    <div>
      <h4>{t('programs.statement')}</h4>
      <ErrorBox error={statement.error} />
      {statement.loading && statement.data === null && <p className="muted">{t('common.loading')}</p>}
      {statement.data !== null && <StatementTable statement={statement.data} />}
    </div>
  );
}
