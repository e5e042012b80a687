/**
 * Trains the shipped model and writes `model.json` beside this file, printing the hold-out figures:
 *   npx tsx packages/risk/src/realtime/write-default-model.ts --seed 1 --users 20000 --merchants 2000 --days 60
 * The command line and the date are recorded in the model.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trainFromGenerated } from './train-from-generated.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '20000' },
    merchants: { type: 'string', default: '2000' },
    days: { type: 'string', default: '60' },
    'model-version': { type: 'string', default: '1' },
    date: { type: 'string', default: new Date().toISOString().slice(0, 10) },
    out: { type: 'string', default: new URL('./model.json', import.meta.url).pathname },
  },
});
const seed = Number(values.seed);
const users = Number(values.users);
const merchants = Number(values.merchants);
const days = Number(values.days);
const command = `npx tsx packages/risk/src/realtime/write-default-model.ts --seed ${seed} --users ${users} --merchants ${merchants} --days ${days} --model-version ${values['model-version']}`;
const startMs = performance.now();
const { model, holdout } = trainFromGenerated({
  seed,
  users,
  merchants,
  days,
  version: Number(values['model-version']),
  date: values.date,
  command,
});
writeFileSync(values.out, `${JSON.stringify(model, null, 2)}\n`);
console.log(
  JSON.stringify({ out: values.out, seconds: Math.round((performance.now() - startMs) / 1000), holdout }, null, 2),
);
