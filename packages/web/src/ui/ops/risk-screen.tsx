/**
 * Real-time risk control in the ops console (`#/ops/risk`): the active rule set as JSON in an editor — a draft of
 * the next version — with a dry run against recent payments (decision counts now and with the draft, side by side,
 * and the payments whose decision would change) and saving it as a new version; the version history and the model's
 * facts; the review queue (payments let through flagged for an analyst, with score and reasons) and the refusals
 * (blocked, or a step-up asked and not passed).
 */
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type DecisionCounts,
  DRY_RUN_CHANGES_SHOWN,
  type DryRunResult,
  dryRunRiskRules,
  formatRuleIssue,
  getRiskRefusals,
  getRiskReviews,
  getRiskRules,
  putRiskRules,
  RISK_DECISIONS,
  type RuleIssue,
  type RuleVersion,
  ruleIssuesOf,
  ruleSetTextToJson,
  ruleSetToText,
} from '../../api/risk';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, MoneyText, shortHex } from '../common';
import { useAction, useLoad, usePaged } from '../hooks';

const NOTE_CHARS_MAX = 200;

export function RiskScreen(): ReactNode {
  return (
    <div className="stack" data-testid="risk-screen">
      <RulesEditor />
      <ReviewQueue />
      <Refusals />
    </div>
  );
}

function RulesEditor(): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [saved, setSaved] = useState<RuleVersion | null>(null);
  const rules = useLoad(() => getRiskRules(client), [client, saved]);
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const [issues, setIssues] = useState<readonly RuleIssue[]>([]);
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null);
  const active = rules.data?.active ?? null;

  // A loaded (or newly saved) active set becomes the draft of the next version.
  useEffect(() => {
    if (active !== null) setText(ruleSetToText(active.ruleSet, active.version + 1));
  }, [active]);

  /** The draft as JSON, or null with its problems shown. */
  const draft = (): ReturnType<typeof ruleSetTextToJson> => {
    const parsed = ruleSetTextToJson(text);
    setIssues(parsed.ok ? [] : parsed.issues);
    return parsed;
  };
  /** A `rules_invalid` answer shows its problems; any other error goes on to the error element. */
  const showIssues = (error: unknown): void => {
    const found = ruleIssuesOf(error);
    if (found === null) throw error;
    setIssues(found);
  };

  const runDry = useAction(async () => {
    setDryRun(null);
    const parsed = draft();
    if (!parsed.ok) return;
    try {
      setDryRun(await dryRunRiskRules(client, parsed.value));
    } catch (error: unknown) {
      showIssues(error);
    }
  });
  const save = useAction(async () => {
    const parsed = draft();
    if (!parsed.ok) return;
    try {
      setSaved(await putRiskRules(client, parsed.value, note.trim()));
      setNote('');
    } catch (error: unknown) {
      showIssues(error);
    }
  });

  return (
    <>
      <section className="card" data-testid="rules-card">
        <h2>{t('risk.rulesTitle')}</h2>
        <ErrorBox error={rules.error} />
        {active !== null && (
          <p className="muted" data-testid="rules-active-version" data-version={active.version}>
            {t('risk.activeVersion', { version: active.version, time: formatTime(active.createdAtMs, locale) })}
          </p>
        )}
        <p className="hint">{t('risk.editorHint')}</p>
        <textarea
          className="code-editor"
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          rows={18}
          aria-label={t('risk.rulesTitle')}
          data-testid="rules-editor"
        />
        <Field label={t('risk.note')}>
          <input
            value={note}
            maxLength={NOTE_CHARS_MAX}
            onChange={(e) => setNote(e.target.value)}
            data-testid="rules-note"
          />
        </Field>
        {issues.length > 0 && (
          <ul className="error issues" role="alert" data-testid="rules-errors" data-count={issues.length}>
            {issues.map((issue, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one answer's problems, shown once in their order.
              <li key={i} data-testid="rules-error" data-path={issue.path}>
                <code>{formatRuleIssue(issue)}</code>
              </li>
            ))}
          </ul>
        )}
        <ErrorBox error={runDry.error ?? save.error} />
        <div className="actions">
          <button
            type="button"
            className="button button-secondary"
            disabled={runDry.busy || text === ''}
            onClick={() => void runDry.run()}
            data-testid="rules-dry-run"
          >
            {runDry.busy ? t('common.working') : t('risk.dryRun')}
          </button>
          <button
            type="button"
            className="button"
            disabled={save.busy || text === ''}
            onClick={() => void save.run()}
            data-testid="rules-save"
          >
            {save.busy ? t('common.working') : t('risk.save')}
          </button>
        </div>
        {saved !== null && (
          <p className="verify verify-ok" data-testid="rules-saved" data-version={saved.version}>
            {t('risk.saved', { version: saved.version })}
          </p>
        )}
        {dryRun !== null && <DryRunView result={dryRun} />}
      </section>
      {rules.data !== null && (
        <section className="card" data-testid="rules-history">
          <h2>{t('risk.history')}</h2>
          <ul className="list">
            {rules.data.versions.map((v) => (
              <li
                key={v.version}
                className="list-row list-row-left"
                data-testid="rules-version"
                data-version={v.version}
                data-active={String(v.version === active?.version)}
              >
                <span>
                  <strong>v{v.version}</strong>
                  {v.version === active?.version && <span className="badge badge-open">{t('risk.active')}</span>}
                  <small>
                    {formatTime(v.createdAtMs, locale)} · {v.authorPhone ?? t('risk.system')}
                  </small>
                  {v.note !== '' && <small>{v.note}</small>}
                </span>
              </li>
            ))}
          </ul>
          {rules.data.model !== null && (
            <>
              <h3>{t('risk.model')}</h3>
              <dl className="facts" data-testid="risk-model" data-model-version={rules.data.model.version}>
                <dt>{t('risk.modelVersion')}</dt>
                <dd>
                  {rules.data.model.version} ({rules.data.model.kind})
                </dd>
                <dt>{t('risk.modelFeatures')}</dt>
                <dd>{rules.data.model.features.length}</dd>
                <dt>AUC</dt>
                <dd>{rules.data.model.metrics.auc?.toFixed(3) ?? '—'}</dd>
                <dt>{t('risk.precisionAt1pct')}</dt>
                <dd>{rules.data.model.metrics.precisionAt1pct?.toFixed(3) ?? '—'}</dd>
              </dl>
            </>
          )}
        </section>
      )}
    </>
  );
}

function DryRunView({ result }: { readonly result: DryRunResult }): ReactNode {
  const { t } = useTranslation();
  const row = (counts: DecisionCounts) =>
    RISK_DECISIONS.map((d) => (
      <td key={d} className="num">
        {counts[d]}
      </td>
    ));
  return (
    <div
      className="dry-run"
      data-testid="rules-dry-run-result"
      data-evaluated={result.evaluated}
      data-changed={result.changedCount}
    >
      <h3>{t('risk.dryRunTitle', { n: result.evaluated })}</h3>
      <table className="table">
        <thead>
          <tr>
            <th />
            {RISK_DECISIONS.map((d) => (
              <th key={d} className="num">
                {t(`risk.decision.${d}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr data-testid="dry-run-current">
            <th>{t('risk.current')}</th>
            {row(result.current)}
          </tr>
          <tr data-testid="dry-run-proposed">
            <th>{t('risk.proposed')}</th>
            {row(result.proposed)}
          </tr>
        </tbody>
      </table>
      <p className="muted">{t('risk.changed', { n: result.changedCount })}</p>
      {result.changed.length > 0 && (
        <ul className="list compact">
          {result.changed.slice(0, DRY_RUN_CHANGES_SHOWN).map((c) => (
            <li key={c.eventId} data-testid="dry-run-change" data-event-id={c.eventId}>
              <code>{shortHex(c.eventId)}</code> {t(`risk.decision.${c.from}`)} → {t(`risk.decision.${c.to}`)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Reasons({ reasons }: { readonly reasons: readonly string[] }): ReactNode {
  if (reasons.length === 0) return null;
  return (
    <ul className="reasons">
      {reasons.map((reason, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: reasons of one decision, in their order.
        <li key={i}>{reason}</li>
      ))}
    </ul>
  );
}

function ReviewQueue(): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const reviews = usePaged((before) => getRiskReviews(client, before === undefined ? {} : { before }), [client]);
  return (
    <section className="card" data-testid="review-queue">
      <h2>{t('risk.reviews')}</h2>
      <p className="hint">{t('risk.reviewsHint')}</p>
      <ErrorBox error={reviews.error} />
      {!reviews.loading && reviews.items.length === 0 && reviews.error === null && (
        <p className="muted">{t('risk.noReviews')}</p>
      )}
      <ul className="list">
        {reviews.items.map((p) => (
          <li
            key={p.txId}
            className="list-row list-row-left"
            data-testid="review-row"
            data-txid={p.txId}
            data-decision={p.risk.decision}
          >
            <span>
              <strong>
                <MoneyText money={p.amount} />
              </strong>{' '}
              <span className="badge badge-warn">{t(`risk.decision.${p.risk.decision}`)}</span>
              <small>
                {p.payerPhone === null ? '' : `${p.payerPhone} → `}
                {p.counterparty.name} · {t(`kind.${p.kind}`)} · {formatTime(p.createdAtMs, locale)}
              </small>
              <small>
                {t('risk.score', { score: p.risk.score.toFixed(3) })} ·{' '}
                {t('risk.ruleVersion', { version: p.risk.ruleSetVersion })} ·{' '}
                <a href={`#/ops/tx/${p.txId}`}>
                  <code>{shortHex(p.txId, 6)}</code>
                </a>
              </small>
              <Reasons reasons={p.risk.reasons} />
            </span>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="link" onClick={reviews.reload} data-testid="reviews-refresh">
          {t('common.refresh')}
        </button>
        {reviews.hasMore && (
          <button type="button" className="link" onClick={reviews.more} data-testid="reviews-more">
            {t('history.more')}
          </button>
        )}
      </div>
    </section>
  );
}

function Refusals(): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const refusals = usePaged((before) => getRiskRefusals(client, before === undefined ? {} : { before }), [client]);
  return (
    <section className="card" data-testid="refusals">
      <h2>{t('risk.refusals')}</h2>
      <p className="hint">{t('risk.refusalsHint')}</p>
      <ErrorBox error={refusals.error} />
      {!refusals.loading && refusals.items.length === 0 && refusals.error === null && (
        <p className="muted">{t('risk.noRefusals')}</p>
      )}
      <ul className="list">
        {refusals.items.map((r) => (
          <li
            key={r.id}
            className="list-row list-row-left"
            data-testid="refusal-row"
            data-id={r.id}
            data-decision={r.decision}
          >
            <span>
              <strong>
                <MoneyText money={{ amount: r.amount, currency: r.currency }} />
              </strong>{' '}
              <span className={r.decision === 'block' ? 'badge badge-error' : 'badge badge-warn'}>
                {t(`risk.decision.${r.decision}`)}
              </span>
              <small>
                {r.userPhone} · {r.kind} · {formatTime(r.createdAtMs, locale)}
              </small>
              <small>
                {t('risk.score', { score: r.score.toFixed(3) })} ·{' '}
                {t('risk.ruleVersion', { version: r.ruleSetVersion })}
              </small>
              <Reasons reasons={r.reasons} />
            </span>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="link" onClick={refusals.reload} data-testid="refusals-refresh">
          {t('common.refresh')}
        </button>
        {refusals.hasMore && (
          <button type="button" className="link" onClick={refusals.more} data-testid="refusals-more">
            {t('history.more')}
          </button>
        )}
      </div>
    </section>
  );
}
