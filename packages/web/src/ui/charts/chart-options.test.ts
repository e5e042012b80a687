// Goal: the charts draw what the API answered — one point per bucket, empty buckets filled on the API's own grid,
// amounts in tooltips printed from the decimal strings (not from floats), text from the API escaped in tooltip HTML,
// the largest breakdown bars first. Method: the pure option builders called with small tables; no browser.
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../api/analytics';
import type { ProgramTrace, TraceEdge } from '../../api/programs';
import {
  BALANCE_KIND,
  breakdownOption,
  type ChartText,
  emptyAlertDay,
  escapeHtml,
  fillBuckets,
  fillDays,
  fillHours,
  riskOption,
  salesDailyOption,
  sankeyOption,
  topBars,
  traceSankeyGraph,
  volumeOption,
  withBalanceSinks,
} from './chart-options';

const TEXT: ChartText = {
  money: (value) => `¥${value}`,
  bucket: (ms, granularity) => `${granularity}:${ms}`,
  count: 'Payments',
  value: 'Value',
};

/** Calls a tooltip formatter of an option for a data index. */
function tooltip(option: ReturnType<typeof volumeOption>, dataIndex: number): string {
  const formatter = (option.tooltip as { formatter?: unknown } | undefined)?.formatter;
  if (typeof formatter !== 'function') throw new Error('no tooltip formatter');
  return String(formatter([{ dataIndex }]));
}

function seriesData(option: ReturnType<typeof volumeOption>, index: number): unknown[] {
  const series = Array.isArray(option.series) ? option.series[index] : undefined;
  const data = series?.data;
  return Array.isArray(data) ? data : [];
}

describe('fillBuckets', () => {
  const base = Date.UTC(2026, 0, 1);
  it('fills the empty hours of the range with zero buckets', () => {
    const items = [
      { bucketMs: base + 1 * HOUR_MS, count: 2, value: '3.00' },
      { bucketMs: base + 3 * HOUR_MS, count: 1, value: '1.00' },
    ];
    const filled = fillBuckets(items, base, base + 4 * HOUR_MS - 1, 'hour');
    expect(filled.map((b) => [(b.bucketMs - base) / HOUR_MS, b.count, b.value])).toEqual([
      [0, 0, '0'],
      [1, 2, '3.00'],
      [2, 0, '0'],
      [3, 1, '1.00'],
    ]);
  });

  it('keeps the API’s day boundary (UTC+8 midnight is 16:00 UTC)', () => {
    const dayStart = base - 8 * HOUR_MS;
    const items = [{ bucketMs: dayStart + 2 * DAY_MS, count: 5, value: '9.99' }];
    const filled = fillBuckets(items, dayStart + 3 * HOUR_MS, dayStart + 2 * DAY_MS + 1, 'day');
    expect(filled.map((b) => b.bucketMs - dayStart)).toEqual([0, DAY_MS, 2 * DAY_MS]);
    expect(filled[2]?.count).toBe(5);
  });

  it('draws nothing when the API answered nothing', () => {
    expect(fillBuckets([], 0, DAY_MS, 'hour')).toEqual([]);
  });

  it('fills missing days of a day series with its empty day', () => {
    const days = fillDays(
      [{ dayMs: base + 2 * DAY_MS, alerts: 3, transfers: 10, alertsPer1000: 300 }],
      base,
      base + 3 * DAY_MS,
      emptyAlertDay,
    );
    expect(days.map((d) => [(d.dayMs - base) / DAY_MS, d.alerts])).toEqual([
      [0, 0],
      [1, 0],
      [2, 3],
      [3, 0],
    ]);
  });
});

describe('option builders', () => {
  it('volume: one bar and one point per bucket, tooltips from the decimal strings', () => {
    const buckets = [
      { bucketMs: 0, count: 2, value: '12345678901234567.89' },
      { bucketMs: HOUR_MS, count: 0, value: '0' },
    ];
    const option = volumeOption(buckets, 'hour', TEXT);
    expect(seriesData(option, 0)).toEqual([2, 0]);
    expect(seriesData(option, 1)).toHaveLength(2);
    expect(tooltip(option, 0)).toContain('¥12345678901234567.89');
    expect(tooltip(option, 0)).toContain('hour:0');
    expect(tooltip(option, 5)).toBe('');
  });

  it('breakdown: the largest on top, API text escaped in the tooltip', () => {
    const bars = topBars(
      [
        { label: 'small', count: 9, value: '1.00' },
        { label: '<img src=x onerror=alert(1)>', count: 1, value: '100.00' },
        { label: 'mid', count: 3, value: '50.00' },
      ],
      2,
    );
    expect(bars.map((b) => b.label)).toEqual(['<img src=x onerror=alert(1)>', 'mid']);
    const option = breakdownOption(bars, TEXT);
    // ECharts draws the first category at the bottom: the list is reversed so the largest is on top.
    expect(option.yAxis).toMatchObject({ data: ['mid', '<img src=x onerror=alert(1)>'] });
    const html = tooltip(option, 1);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('¥100.00');
  });

  it('risk: four stacked series, one value per day', () => {
    const days = [
      { dayMs: 0, allow: 5, review: 1, step_up: 2, block: 1 },
      { dayMs: DAY_MS, allow: 3, review: 0, step_up: 0, block: 0 },
    ];
    const option = riskOption(days, {
      ...TEXT,
      decisions: { allow: 'A', review: 'R', step_up: 'S', block: 'B' },
    });
    expect(Array.isArray(option.series) ? option.series.map((s) => [s.name, s.data]) : []).toEqual([
      ['A', [5, 3]],
      ['R', [1, 0]],
      ['S', [2, 0]],
      ['B', [1, 0]],
    ]);
  });

  it('sales: refunds drawn and printed from their strings; all 24 hours filled', () => {
    const option = salesDailyOption([{ dayMs: 0, count: 1, value: '30.00', refunds: '2.34' }], {
      ...TEXT,
      refunds: 'Refunds',
    });
    expect(seriesData(option, 2)).toEqual([2.34]);
    expect(tooltip(option, 0)).toContain('Refunds: <b>¥2.34</b>');
    const hours = fillHours([{ hour: 13, count: 4, value: '8.00' }]);
    expect(hours).toHaveLength(24);
    expect(hours[13]).toEqual({ hour: 13, count: 4, value: '8.00' });
    expect(hours[0]).toEqual({ hour: 0, count: 0, value: '0' });
  });

  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('program trace as a Sankey', () => {
  const edge = (kind: string, source: string, target: string, amount: string, count = 1): TraceEdge => ({
    kind,
    source,
    target,
    amount: { amount, currency: 'CNY' },
    count,
    evidence: [],
    evidenceTruncated: false,
  });
  const trace: ProgramTrace = {
    programId: 'p',
    totals: null,
    beneficiaries: 2,
    merchants: 1,
    height: '9',
    nodes: [
      { id: 'funder:bank', kind: 'funder', label: 'Bank <HQ>' },
      { id: 'program:p', kind: 'program', label: 'Seeds' },
      { id: 'beneficiaries', kind: 'beneficiaries', label: '2 farmers' },
      { id: 'merchant:m', kind: 'merchant', label: 'Farm shop' },
      { id: 'deposits:m', kind: 'deposits', label: 'Farm shop deposits' },
    ],
    edges: [
      edge('fund', 'funder:bank', 'program:p', '1000.00'),
      edge('disburse', 'program:p', 'beneficiaries', '300.00', 2),
      edge('spend', 'beneficiaries', 'merchant:m', '120.50', 3),
      edge('redeem', 'merchant:m', 'deposits:m', '100.00'),
      edge('clawback', 'beneficiaries', 'funder:bank', '10.00'),
      edge('expiry_return', 'program:p', 'funder:bank', '700.00'),
    ],
  };

  /** Whether the links have a cycle (depth-first search over the directed graph). */
  function hasCycle(links: readonly { readonly source: string; readonly target: string }[]): boolean {
    const out = new Map<string, string[]>();
    for (const l of links) out.set(l.source, [...(out.get(l.source) ?? []), l.target]);
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string): boolean => {
      if (state.get(node) === 'open') return true;
      if (state.get(node) === 'done') return false;
      state.set(node, 'open');
      const cyclic = (out.get(node) ?? []).some(visit);
      state.set(node, 'done');
      return cyclic;
    };
    return [...out.keys()].some(visit);
  }

  it('draws money going back to the funder to a node of its own, so the graph is acyclic', () => {
    const graph = traceSankeyGraph(trace, 'returned');
    expect(hasCycle(trace.edges)).toBe(true);
    expect(hasCycle(graph.links)).toBe(false);
    expect(graph.links.map((l) => [l.source, l.target, l.value])).toEqual([
      ['funder:bank', 'program:p', 1000],
      ['program:p', 'beneficiaries', 300],
      ['beneficiaries', 'merchant:m', 120.5],
      ['merchant:m', 'deposits:m', 100],
      ['beneficiaries', 'returned:funder:bank', 10],
      ['program:p', 'returned:funder:bank', 700],
    ]);
    expect(graph.nodes.find((n) => n.id === 'returned:funder:bank')?.label).toBe('Bank <HQ> (returned)');
  });

  it('draws what each node still holds into a node of its own, so widths match the money', () => {
    const graph = withBalanceSinks(traceSankeyGraph(trace, 'returned'), {
      pool: 'pool',
      held: 'held',
      receivable: 'receivable',
    });
    const rests = graph.links.filter((l) => l.edge.kind === BALANCE_KIND);
    // program: 1000 in, 300 + 700 out; beneficiaries: 300 in, 120.50 + 10 out; merchant: 120.50 in, 100 out.
    expect(rests.map((l) => [l.source, l.target, l.edge.amount.amount])).toEqual([
      ['beneficiaries', 'rest:beneficiaries', '169.50'],
      ['merchant:m', 'rest:merchant:m', '20.50'],
    ]);
    expect(graph.nodes.find((n) => n.id === 'rest:beneficiaries')?.label).toBe('held');
    expect(hasCycle(graph.links)).toBe(false);
  });

  it('keeps a returned node the gateway already drew, with its label', () => {
    const drawn: ProgramTrace = {
      ...trace,
      nodes: [...trace.nodes, { id: 'returned:bank', kind: 'returned', label: 'bank (returned)' }],
      edges: [edge('expiry_return', 'program:p', 'returned:bank', '5.00')],
    };
    const graph = traceSankeyGraph(drawn, 'returned');
    expect(graph.links.map((l) => l.target)).toEqual(['returned:bank']);
    expect(graph.nodes.map((n) => n.label)).toEqual(['Seeds', 'bank (returned)']);
  });

  it('gives each node and link to the series; the tooltip of a flow says kind, amount from the string, count', () => {
    const graph = traceSankeyGraph(trace, 'returned');
    const option = sankeyOption(graph, { ...TEXT, kind: (k) => `kind:${k}`, kindLabel: 'Flow', amount: 'Amount' });
    const series = Array.isArray(option.series) ? option.series[0] : undefined;
    expect(series?.type).toBe('sankey');
    expect((series as { data?: unknown[] } | undefined)?.data).toHaveLength(graph.nodes.length);
    const formatter = (option.tooltip as { formatter?: unknown } | undefined)?.formatter;
    if (typeof formatter !== 'function') throw new Error('no tooltip formatter');
    const spend = String(formatter({ dataType: 'edge', dataIndex: 2 }));
    expect(spend).toContain('kind:spend');
    expect(spend).toContain('¥120.50');
    expect(spend).toContain('<b>3</b>');
    expect(String(formatter({ dataType: 'node', dataIndex: 0 }))).toBe('Bank &lt;HQ&gt;');
  });
});
