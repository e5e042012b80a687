// Goal: what an analyst does from the command line works end to end: `paychain generate` writes a seeded dataset
// (the same seed gives the same bytes), `paychain aml scan` finds the injected laundering in it and `paychain aml
// evaluate` scores the alerts against the labels, `paychain analytics import|summary|export` loads the same file into a
// warehouse once, all of it; and a file with a bad line — malformed row, unknown currency, a
// timestamp without a zone — is refused with one line naming the line number and nothing written. Method: the real
// binary run as a process on a small generated dataset (a few seconds).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, runCli, stackTraceLines } from './helpers/cli.ts';

const GENERATE = ['generate', '--seed', '11', '--users', '600', '--merchants', '40', '--days', '80'] as const;

describe('paychain generate and paychain aml', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-aml-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('generates the same files for the same seed, scans them and evaluates the alerts', async () => {
    const first = join(dir, 'a');
    const again = join(dir, 'b');
    for (const out of [first, again]) {
      const run = await runCli([...GENERATE, '--out', out, '--json']);
      expect(run.code, describeRun([...GENERATE], run)).toBe(0);
    }
    for (const file of ['transfers.csv', 'labels.csv', 'patterns.csv', 'accounts.csv']) {
      expect(sha(join(first, file))).toBe(sha(join(again, file)));
    }
    const summary = JSON.parse((await runCli([...GENERATE, '--out', first, '--json'])).stdout) as {
      transfers: number;
      illicitShare: number;
    };
    expect(summary.illicitShare).toBeGreaterThanOrEqual(0.01);

    const alerts = join(dir, 'alerts.json');
    const largeValue = join(dir, 'large-value.csv');
    const scan = ['aml', 'scan', '--input', join(first, 'transfers.csv'), '--out', alerts, '--large-value', largeValue];
    const scanned = await runCli(scan);
    expect(scanned.code, describeRun(scan, scanned)).toBe(0);
    expect(scanned.stdout).toMatch(new RegExp(`^${summary.transfers} transfers scanned`));
    const file = JSON.parse(readFileSync(alerts, 'utf8')) as { alerts: { pattern: string; explanation: string }[] };
    const patterns = new Set(file.alerts.map((a) => a.pattern));
    expect([...patterns].sort()).toEqual(
      [
        'bipartite',
        'cycle',
        'dormant_activation',
        'fan_in',
        'fan_out',
        'gather_scatter',
        'rapid_pass_through',
        'scatter_gather',
        'smurfing',
        'stack',
        'structuring',
      ].sort(),
    );
    expect(file.alerts.every((a) => a.explanation.length > 20)).toBe(true);
    expect(readFileSync(largeValue, 'utf8').split('\n')[0]).toMatch(/^id,timestamp,/);

    const evaluate = ['aml', 'evaluate', '--alerts', alerts, '--labels', join(first, 'labels.csv'), '--json'];
    const evaluated = await runCli(evaluate);
    expect(evaluated.code, describeRun(evaluate, evaluated)).toBe(0);
    const report = JSON.parse(evaluated.stdout) as {
      patterns: { pattern: string; precision: number; recall: number }[];
    };
    for (const p of report.patterns) {
      expect(p.precision, p.pattern).toBeGreaterThanOrEqual(0.8);
      expect(p.recall, p.pattern).toBeGreaterThanOrEqual(0.9);
    }

    // The same file into a warehouse: loaded once, all of it; a second load of the same content is refused.
    const warehouse = join(dir, 'warehouse.duckdb');
    const load = ['analytics', 'import', '--warehouse', warehouse, '--input', join(first, 'transfers.csv')];
    const loaded = await runCli(load);
    expect(loaded.code, describeRun(load, loaded)).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ rows: summary.transfers });
    const twice = await runCli(load);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/was loaded as/);
    const totals = JSON.parse((await runCli(['analytics', 'summary', '--warehouse', warehouse])).stdout) as {
      totals: { count: number };
    };
    expect(totals.totals.count).toBe(summary.transfers);
    const exported = join(dir, 'export.csv');
    const exportArgs = ['analytics', 'export', '--warehouse', warehouse, '--out', exported];
    expect((await runCli(exportArgs)).code).toBe(0);
    expect(readFileSync(exported, 'utf8').trim().split('\n')).toHaveLength(summary.transfers + 1);
  }, 90_000);

  const header =
    'id,timestamp,from_account,to_account,amount,currency,channel,mcc,merchant_id,device_id,ip_region,lat,lon';
  const good = 'T1,2026-01-01T10:00:00Z,U1,U2,100.00,CNY,transfer,,,,,,';
  it.each([
    ['a row with a missing field', 'T2,2026-01-01T10:00:00Z,U1,U2,100.00,CNY,transfer', /line 3/],
    ['an unknown currency', 'T2,2026-01-01T10:00:00Z,U1,U2,100.00,XXX,transfer,,,,,,', /line 3.*currency/],
    ['a timestamp without a zone', 'T2,2026-01-01 10:00:00,U1,U2,100.00,CNY,transfer,,,,,,', /line 3.*time zone/],
    ['an amount with three decimals', 'T2,2026-01-01T10:00:00Z,U1,U2,1.005,CNY,transfer,,,,,,', /line 3.*amount/],
  ])('refuses %s with the line number and writes nothing', async (_what, badLine, message) => {
    const input = join(dir, 'bad.csv');
    const out = join(dir, 'bad-alerts.json');
    rmSync(out, { force: true });
    writeFileSync(input, `${header}\n${good}\n${badLine}\n${good.replace('T1', 'T3')}\n`);
    const args = ['aml', 'scan', '--input', input, '--out', out];
    const run = await runCli(args);
    expect(run.code, describeRun(args, run)).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(stackTraceLines(run.stderr)).toEqual([]);
    expect(existsSync(out)).toBe(false);

    // Nor does a warehouse take any of it: the good first line is not loaded either.
    const warehouse = join(dir, `bad-${randomBytes(4).toString('hex')}.duckdb`);
    const load = ['analytics', 'import', '--warehouse', warehouse, '--input', input];
    const refused = await runCli(load);
    expect(refused.code, describeRun(load, refused)).toBe(1);
    expect(refused.stderr).toMatch(message);
    const summary = JSON.parse((await runCli(['analytics', 'summary', '--warehouse', warehouse])).stdout);
    expect(summary).toEqual({ transfers: 0 });
  });
});
