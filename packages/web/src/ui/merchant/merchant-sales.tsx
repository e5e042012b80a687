/**
 * A merchant's sales over the last 30 days (`GET /v1/merchants/{id}/analytics/sales`, the merchant's own): totals,
 * a daily chart (payment count, value and refunds) and an hour-of-day chart (when customers pay).
 */
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { DAY_MS, getMerchantSales, SALES_DAYS_DEFAULT } from '../../api/analytics';
import { useApp } from '../app-context';
import { emptySalesDay, fillDays, salesDailyOption, salesHourlyOption } from '../charts/chart-options';
import { EChart } from '../charts/echart';
import { useChartText } from '../charts/use-chart-text';
import { ErrorBox, MoneyText, Row } from '../common';
import { useLoad } from '../hooks';

export function MerchantSales({
  merchantId,
  changes,
}: {
  readonly merchantId: string;
  /** Bumped when a payment settles here: the sales are read again. */
  readonly changes: number;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const sales = useLoad(() => getMerchantSales(client, merchantId, SALES_DAYS_DEFAULT), [client, merchantId, changes]);
  const text = useChartText(sales.data?.currency ?? 'CNY');
  const daily = useMemo(() => {
    // The window ends at the answer's last day (the server's clock), or now when there is none.
    const lastMs = sales.data?.daily.at(-1)?.dayMs ?? Date.now();
    const days = fillDays(sales.data?.daily ?? [], lastMs - (SALES_DAYS_DEFAULT - 1) * DAY_MS, lastMs, emptySalesDay);
    return salesDailyOption(days, { ...text, refunds: t('sales.refunds') });
  }, [sales.data, text, t]);
  const hourly = useMemo(() => salesHourlyOption(sales.data?.hourly ?? [], text), [sales.data, text]);
  return (
    <section className="card" data-testid="merchant-sales">
      <h2>{t('sales.title', { days: SALES_DAYS_DEFAULT })}</h2>
      <ErrorBox error={sales.error} />
      {sales.data !== null && (
        <div className="rows">
          <Row label={t('sales.totalCount')} testId="sales-total-count">
            {sales.data.totals.count}
          </Row>
          <Row label={t('sales.totalValue')}>
            <MoneyText
              money={{ amount: sales.data.totals.value, currency: sales.data.currency }}
              testId="sales-total"
            />
          </Row>
        </div>
      )}
      <h3>{t('sales.daily')}</h3>
      <EChart
        option={daily}
        points={sales.data?.daily.length ?? 0}
        testId="chart-sales-daily"
        label={t('sales.daily')}
      />
      <h3>{t('sales.hourly')}</h3>
      <p className="hint">{t('dashboard.timeZone')}</p>
      <EChart
        option={hourly}
        points={sales.data?.hourly.length ?? 0}
        testId="chart-sales-hourly"
        label={t('sales.hourly')}
        heightPx={220}
      />
    </section>
  );
}
