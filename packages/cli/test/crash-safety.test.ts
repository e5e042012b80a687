// Goal: a node killed with SIGKILL at any moment — while opening, catching up, verifying,
// executing, storing or certifying — loses no acknowledged payment and applies none twice.
// Method: a child process (helpers/crash-child.ts) opens the consortium of a real data
// directory and submits pre-signed transactions, printing each one the moment it is final; this
// file kills it after a seeded random delay, restarts it, and repeats (at least 50 kill points
// with one issuer+validator organization, a few more with the default three). The child
// resends everything not acknowledged with the same bytes, and some acknowledged ones too. After
// the last kill, with no recovery run: `paychain verify` passes (hashes, certificates, state =
// replay), every acknowledged id is in every peer's chain once with its acknowledged code and is
// consumed, no id is stored twice, a retry returned the first outcome, and each asset conserves
// (sum of posted balances + program money = minted − burned, minted = the successful mints in the chain).
// Seed: PAYCHAIN_CRASH_SEED (default below), printed; kill times then depend on the machine too.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { bytesToHex, decodeTransaction, heldByAsset, isIdConsumed, TX_CODES, type TxCode } from '@paychain/core';
import { ledgerPath, openDataDir } from '@paychain/node';
import { BlockStore, StoreError } from '@paychain/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '../src/rng.ts';
import { Workload } from '../src/workload.ts';
import { describeRun, runCli } from './helpers/cli.ts';
import { crashProgramPhases } from './helpers/crash-program.ts';

const CRASH_SEED = BigInt(process.env.PAYCHAIN_CRASH_SEED ?? '20260228');
const CHILD_SCRIPT = fileURLToPath(new URL('./helpers/crash-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Minor units each payer is funded with: far more than its payments can spend. */
const FUNDING_MINOR = 100_000_000n;
/** Payments added to the file whenever fewer than PAYMENTS_LOW_WATER remain unacknowledged. */
const PAYMENTS_CHUNK = 3_000;
const PAYMENTS_LOW_WATER = 2_000;
/** Acknowledged transactions before the first unacknowledged one that each run sends again. */
const RETRY_OVERLAP = 64;
/** Upper bound of the random delay between "ready" or the run's first new acknowledgement and SIGKILL. */
const KILL_DELAY_MS_MAX = 400;
/** Upper bound of the random delay between spawn and SIGKILL for kills during start-up. */
const STARTUP_KILL_MS_MAX = 900;
/** A child that is not ready or not killed by then is hung. */
const CHILD_HANG_MS = 30_000;

interface Ack {
  readonly id: string;
  readonly code: TxCode;
  readonly height: bigint;
  readonly pos: number;
}

function isTxCode(x: string | undefined): x is TxCode {
  return x !== undefined && Object.hasOwn(TX_CODES, x);
}

type KillMode = 'startup' | 'early' | 'load';

interface KillPoint {
  readonly run: number;
  /** Where the delay counts from: spawn, "ready", or the run's first new acknowledgement. */
  readonly mode: KillMode;
  readonly delayMs: number;
  /** Transactions first acknowledged in this run before the kill. */
  readonly newAcksBefore: number;
  readonly wasReady: boolean;
}

/** One data directory, its transaction file and everything the children acknowledged. */
class CrashScenario {
  readonly txFile: string;
  readonly acks = new Map<number, Ack>();
  readonly violations: string[] = [];
  readonly kills: KillPoint[] = [];
  private readonly workload: Workload;
  private readonly now: bigint;
  private txCount = 0;
  /** Each phase's first transaction, by its index in the transaction file. */
  private readonly phaseStarts = new Map<string, number>();
  private runs = 0;
  /** Kills after which the peers' stores were at different heights (caught up at the next start). */
  private uneven = 0;
  private readonly orgs: readonly string[];
  readonly name: string;
  readonly dir: string;
  /** Whether the chain has program transactions (the genesis has an auditor organization). */
  readonly withProgram: boolean;
  private readonly rng: SeededRng;
  private readonly blockTxsMax: number;

  constructor(name: string, dir: string, rng: SeededRng, blockTxsMax: number) {
    this.name = name;
    this.dir = dir;
    this.rng = rng;
    this.blockTxsMax = blockTxsMax;
    this.txFile = join(dir, 'crash-txs.txt');
    const data = openDataDir(dir);
    const issuerOrg = data.genesis.assets[0]?.issuer;
    const issuer = issuerOrg === undefined ? undefined : data.keys.get(issuerOrg);
    if (issuer === undefined) throw new Error('scenario needs an issuer with keys');
    this.workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer, seed: CRASH_SEED });
    this.now = data.genesis.time + 1_000n;
    this.orgs = data.orgs;
    this.append('setup', this.workload.setup(40, 2, this.now));
    this.append('fund', this.workload.funding(FUNDING_MINOR, this.now));
    // Program money in the chain (three organizations: one is the auditor), so conservation counts what programs hold.
    const programPhases = crashProgramPhases({
      suite: data.suite,
      genesis: data.genesis,
      issuer,
      payers: this.workload.payers,
      merchants: this.workload.merchants,
      now: this.now,
    });
    for (const [phase, txs] of programPhases) this.append(phase, txs);
    this.withProgram = programPhases.length > 0;
  }

  private append(phase: string, txs: readonly Uint8Array[]): void {
    if (!this.phaseStarts.has(phase)) this.phaseStarts.set(phase, this.txCount);
    appendFileSync(this.txFile, txs.map((t) => `${phase} ${bytesToHex(t)}\n`).join(''));
    this.txCount += txs.length;
  }

  /** Whether the program's funding was acknowledged applied: from then on the program holds money. */
  programFunded(): boolean {
    const index = this.phaseStarts.get('program-fund');
    return index !== undefined && this.acks.get(index)?.code === 'ok';
  }

  firstUnacked(): number {
    let i = 0;
    while (this.acks.has(i)) i++;
    return i;
  }

  /** Records one line of a child's output; true for the first acknowledgement of a transaction. */
  private record(line: string): boolean {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'ack') {
      const [indexText, id, code, height, pos] = rest;
      if (id === undefined || !isTxCode(code) || height === undefined || pos === undefined) {
        this.violations.push(`malformed acknowledgement "${line}"`);
        return false;
      }
      const ack: Ack = { id, code, height: BigInt(height), pos: Number(pos) };
      const index = Number(indexText);
      const first = this.acks.get(index);
      if (first === undefined) {
        this.acks.set(index, ack);
        return true;
      }
      if (first.id !== ack.id || first.code !== ack.code || first.height !== ack.height || first.pos !== ack.pos) {
        this.violations.push(
          `retry of transaction ${index} answered ${line}, first outcome ${JSON.stringify({ ...first, height: String(first.height) })}`,
        );
      }
    } else if (kind === 'reject') {
      this.violations.push(`run ${this.runs}: ${line}`);
    } else if (kind !== 'ready' && kind !== 'done') {
      this.violations.push(`unexpected child output: ${line}`);
    }
    return false;
  }

  private spawnChild(args: readonly string[]): ChildProcessByStdio<null, Readable, Readable> {
    return spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, '--data', this.dir, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** One run: start a child, kill it with SIGKILL at a seeded point, collect what it acknowledged. */
  async killOnce(): Promise<void> {
    const run = ++this.runs;
    if (this.txCount - this.firstUnacked() < PAYMENTS_LOW_WATER) {
      this.append(
        'pay',
        Array.from({ length: PAYMENTS_CHUNK }, () => this.workload.payment(this.now).bytes),
      );
    }
    const from = Math.max(0, this.firstUnacked() - RETRY_OVERLAP);
    const draw = this.rng.below(5);
    const mode: KillMode = draw === 0 ? 'startup' : draw === 1 ? 'early' : 'load';
    const delayMs = mode === 'startup' ? this.rng.below(STARTUP_KILL_MS_MAX) : this.rng.below(KILL_DELAY_MS_MAX);
    const child = this.spawnChild([
      '--txs',
      this.txFile,
      '--from',
      String(from),
      '--block-txs',
      String(this.blockTxsMax),
    ]);
    let newAcksThisRun = 0;
    let ready = false;
    let done = false;
    let stderr = '';
    let pending = '';
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) {
        this.kills.push({ run, mode, delayMs, newAcksBefore: newAcksThisRun, wasReady: ready });
        child.kill('SIGKILL');
      }
    };
    if (mode === 'startup') killTimer = setTimeout(kill, delayMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (line.startsWith('ready')) {
          ready = true;
          if (mode === 'early') killTimer = setTimeout(kill, delayMs);
        } else if (line === 'done') {
          done = true;
        }
        if (this.record(line)) {
          newAcksThisRun++;
          if (mode === 'load' && newAcksThisRun === 1) killTimer = setTimeout(kill, delayMs);
        }
      }
    });
    const hang = setTimeout(() => {
      this.violations.push(`run ${run}: child hung (ready=${ready}), killed`);
      child.kill('SIGKILL');
    }, CHILD_HANG_MS);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    clearTimeout(hang);
    if (killTimer !== undefined) clearTimeout(killTimer);
    if (exit.signal !== 'SIGKILL' && !(exit.code === 0 && done)) {
      this.violations.push(`run ${run}: child exited with code ${exit.code} signal ${exit.signal}:\n${stderr}`);
    }
    const heights = this.orgs.map((org) => headHeight(this.dir, org));
    if (new Set(heights).size > 1) this.uneven++;
  }

  /** Opens and closes the consortium once (catch-up and re-certification), without load. */
  async recover(): Promise<void> {
    const child = this.spawnChild(['--recover']);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, output).toBe(0);
  }

  summary(): string {
    const count = (mode: KillMode) => this.kills.filter((k) => k.mode === mode).length;
    const underLoad = this.kills.filter((k) => k.newAcksBefore > 0).length;
    return `${this.name}: ${this.kills.length} kill points in ${this.runs} runs (${count('startup')} counted from spawn, ${count('early')} from ready, ${count('load')} from the first new acknowledgement; ${underLoad} while new transactions were being acknowledged; ${this.uneven} left the peers at different heights), ${this.acks.size} of ${this.txCount} transactions acknowledged`;
  }
}

/**
 * The peer's stored head; -1 when a kill came before its file was created or before its schema
 * was written (the next start creates it: that is part of what is under test).
 */
function headHeight(dir: string, org: string): bigint {
  if (!existsSync(ledgerPath(dir, org))) return -1n;
  let store: BlockStore;
  try {
    store = BlockStore.open(ledgerPath(dir, org), { readonly: true });
  } catch (error) {
    if (error instanceof StoreError && error.code === 'store_io') return -1n;
    throw error;
  }
  try {
    return store.head()?.height ?? 0n;
  } finally {
    store.close();
  }
}

interface PeerCheck {
  readonly org: string;
  readonly height: bigint;
  readonly missing: string[];
  readonly wrong: string[];
  readonly notConsumed: string[];
  readonly storedTwice: number;
  readonly conservation: Array<{
    asset: string;
    /** Ordinary posted balances plus program money. */
    balances: bigint;
    programs: bigint;
    minted: bigint;
    burned: bigint;
    mintedInChain: bigint;
  }>;
}

/** Reads one peer's store (read-only) and checks the acknowledged outcomes and conservation. */
function checkPeer(dir: string, org: string, acks: ReadonlyMap<number, Ack>): PeerCheck {
  const store = BlockStore.open(ledgerPath(dir, org), { readonly: true });
  try {
    const missing: string[] = [];
    const wrong: string[] = [];
    const notConsumed: string[] = [];
    const countById = store.database.prepare('SELECT COUNT(*) FROM txs WHERE id = ?').pluck();
    for (const [index, ack] of acks) {
      const stored = store.getTx(ack.id);
      if (stored === null) {
        missing.push(`${index}:${ack.id}`);
        continue;
      }
      if (stored.result.code !== ack.code || stored.height !== ack.height || stored.index !== ack.pos) {
        wrong.push(
          `${index}:${ack.id} acknowledged ${ack.code}@${ack.height}/${ack.pos}, stored ${stored.result.code}@${stored.height}/${stored.index}`,
        );
      }
      if ((countById.get(Buffer.from(ack.id, 'hex')) as number) !== 1)
        wrong.push(`${index}:${ack.id} stored more than once`);
      if (isIdConsumed(ack.code) && !store.isConsumed(ack.id)) notConsumed.push(`${index}:${ack.id}`);
    }
    const storedTwice = store.database
      .prepare('SELECT COUNT(*) FROM (SELECT id FROM txs GROUP BY id HAVING COUNT(*) > 1)')
      .pluck()
      .get() as number;
    // Balances plus what programs hold (pools, beneficiaries' balances, merchants' receivables): program money is
    // never in a balance entry.
    const held = heldByAsset(store.stateEntries());
    const mintedInChain = new Map<string, bigint>();
    const okRows = store.database
      .prepare('SELECT bytes FROM txs WHERE code = ?')
      .pluck()
      .iterate(TX_CODES.ok) as Iterable<Buffer>;
    for (const bytes of okRows) {
      const decoded = decodeTransaction(bytes);
      if (decoded.ok && decoded.value.tx.body.type === 'mint') {
        const body = decoded.value.tx.body;
        mintedInChain.set(body.asset, (mintedInChain.get(body.asset) ?? 0n) + body.amount);
      }
    }
    const conservation = [...held].map(([asset, s]) => ({
      asset,
      balances: s.balances + s.programs + s.pledged,
      programs: s.programs,
      minted: s.minted,
      burned: s.burned,
      mintedInChain: mintedInChain.get(asset) ?? 0n,
    }));
    return { org, height: store.head()?.height ?? 0n, missing, wrong, notConsumed, storedTwice, conservation };
  } finally {
    store.close();
  }
}

async function expectVerifies(dir: string): Promise<void> {
  const args = ['verify', '--data', dir];
  const result = await runCli(args);
  expect(result.code, describeRun(args, result)).toBe(0);
  expect(result.stderr, describeRun(args, result)).toBe('');
}

async function expectSurvived(scenario: CrashScenario): Promise<void> {
  expect(scenario.violations).toEqual([]);
  await expectVerifies(scenario.dir);
  const data = openDataDir(scenario.dir);
  for (const org of data.orgs) {
    const check = checkPeer(scenario.dir, org, scenario.acks);
    expect(check.missing, `${org}: acknowledged but not in the chain`).toEqual([]);
    expect(check.wrong, `${org}: acknowledged outcome differs from the stored one`).toEqual([]);
    expect(check.notConsumed, `${org}: acknowledged but its id is not consumed`).toEqual([]);
    expect(check.storedTwice, `${org}: ids stored more than once`).toBe(0);
    expect(check.conservation.length).toBeGreaterThan(0);
    if (scenario.withProgram) {
      expect(
        check.conservation.some((c) => c.programs > 0n),
        `${org}: the program holds money`,
      ).toBe(true);
    }
    for (const c of check.conservation) {
      expect(c.balances, `${org} ${c.asset}: posted balances + program money = minted − burned`).toBe(
        c.minted - c.burned,
      );
      expect(c.minted, `${org} ${c.asset}: minted = successful mints in the chain`).toBe(c.mintedInChain);
    }
  }
}

let root: string;

beforeAll(() => {
  console.log(`crash-safety: seed ${CRASH_SEED} (set PAYCHAIN_CRASH_SEED to replay the schedule)`);
  root = mkdtempSync(join(tmpdir(), 'paychain-crash-'));
});

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function initDir(name: string, extra: readonly string[]): Promise<string> {
  const dir = join(root, name);
  const args = ['init', '--data', dir, ...extra];
  const result = await runCli(args);
  expect(result.code, describeRun(args, result)).toBe(0);
  return dir;
}

describe('SIGKILL during load', () => {
  it('one issuer+validator organization: 50 kill points, nothing acknowledged is lost or applied twice', async () => {
    const dir = await initDir('one-org', ['--orgs', 'bank:issuer+validator']);
    const scenario = new CrashScenario('one-org', dir, new SeededRng(CRASH_SEED), 50);
    while (scenario.kills.length < 50) {
      await scenario.killOnce();
      expect(scenario.violations).toEqual([]);
    }
    console.log(scenario.summary());
    expect(scenario.kills.filter((k) => k.newAcksBefore > 0).length).toBeGreaterThanOrEqual(25);
    // A floor, so the kills land among real traffic: about 280–300 are acknowledged while the whole suite shares the
    // two cores (kill delays are seeded, so the count follows the machine's speed).
    expect(scenario.acks.size).toBeGreaterThan(200);
    await expectSurvived(scenario);
  }, 240_000);

  it('three organizations (default): kill points also between one peer storing a block and the next', async () => {
    const dir = await initDir('three-orgs', []);
    const scenario = new CrashScenario('three-orgs', dir, new SeededRng(CRASH_SEED ^ 0x3n), 50);
    // Twelve kill points, and on until the program's funding is acknowledged (a slow machine makes less progress
    // between kills), so the conservation check covers program money.
    while (scenario.kills.length < 12 || (!scenario.programFunded() && scenario.kills.length < 40)) {
      await scenario.killOnce();
      expect(scenario.violations).toEqual([]);
    }
    console.log(scenario.summary());
    expect(scenario.programFunded(), 'the program was funded within 40 kill points').toBe(true);
    await expectSurvived(scenario);
    // Coming back up, the peers catch up to one head and certify it.
    await scenario.recover();
    const heads = openDataDir(dir).orgs.map((org) => headHeight(dir, org));
    expect(new Set(heads).size, `heads ${heads.join(', ')}`).toBe(1);
    await expectVerifies(dir);
  }, 120_000);
});
