// Goal: a small real chain on disk to audit, tamper with and prove from. Method: `initDataDir`
// then the embedded `Consortium` fed by the CLI's `Workload` (accounts opened, funded, then
// signed payments), as `paychain simulate` does, with a simulated clock and small blocks so a
// few hundred payments spread over many heights. Keys are random (the suites' key generation);
// the seed fixes the workload's ids, payers, targets and amounts.

import type { Genesis, SuiteName } from '@paychain/core';
import {
  Consortium,
  consortiumOptionsOf,
  DEFAULT_ORGS,
  type FinalOutcome,
  initDataDir,
  type OrgSpec,
  openDataDir,
} from '@paychain/node';
import { submitAll, Workload } from '../../src/workload.ts';

/** 2026-01-01T00:00:00Z: genesis time of every fixture, so no test reads the wall clock. */
export const FIXTURE_GENESIS_TIME_MS = 1_767_225_600_000n;
/** Transactions in flight at once while building a fixture. */
const FIXTURE_SUBMIT_WINDOW_MAX = 256;

export interface ChainFixtureOptions {
  readonly dir: string;
  readonly suite: SuiteName;
  readonly orgs?: readonly OrgSpec[];
  readonly chainId?: string;
  readonly payers: number;
  readonly merchants: number;
  readonly payments: number;
  readonly blockTxsMax: number;
  readonly seed: bigint;
}

export interface ChainFixture {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly orgs: readonly string[];
  readonly setup: readonly FinalOutcome[];
  readonly funding: readonly FinalOutcome[];
  readonly payments: readonly FinalOutcome[];
  readonly headHeight: bigint;
}

/** A clock that starts one second after genesis and moves one millisecond per reading. */
export function simulatedClock(genesisTimeMs: bigint): () => bigint {
  let now = genesisTimeMs + 1_000n;
  return () => {
    now += 1n;
    return now;
  };
}

export function submitAllFinal(consortium: Consortium, txs: readonly Uint8Array[]): Promise<FinalOutcome[]> {
  return submitAll(consortium, txs, FIXTURE_SUBMIT_WINDOW_MAX);
}

export async function buildChainFixture(options: ChainFixtureOptions): Promise<ChainFixture> {
  initDataDir({
    dir: options.dir,
    suite: options.suite,
    chainId: options.chainId ?? 'paychain-test',
    orgs: options.orgs ?? DEFAULT_ORGS,
    time: FIXTURE_GENESIS_TIME_MS,
  });
  const data = openDataDir(options.dir);
  const issuerOrg = data.genesis.assets[0]?.issuer;
  const issuer = issuerOrg === undefined ? undefined : data.keys.get(issuerOrg);
  if (issuer === undefined) throw new Error('fixture needs an issuer organization');
  const clock = simulatedClock(data.genesis.time);
  const consortium = Consortium.open({
    ...consortiumOptionsOf(data),
    clock,
    blockTxsMax: options.blockTxsMax,
    blockIntervalMs: 2,
    verifyWorkers: 0,
  });
  try {
    const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer, seed: options.seed });
    const setup = await submitAllFinal(consortium, workload.setup(options.payers, options.merchants, clock()));
    const funding = await submitAllFinal(consortium, workload.funding(100_000_000n, clock()));
    const payments = await submitAllFinal(
      consortium,
      Array.from({ length: options.payments }, () => workload.payment(clock()).bytes),
    );
    return {
      dir: options.dir,
      genesis: data.genesis,
      orgs: data.orgs,
      setup,
      funding,
      payments,
      headHeight: consortium.primary.tip.height,
    };
  } finally {
    await consortium.close();
  }
}
