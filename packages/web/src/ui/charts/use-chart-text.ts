/**
 * The chart text of the screen's language: money in an answer's currency, buckets as times of day or dates on the
 * network's clock (UTC+8), as the warehouse counts them.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDecimal } from '../../api/money';
import { useApp } from '../app-context';
import { createBucketLabel } from './bucket-label';
import type { ChartText } from './chart-options';

export function useChartText(currency: string): ChartText {
  const { t } = useTranslation();
  const { locale } = useApp();
  return useMemo(
    () => ({
      money: (value: string) => formatDecimal(value, currency, locale),
      bucket: createBucketLabel(locale),
      count: t('dashboard.count'),
      value: t('dashboard.value'),
    }),
    [t, locale, currency],
  );
}
