// Goal: an alert mostly covered by alerts of more specific patterns is dropped, one partly covered is
// kept, and alerts of one pattern never suppress each other. Method: a table of hand-made candidates.
import { describe, expect, it } from 'vitest';
import type { LaunderingPattern } from '../transfer-record.ts';
import type { AlertCandidate } from './aml-alert.ts';
import { PATTERN_SPECIFICITY, suppressCoveredAlerts } from './suppress-covered-alerts.ts';

function candidate(pattern: LaunderingPattern, transfers: number[]): AlertCandidate {
  return { pattern, accounts: [0], transfers, score: 0.5, explanation: pattern };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('suppressCoveredAlerts', () => {
  it.each([
    {
      name: "a fan-out that is a scatter-gather's first leg",
      candidates: [candidate('fan_out', range(0, 6)), candidate('scatter_gather', range(0, 12))],
      kept: ['scatter_gather'],
      suppressed: { fan_out: 1 },
    },
    {
      name: 'the same, listed the other way round',
      candidates: [candidate('scatter_gather', range(0, 12)), candidate('fan_out', range(0, 6))],
      kept: ['scatter_gather'],
      suppressed: { fan_out: 1 },
    },
    {
      name: 'a fan-in with 2 of its 13 transfers in a bipartite block',
      candidates: [candidate('bipartite', [0, 1, 20, 21, 22, 23, 24, 25]), candidate('fan_in', range(0, 13))],
      kept: ['bipartite', 'fan_in'],
      suppressed: {},
    },
    {
      name: 'a pass-through alert exactly half covered (the share is inclusive)',
      candidates: [candidate('cycle', [0, 1, 2]), candidate('rapid_pass_through', [1, 2, 3, 4])],
      kept: ['cycle'],
      suppressed: { rapid_pass_through: 1 },
    },
    {
      name: 'two fan-outs sharing transfers (one pattern never suppresses itself)',
      candidates: [candidate('fan_out', range(0, 6)), candidate('fan_out', range(0, 6))],
      kept: ['fan_out', 'fan_out'],
      suppressed: {},
    },
    {
      name: 'a fan-in covered by a fan-out and a stack together',
      candidates: [candidate('stack', [0, 1, 2]), candidate('fan_out', [3, 4, 5]), candidate('fan_in', range(0, 6))],
      kept: ['stack', 'fan_out'],
      suppressed: { fan_in: 1 },
    },
  ])('$name', ({ candidates, kept, suppressed }) => {
    const result = suppressCoveredAlerts(candidates, 30, 0.5);
    expect(result.kept.map((c) => c.pattern)).toEqual(kept);
    expect(Object.fromEntries(result.suppressed)).toEqual(suppressed);
  });

  it('orders every pattern once, composites before their parts', () => {
    expect(new Set(PATTERN_SPECIFICITY).size).toBe(PATTERN_SPECIFICITY.length);
    const rank = (p: LaunderingPattern) => PATTERN_SPECIFICITY.indexOf(p);
    for (const [composite, part] of [
      ['scatter_gather', 'fan_out'],
      ['scatter_gather', 'fan_in'],
      ['gather_scatter', 'fan_in'],
      ['stack', 'bipartite'],
      ['smurfing', 'fan_in'],
      ['cycle', 'rapid_pass_through'],
    ] as const) {
      expect(rank(composite), `${composite} before ${part}`).toBeLessThan(rank(part));
    }
  });
});
