/**
 * AML for the regulator (`#/ops/aml`): scan the committed chain now; the detectors' alerts (by pattern, those not
 * yet in a case by default) with their explanation, accounts and transactions; selected alerts become a case; the
 * cases by status; the large-value report of a range. A case (`#/ops/aml/cases/<id>`) shows its alerts, the
 * evidence — transaction ids with the gateway's receipt check, linked to the explorer, which checks the receipt
 * again in this browser — and notes; it is assigned, noted and closed with a resolution, and its suspicious-
 * transaction report (STR) downloaded as CSV.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AML_PATTERNS,
  type AmlAlert,
  addAmlCaseNote,
  assignAmlCase,
  CASE_ALERTS_MAX,
  CASE_NOTE_CHARS_MAX,
  CASE_RESOLUTIONS,
  CASE_STATUSES,
  CASE_TITLE_CHARS_MAX,
  type CaseResolution,
  type CaseStatus,
  closeAmlCase,
  downloadLargeValueReport,
  downloadSuspiciousReport,
  getAmlAlerts,
  getAmlCase,
  getAmlCases,
  isAmlPattern,
  ledgerTxIdOf,
  openAmlCase,
  runAmlScan,
  type ScanResult,
} from '../../api/aml';
import { dashboardRange, RANGE_KEYS, type RangeKey } from '../../api/analytics';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, Row, shortHex } from '../common';
import { saveDownload } from '../download';
import { useAction, useLoad, usePaged } from '../hooks';
import { navigate } from '../router';

/** A block's time in an evidence row: the table is narrow on a phone. */
function formatShortTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(ms);
}

/** Accounts and transactions listed under an alert before "and N more". */
const ALERT_IDS_SHOWN = 6;

export function AmlScreen(): ReactNode {
  const [changes, setChanges] = useState(0);
  const changed = (): void => setChanges((n) => n + 1);
  return (
    <div className="stack" data-testid="aml-screen">
      <ScanCard onScanned={changed} />
      <AlertsCard changes={changes} />
      <CasesCard changes={changes} />
      <LargeValueCard />
    </div>
  );
}

/** A pattern's name in the screen's language (a pattern the console does not know is shown as is). */
function usePatternName(): (pattern: string) => string {
  const { t } = useTranslation();
  return (pattern) => (isAmlPattern(pattern) ? t(`aml.patterns.${pattern}`) : pattern);
}

function ScanCard({ onScanned }: { readonly onScanned: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [result, setResult] = useState<ScanResult | null>(null);
  const scan = useAction(async () => {
    setResult(await runAmlScan(client));
    onScanned();
  });
  return (
    <section className="card">
      <h2>{t('aml.title')}</h2>
      <p className="hint">{t('aml.scanHint')}</p>
      <button
        type="button"
        className="button"
        disabled={scan.busy}
        onClick={() => void scan.run()}
        data-testid="aml-scan"
      >
        {scan.busy ? t('aml.scanning') : t('aml.scan')}
      </button>
      <ErrorBox error={scan.error} />
      {result !== null && (
        <p
          className="verify verify-ok"
          data-testid="aml-scan-result"
          data-alerts-found={result.alertsFound}
          data-alerts-new={result.alertsNew}
          data-scanned={result.scanned}
        >
          {t('aml.scanResult', {
            scanned: result.scanned.toLocaleString(),
            found: result.alertsFound,
            fresh: result.alertsNew,
            seconds: (result.elapsedMs / 1000).toFixed(1),
          })}
        </p>
      )}
    </section>
  );
}

function AlertsCard({ changes }: { readonly changes: number }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const patternName = usePatternName();
  const [pattern, setPattern] = useState('');
  const [onlyFree, setOnlyFree] = useState(true);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [title, setTitle] = useState('');
  const alerts = usePaged(
    (before) =>
      getAmlAlerts(client, {
        inCase: onlyFree ? 'no' : 'all',
        ...(pattern === '' ? {} : { pattern }),
        ...(before === undefined ? {} : { before }),
      }),
    [client, pattern, onlyFree, changes],
  );
  const toggle = (id: string): void =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else if (next.size < CASE_ALERTS_MAX) next.add(id);
      return next;
    });
  const open = useAction(async () => {
    if (selected.size === 0) throw new Error(t('aml.selectAlerts'));
    const chosen = alerts.items.filter((a) => selected.has(a.id));
    const name = title.trim() === '' ? defaultCaseTitle(chosen, patternName) : title.trim();
    const opened = await openAmlCase(client, name.slice(0, CASE_TITLE_CHARS_MAX), [...selected]);
    setSelected(new Set());
    setTitle('');
    navigate(`/ops/aml/cases/${opened.id}`);
  });
  const onOpen = (event: FormEvent): void => {
    event.preventDefault();
    void open.run();
  };

  return (
    <section className="card" data-testid="aml-alerts">
      <h2>{t('aml.alerts')}</h2>
      <div className="filters">
        <Field label={t('aml.pattern')}>
          <select
            value={pattern}
            onChange={(e) => {
              setPattern(e.target.value);
              setSelected(new Set());
            }}
            data-testid="alert-pattern"
          >
            <option value="">{t('aml.allPatterns')}</option>
            {AML_PATTERNS.map((p) => (
              <option key={p} value={p}>
                {patternName(p)}
              </option>
            ))}
          </select>
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={onlyFree}
            onChange={(e) => setOnlyFree(e.target.checked)}
            data-testid="alert-not-in-case"
          />
          {t('aml.onlyNotInCase')}
        </label>
      </div>
      <ErrorBox error={alerts.error} />
      {!alerts.loading && alerts.items.length === 0 && alerts.error === null && (
        <p className="muted" data-testid="alerts-empty">
          {t('aml.noAlerts')}
        </p>
      )}
      <ul className="list">
        {alerts.items.map((alert) => (
          <li
            key={alert.id}
            className="list-row alert-row"
            data-testid="alert-row"
            data-alert-id={alert.id}
            data-pattern={alert.pattern}
            data-case-id={alert.caseId ?? ''}
          >
            <label className="check">
              <input
                type="checkbox"
                checked={selected.has(alert.id)}
                disabled={alert.caseId !== null}
                onChange={() => toggle(alert.id)}
                aria-label={t('aml.select')}
                data-testid="alert-select"
              />
            </label>
            <AlertBody alert={alert} />
          </li>
        ))}
      </ul>
      {alerts.hasMore && (
        <button type="button" className="link" onClick={alerts.more} data-testid="alerts-more">
          {t('history.more')}
        </button>
      )}
      <form onSubmit={onOpen} className="open-case">
        <Field label={t('aml.caseTitle')}>
          <input
            value={title}
            maxLength={CASE_TITLE_CHARS_MAX}
            placeholder={t('aml.caseTitlePlaceholder')}
            onChange={(e) => setTitle(e.target.value)}
            data-testid="case-title"
          />
        </Field>
        <ErrorBox error={open.error} />
        <button
          type="submit"
          className="button"
          disabled={open.busy || selected.size === 0}
          data-testid="case-open"
          data-selected={selected.size}
        >
          {t('aml.openCase', { n: selected.size })}
        </button>
      </form>
    </section>
  );
}

/** "Structuring: 2 alerts", when the analyst gives no title. */
function defaultCaseTitle(alerts: readonly AmlAlert[], patternName: (pattern: string) => string): string {
  const patterns = [...new Set(alerts.map((a) => patternName(a.pattern)))];
  return `${patterns.join(', ')} (${alerts.length})`;
}

function AlertBody({ alert }: { readonly alert: AmlAlert }): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const patternName = usePatternName();
  const more = (n: number): string => (n > ALERT_IDS_SHOWN ? ` ${t('aml.andMore', { n: n - ALERT_IDS_SHOWN })}` : '');
  return (
    <span className="alert-body">
      <span className="alert-head">
        <strong>{patternName(alert.pattern)}</strong>
        <span className="badge badge-warn">{t('aml.score', { score: alert.score.toFixed(2) })}</span>
        {alert.caseId !== null && (
          <a className="badge badge-open" href={`#/ops/aml/cases/${alert.caseId}`}>
            {t('aml.inCase')}
          </a>
        )}
      </span>
      <span className="explanation">{alert.explanation}</span>
      <small>
        {formatTime(alert.windowStartMs, locale)} – {formatTime(alert.windowEndMs, locale)}
      </small>
      <small>
        {t('aml.accounts', { n: alert.accounts.length })}:{' '}
        {alert.accounts.slice(0, ALERT_IDS_SHOWN).map((account) => (
          <a key={account} href={`#/ops/accounts/${account}`} className="id-link">
            <code>{shortHex(account, 4)}</code>
          </a>
        ))}
        {more(alert.accounts.length)}
      </small>
      <small>
        {t('aml.transactions', { n: alert.txIds.length })}:{' '}
        {alert.txIds.slice(0, ALERT_IDS_SHOWN).map((txId) => (
          <a key={txId} href={`#/ops/tx/${ledgerTxIdOf(txId)}`} className="id-link">
            <code>{shortHex(txId, 4)}</code>
          </a>
        ))}
        {more(alert.txIds.length)}
      </small>
    </span>
  );
}

function CasesCard({ changes }: { readonly changes: number }): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [status, setStatus] = useState<CaseStatus | ''>('');
  const cases = usePaged(
    (before) =>
      getAmlCases(client, { ...(status === '' ? {} : { status }), ...(before === undefined ? {} : { before }) }),
    [client, status, changes],
  );
  const onStatus = (value: string): void => {
    setStatus(CASE_STATUSES.find((s) => s === value) ?? '');
  };
  return (
    <section className="card" data-testid="aml-cases">
      <h2>{t('aml.cases')}</h2>
      <Field label={t('aml.caseStatus')}>
        <select value={status} onChange={(e) => onStatus(e.target.value)} data-testid="case-status">
          <option value="">{t('aml.allStatuses')}</option>
          {CASE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`aml.status.${s}`)}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={cases.error} />
      {!cases.loading && cases.items.length === 0 && cases.error === null && (
        <p className="muted">{t('aml.noCases')}</p>
      )}
      <ul className="list">
        {cases.items.map((c) => (
          <li key={c.id}>
            <a
              className="list-row"
              href={`#/ops/aml/cases/${c.id}`}
              data-testid="case-row"
              data-case-id={c.id}
              data-status={c.status}
            >
              <span>
                <strong>{c.title}</strong>
                <small>
                  {t('aml.alertCount', { n: c.alertCount })} · {formatTime(c.updatedAtMs, locale)}
                  {c.assigneePhone === null ? '' : ` · ${c.assigneePhone}`}
                </small>
              </span>
              <span className={`badge badge-${c.status}`}>{t(`aml.status.${c.status}`)}</span>
            </a>
          </li>
        ))}
      </ul>
      {cases.hasMore && (
        <button type="button" className="link" onClick={cases.more} data-testid="cases-more">
          {t('history.more')}
        </button>
      )}
    </section>
  );
}

function LargeValueCard(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [rangeKey, setRangeKey] = useState<RangeKey>('30d');
  const report = useAction(async () => {
    saveDownload(await downloadLargeValueReport(client, dashboardRange(rangeKey, Date.now())));
  });
  const onRange = (value: string): void => setRangeKey(RANGE_KEYS.find((k) => k === value) ?? '30d');
  return (
    <section className="card" data-testid="aml-reports">
      <h2>{t('aml.reports')}</h2>
      <p className="hint">{t('aml.largeValueHint')}</p>
      <Field label={t('dashboard.range')}>
        <select value={rangeKey} onChange={(e) => onRange(e.target.value)} data-testid="report-range">
          {RANGE_KEYS.map((key) => (
            <option key={key} value={key}>
              {t(`dashboard.ranges.r${key}`)}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={report.error} />
      <button
        type="button"
        className="button button-secondary"
        disabled={report.busy}
        onClick={() => void report.run()}
        data-testid="report-large-value"
      >
        {t('aml.largeValue')}
      </button>
    </section>
  );
}

export function CaseDetailView({ caseId }: { readonly caseId: string }): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [changes, setChanges] = useState(0);
  const detail = useLoad(() => getAmlCase(client, caseId), [client, caseId, changes]);
  const changed = (): void => setChanges((n) => n + 1);
  const [noteText, setNoteText] = useState('');
  const [resolution, setResolution] = useState<CaseResolution>('reported');
  const assign = useAction(async () => {
    await assignAmlCase(client, caseId);
    changed();
  });
  const addNote = useAction(async () => {
    const text = noteText.trim();
    if (text === '') throw new Error(t('aml.noteRequired'));
    await addAmlCaseNote(client, caseId, text);
    setNoteText('');
    changed();
  });
  const close = useAction(async () => {
    await closeAmlCase(client, caseId, resolution);
    changed();
  });
  const str = useAction(async () => {
    saveDownload(await downloadSuspiciousReport(client, caseId));
  });
  const onNote = (event: FormEvent): void => {
    event.preventDefault();
    void addNote.run();
  };
  const onResolution = (value: string): void => {
    const found = CASE_RESOLUTIONS.find((r) => r === value);
    if (found !== undefined) setResolution(found);
  };
  const data = detail.data;
  const closed = data?.case.status === 'closed';

  return (
    <div className="stack">
      <a className="back-link" href="#/ops/aml" data-testid="case-back">
        ← {t('aml.cases')}
      </a>
      <section
        className="card"
        data-testid="case-detail"
        data-case-id={caseId}
        data-status={data?.case.status ?? ''}
        data-resolution={data?.case.resolution ?? ''}
      >
        <ErrorBox error={detail.error} />
        {data !== null && (
          <>
            <h2 data-testid="case-detail-title">{data.case.title}</h2>
            <div className="rows">
              <Row label={t('aml.caseStatus')} testId="case-status-shown">
                <span className={`badge badge-${data.case.status}`}>{t(`aml.status.${data.case.status}`)}</span>
              </Row>
              <Row label={t('aml.assignee')} testId="case-assignee">
                {data.case.assigneePhone ?? '—'}
              </Row>
              {data.case.resolution !== null && (
                <Row label={t('aml.resolution')} testId="case-resolution">
                  {t(`aml.resolutions.${data.case.resolution}`)}
                </Row>
              )}
              <Row label={t('aml.opened')}>{formatTime(data.case.createdAtMs, locale)}</Row>
              {data.case.closedAtMs !== null && (
                <Row label={t('aml.closed')}>{formatTime(data.case.closedAtMs, locale)}</Row>
              )}
            </div>
            <div className="actions">
              <button
                type="button"
                className="button button-secondary"
                disabled={closed || assign.busy}
                onClick={() => void assign.run()}
                data-testid="case-assign-me"
              >
                {t('aml.assignMe')}
              </button>
              <button
                type="button"
                className="button button-secondary"
                disabled={str.busy}
                onClick={() => void str.run()}
                data-testid="report-str"
              >
                {t('aml.str')}
              </button>
            </div>
            <ErrorBox error={assign.error ?? str.error} />
          </>
        )}
      </section>
      {data !== null && (
        <>
          <section className="card" data-testid="case-alerts">
            <h2>{t('aml.alerts')}</h2>
            <ul className="list">
              {data.alerts.map((alert) => (
                <li
                  key={alert.id}
                  className="list-row"
                  data-testid="case-alert"
                  data-alert-id={alert.id}
                  data-pattern={alert.pattern}
                >
                  <AlertBody alert={alert} />
                </li>
              ))}
            </ul>
          </section>
          <section className="card" data-testid="case-evidence">
            <h2>{t('aml.evidence')}</h2>
            <p className="hint">{t('aml.evidenceHint')}</p>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('ops.txId')}</th>
                  <th>{t('ops.block')}</th>
                  <th>{t('ops.time')}</th>
                  <th>{t('aml.receipt')}</th>
                </tr>
              </thead>
              <tbody>
                {data.evidence.map((e) => (
                  <tr key={e.txId} data-testid="evidence-row" data-txid={e.txId} data-verified={String(e.verified)}>
                    <td>
                      <a href={`#/ops/tx/${ledgerTxIdOf(e.txId)}`}>
                        <code>{shortHex(e.txId, 4)}</code>
                      </a>
                    </td>
                    <td>
                      {e.height === null ? (
                        '—'
                      ) : (
                        <a href={`#/ops/blocks/${e.height}`}>
                          #{e.height}/{e.index}
                        </a>
                      )}
                    </td>
                    <td>{e.blockTimeMs === null ? '—' : formatShortTime(e.blockTimeMs, locale)}</td>
                    <td>
                      {e.verified ? (
                        <span className="badge badge-open">✓ {t('aml.verified')}</span>
                      ) : (
                        <span className="badge badge-error" title={e.reason ?? undefined}>
                          ✗ {t('aml.notVerified')}
                        </span>
                      )}
                      {!e.verified && e.reason !== null && <small className="muted block">{e.reason}</small>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card" data-testid="case-notes">
            <h2>{t('aml.notes')}</h2>
            {data.notes.length === 0 && <p className="muted">{t('aml.noNotes')}</p>}
            <ul className="list">
              {data.notes.map((note) => (
                <li key={note.seq} className="note" data-testid="case-note" data-seq={note.seq}>
                  <small>
                    {note.authorPhone ?? '—'} · {formatTime(note.createdAtMs, locale)}
                  </small>
                  <p>{note.text}</p>
                </li>
              ))}
            </ul>
            {!closed && (
              <form onSubmit={onNote}>
                <Field label={t('aml.addNote')}>
                  <textarea
                    value={noteText}
                    maxLength={CASE_NOTE_CHARS_MAX}
                    rows={3}
                    onChange={(e) => setNoteText(e.target.value)}
                    data-testid="case-note-text"
                  />
                </Field>
                <ErrorBox error={addNote.error} />
                <button
                  type="submit"
                  className="button button-secondary"
                  disabled={addNote.busy}
                  data-testid="case-note-add"
                >
                  {t('aml.addNoteSubmit')}
                </button>
              </form>
            )}
          </section>
          {!closed && (
            <section className="card" data-testid="case-close-card">
              <h2>{t('aml.close')}</h2>
              <Field label={t('aml.resolution')}>
                <select
                  value={resolution}
                  onChange={(e) => onResolution(e.target.value)}
                  data-testid="case-close-resolution"
                >
                  {CASE_RESOLUTIONS.map((r) => (
                    <option key={r} value={r}>
                      {t(`aml.resolutions.${r}`)}
                    </option>
                  ))}
                </select>
              </Field>
              <ErrorBox error={close.error} />
              <button
                type="button"
                className="button button-danger"
                disabled={close.busy}
                onClick={() => void close.run()}
                data-testid="case-close"
              >
                {t('aml.closeSubmit')}
              </button>
            </section>
          )}
        </>
      )}
    </div>
  );
}
