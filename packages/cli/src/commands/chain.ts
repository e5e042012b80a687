/** `paychain init`, `verify` and `receipt`: making, auditing and proving a chain offline. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assert,
  bytesToHex,
  type CryptoSuite,
  type Genesis,
  genesisState,
  isId128,
  isSuiteName,
  parseReceipt,
  receiptToJson,
  TX_CODE_MESSAGES,
  validatorSetAt,
  verifyReceipt,
} from '@paychain/core';
import {
  auditPeerStore,
  DEFAULT_ORGS,
  initDataDir,
  ledgerPath,
  loadGenesis,
  openDataDir,
  parseOrgSpecs,
  storedReceipt,
} from '@paychain/node';
import { BlockStore } from '@paychain/store';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { keyPassphrase } from '../options.ts';

export function registerChain(program: Command): void {
  program
    .command('init')
    .description('create genesis and keys for a consortium (bank, network, regulator by default)')
    .requiredOption('--data <dir>', 'data directory to create')
    .option('--suite <suite>', 'crypto suite: intl (Ed25519 + SHA-256) or gm (SM2 + SM3)', 'intl')
    .option('--chain-id <id>', 'chain id', 'paychain-local')
    .option(
      '--orgs <spec>',
      'organizations and roles, e.g. "bank:issuer+validator,network:operator+validator,regulator:auditor+validator"',
    )
    .action((opts: { data: string; suite: string; chainId: string; orgs?: string }) => {
      if (!isSuiteName(opts.suite)) throw new CliError(`--suite must be intl or gm, not "${opts.suite}"`, 2);
      const orgs = opts.orgs === undefined ? DEFAULT_ORGS : parseOrgSpecs(opts.orgs);
      const { genesis } = initDataDir({
        dir: opts.data,
        suite: opts.suite,
        chainId: opts.chainId,
        orgs,
        time: BigInt(Date.now()),
        ...keyPassphrase(),
      });
      console.log(
        `initialized ${opts.data}: chain ${genesis.chainId}, suite ${genesis.suite}, organizations ${genesis.orgs.map((o) => `${o.id} (${o.roles.join('+')})`).join(', ')}; private keys ${keyPassphrase().passphrase === undefined ? 'in the clear (mode 0600): set PAYCHAIN_KEY_PASSPHRASE to seal them' : 'sealed with PAYCHAIN_KEY_PASSPHRASE'}`,
      );
    });

  program
    .command('verify')
    .description(
      "re-check every peer's stored chain under DIR: hashes, Merkle roots, signatures, certificates, and state = replay",
    )
    .requiredOption('--data <dir>', 'data directory')
    .option('--json', 'print the result as JSON')
    .action((opts: { data: string; json?: boolean }) => {
      const data = openDataDir(opts.data, { withKeys: false });
      const audits = data.orgs.map((org) => ({
        org,
        audit: auditPeerStore(ledgerPath(opts.data, org), data.genesis, data.suite),
      }));
      const failed = audits.filter((a) => !a.audit.ok);
      // Peers that pass on their own must also agree with each other.
      const heads = new Map<string, string[]>();
      for (const { org, audit } of audits) if (audit.ok) heads.set(org, []);
      const agreeProblem = checkAgreement(
        opts.data,
        data.orgs.filter((o) => heads.has(o)),
      );
      if (opts.json)
        console.log(
          JSON.stringify({
            ok: failed.length === 0 && agreeProblem === null,
            peers: audits.map(jsonAudit),
            agreement: agreeProblem,
          }),
        );
      for (const { org, audit } of audits) {
        if (audit.ok) {
          if (!opts.json)
            console.log(
              `ok ${org}: height ${audit.height}, certified ${audit.certifiedHeight}, ${audit.txs} transactions, head ${audit.headHash.slice(0, 16)}…`,
            );
        } else {
          const at = audit.height === null ? '' : ` at height ${audit.height}`;
          console.error(`FAIL ${org}${at}: ${audit.problem}`);
        }
      }
      if (agreeProblem !== null) console.error(`FAIL ${agreeProblem}`);
      if (failed.length > 0 || agreeProblem !== null) process.exitCode = 1;
    });

  const receipt = program.command('receipt').description('export and verify payment receipts');
  receipt
    .command('verify <file>')
    .description("verify a receipt offline against the consortium's public keys from genesis")
    .option(
      '--genesis <file>',
      'genesis.json of the consortium (default: genesis.json in --data or the current directory)',
    )
    .option('--data <dir>', 'data directory whose genesis.json to use')
    .action((file: string, opts: { genesis?: string; data?: string }) => {
      const genesisPath = opts.genesis ?? (opts.data !== undefined ? join(opts.data, 'genesis.json') : 'genesis.json');
      const { genesis, suite } = loadGenesis(genesisPath);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliError(
          `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON'}`,
        );
      }
      const parsed = parseReceipt(json);
      if (!parsed.ok) throw new CliError(`${file}: ${parsed.error}`);
      const status = verifyReceipt(suite, genesis.chainId, genesisValidators(genesis), parsed.value);
      if (!status.ok) throw new CliError(`receipt is NOT valid: ${status.reason}`);
      const r = status.result;
      console.log(
        `receipt valid: transaction ${r.id} (${status.tx.body.type}) in block ${parsed.value.header.height}, result ${r.code} — ${TX_CODE_MESSAGES[r.code]}; certified by ${parsed.value.certificate.signatures.map((s) => s.org).join(', ')}`,
      );
    });
  receipt
    .command('get <txid>')
    .description('export the receipt of a final transaction from a peer store as JSON')
    .requiredOption('--data <dir>', 'data directory')
    .option('--org <org>', 'whose peer store to read (default: the first organization)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action((txid: string, opts: { data: string; org?: string; out?: string }) => {
      if (!isId128(txid)) throw new CliError('transaction id must be 32 lowercase hex characters', 2);
      const data = openDataDir(opts.data, { withKeys: false });
      const firstOrg = data.orgs[0];
      assert(firstOrg !== undefined, 'openDataDir refuses a directory without organizations');
      const org = opts.org ?? firstOrg;
      if (!data.orgs.includes(org)) throw new CliError(`no organization ${org} in ${opts.data}`);
      const store = BlockStore.open(ledgerPath(opts.data, org), { readonly: true });
      try {
        const found = storedReceipt(store, data.suite, txid);
        if (found === null) throw new CliError(`transaction ${txid} is not in ${org}'s chain`);
        if (found.receipt === null) throw new CliError(`transaction ${txid} is not final yet`);
        const text = `${JSON.stringify(receiptToJson(found.receipt), null, 2)}\n`;
        if (opts.out === undefined) process.stdout.write(text);
        else writeFileSync(opts.out, text);
      } finally {
        store.close();
      }
    });
}

/** Validators of the founding consortium: the keys a receipt verifier trusts. */
export function genesisValidators(genesis: Genesis) {
  return validatorSetAt(genesisState(genesis), 1n);
}

function jsonAudit(a: { org: string; audit: ReturnType<typeof auditPeerStore> }) {
  return a.audit.ok
    ? {
        org: a.org,
        ok: true,
        height: a.audit.height.toString(),
        certifiedHeight: a.audit.certifiedHeight.toString(),
        txs: a.audit.txs,
      }
    : { org: a.org, ok: false, height: a.audit.height?.toString() ?? null, problem: a.audit.problem };
}

/** Peers of one directory must hold the same header at every height they share. */
function checkAgreement(dir: string, orgs: readonly string[]): string | null {
  const stores = orgs.map((org) => ({ org, store: BlockStore.open(ledgerPath(dir, org), { readonly: true }) }));
  try {
    const common = stores.reduce((min, s) => {
      const h = s.store.head()?.height ?? 0n;
      return h < min ? h : min;
    }, BigInt(Number.MAX_SAFE_INTEGER));
    for (let height = 1n; height <= common; height++) {
      const heads = stores.map((s) => ({
        org: s.org,
        hash: bytesToHex(s.store.getBlock(height)?.hash ?? new Uint8Array()),
      }));
      if (new Set(heads.map((h) => h.hash)).size > 1)
        return `peers disagree at height ${height}: ${heads.map((h) => `${h.org} ${h.hash.slice(0, 12)}`).join(', ')}`;
    }
    return null;
  } finally {
    for (const s of stores) s.store.close();
  }
}

export type { CryptoSuite };
