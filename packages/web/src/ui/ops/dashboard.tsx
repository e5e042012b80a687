/**
 * The ops and regulator dashboard (`#/ops/dashboard`, the ops console's first tab for ops users): a range (24 hours
 * by hour, 7 or 30 days by day), how far the warehouse has loaded the chain, and charts of the committed payments —
 * volume over time, by region and by MCC, the top merchants and issuers, risk decisions per day and the AML alert
 * rate — with the range's transfers exported as CSV or Parquet.
 */
import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CASE_STATUSES, type CaseStatus, getAmlCases } from '../../api/aml';
import {
  dashboardRange,
  type ExportFormat,
  exportTransfers,
  getAlertDays,
  getAnalyticsStatus,
  getIssuers,
  getMccs,
  getRegions,
  getRiskDays,
  getTopMerchants,
  getVolume,
  RANGE_KEYS,
  type RangeKey,
} from '../../api/analytics';
import { mccLabel } from '../../api/mcc';
import { useApp } from '../app-context';
import {
  alertsOption,
  breakdownOption,
  emptyAlertDay,
  emptyRiskDay,
  fillBuckets,
  fillDays,
  riskOption,
  topBars,
  volumeOption,
} from '../charts/chart-options';
import { EChart } from '../charts/echart';
import { useChartText } from '../charts/use-chart-text';
import { ErrorBox, MoneyText, shortHex } from '../common';
import { saveDownload } from '../download';
import { useAction, useLoad } from '../hooks';

export function Dashboard(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [rangeKey, setRangeKey] = useState<RangeKey>('7d');
  // "Now" moves on a refresh or a new range only, so the charts of one view share one range.
  const [nowMs, setNowMs] = useState(() => Date.now());
  const range = useMemo(() => dashboardRange(rangeKey, nowMs), [rangeKey, nowMs]);
  const status = useLoad(() => getAnalyticsStatus(client), [client, nowMs]);
  const choose = (key: RangeKey): void => {
    setRangeKey(key);
    setNowMs(Date.now());
  };
  const download = useAction(async (format: ExportFormat) => {
    saveDownload(await exportTransfers(client, format, range));
  });

  return (
    <div className="stack" data-testid="dashboard-screen" data-range={rangeKey}>
      <section className="card">
        <h2>{t('dashboard.title')}</h2>
        <fieldset className="segmented" aria-label={t('dashboard.range')}>
          {RANGE_KEYS.map((key) => (
            <button
              key={key}
              type="button"
              className={key === rangeKey ? 'chip chip-on' : 'chip'}
              aria-pressed={key === rangeKey}
              onClick={() => choose(key)}
              data-testid={`dashboard-range-${key}`}
            >
              {t(`dashboard.ranges.r${key}`)}
            </button>
          ))}
          <button type="button" className="link" onClick={() => setNowMs(Date.now())} data-testid="dashboard-refresh">
            {t('common.refresh')}
          </button>
        </fieldset>
        <p className="hint">{t('dashboard.timeZone')}</p>
        <ErrorBox error={status.error} />
        {status.data !== null && (
          <p
            className="muted status-line"
            data-testid="analytics-status"
            data-warehouse={status.data.warehouse}
            data-loaded-height={status.data.loadedHeight}
            data-chain-height={status.data.chainHeight}
            data-lag-blocks={status.data.lagBlocks}
          >
            {t('dashboard.status', {
              warehouse: status.data.warehouse === 'duckdb' ? 'DuckDB' : 'ClickHouse',
              loaded: status.data.loadedHeight,
              chain: status.data.chainHeight,
              transfers: status.data.transfers.toLocaleString(),
            })}{' '}
            {status.data.lagBlocks === '0' ? t('dashboard.upToDate') : t('dashboard.lag', { n: status.data.lagBlocks })}
          </p>
        )}
        <div className="actions">
          <button
            type="button"
            className="button button-secondary"
            disabled={download.busy}
            onClick={() => void download.run('csv')}
            data-testid="export-csv"
          >
            {t('dashboard.exportCsv')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={download.busy}
            onClick={() => void download.run('parquet')}
            data-testid="export-parquet"
          >
            {t('dashboard.exportParquet')}
          </button>
        </div>
        <ErrorBox error={download.error} />
      </section>
      <VolumeCard range={range} />
      <RegionsCard range={range} />
      <MccsCard range={range} />
      <TopMerchantsCard range={range} />
      <RiskCard range={range} />
      <AlertsCard range={range} />
      <CasesCard nowMs={nowMs} />
      <IssuersCard range={range} />
    </div>
  );
}

type Range = ReturnType<typeof dashboardRange>;

function VolumeCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const volume = useLoad(() => getVolume(client, range), [client, range]);
  const text = useChartText(volume.data?.currency ?? 'CNY');
  const buckets = useMemo(
    () => (volume.data === null ? [] : fillBuckets(volume.data.items, range.fromMs, range.toMs, range.granularity)),
    [volume.data, range],
  );
  const option = useMemo(() => volumeOption(buckets, range.granularity, text), [buckets, range.granularity, text]);
  return (
    <section className="card">
      <h2>{range.granularity === 'hour' ? t('dashboard.volumeHourly') : t('dashboard.volumeDaily')}</h2>
      <ErrorBox error={volume.error} />
      <EChart
        option={option}
        points={volume.data?.items.length ?? 0}
        testId="chart-volume"
        label={t('dashboard.volumeDaily')}
      />
    </section>
  );
}

function RegionsCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const regions = useLoad(() => getRegions(client, range), [client, range]);
  const text = useChartText(regions.data?.currency ?? 'CNY');
  const bars = useMemo(
    () =>
      topBars(
        (regions.data?.items ?? []).map((r) => ({
          label: r.region === 'unknown' ? t('dashboard.unknown') : r.region,
          count: r.count,
          value: r.value,
        })),
      ),
    [regions.data, t],
  );
  const option = useMemo(() => breakdownOption(bars, text), [bars, text]);
  return (
    <section className="card">
      <h2>{t('dashboard.regions')}</h2>
      <ErrorBox error={regions.error} />
      <EChart option={option} points={bars.length} testId="chart-regions" label={t('dashboard.regions')} />
    </section>
  );
}

function MccsCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const mccs = useLoad(() => getMccs(client, range), [client, range]);
  const text = useChartText(mccs.data?.currency ?? 'CNY');
  const bars = useMemo(
    () =>
      topBars(
        (mccs.data?.items ?? []).map((m) => ({
          label: m.mcc === 'unknown' ? t('dashboard.unknown') : mccLabel(m.mcc, (known) => t(`mcc.c${known}`)),
          count: m.count,
          value: m.value,
        })),
      ),
    [mccs.data, t],
  );
  const option = useMemo(() => breakdownOption(bars, text), [bars, text]);
  return (
    <section className="card">
      <h2>{t('dashboard.mccs')}</h2>
      <ErrorBox error={mccs.error} />
      <EChart option={option} points={bars.length} testId="chart-mccs" label={t('dashboard.mccs')} />
    </section>
  );
}

function TopMerchantsCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const top = useLoad(() => getTopMerchants(client, range), [client, range]);
  const currency = top.data?.currency ?? 'CNY';
  return (
    <section className="card" data-testid="top-merchants">
      <h2>{t('dashboard.topMerchants')}</h2>
      <ErrorBox error={top.error} />
      {top.data !== null && top.data.items.length === 0 && <p className="muted">{t('dashboard.noData')}</p>}
      {top.data !== null && top.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>#</th>
              <th>{t('dashboard.merchant')}</th>
              <th className="num">{t('dashboard.count')}</th>
              <th className="num">{t('dashboard.value')}</th>
            </tr>
          </thead>
          <tbody>
            {top.data.items.map((m, i) => (
              <tr key={m.merchantId} data-testid="top-merchants-row" data-merchant-id={m.merchantId}>
                <td>{i + 1}</td>
                <td>{m.name ?? <code>{shortHex(m.merchantId, 6)}</code>}</td>
                <td className="num">{m.count}</td>
                <td className="num">
                  <MoneyText money={{ amount: m.value, currency }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function IssuersCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const issuers = useLoad(() => getIssuers(client, range), [client, range]);
  const currency = issuers.data?.currency ?? 'CNY';
  return (
    <section className="card" data-testid="issuers">
      <h2>{t('dashboard.issuers')}</h2>
      <ErrorBox error={issuers.error} />
      {issuers.data !== null && issuers.data.items.length === 0 && <p className="muted">{t('dashboard.noData')}</p>}
      {issuers.data !== null && issuers.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('dashboard.issuer')}</th>
              <th className="num">{t('dashboard.count')}</th>
              <th className="num">{t('dashboard.value')}</th>
            </tr>
          </thead>
          <tbody>
            {issuers.data.items.map((row) => (
              <tr key={row.issuer} data-testid="issuer-row" data-issuer={row.issuer}>
                <td>{row.issuer}</td>
                <td className="num">{row.count}</td>
                <td className="num">
                  <MoneyText money={{ amount: row.value, currency }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RiskCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const days = useLoad(() => getRiskDays(client, range), [client, range]);
  const base = useChartText('CNY');
  const option = useMemo(
    () =>
      riskOption(fillDays(days.data ?? [], range.fromMs, range.toMs, emptyRiskDay), {
        ...base,
        decisions: {
          allow: t('risk.decision.allow'),
          review: t('risk.decision.review'),
          step_up: t('risk.decision.step_up'),
          block: t('risk.decision.block'),
        },
      }),
    [days.data, base, t, range],
  );
  return (
    <section className="card">
      <h2>{t('dashboard.riskDecisions')}</h2>
      <ErrorBox error={days.error} />
      <EChart
        option={option}
        points={days.data?.length ?? 0}
        testId="chart-risk"
        label={t('dashboard.riskDecisions')}
      />
    </section>
  );
}

function AlertsCard({ range }: { readonly range: Range }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const days = useLoad(() => getAlertDays(client, range), [client, range]);
  const base = useChartText('CNY');
  const option = useMemo(
    () =>
      alertsOption(fillDays(days.data ?? [], range.fromMs, range.toMs, emptyAlertDay), {
        ...base,
        alerts: t('dashboard.alerts'),
        rate: t('dashboard.alertRate'),
        transfers: t('dashboard.transfers'),
      }),
    [days.data, base, t, range],
  );
  return (
    <section className="card">
      <h2>{t('dashboard.alertsTitle')}</h2>
      <ErrorBox error={days.error} />
      <EChart
        option={option}
        points={days.data?.length ?? 0}
        testId="chart-alerts"
        label={t('dashboard.alertsTitle')}
      />
    </section>
  );
}

/** Cases counted per status from one page of each (the API has no count): "50+" when there are more. */
const CASES_COUNTED_MAX = 50;

function CasesCard({ nowMs }: { readonly nowMs: number }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const counts = useLoad(
    () =>
      Promise.all(
        CASE_STATUSES.map(async (status): Promise<readonly [CaseStatus, string]> => {
          const page = await getAmlCases(client, { status, limit: CASES_COUNTED_MAX });
          return [status, page.next === null ? String(page.items.length) : `${page.items.length}+`];
        }),
      ),
    [client, nowMs],
  );
  const countOf = (status: CaseStatus): string => counts.data?.find(([s]) => s === status)?.[1] ?? '';
  return (
    <section
      className="card"
      data-testid="dashboard-cases"
      data-open={countOf('open')}
      data-assigned={countOf('assigned')}
      data-closed={countOf('closed')}
    >
      <h2>{t('dashboard.cases')}</h2>
      <ErrorBox error={counts.error} />
      {counts.data !== null && (
        <div className="stat-grid">
          {counts.data.map(([status, count]) => (
            <a key={status} className="stat" href="#/ops/aml">
              <strong>{count}</strong>
              <span className={`badge badge-${status}`}>{t(`aml.status.${status}`)}</span>
            </a>
          ))}
        </div>
      )}
    </section>
  );
}
