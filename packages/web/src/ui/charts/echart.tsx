/**
 * One ECharts chart in a React component: the library is loaded on first use (echarts-setup.ts, its own chunk),
 * the chart is made on the canvas renderer when the element mounts, given the option whenever it changes (a new
 * language or new data), resized with its container (ResizeObserver) and disposed on unmount. The container carries
 * `data-points` — how many of the API's data items the drawn option holds — once the chart has finished drawing
 * them (ECharts' `finished` event, after the short animation), so an end-to-end test can tell that data arrived and
 * a screenshot shows it whole; with none, the container says so in words.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBox } from '../common';
import type { ChartOption } from './chart-options';
import type { EChartsType } from './echarts-setup';

type EchartsModule = typeof import('./echarts-setup');

/** Bars grow and lines draw in this long: enough to see the change, short enough for a screenshot. */
const ANIMATION_MS = 300;

let echartsModule: Promise<EchartsModule> | null = null;

function loadEcharts(): Promise<EchartsModule> {
  if (echartsModule === null) {
    const loading = import('./echarts-setup');
    echartsModule = loading;
    // A failed chunk load (offline) is not cached: the next chart tries again.
    loading.catch(() => {
      if (echartsModule === loading) echartsModule = null;
    });
  }
  return echartsModule;
}

export function EChart({
  option,
  points,
  testId,
  label,
  heightPx = 260,
}: {
  /** Memoize it (useMemo): a new object redraws the chart. */
  readonly option: ChartOption;
  /** Data items of the API drawn (buckets, regions, days…), shown as `data-points`. */
  readonly points: number;
  readonly testId: string;
  /** What the chart shows, for screen readers. */
  readonly label: string;
  readonly heightPx?: number;
}): ReactNode {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<EChartsType | null>(null);
  /** The option the chart last finished drawing, and its points. */
  const [drawn, setDrawn] = useState<{ readonly option: ChartOption; readonly points: number } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  /** The option last given to the chart: `finished` reports it drawn. */
  const given = useRef<{ readonly option: ChartOption; readonly points: number } | null>(null);

  useEffect(() => {
    let live = true;
    let made: EChartsType | null = null;
    let observer: ResizeObserver | null = null;
    loadEcharts().then(
      (echarts) => {
        const target = element.current;
        if (!live || target === null) return;
        made = echarts.init(target, null, { renderer: 'canvas' });
        made.on('finished', () => setDrawn(given.current));
        const current = made;
        observer = new ResizeObserver(() => current.resize());
        observer.observe(target);
        setChart(made);
      },
      (error: unknown) => {
        if (live) setFailed(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      live = false;
      observer?.disconnect();
      made?.dispose();
    };
  }, []);

  useEffect(() => {
    if (chart === null || chart.isDisposed()) return;
    // The page's text colour, so axis labels read on the dark scheme too.
    const color = element.current === null ? undefined : getComputedStyle(element.current).color;
    given.current = { option, points };
    chart.setOption(
      {
        backgroundColor: 'transparent',
        animationDuration: ANIMATION_MS,
        animationDurationUpdate: ANIMATION_MS,
        ...(color === undefined ? {} : { textStyle: { color } }),
        ...option,
      },
      { notMerge: true },
    );
  }, [chart, option, points]);

  // Only the option on screen counts: while a new one (new data, another language) is drawn, there are no points.
  const shownPoints = drawn !== null && drawn.option === option ? drawn.points : null;
  return (
    <div className="chart-box">
      <div
        ref={element}
        className="chart"
        style={{ height: `${heightPx}px` }}
        role="img"
        aria-label={label}
        data-testid={testId}
        data-points={shownPoints === null ? undefined : String(shownPoints)}
      />
      {shownPoints === 0 && <p className="chart-empty muted">{t('dashboard.noData')}</p>}
      {failed !== null && <ErrorBox error={{ message: failed, code: 'chart_load' }} />}
    </div>
  );
}
