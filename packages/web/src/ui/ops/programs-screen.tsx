/**
 * Purpose-bound programs for the funder's operators (`#/ops/programs`, ops role): the list (status, budget, funded,
 * disbursed, spent, returned, clawed back, valid until) and a form to create one (name, purpose, budget, auditor,
 * allowed MCCs and regions, caps, validity). A program (`#/ops/programs/<id>`) shows its totals and rules and is
 * funded from a bank account, disbursed to beneficiaries (CSV `beneficiary,amount` typed or from a file, all or
 * nothing), suspended or resumed with a reason, and clawed back from a beneficiary: the funder's proposal is shown
 * for the auditor to co-sign offline, and the co-signature pasted here submits it. Its trace — where the money went,
 * read from the chain — is drawn as a Sankey with a table of flows whose evidence links to the explorer; a
 * beneficiary's statement is looked up by phone; the public transparency report downloads as JSON or CSV.
 */
import { type FormEvent, type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseBankAccount } from '../../api/merchant';
import { parseMoneyInput } from '../../api/money';
import {
  type ClawbackProposal,
  createProgram,
  csvAllocationLines,
  DISBURSE_CSV_BYTES_MAX,
  type DisburseResult,
  dateTimeLocalToMs,
  disbursementProblemOf,
  disburseProgramCsv,
  fundProgram,
  getBeneficiaryStatement,
  getProgram,
  getPrograms,
  getProgramTrace,
  msToDateTimeLocal,
  type NewProgram,
  PROGRAM_EXPIRY_ACTIONS,
  PROGRAM_REASON_CHARS_MAX,
  PROGRAM_TOTAL_KEYS,
  type Program,
  type ProgramExpiryAction,
  type ProgramStatement,
  type ProgramTrace,
  parseCosignatures,
  parseMccList,
  parseRegionList,
  programReportCsvUrl,
  programReportUrl,
  proposeClawback,
  resumeProgram,
  submitClawback,
  suspendProgram,
  TRACE_EDGE_KINDS,
  type TxWithReceipt,
} from '../../api/programs';
import { useApp } from '../app-context';
import { BALANCE_KIND, sankeyOption, traceSankeyGraph, withBalanceSinks } from '../charts/chart-options';
import { EChart } from '../charts/echart';
import { useChartText } from '../charts/use-chart-text';
import { ErrorBox, Field, formatTime, MoneyText, Row, shortHex } from '../common';
import { type Shown, useAction, useLoad } from '../hooks';
import { formatDate, ProgramExpiry, ProgramRulesView, ProgramStatusBadge, StatementTable } from '../program-parts';
import { navigate } from '../router';
import { normalizePhone, PHONE_PATTERN } from '../wallet/auth';

const ID_PATTERN = /^[0-9a-f]{32}$/;
const NAME_CHARS_MAX = 100;
const PURPOSE_CHARS_MAX = 500;
const DEFAULT_VALIDITY_MS = 30 * 24 * 3_600_000;
/** Evidence links shown per flow before "and N more". */
const EVIDENCE_SHOWN = 5;

export function ProgramsScreen(): ReactNode {
  const [changes, setChanges] = useState(0);
  return (
    <div className="stack" data-testid="programs-screen">
      <ProgramList changes={changes} />
      <CreateProgramCard onCreated={() => setChanges((n) => n + 1)} />
    </div>
  );
}

function ProgramList({ changes }: { readonly changes: number }): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const programs = useLoad(() => getPrograms(client), [client, changes]);
  return (
    <section className="card" data-testid="program-list">
      <h2>{t('programs.title')}</h2>
      <ErrorBox error={programs.error} />
      {programs.data !== null && programs.data.length === 0 && (
        <p className="muted" data-testid="programs-empty">
          {t('programs.noPrograms')}
        </p>
      )}
      {programs.data !== null && programs.data.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th>{t('programs.name')}</th>
                <th>{t('ops.status')}</th>
                <th>{t('programs.budget')}</th>
                <th>{t('programs.totals.funded')}</th>
                <th>{t('programs.totals.disbursed')}</th>
                <th>{t('programs.totals.spent')}</th>
                <th>{t('programs.totals.returned')}</th>
                <th>{t('programs.totals.clawedBack')}</th>
                <th>{t('programs.validUntil')}</th>
              </tr>
            </thead>
            <tbody>
              {programs.data.map((p) => (
                <tr key={p.id} data-testid="program-row" data-program-id={p.id} data-status={p.status}>
                  <td>
                    <a href={`#/ops/programs/${p.id}`} data-testid="program-open">
                      {p.name}
                    </a>
                  </td>
                  <td>
                    <ProgramStatusBadge status={p.status} />
                  </td>
                  <td>
                    <MoneyText money={p.budget} />
                  </td>
                  <td>
                    <MoneyText money={p.totals.funded} />
                  </td>
                  <td>
                    <MoneyText money={p.totals.disbursed} />
                  </td>
                  <td>
                    <MoneyText money={p.totals.spent} />
                  </td>
                  <td>
                    <MoneyText money={p.totals.returned} />
                  </td>
                  <td>
                    <MoneyText money={p.totals.clawedBack} />
                  </td>
                  <td>{formatDate(p.rules.validUntilMs, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" className="link" onClick={programs.reload} data-testid="programs-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function CreateProgramCard({ onCreated }: { readonly onCreated: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [name, setName] = useState('');
  const [purpose, setPurpose] = useState('');
  const [budget, setBudget] = useState('');
  const [auditor, setAuditor] = useState('regulator');
  const [mccs, setMccs] = useState('');
  const [regions, setRegions] = useState('');
  const [perPayment, setPerPayment] = useState('');
  const [perBeneficiary, setPerBeneficiary] = useState('');
  const [validFrom, setValidFrom] = useState(() => msToDateTimeLocal(Date.now()));
  const [validUntil, setValidUntil] = useState(() => msToDateTimeLocal(Date.now() + DEFAULT_VALIDITY_MS));
  const [atExpiry, setAtExpiry] = useState<ProgramExpiryAction>('return');
  const create = useAction(async () => {
    if (name.trim() === '') throw new Error(t('programs.errors.nameRequired'));
    if (purpose.trim() === '') throw new Error(t('programs.errors.purposeRequired'));
    if (auditor.trim() === '') throw new Error(t('programs.errors.auditorRequired'));
    const budgetAmount = parseMoneyInput(budget);
    if (!budgetAmount.ok) throw new Error(`${t('programs.budget')}: ${t(`money.${budgetAmount.error}`)}`);
    const perBeneficiaryAmount = parseMoneyInput(perBeneficiary);
    if (!perBeneficiaryAmount.ok) {
      throw new Error(`${t('programs.perBeneficiaryMax')}: ${t(`money.${perBeneficiaryAmount.error}`)}`);
    }
    const perPaymentAmount = perPayment.trim() === '' ? null : parseMoneyInput(perPayment);
    if (perPaymentAmount !== null && !perPaymentAmount.ok) {
      throw new Error(`${t('programs.perPaymentCap')}: ${t(`money.${perPaymentAmount.error}`)}`);
    }
    const mccList = parseMccList(mccs);
    if (mccList === null) throw new Error(t('programs.errors.mccsInvalid'));
    const regionList = parseRegionList(regions);
    if (regionList === null) throw new Error(t('programs.errors.regionsInvalid'));
    const fromMs = dateTimeLocalToMs(validFrom);
    const untilMs = dateTimeLocalToMs(validUntil);
    if (untilMs === null) throw new Error(t('programs.errors.validUntilRequired'));
    if (fromMs !== null && untilMs <= fromMs) throw new Error(t('programs.errors.validUntilBeforeFrom'));
    const body: NewProgram = {
      name: name.trim(),
      purpose: purpose.trim(),
      budget: { amount: budgetAmount.value, currency: 'CNY' },
      auditor: auditor.trim(),
      rules: {
        ...(mccList.length === 0 ? {} : { mccs: mccList }),
        ...(regionList.length === 0 ? {} : { regions: regionList }),
        ...(perPaymentAmount === null ? {} : { perPaymentMax: perPaymentAmount.value }),
        perBeneficiaryMax: perBeneficiaryAmount.value,
        ...(fromMs === null ? {} : { validFromMs: fromMs }),
        validUntilMs: untilMs,
        atExpiry,
      },
    };
    const program = await createProgram(client, body);
    onCreated();
    navigate(`/ops/programs/${program.id}`);
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void create.run();
  };
  return (
    <section className="card" data-testid="program-create">
      <h2>{t('programs.create')}</h2>
      <p className="hint">{t('programs.createHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('programs.name')}>
          <input
            value={name}
            maxLength={NAME_CHARS_MAX}
            onChange={(e) => setName(e.target.value)}
            data-testid="program-create-name"
            required
          />
        </Field>
        <Field label={t('programs.purpose')}>
          <textarea
            rows={2}
            value={purpose}
            maxLength={PURPOSE_CHARS_MAX}
            onChange={(e) => setPurpose(e.target.value)}
            data-testid="program-create-purpose"
            required
          />
        </Field>
        <Field label={t('programs.budgetInput')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={budget}
            onChange={(e) => setBudget(e.target.value)}
            data-testid="program-create-budget"
            required
          />
        </Field>
        <Field label={t('programs.auditor')}>
          <input value={auditor} onChange={(e) => setAuditor(e.target.value)} data-testid="program-create-auditor" />
        </Field>
        <Field label={t('programs.mccsInput')}>
          <input
            inputMode="numeric"
            placeholder="5411, 5499"
            value={mccs}
            onChange={(e) => setMccs(e.target.value)}
            data-testid="program-create-mccs"
          />
        </Field>
        <Field label={t('programs.regionsInput')}>
          <input
            placeholder="CN-SC, CN-CQ"
            value={regions}
            onChange={(e) => setRegions(e.target.value)}
            data-testid="program-create-regions"
          />
        </Field>
        <Field label={t('programs.perPaymentInput')}>
          <input
            inputMode="decimal"
            placeholder={t('programs.noCap')}
            value={perPayment}
            onChange={(e) => setPerPayment(e.target.value)}
            data-testid="program-create-per-payment"
          />
        </Field>
        <Field label={t('programs.perBeneficiaryInput')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={perBeneficiary}
            onChange={(e) => setPerBeneficiary(e.target.value)}
            data-testid="program-create-per-beneficiary"
            required
          />
        </Field>
        <Field label={t('programs.validFrom')}>
          <input
            type="datetime-local"
            value={validFrom}
            onChange={(e) => setValidFrom(e.target.value)}
            data-testid="program-create-valid-from"
          />
        </Field>
        <Field label={t('programs.validUntil')}>
          <input
            type="datetime-local"
            value={validUntil}
            onChange={(e) => setValidUntil(e.target.value)}
            data-testid="program-create-valid-until"
            required
          />
        </Field>
        <Field label={t('programs.atExpiry')}>
          <select
            value={atExpiry}
            onChange={(e) => setAtExpiry(e.target.value === 'release' ? 'release' : 'return')}
            data-testid="program-create-at-expiry"
          >
            {PROGRAM_EXPIRY_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {t(`programs.atExpiryAction.${action}`)}
              </option>
            ))}
          </select>
        </Field>
        <ErrorBox error={create.error} />
        <button type="submit" className="button" disabled={create.busy} data-testid="program-create-submit">
          {create.busy ? t('common.working') : t('programs.createSubmit')}
        </button>
      </form>
    </section>
  );
}

export function ProgramDetail({ programId }: { readonly programId: string }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [changes, setChanges] = useState(0);
  const changed = (): void => setChanges((n) => n + 1);
  const program = useLoad(() => getProgram(client, programId), [client, programId, changes]);
  const p = program.data;
  return (
    <div className="stack" data-testid="program-detail" data-program-id={programId} data-status={p?.status ?? ''}>
      <a className="back-link" href="#/ops/programs" data-testid="program-back">
        ← {t('programs.title')}
      </a>
      <ErrorBox error={program.error} />
      {p !== null && (
        <>
          <ProgramSummary program={p} />
          <FundCard program={p} onDone={changed} />
          <DisburseCard program={p} onDone={changed} />
          <StatusCard program={p} onDone={changed} />
          <ClawbackCard program={p} onDone={changed} />
          <TraceCard programId={programId} changes={changes} />
          <StatementLookup programId={programId} />
        </>
      )}
    </div>
  );
}

function ProgramSummary({ program }: { readonly program: Program }): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  return (
    <section className="card" data-testid="program-summary">
      <h2 data-testid="program-name">
        {program.name} <ProgramStatusBadge status={program.status} />
      </h2>
      <p className="muted">{program.purpose}</p>
      <ProgramExpiry rules={program.rules} status={program.status} />
      <div className="rows">
        <Row label={t('programs.funder')}>{program.funder}</Row>
        <Row label={t('programs.auditor')}>{program.auditor}</Row>
        <Row label={t('programs.budget')}>
          <MoneyText money={program.budget} testId="program-budget" />
        </Row>
        <Row label={t('programs.fundingAccount')}>
          <a href={`#/ops/accounts/${program.fundingAccountId}`}>
            <code>{shortHex(program.fundingAccountId)}</code>
          </a>
        </Row>
        <Row label={t('programs.created')}>{formatTime(program.createdAtMs, locale)}</Row>
      </div>
      <h3>{t('programs.totalsTitle')}</h3>
      <div className="rows" data-testid="program-totals">
        {PROGRAM_TOTAL_KEYS.map((key) => (
          <Row key={key} label={t(`programs.totals.${key}`)}>
            <MoneyText money={program.totals[key]} testId={`program-total-${key}`} />
          </Row>
        ))}
      </div>
      <h3>{t('programs.rules')}</h3>
      <ProgramRulesView rules={program.rules} />
      <h3>{t('programs.report')}</h3>
      <p className="hint">{t('programs.reportHint')}</p>
      <div className="actions">
        <a
          className="button button-secondary"
          href={programReportUrl(program.id)}
          download={`program-${program.id}-report.json`}
          data-testid="program-report-json"
        >
          {t('programs.reportJson')}
        </a>
        <a
          className="button button-secondary"
          href={programReportCsvUrl(program.id)}
          download={`program-${program.id}-report.csv`}
          data-testid="program-report-csv"
        >
          {t('programs.reportCsv')}
        </a>
      </div>
    </section>
  );
}

function FundCard({ program, onDone }: { readonly program: Program; readonly onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [amount, setAmount] = useState('');
  const [bankAccount, setBankAccount] = useState('');
  const [txIds, setTxIds] = useState<readonly string[] | null>(null);
  const fund = useAction(async () => {
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    const bank = parseBankAccount(bankAccount);
    if (!bank.ok) throw new Error(t('merchant.bankAccountInvalid'));
    setTxIds(null);
    const result = await fundProgram(client, program.id, {
      amount: parsed.value,
      currency: program.currency,
      bankAccount: bank.value,
    });
    setTxIds(result.txIds);
    onDone();
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void fund.run();
  };
  return (
    <section className="card" data-testid="program-fund">
      <h2>{t('programs.fund')}</h2>
      <p className="hint">{t('programs.fundHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="program-fund-amount"
            required
          />
        </Field>
        <Field label={t('programs.fundBankAccount')}>
          <input
            autoComplete="off"
            maxLength={40}
            placeholder="6222 0210 0112 3456"
            value={bankAccount}
            onChange={(e) => setBankAccount(e.target.value)}
            data-testid="program-fund-bank-account"
            required
          />
        </Field>
        <ErrorBox error={fund.error} />
        <button type="submit" className="button" disabled={fund.busy} data-testid="program-fund-submit">
          {fund.busy ? t('common.working') : t('programs.fundSubmit')}
        </button>
      </form>
      {txIds !== null && (
        <p className="verify verify-ok" data-testid="program-fund-result" data-tx-count={txIds.length}>
          {t('programs.fundDone')}{' '}
          {txIds.map((txId) => (
            <a key={txId} href={`#/ops/tx/${txId}`} className="id-link">
              <code>{shortHex(txId, 4)}</code>
            </a>
          ))}
        </p>
      )}
    </section>
  );
}

function DisburseCard({ program, onDone }: { readonly program: Program; readonly onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<DisburseResult | null>(null);
  const [problem, setProblem] = useState<ReturnType<typeof disbursementProblemOf>>(null);
  const [fileError, setFileError] = useState<Shown | null>(null);
  const lines = useMemo(() => csvAllocationLines(csv), [csv]);
  const disburse = useAction(async () => {
    setResult(null);
    setProblem(null);
    if (lines === 0) throw new Error(t('programs.disburseEmpty'));
    if (new TextEncoder().encode(csv).length > DISBURSE_CSV_BYTES_MAX) throw new Error(t('programs.disburseTooLarge'));
    try {
      setResult(await disburseProgramCsv(client, program.id, csv.endsWith('\n') ? csv : `${csv}\n`));
      onDone();
    } catch (error: unknown) {
      setProblem(disbursementProblemOf(error));
      throw error;
    }
  });
  const onFile = async (file: File | undefined): Promise<void> => {
    setFileError(null);
    if (file === undefined) return;
    if (file.size > DISBURSE_CSV_BYTES_MAX) {
      setFileError({ message: t('programs.disburseTooLarge'), code: 'file_too_large' });
      return;
    }
    setCsv(await file.text());
  };
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void disburse.run();
  };
  return (
    <section className="card" data-testid="program-disburse">
      <h2>{t('programs.disburse')}</h2>
      <p className="hint">{t('programs.disburseHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('programs.disburseCsv')}>
          <textarea
            rows={6}
            value={csv}
            placeholder={'beneficiary,amount\n+8613800000001,100.00'}
            onChange={(e) => setCsv(e.target.value)}
            spellCheck={false}
            data-testid="program-disburse-csv"
          />
        </Field>
        <Field label={t('programs.disburseFile')}>
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={(e) => void onFile(e.target.files?.[0])}
            data-testid="program-disburse-file"
          />
        </Field>
        <p className="muted" data-testid="program-disburse-lines" data-lines={lines}>
          {t('programs.disburseLines', { n: lines })}
        </p>
        <ErrorBox error={fileError ?? disburse.error} />
        {problem !== null && (problem.line !== null || problem.index !== null) && (
          <p
            className="error"
            data-testid="program-disburse-problem"
            data-code={problem.code}
            data-line={problem.line ?? ''}
            data-index={problem.index ?? ''}
          >
            {problem.line !== null
              ? t('programs.disburseAtLine', { line: problem.line, code: problem.code })
              : t('programs.disburseAtIndex', { index: (problem.index ?? 0) + 1, code: problem.code })}
          </p>
        )}
        <button type="submit" className="button" disabled={disburse.busy} data-testid="program-disburse-submit">
          {disburse.busy ? t('common.working') : t('programs.disburseSubmit')}
        </button>
      </form>
      {result !== null && (
        <p
          className="verify verify-ok"
          data-testid="program-disburse-result"
          data-txid={result.txId}
          data-count={result.count}
          data-total={result.total.amount}
        >
          {t('programs.disburseDone', { count: result.count })} <MoneyText money={result.total} /> ·{' '}
          <a href={`#/ops/tx/${result.txId}`}>
            <code>{shortHex(result.txId)}</code>
          </a>
        </p>
      )}
    </section>
  );
}

function StatusCard({ program, onDone }: { readonly program: Program; readonly onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [reason, setReason] = useState('');
  const act = useAction(async (suspend: boolean) => {
    if (reason.trim() === '') throw new Error(t('ops.reasonRequired'));
    await (suspend
      ? suspendProgram(client, program.id, reason.trim())
      : resumeProgram(client, program.id, reason.trim()));
    setReason('');
    onDone();
  });
  return (
    <section className="card" data-testid="program-status-card">
      <h2>{t('programs.statusChange')}</h2>
      <Field label={t('ops.reason')}>
        <input
          value={reason}
          maxLength={PROGRAM_REASON_CHARS_MAX}
          onChange={(e) => setReason(e.target.value)}
          data-testid="program-status-reason"
        />
      </Field>
      <ErrorBox error={act.error} />
      <div className="actions">
        <button
          type="button"
          className="button button-danger"
          disabled={act.busy || program.status !== 'active'}
          onClick={() => void act.run(true)}
          data-testid="program-suspend"
        >
          {t('programs.suspend')}
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={act.busy || program.status !== 'suspended'}
          onClick={() => void act.run(false)}
          data-testid="program-resume"
        >
          {t('programs.resume')}
        </button>
      </div>
    </section>
  );
}

/** The beneficiary as typed: a 32-hex ledger account id, or a phone (E.164; a Chinese mobile gets +86). */
function beneficiaryOf(text: string): string | null {
  const trimmed = text.trim();
  if (ID_PATTERN.test(trimmed.toLowerCase())) return trimmed.toLowerCase();
  const phone = normalizePhone(trimmed);
  return PHONE_PATTERN.test(phone) ? phone : null;
}

function ClawbackCard({ program, onDone }: { readonly program: Program; readonly onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [beneficiary, setBeneficiary] = useState('');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [proposal, setProposal] = useState<ClawbackProposal | null>(null);
  const [cosignText, setCosignText] = useState('');
  const [copied, setCopied] = useState(false);
  const [result, setResult] = useState<TxWithReceipt | null>(null);
  const propose = useAction(async () => {
    const who = beneficiaryOf(beneficiary);
    if (who === null) throw new Error(t('programs.beneficiaryInvalid'));
    const parsed = parseMoneyInput(amount);
    if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
    if (reason.trim() === '') throw new Error(t('ops.reasonRequired'));
    setResult(null);
    setCopied(false);
    setProposal(
      await proposeClawback(client, program.id, { beneficiary: who, amount: parsed.value, reason: reason.trim() }),
    );
  });
  const submit = useAction(async () => {
    if (proposal === null) return;
    const signatures = parseCosignatures(cosignText.trim());
    if (signatures === null) throw new Error(t('programs.cosignInvalid'));
    setResult(await submitClawback(client, program.id, proposal.proposal, signatures));
    setProposal(null);
    setCosignText('');
    onDone();
  });
  const copy = async (): Promise<void> => {
    if (proposal === null) return;
    try {
      await navigator.clipboard.writeText(proposal.proposal);
      setCopied(true);
    } catch {
      // No clipboard permission (plain http): the text is selectable in the box.
      setCopied(false);
    }
  };
  const onPropose = (event: FormEvent): void => {
    event.preventDefault();
    void propose.run();
  };
  const command = `paychain program cosign --data DIR --org ${program.auditor} --proposal '…'`;
  return (
    <section className="card" data-testid="program-clawback">
      <h2>{t('programs.clawback')}</h2>
      <p className="hint">{t('programs.clawbackHint', { auditor: program.auditor })}</p>
      <form onSubmit={onPropose}>
        <Field label={t('programs.beneficiary')}>
          <input
            value={beneficiary}
            onChange={(e) => setBeneficiary(e.target.value)}
            placeholder="+8613800000001"
            data-testid="program-clawback-beneficiary"
            spellCheck={false}
            required
          />
        </Field>
        <Field label={t('common.amount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="program-clawback-amount"
            required
          />
        </Field>
        <Field label={t('ops.reason')}>
          <input
            value={reason}
            maxLength={PROGRAM_REASON_CHARS_MAX}
            onChange={(e) => setReason(e.target.value)}
            data-testid="program-clawback-reason"
            required
          />
        </Field>
        <ErrorBox error={propose.error} />
        <button
          type="submit"
          className="button button-danger"
          disabled={propose.busy}
          data-testid="program-clawback-propose"
        >
          {propose.busy ? t('common.working') : t('programs.clawbackPropose')}
        </button>
      </form>
      {proposal !== null && (
        <div className="stack" data-testid="program-clawback-proposal-box" data-txid={proposal.txId}>
          <Field label={t('programs.proposalText')}>
            <textarea
              readOnly
              rows={4}
              value={proposal.proposal}
              onFocus={(e) => e.target.select()}
              data-testid="program-clawback-proposal"
              spellCheck={false}
            />
          </Field>
          <div className="actions">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => void copy()}
              data-testid="program-clawback-copy"
            >
              {copied ? t('programs.copied') : t('programs.copy')}
            </button>
          </div>
          <p className="hint">
            {t('programs.proposalHint', { time: formatTime(proposal.expiresAtMs, locale) })} <code>{command}</code>
          </p>
          {proposal.cosigners.length > 0 && (
            <p className="muted">
              {t('programs.cosigners')}: {proposal.cosigners.map((c) => `${c.org} (${c.role})`).join(', ')}
            </p>
          )}
          <Field label={t('programs.cosignInput')}>
            <textarea
              rows={4}
              value={cosignText}
              placeholder={'{"publicKey": "…", "signature": "…"}'}
              onChange={(e) => setCosignText(e.target.value)}
              data-testid="program-clawback-cosign"
              spellCheck={false}
            />
          </Field>
          <ErrorBox error={submit.error} />
          <button
            type="button"
            className="button button-danger"
            disabled={submit.busy || cosignText.trim() === ''}
            onClick={() => void submit.run()}
            data-testid="program-clawback-submit"
          >
            {submit.busy ? t('common.working') : t('programs.clawbackSubmit')}
          </button>
        </div>
      )}
      {result !== null && (
        <p className="verify verify-ok" data-testid="program-clawback-result" data-txid={result.txId}>
          {t('programs.clawbackDone')}{' '}
          <a href={`#/ops/tx/${result.txId}`}>
            <code>{shortHex(result.txId)}</code>
          </a>
        </p>
      )}
    </section>
  );
}

function TraceCard({ programId, changes }: { readonly programId: string; readonly changes: number }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const trace = useLoad(() => getProgramTrace(client, programId), [client, programId, changes]);
  return (
    <section className="card" data-testid="program-trace">
      <h2>{t('programs.trace')}</h2>
      <ErrorBox error={trace.error} />
      {trace.data !== null && <TraceView trace={trace.data} />}
      <button type="button" className="link" onClick={trace.reload} data-testid="program-trace-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function TraceView({ trace }: { readonly trace: ProgramTrace }): ReactNode {
  const { t } = useTranslation();
  const currency = trace.edges[0]?.amount.currency ?? 'CNY';
  const chartText = useChartText(currency);
  const kindName = useMemo(
    () =>
      (kind: string): string => {
        if (kind === BALANCE_KIND) return t('programs.balanceFlow');
        const known = TRACE_EDGE_KINDS.find((k) => k === kind);
        return known === undefined ? kind : t(`programs.edgeKinds.${known}`);
      },
    [t],
  );
  const graph = useMemo(
    () =>
      withBalanceSinks(traceSankeyGraph(trace, t('programs.returnedSuffix')), {
        pool: t('programs.sinkPool'),
        held: t('programs.sinkHeld'),
        receivable: t('programs.sinkReceivable'),
      }),
    [trace, t],
  );
  const option = useMemo(
    () =>
      sankeyOption(graph, {
        ...chartText,
        kind: kindName,
        kindLabel: t('programs.flow'),
        amount: t('common.amountShort'),
      }),
    [graph, chartText, kindName, t],
  );
  const labelOf = (id: string): string => graph.nodes.find((n) => n.id === id)?.label ?? id;
  return (
    <>
      <p className="hint" data-testid="program-trace-facts" data-height={trace.height}>
        {t('programs.traceHint', {
          height: trace.height,
          beneficiaries: trace.beneficiaries,
          merchants: trace.merchants,
        })}
      </p>
      <EChart
        option={option}
        points={graph.links.length}
        testId="program-sankey"
        label={t('programs.trace')}
        heightPx={480}
      />
      <div className="table-scroll">
        <table className="table" data-testid="program-edges">
          <thead>
            <tr>
              <th>{t('programs.flow')}</th>
              <th>{t('programs.from')}</th>
              <th>{t('programs.to')}</th>
              <th>{t('common.amountShort')}</th>
              <th>{t('programs.movements')}</th>
              <th>{t('programs.evidence')}</th>
            </tr>
          </thead>
          <tbody>
            {graph.links
              .filter((link) => link.edge.kind !== BALANCE_KIND)
              .map((link) => (
                <tr
                  key={`${link.edge.kind} ${link.edge.source} ${link.edge.target}`}
                  data-testid="program-edge"
                  data-kind={link.edge.kind}
                  data-source={link.edge.source}
                  data-target={link.edge.target}
                  data-amount={link.edge.amount.amount}
                  data-count={link.edge.count}
                >
                  <td>{kindName(link.edge.kind)}</td>
                  <td>{labelOf(link.source)}</td>
                  <td>{labelOf(link.target)}</td>
                  <td>
                    <MoneyText money={link.edge.amount} />
                  </td>
                  <td>{link.edge.count}</td>
                  <td>
                    {link.edge.evidence.slice(0, EVIDENCE_SHOWN).map((e) =>
                      e.txId === null ? (
                        <a
                          key={`sweep-${e.height}`}
                          href={`#/ops/blocks/${e.height}`}
                          className="id-link"
                          data-testid="program-edge-evidence"
                        >
                          {t('programs.sweepAt', { height: e.height })}
                        </a>
                      ) : (
                        <a
                          key={e.txId}
                          href={`#/ops/tx/${e.txId}`}
                          className="id-link"
                          data-testid="program-edge-evidence"
                          data-txid={e.txId}
                        >
                          <code>{shortHex(e.txId, 4)}</code>
                        </a>
                      ),
                    )}
                    {(link.edge.evidence.length > EVIDENCE_SHOWN || link.edge.evidenceTruncated) && (
                      <small className="muted">
                        {' '}
                        {t('programs.evidenceMore', { n: Math.max(0, link.edge.evidence.length - EVIDENCE_SHOWN) })}
                      </small>
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function StatementLookup({ programId }: { readonly programId: string }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [who, setWho] = useState('');
  const [statement, setStatement] = useState<ProgramStatement | null>(null);
  const lookup = useAction(async () => {
    const beneficiary = beneficiaryOf(who);
    if (beneficiary === null) throw new Error(t('programs.beneficiaryInvalid'));
    setStatement(null);
    setStatement(await getBeneficiaryStatement(client, programId, beneficiary));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void lookup.run();
  };
  return (
    <section className="card" data-testid="program-statement-lookup">
      <h2>{t('programs.statementLookup')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('programs.beneficiary')}>
          <input
            type="tel"
            value={who}
            placeholder="+8613800000001"
            onChange={(e) => setWho(e.target.value)}
            data-testid="program-statement-phone"
            required
          />
        </Field>
        <ErrorBox error={lookup.error} />
        <button
          type="submit"
          className="button button-secondary"
          disabled={lookup.busy}
          data-testid="program-statement-submit"
        >
          {lookup.busy ? t('common.working') : t('programs.showStatement')}
        </button>
      </form>
      {statement !== null && <StatementTable statement={statement} txHref={(txId) => `#/ops/tx/${txId}`} />}
    </section>
  );
}
