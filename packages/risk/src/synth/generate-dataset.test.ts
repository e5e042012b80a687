// Goal: `paychain generate` writes four files that are byte-identical for the same seed, that the
// strict readers accept, and that hold exactly the in-memory data set; the summary tells the truth.
// Method: real files in a temp directory, compared by SHA-256 and by reading them back.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAccountsCsv } from '../csv/accounts-csv.ts';
import { loadLabelsCsv } from '../csv/labels-csv.ts';
import { loadPatternsCsv } from '../csv/patterns-csv.ts';
import { loadTransfersCsv } from '../csv/transfer-csv.ts';
import { DATASET_FILES, generateDataset, runGenerateCommand } from './generate-dataset.ts';
import { generateTransfers, SynthOptionsError } from './synthetic-dataset.ts';

const root = mkdtempSync(join(tmpdir(), 'paychain-generate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const OPTIONS = { seed: 42, users: 150, merchants: 8, days: 10 } as const;

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    Object.values(DATASET_FILES).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex'),
    ]),
  );
}

describe('generateDataset', () => {
  it('writes the same bytes for the same seed, and other bytes for another seed', async () => {
    await generateDataset({ ...OPTIONS, out: join(root, 'a') });
    await generateDataset({ ...OPTIONS, out: join(root, 'b') });
    await generateDataset({ ...OPTIONS, seed: 43, out: join(root, 'c') });
    const a = hashes(join(root, 'a'));
    expect(hashes(join(root, 'b'))).toEqual(a);
    expect(hashes(join(root, 'c'))['transfers.csv']).not.toBe(a['transfers.csv']);
  });

  it('writes files the strict readers accept, holding exactly the in-memory data set', async () => {
    const out = join(root, 'read-back');
    const summary = await generateDataset({ ...OPTIONS, out });
    const memory = generateTransfers(OPTIONS);
    const transfers = await loadTransfersCsv(join(out, DATASET_FILES.transfers));
    expect(transfers).toEqual(memory.transfers);
    expect(await loadLabelsCsv(join(out, DATASET_FILES.labels))).toEqual(memory.labels);
    expect(await loadPatternsCsv(join(out, DATASET_FILES.patterns))).toEqual(memory.instances);
    expect(await loadAccountsCsv(join(out, DATASET_FILES.accounts))).toEqual(memory.accounts);
    expect(readdirSync(out).sort()).toEqual(Object.values(DATASET_FILES).sort());

    expect(summary).toMatchObject({
      seed: 42,
      users: 150,
      merchants: 8,
      days: 10,
      start: '2026-01-01T00:00:00.000Z',
      thresholdCny: '50000.00',
      transfers: transfers.length,
      illicit: memory.labels.filter((l) => l.isIllicit).length,
      files: Object.values(DATASET_FILES).map((name) => join(out, name)),
    });
    expect(summary.illicitShare).toBeGreaterThanOrEqual(0.01);
    for (const instance of memory.instances) {
      expect(summary.patterns[instance.pattern].instances).toBeGreaterThan(0);
    }
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe('runGenerateCommand', () => {
  it('takes the threshold in CNY as typed, and structures below it', async () => {
    const out = join(root, 'threshold');
    await runGenerateCommand({ ...OPTIONS, out, threshold: '20000' });
    const transfers = new Map((await loadTransfersCsv(join(out, DATASET_FILES.transfers))).map((t) => [t.id, t]));
    const structured = (await loadPatternsCsv(join(out, DATASET_FILES.patterns)))
      .filter((i) => i.pattern === 'structuring')
      .flatMap((i) => i.transactionIds.map((id) => transfers.get(id)?.amount ?? 0n));
    expect(structured.length).toBeGreaterThan(0);
    expect(structured.every((a) => a >= 18_000_00n && a < 20_000_00n)).toBe(true);
  });

  it.each([
    { threshold: '2e4', option: 'threshold' },
    { threshold: '-5', option: 'threshold' },
    { threshold: '20000.001', option: 'threshold' },
    { threshold: '0.99', option: 'threshold' },
    { threshold: '', option: 'threshold' },
  ])('refuses the threshold $threshold before writing anything', async ({ threshold, option }) => {
    const out = join(root, 'refused');
    await expect(runGenerateCommand({ ...OPTIONS, out, threshold })).rejects.toThrow(SynthOptionsError);
    await expect(runGenerateCommand({ ...OPTIONS, out, threshold })).rejects.toMatchObject({ option });
    expect(() => readdirSync(out)).toThrow();
  });

  it('refuses a bad count before writing anything', async () => {
    const out = join(root, 'refused-users');
    await expect(runGenerateCommand({ ...OPTIONS, users: 5, out })).rejects.toMatchObject({ option: 'users' });
    expect(() => readdirSync(out)).toThrow();
  });
});
