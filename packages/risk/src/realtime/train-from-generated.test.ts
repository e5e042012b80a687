// Goal: training from generated data is deterministic, and the model beats the rules it is set beside.
// Method: two runs on a small seeded data set (kept small: the shipped model is trained by write-default-model.ts).
import { describe, expect, it } from 'vitest';
import { trainFromGenerated } from './train-from-generated.ts';

describe('trainFromGenerated', () => {
  const options = {
    seed: 11,
    users: 400,
    merchants: 40,
    days: 21,
    warmUpDays: 3,
    version: 1,
    date: '2026-01-01',
    command: 'test',
    train: { epochs: 4 },
  };

  it('gives the same model twice, with its provenance, evaluated on another seed', () => {
    const first = trainFromGenerated(options);
    const second = trainFromGenerated(options);
    expect(second).toEqual(first);
    const { model, holdout } = first;
    expect(model.trainedOn).toMatchObject({ seed: 11, users: 400, merchants: 40, days: 21, command: 'test' });
    expect(model.trainedOn.positives).toBeGreaterThan(0);
    expect(model.metrics.holdoutSeed).toBe(12);
    expect(model.metrics.auc).toBe(holdout.model.auc);
    expect(holdout.model.positives).toBeGreaterThan(0);
    expect(holdout.model.auc ?? 0).toBeGreaterThan(holdout.rulesOnly.auc ?? 1);
  });
});
