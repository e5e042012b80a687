/**
 * For tests: a real embedded consortium (three organizations, SQLite files in a temp directory, fast blocks) and
 * the gateway's view of it as the issuing bank. Nothing is mocked: every payment the gateway tests make is
 * ordered, executed, signed by a quorum and stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '@paychain/core';
import { Consortium, consortiumOptionsOf, DEFAULT_ORGS, initDataDir, type OrgSpec, openDataDir } from '@paychain/node';
import { GatewayLedger } from './gateway-ledger.ts';

export interface TestLedger {
  readonly ledger: GatewayLedger;
  readonly consortium: Consortium;
  readonly dir: string;
  close(): Promise<void>;
}

/** `orgs`: organizations besides the default three (a settlement institution, another bank…). */
export function openTestLedger(
  options: { readonly blockIntervalMs?: number; readonly orgs?: readonly OrgSpec[] } = {},
): TestLedger {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-gw-ledger-'));
  initDataDir({
    dir,
    suite: 'intl',
    chainId: 'paychain-gateway-test',
    orgs: [...DEFAULT_ORGS, ...(options.orgs ?? [])],
    time: BigInt(Date.now()),
  });
  const data = openDataDir(dir);
  const consortium = Consortium.open({
    ...consortiumOptionsOf(data),
    blockIntervalMs: options.blockIntervalMs ?? 5,
    verifyWorkers: 1,
  });
  const bank = data.keys.get('bank');
  assert(bank !== undefined, 'the default consortium has the bank');
  const ledger = new GatewayLedger(consortium, {
    org: 'bank',
    adminPrivateKey: bank.adminPrivateKey,
    adminPublicKey: bank.adminPublicKey,
  });
  return {
    ledger,
    consortium,
    dir,
    close: async () => {
      await consortium.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
