// Goal: the process that crash-safety.test.ts kills. It opens the consortium of a data
// directory (recovering whatever the previous run left), then submits pre-signed transactions
// from a file, phase by phase, and prints one line per transaction the moment it is final.
// Method: run as `node --import tsx crash-child.ts --data DIR --txs FILE --from K [--recover]`.
//
// Output (stdout, one line each; stdout on a pipe is synchronous on Linux, so a line printed is a
// line the parent sees even when SIGKILL follows at once):
//   ready <height>                          consortium open, catch-up and re-certification done
//   ack <index> <id> <code> <height> <pos>  transaction <index> of the file is final
//   reject <index> <code>                   refused before ordering (never final)
//   done                                    every transaction from <from> on is final
//
// The file holds one transaction a line, `<phase> <hex bytes>`, phases in order (setup, fund,
// pay); a phase starts when the previous one is all final, so a payment never precedes the
// accounts it moves money between. Transactions before <from> are not sent again; the parent
// chooses <from> a little before its first unacknowledged one, so already final ones are
// retried too (a retry must return the first outcome) and unacknowledged ones are retried
// with the same bytes (the ledger must apply each id at most once).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hexToBytes } from '@paychain/core';
import { Consortium, consortiumOptionsOf, openDataDir, SubmitError } from '@paychain/node';

/** Transactions in flight at once: a client pool, enough to fill several blocks. */
const CHILD_SUBMIT_WINDOW_MAX = 512;

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    txs: { type: 'string' },
    from: { type: 'string', default: '0' },
    'block-txs': { type: 'string', default: '200' },
    recover: { type: 'boolean', default: false },
  },
});
const dir = values.data;
const txFile = values.txs;
if (dir === undefined || (txFile === undefined && !values.recover))
  throw new Error('usage: --data DIR --txs FILE [--from K]');
const from = Number(values.from);
const blockTxsMax = Number(values['block-txs']);

/** process.stdout on a pipe is synchronous on Linux: when this returns, the parent can read the line. */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const data = openDataDir(dir);
// A fixed clock: block times and expiry are relative to genesis, not to the wall clock.
const now = data.genesis.time + 2_000n;
const consortium = Consortium.open({
  ...consortiumOptionsOf(data),
  clock: () => now,
  blockTxsMax,
  blockIntervalMs: 5,
  verifyWorkers: 1,
});
say(`ready ${consortium.primary.tip.height}`);

if (!values.recover && txFile !== undefined) {
  const entries = readFileSync(txFile, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line, index) => {
      const [phase, hex] = line.split(' ');
      if (phase === undefined || hex === undefined) throw new Error(`${txFile}:${index + 1}: expected "<phase> <hex>"`);
      return { index, phase, bytes: hexToBytes(hex) };
    });
  const phases: Array<typeof entries> = [];
  for (const entry of entries) {
    const last = phases.at(-1);
    if (last !== undefined && last[0]?.phase === entry.phase) last.push(entry);
    else phases.push([entry]);
  }
  for (const phase of phases) {
    const todo = phase.filter((e) => e.index >= from);
    let next = 0;
    const lane = async () => {
      while (next < todo.length) {
        const entry = todo[next++];
        if (entry === undefined) return;
        try {
          const o = await consortium.submit(entry.bytes);
          say(`ack ${entry.index} ${o.id} ${o.code} ${o.height} ${o.index}`);
        } catch (error) {
          if (!(error instanceof SubmitError)) throw error;
          say(`reject ${entry.index} ${error.code}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHILD_SUBMIT_WINDOW_MAX, todo.length) }, lane));
  }
  say('done');
}
await consortium.close();
