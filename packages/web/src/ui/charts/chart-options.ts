/**
 * The dashboards' charts as ECharts options, built from the API's rows by pure functions (tested in Node): volume
 * over time, a breakdown as horizontal bars (regions, MCCs), risk decisions stacked per day, the AML alert rate,
 * and a merchant's daily and hour-of-day sales. Amounts are plotted from `decimalToPlotNumber` (bar heights only);
 * every figure a person reads — tooltips — is printed from the decimal string by `text.money`. Tooltips are HTML,
 * so every text from the API in them is escaped.
 */
import type { BarSeriesOption, LineSeriesOption, SankeySeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import {
  type AlertDay,
  DAY_MS,
  decimalToPlotNumber,
  type Granularity,
  HOUR_MS,
  type RiskDay,
  type SalesDay,
  type SalesHour,
  type VolumeBucket,
} from '../../api/analytics';
import type { ProgramTrace, TraceEdge } from '../../api/programs';

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | SankeySeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>;

/** Buckets drawn at most on a time axis (30 days of hours is 720). */
export const BUCKETS_MAX = 800;
/** Bars of a breakdown (regions, MCCs): the largest ones. */
export const BREAKDOWN_BARS_MAX = 12;

/** Decision colours: allowed green, review amber, step-up blue, blocked red; the same in both colour schemes. */
export const DECISION_COLORS = { allow: '#2e9d5b', review: '#d99a00', step_up: '#3f7fd6', block: '#d64541' } as const;
const COUNT_COLOR = '#4c8fd6';
const VALUE_COLOR = '#e07b39';
const REFUND_COLOR = '#9b59b6';

/** What a chart needs from the screen: its words, in the user's language, and how to print money and times. */
export interface ChartText {
  /** A decimal string in the answer's currency, formatted in the locale ("¥1,234.50"). */
  money(value: string): string;
  /** A bucket's start as an axis label: a time of day for hours, a date for days. */
  bucket(ms: number, granularity: Granularity): string;
  readonly count: string;
  readonly value: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => {
    switch (ch) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** The data index an axis or item tooltip is about. */
function tooltipIndex(params: unknown): number {
  const first: unknown = Array.isArray(params) ? params[0] : params;
  if (typeof first !== 'object' || first === null || !('dataIndex' in first)) return -1;
  return typeof first.dataIndex === 'number' ? first.dataIndex : -1;
}

function tooltipLines(title: string, lines: readonly (readonly [string, string])[]): string {
  const body = lines.map(([label, value]) => `${escapeHtml(label)}: <b>${escapeHtml(value)}</b>`).join('<br/>');
  return `${escapeHtml(title)}<br/>${body}`;
}

const GRID: GridComponentOption = { left: 8, right: 8, top: 36, bottom: 8, containLabel: true };
/** Value-axis labels that would overlap on a phone's width are left out. */
const VALUE_AXIS_LABEL = { hideOverlap: true } as const;

/**
 * Every step of a time grid from the first one at or after `fromMs` to `toMs`, with `empty(ms)` where the API sent
 * nothing (it may leave empty hours or days out), on the API's own boundaries (its day may start at midnight UTC+8,
 * not UTC): the offset is learnt from the items answered. No item answered is no data, not a row of zeros.
 */
export function fillTimeGrid<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  range: { readonly fromMs: number; readonly toMs: number; readonly stepMs: number },
  empty: (ms: number) => T,
): T[] {
  const first = items[0];
  if (first === undefined) return [];
  const { fromMs, toMs, stepMs } = range;
  const firstMs = timeOf(first);
  const offsetMs = ((firstMs % stepMs) + stepMs) % stepMs;
  const byStart = new Map(items.map((item) => [timeOf(item), item]));
  const startMs = Math.min(firstMs, Math.floor((fromMs - offsetMs) / stepMs) * stepMs + offsetMs);
  const out: T[] = [];
  for (let ms = startMs; ms <= toMs && out.length < BUCKETS_MAX; ms += stepMs) out.push(byStart.get(ms) ?? empty(ms));
  // Items the API answered off the grid (or past toMs) are still drawn, in time order.
  const drawn = new Set(out.map(timeOf));
  for (const item of items) if (!drawn.has(timeOf(item)) && out.length < BUCKETS_MAX) out.push(item);
  return out.sort((a, b) => timeOf(a) - timeOf(b));
}

/** Volume buckets on the grid of their granularity, zero where none was answered. */
export function fillBuckets(
  items: readonly VolumeBucket[],
  fromMs: number,
  toMs: number,
  granularity: Granularity,
): VolumeBucket[] {
  const stepMs = granularity === 'hour' ? HOUR_MS : DAY_MS;
  return fillTimeGrid(
    items,
    (b) => b.bucketMs,
    { fromMs, toMs, stepMs },
    (ms) => ({
      bucketMs: ms,
      count: 0,
      value: '0',
    }),
  );
}

/** Days of a range, the empty ones made by `empty` (no decisions, no alerts, no sales). */
export function fillDays<T extends { readonly dayMs: number }>(
  items: readonly T[],
  fromMs: number,
  toMs: number,
  empty: (dayMs: number) => T,
): T[] {
  return fillTimeGrid(items, (d) => d.dayMs, { fromMs, toMs, stepMs: DAY_MS }, empty);
}

export const emptyRiskDay = (dayMs: number): RiskDay => ({ dayMs, allow: 0, review: 0, step_up: 0, block: 0 });
export const emptyAlertDay = (dayMs: number): AlertDay => ({ dayMs, alerts: 0, transfers: 0, alertsPer1000: 0 });
export const emptySalesDay = (dayMs: number): SalesDay => ({ dayMs, count: 0, value: '0', refunds: '0' });

/** Payment count (bars, left axis) and value (line, right axis) per bucket. */
export function volumeOption(buckets: readonly VolumeBucket[], granularity: Granularity, text: ChartText): ChartOption {
  return {
    grid: GRID,
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const bucket = buckets[tooltipIndex(params)];
        if (bucket === undefined) return '';
        return tooltipLines(text.bucket(bucket.bucketMs, granularity), [
          [text.count, String(bucket.count)],
          [text.value, text.money(bucket.value)],
        ]);
      },
    },
    xAxis: { type: 'category', data: buckets.map((b) => text.bucket(b.bucketMs, granularity)) },
    yAxis: [
      { type: 'value', name: text.count, minInterval: 1, axisLabel: VALUE_AXIS_LABEL },
      { type: 'value', name: text.value, splitLine: { show: false }, axisLabel: VALUE_AXIS_LABEL },
    ],
    series: [
      { name: text.count, type: 'bar', data: buckets.map((b) => b.count), itemStyle: { color: COUNT_COLOR } },
      {
        name: text.value,
        type: 'line',
        yAxisIndex: 1,
        showSymbol: buckets.length <= 31,
        data: buckets.map((b) => decimalToPlotNumber(b.value)),
        itemStyle: { color: VALUE_COLOR },
      },
    ],
  };
}

export interface BreakdownBar {
  readonly label: string;
  readonly count: number;
  readonly value: string;
}

/** The largest rows by value (then count), at most BREAKDOWN_BARS_MAX, largest first. */
export function topBars(rows: readonly BreakdownBar[], max: number = BREAKDOWN_BARS_MAX): BreakdownBar[] {
  return [...rows]
    .sort((a, b) => decimalToPlotNumber(b.value) - decimalToPlotNumber(a.value) || b.count - a.count)
    .slice(0, max);
}

/** Horizontal bars of value, largest on top; the tooltip gives value and count. */
export function breakdownOption(bars: readonly BreakdownBar[], text: ChartText): ChartOption {
  // ECharts draws the first category at the bottom: reversed so the largest is on top.
  const shown = [...bars].reverse();
  return {
    grid: { ...GRID, top: 8 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const bar = shown[tooltipIndex(params)];
        if (bar === undefined) return '';
        return tooltipLines(bar.label, [
          [text.value, text.money(bar.value)],
          [text.count, String(bar.count)],
        ]);
      },
    },
    xAxis: { type: 'value', axisLabel: VALUE_AXIS_LABEL },
    yAxis: { type: 'category', data: shown.map((b) => b.label), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [
      {
        name: text.value,
        type: 'bar',
        data: shown.map((b) => decimalToPlotNumber(b.value)),
        itemStyle: { color: COUNT_COLOR },
      },
    ],
  };
}

/** Decisions per day, stacked: allow, review, step-up, block. */
export function riskOption(
  days: readonly RiskDay[],
  text: ChartText & { readonly decisions: Readonly<Record<keyof typeof DECISION_COLORS, string>> },
): ChartOption {
  const decisions = ['allow', 'review', 'step_up', 'block'] as const;
  return {
    grid: GRID,
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: days.map((d) => text.bucket(d.dayMs, 'day')) },
    yAxis: { type: 'value', minInterval: 1, axisLabel: VALUE_AXIS_LABEL },
    series: decisions.map(
      (decision): BarSeriesOption => ({
        name: text.decisions[decision],
        type: 'bar',
        stack: 'decisions',
        data: days.map((d) => d[decision]),
        itemStyle: { color: DECISION_COLORS[decision] },
      }),
    ),
  };
}

/** Alerts per day (bars, left) and alerts per 1,000 transfers (line, right). */
export function alertsOption(
  days: readonly AlertDay[],
  text: ChartText & { readonly alerts: string; readonly rate: string; readonly transfers: string },
): ChartOption {
  return {
    grid: GRID,
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const day = days[tooltipIndex(params)];
        if (day === undefined) return '';
        return tooltipLines(text.bucket(day.dayMs, 'day'), [
          [text.alerts, String(day.alerts)],
          [text.transfers, String(day.transfers)],
          [text.rate, day.alertsPer1000.toFixed(2)],
        ]);
      },
    },
    xAxis: { type: 'category', data: days.map((d) => text.bucket(d.dayMs, 'day')) },
    yAxis: [
      { type: 'value', name: text.alerts, minInterval: 1, axisLabel: VALUE_AXIS_LABEL },
      { type: 'value', name: text.rate, splitLine: { show: false }, axisLabel: VALUE_AXIS_LABEL },
    ],
    series: [
      { name: text.alerts, type: 'bar', data: days.map((d) => d.alerts), itemStyle: { color: DECISION_COLORS.block } },
      {
        name: text.rate,
        type: 'line',
        yAxisIndex: 1,
        data: days.map((d) => d.alertsPer1000),
        itemStyle: { color: VALUE_COLOR },
      },
    ],
  };
}

/** A merchant's sales per day: count (bars, left), value and refunds (lines, right). */
export function salesDailyOption(
  days: readonly SalesDay[],
  text: ChartText & { readonly refunds: string },
): ChartOption {
  return {
    grid: GRID,
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const day = days[tooltipIndex(params)];
        if (day === undefined) return '';
        return tooltipLines(text.bucket(day.dayMs, 'day'), [
          [text.count, String(day.count)],
          [text.value, text.money(day.value)],
          [text.refunds, text.money(day.refunds)],
        ]);
      },
    },
    xAxis: { type: 'category', data: days.map((d) => text.bucket(d.dayMs, 'day')) },
    yAxis: [
      { type: 'value', name: text.count, minInterval: 1, axisLabel: VALUE_AXIS_LABEL },
      { type: 'value', name: text.value, splitLine: { show: false }, axisLabel: VALUE_AXIS_LABEL },
    ],
    series: [
      { name: text.count, type: 'bar', data: days.map((d) => d.count), itemStyle: { color: COUNT_COLOR } },
      {
        name: text.value,
        type: 'line',
        yAxisIndex: 1,
        data: days.map((d) => decimalToPlotNumber(d.value)),
        itemStyle: { color: VALUE_COLOR },
      },
      {
        name: text.refunds,
        type: 'line',
        yAxisIndex: 1,
        data: days.map((d) => decimalToPlotNumber(d.refunds)),
        itemStyle: { color: REFUND_COLOR },
      },
    ],
  };
}

/** All 24 hours, 0 where the API sent none. */
export function fillHours(hours: readonly SalesHour[]): SalesHour[] {
  return Array.from({ length: 24 }, (_, hour) => hours.find((h) => h.hour === hour) ?? { hour, count: 0, value: '0' });
}

/** A merchant's sales by hour of day: count (bars, left) and value (line, right). */
export function salesHourlyOption(hours: readonly SalesHour[], text: ChartText): ChartOption {
  const all = fillHours(hours);
  const label = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;
  return {
    grid: GRID,
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const hour = all[tooltipIndex(params)];
        if (hour === undefined) return '';
        return tooltipLines(label(hour.hour), [
          [text.count, String(hour.count)],
          [text.value, text.money(hour.value)],
        ]);
      },
    },
    xAxis: { type: 'category', data: all.map((h) => label(h.hour)) },
    yAxis: [
      { type: 'value', name: text.count, minInterval: 1, axisLabel: VALUE_AXIS_LABEL },
      { type: 'value', name: text.value, splitLine: { show: false }, axisLabel: VALUE_AXIS_LABEL },
    ],
    series: [
      { name: text.count, type: 'bar', data: all.map((h) => h.count), itemStyle: { color: COUNT_COLOR } },
      {
        name: text.value,
        type: 'line',
        yAxisIndex: 1,
        data: all.map((h) => decimalToPlotNumber(h.value)),
        itemStyle: { color: VALUE_COLOR },
      },
    ],
  };
}

/** A program trace as a Sankey graph: nodes by id with their labels, links with the edge they draw. */
export interface SankeyGraph {
  readonly nodes: readonly { readonly id: string; readonly label: string }[];
  readonly links: readonly {
    readonly source: string;
    readonly target: string;
    /** Major units, for the link's width only. */
    readonly value: number;
    readonly edge: TraceEdge;
  }[];
}

/**
 * The trace's nodes and edges as an acyclic graph, which a Sankey needs: money flows funder → program →
 * beneficiaries → merchant:X → deposits:X, and what goes back to the funder (expiry returns, clawbacks) is drawn to
 * its own node `returned:<funder>`, labelled like the funder with `returnedSuffix`. Self-loops are left out.
 */
export function traceSankeyGraph(trace: ProgramTrace, returnedSuffix: string): SankeyGraph {
  const labels = new Map(trace.nodes.map((n) => [n.id, n.label]));
  const nodes = new Map<string, string>();
  const addNode = (id: string): void => {
    if (nodes.has(id)) return;
    if (id.startsWith('returned:')) {
      const funder = id.slice('returned:'.length);
      nodes.set(id, `${labels.get(funder) ?? funder} (${returnedSuffix})`);
    } else {
      nodes.set(id, labels.get(id) ?? id);
    }
  };
  const links: SankeyGraph['links'][number][] = [];
  for (const edge of trace.edges) {
    // Only the funding leaves a funder; anything reaching one is money going back.
    const target = edge.target.startsWith('funder:') && edge.kind !== 'fund' ? `returned:${edge.target}` : edge.target;
    if (target === edge.source) continue;
    addNode(edge.source);
    addNode(target);
    links.push({ source: edge.source, target, value: decimalToPlotNumber(edge.amount.amount), edge });
  }
  return { nodes: [...nodes].map(([id, label]) => ({ id, label })), links };
}

/** What a node still holds, drawn as a flow into a node of its own (kind `balance`): not a movement on chain. */
export const BALANCE_KIND = 'balance';

/**
 * Adds, for each program, beneficiaries and merchant node, what flowed in and has not flowed out (the pool, what
 * beneficiaries hold, a merchant's receivable) as a flow into `rest:<node>`, labelled with `text`: node widths then
 * match the money, and the chart shows where each unit is now, not only where it went. Amounts are summed in minor
 * units from the decimal strings (exact), and drawn as plot numbers.
 */
export function withBalanceSinks(
  graph: SankeyGraph,
  text: { readonly pool: string; readonly held: string; readonly receivable: string },
): SankeyGraph {
  const net = new Map<string, bigint>();
  let currency = 'CNY';
  let decimals = 2;
  for (const link of graph.links) {
    currency = link.edge.amount.currency;
    decimals = link.edge.amount.amount.split('.')[1]?.length ?? 0;
    const minor = BigInt(link.edge.amount.amount.replace('.', ''));
    net.set(link.target, (net.get(link.target) ?? 0n) + minor);
    net.set(link.source, (net.get(link.source) ?? 0n) - minor);
  }
  const nodes = [...graph.nodes];
  const links = [...graph.links];
  for (const node of graph.nodes) {
    const label = node.id.startsWith('program:')
      ? text.pool
      : node.id === 'beneficiaries'
        ? text.held
        : node.id.startsWith('merchant:')
          ? text.receivable
          : null;
    const rest = net.get(node.id) ?? 0n;
    if (label === null || rest <= 0n) continue;
    const digits = rest.toString().padStart(decimals + 1, '0');
    const amount = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
    const id = `rest:${node.id}`;
    nodes.push({ id, label: node.id.startsWith('merchant:') ? `${node.label} · ${label}` : label });
    links.push({
      source: node.id,
      target: id,
      value: decimalToPlotNumber(amount),
      edge: {
        kind: BALANCE_KIND,
        source: node.id,
        target: id,
        amount: { amount, currency },
        count: 0,
        evidence: [],
        evidenceTruncated: false,
      },
    });
  }
  return { nodes, links };
}

export function sankeyOption(
  graph: SankeyGraph,
  text: ChartText & { kind(kind: string): string; readonly kindLabel: string; readonly amount: string },
): ChartOption {
  const labels = new Map(graph.nodes.map((n) => [n.id, n.label]));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (params: unknown) => {
        if (typeof params !== 'object' || params === null || !('dataType' in params)) return '';
        const index = 'dataIndex' in params && typeof params.dataIndex === 'number' ? params.dataIndex : -1;
        if (params.dataType === 'edge') {
          const link = graph.links[index];
          if (link === undefined) return '';
          const from = labels.get(link.source) ?? link.source;
          const to = labels.get(link.target) ?? link.target;
          return tooltipLines(`${from} → ${to}`, [
            [text.kindLabel, text.kind(link.edge.kind)],
            [text.amount, text.money(link.edge.amount.amount)],
            [text.count, String(link.edge.count)],
          ]);
        }
        const node = graph.nodes[index];
        return node === undefined ? '' : escapeHtml(node.label);
      },
    },
    series: [
      {
        type: 'sankey',
        // Top to bottom: a phone is narrow, and each level's labels get the whole width.
        orient: 'vertical',
        // Each node at its own depth: what a node still holds sits beside where the rest went, not at the bottom.
        nodeAlign: 'left',
        left: 8,
        right: 8,
        top: 8,
        bottom: 48,
        // Wide enough apart that two small nodes' labels (below them, 100 px at most) do not overlap.
        nodeGap: 64,
        nodeWidth: 14,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', curveness: 0.5, opacity: 0.4 },
        label: {
          position: 'bottom',
          fontSize: 11,
          width: 100,
          overflow: 'truncate',
          formatter: (params: unknown) => {
            const name =
              typeof params === 'object' && params !== null && 'name' in params && typeof params.name === 'string'
                ? params.name
                : '';
            return labels.get(name) ?? name;
          },
        },
        data: graph.nodes.map((n) => ({ name: n.id })),
        links: graph.links.map((l) => ({ source: l.source, target: l.target, value: l.value })),
      },
    ],
  };
}
