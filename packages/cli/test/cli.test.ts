// Goal: the `paychain` commands behave as documented for an operator: help for every command,
// refusal of bad input with a clear one-line message (never a stack trace), and the offline
// audit and receipt flow — simulate, verify, export a receipt, verify it against genesis —
// for both crypto suites, with every altered receipt and every foreign genesis refused.
// Method: the real binary run as a process on temporary data directories; receipts altered by
// flipping one byte of one field (decode → flip → encode). `simulate` uses its fixed --seed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bytesToHex,
  decodeCertificate,
  decodeHeader,
  decodeTransaction,
  decodeTxResult,
  encodeCertificate,
  encodeHeader,
  encodeTransaction,
  encodeTxResult,
  encodeTxSigningBytes,
  hexToBytes,
  type ReceiptJson,
  type SuiteName,
  type TxBody,
} from '@paychain/core';
import { ledgerPath, openDataDir } from '@paychain/node';
import { BlockStore } from '@paychain/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, describeRun, runCli, stackTraceLines } from './helpers/cli.ts';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'paychain-cli-'));
});

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function cli(args: readonly string[]): Promise<{ args: readonly string[]; result: CliResult; why: string }> {
  const result = await runCli(args);
  return { args, result, why: describeRun(args, result) };
}

/** A refusal: non-zero exit, one "paychain: …" message matching `message`, no stack trace. */
function expectRefused(run: { result: CliResult; why: string }, message: RegExp, exitCode?: number): void {
  expect(run.result.code, run.why).not.toBe(0);
  expect(run.result.code, run.why).not.toBeNull();
  if (exitCode !== undefined) expect(run.result.code, run.why).toBe(exitCode);
  expect(run.result.stderr, run.why).toMatch(message);
  expect(run.result.stderr, run.why).not.toMatch(/unexpected error/);
  expect(stackTraceLines(run.result.stderr), run.why).toEqual([]);
}

/** `--help` runs in flight at once: the two cores stay busy without forty processes fighting for them. */
const HELP_RUNS_AT_ONCE = 4;

describe('paychain --help', () => {
  const commands: ReadonlyArray<{ command: readonly string[]; options: readonly string[] }> = [
    { command: [], options: ['--version', '--help'] },
    { command: ['init'], options: ['--data <dir>', '--suite <suite>', '--chain-id <id>', '--orgs <spec>'] },
    { command: ['verify'], options: ['--data <dir>', '--json'] },
    { command: ['receipt'], options: ['--help'] },
    { command: ['receipt', 'get'], options: ['<txid>', '--data <dir>', '--org <org>', '--out <file>'] },
    { command: ['receipt', 'verify'], options: ['<file>', '--genesis <file>', '--data <dir>'] },
    {
      command: ['start'],
      options: [
        '--data <dir>',
        '--port <n>',
        '--host <host>',
        '--db <spec>',
        '--warehouse <spec>',
        '--public-url <url>',
        '--orderer <urls>',
        '--unsafe',
        '--block-txs <n>',
        '--close-windows <seconds>',
        '--settlement-org <id>',
      ],
    },
    {
      command: ['demo'],
      options: ['--data <dir>', '--port <n>', '--host <host>', '--payments <n>', '--db <spec>', '--warehouse <spec>'],
    },
    {
      command: ['simulate'],
      options: ['--data <dir>', '--payments <n>', '--seed <s>', '--accounts <n>', '--json'],
    },
    { command: ['bench'], options: ['--help'] },
    {
      command: ['bench', 'ledger'],
      options: ['--suite <suite>', '--transfers <n>', '--payers <n>', '--hot-merchants <n>', '--no-postgres', '--json'],
    },
    { command: ['bench', 'cluster'], options: ['--transfers <n>', '--payers <n>', '--json'] },
    { command: ['network'], options: ['--help'] },
    { command: ['network', 'up'], options: ['--dir <dir>', '--peers <n>', '--nats <n>', '--block-txs <n>'] },
    { command: ['network', 'status'], options: ['--dir <dir>', '--json'] },
    { command: ['network', 'down'], options: ['--dir <dir>'] },
    { command: ['bench', 'gateway'], options: ['--payments <n>', '--users <n>', '--json'] },
    { command: ['gateway', 'grant-ops'], options: ['--data <dir>', '--phone <e164>', '--db <spec>'] },
    { command: ['gateway', 'revoke-ops'], options: ['--data <dir>', '--phone <e164>'] },
    { command: ['bench', 'programs'], options: ['--beneficiaries <n>', '--spends <n>', '--json'] },
    { command: ['bench', 'settlement'], options: ['--payments <n>', '--window <n>', '--json'] },
    { command: ['program', 'cosign'], options: ['--data <dir>', '--org <id>', '--proposal <text>'] },
    { command: ['settlement', 'windows'], options: ['--url <url>', '--currency <code>', '--json'] },
    { command: ['settlement', 'close'], options: ['--url <url>', '--data <dir>', '--org <id>', '--window <n>'] },
    { command: ['settlement', 'settle'], options: ['--url <url>', '--data <dir>', '--org <id>', '--window <n>'] },
    { command: ['settlement', 'report'], options: ['--url <url>', '--window <n>', '--out <file>'] },
    {
      command: ['fx', 'quote'],
      options: [
        '--base <asset>',
        '--quote <asset>',
        '--rate <decimal>',
        '--capacity <amount>',
        '--valid-for <seconds>',
      ],
    },
    { command: ['fx', 'convert'], options: ['--quote <id>', '--source <id>', '--target <id>', '--amount <amount>'] },
    {
      command: ['bench', 'analytics'],
      options: ['--rows <n>', '--aml-seeds <list>', '--aml-users <n>', '--clickhouse', '--json'],
    },
    {
      command: ['generate'],
      options: [
        '--out <dir>',
        '--seed <n>',
        '--users <n>',
        '--merchants <n>',
        '--days <n>',
        '--threshold <cny>',
        '--submit <url>',
        '--data <dir>',
        '--limit <n>',
      ],
    },
    {
      command: ['aml', 'scan'],
      options: ['--input <file>', '--out <file>', '--threshold <amount>', '--large-value <file>'],
    },
    { command: ['aml', 'evaluate'], options: ['--alerts <file>', '--labels <file>', '--patterns <file>', '--json'] },
    { command: ['analytics', 'import'], options: ['--warehouse <spec>', '--input <file>'] },
    {
      command: ['analytics', 'export'],
      options: ['--warehouse <spec>', '--out <file>', '--from <time>', '--to <time>'],
    },
    { command: ['analytics', 'summary'], options: ['--warehouse <spec>', '--currency <code>'] },
  ];

  it('exits 0 and lists the options of every command', async () => {
    // A few processes at a time: each loads the CLI's TypeScript (about 1.5 s of CPU), and forty at once on two
    // cores beside the rest of the suite outlast any timeout.
    const runs: Awaited<ReturnType<typeof cli>>[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < commands.length; i = next++) {
        const c = commands[i];
        if (c !== undefined) runs[i] = await cli([...c.command, '--help']);
      }
    };
    await Promise.all(Array.from({ length: HELP_RUNS_AT_ONCE }, worker));
    for (const [i, c] of commands.entries()) {
      const run = runs[i];
      if (run === undefined) throw new Error('missing run');
      expect(run.result.code, run.why).toBe(0);
      expect(run.result.stderr, run.why).toBe('');
      expect(run.result.stdout, run.why).toContain(
        `Usage: paychain${c.command.map((w) => ` ${w}`).join('')} [options]`,
      );
      for (const option of c.options) expect(run.result.stdout, run.why).toContain(option);
    }
    // The top level and the command groups name their subcommands.
    const top = runs[0]?.result.stdout ?? '';
    for (const name of ['init', 'verify', 'receipt', 'start', 'demo', 'simulate', 'network', 'bench', 'qr', 'gateway'])
      expect(top).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(runs[3]?.result.stdout).toMatch(/^ {2}verify \[options\] <file>/m);
    expect(runs[3]?.result.stdout).toMatch(/^ {2}get \[options\] <txid>/m);
    expect(runs[9]?.result.stdout).toMatch(/^ {2}ledger \[options\]/m);
    expect(runs[9]?.result.stdout).toMatch(/^ {2}cluster \[options\]/m);
    expect(runs[9]?.result.stdout).toMatch(/^ {2}gateway \[options\]/m);
    expect(runs[12]?.result.stdout).toMatch(/^ {2}up \[options\]/m);
  }, 240_000);
});

describe('paychain init', () => {
  it('refuses a directory initialized already and leaves its genesis as it was', async () => {
    const dir = join(root, 'twice');
    const first = await cli(['init', '--data', dir]);
    expect(first.result.code, first.why).toBe(0);
    expect(first.result.stdout, first.why).toMatch(
      /^initialized .*: chain paychain-local, suite intl, organizations bank \(issuer\+validator\), network \(operator\+validator\), regulator \(auditor\+validator\); private keys in the clear/m,
    );
    const genesis = readFileSync(join(dir, 'genesis.json'), 'utf8');
    const keys = readFileSync(join(dir, 'orgs', 'bank', 'keys.json'), 'utf8');
    const second = await cli(['init', '--data', dir, '--suite', 'gm']);
    expectRefused(second, /genesis\.json exists already: this directory is initialized/);
    expect(readFileSync(join(dir, 'genesis.json'), 'utf8')).toBe(genesis);
    expect(readFileSync(join(dir, 'orgs', 'bank', 'keys.json'), 'utf8')).toBe(keys);
  });

  it('seals private keys under PAYCHAIN_KEY_PASSPHRASE; running needs it, auditing does not', async () => {
    const dir = join(root, 'sealed');
    const env = { PAYCHAIN_KEY_PASSPHRASE: 'a long operator passphrase' };
    const init = await runCli(['init', '--data', dir, '--orgs', 'bank:issuer+validator'], { env });
    expect(init.code, describeRun(['init'], init)).toBe(0);
    expect(init.stdout).toMatch(/private keys sealed with PAYCHAIN_KEY_PASSPHRASE/);
    expect(readFileSync(join(dir, 'orgs', 'bank', 'keys.json'), 'utf8')).not.toMatch(/PrivateKey"/);
    const locked = await runCli(['simulate', '--data', dir, '--payments', '5', '--accounts', '5']);
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toMatch(/sealed; set PAYCHAIN_KEY_PASSPHRASE/);
    expect(stackTraceLines(locked.stderr)).toEqual([]);
    const run = await runCli(['simulate', '--data', dir, '--payments', '5', '--accounts', '5'], { env });
    expect(run.code, describeRun(['simulate'], run)).toBe(0);
    const audit = await runCli(['verify', '--data', dir]);
    expect(audit.code, describeRun(['verify'], audit)).toBe(0);
  });

  it('refuses an unknown --suite with exit code 2 and writes nothing', async () => {
    const dir = join(root, 'bad-suite');
    const run = await cli(['init', '--data', dir, '--suite', 'rsa']);
    expectRefused(run, /--suite must be intl or gm, not "rsa"/, 2);
    expect(existsSync(join(dir, 'genesis.json'))).toBe(false);
  });

  it.each([
    { orgs: 'bank:issuer', message: /--orgs: at least one organization needs the validator role/ },
    { orgs: 'bank:validator', message: /--orgs: at least one organization needs the issuer role/ },
    { orgs: 'Bank:issuer+validator', message: /--orgs: "Bank" is not an organization id/ },
    { orgs: 'bank:issuer+wizard', message: /--orgs: unknown role "wizard" for bank/ },
    { orgs: 'bank:issuer+validator,bank:validator', message: /--orgs: an organization is named twice/ },
    { orgs: ',', message: /--orgs: "" is not an organization id/ },
  ])('refuses --orgs "$orgs" and writes nothing', async ({ orgs, message }) => {
    const dir = join(root, `bad-orgs-${Buffer.from(orgs).toString('hex')}`);
    const run = await cli(['init', '--data', dir, '--orgs', orgs]);
    expectRefused(run, message);
    expect(existsSync(join(dir, 'genesis.json'))).toBe(false);
  });
});

interface SuiteChain {
  readonly dir: string;
  readonly receiptFile: string;
  readonly receipt: ReceiptJson;
  readonly txId: string;
  readonly height: bigint;
}

/** A successful transfer in the fullest block, so its proofs have several hashes. */
function busiestTransfer(dir: string): { id: string; height: bigint } {
  const store = BlockStore.open(ledgerPath(dir, 'bank'), { readonly: true });
  try {
    const headHeight = store.head()?.height ?? 0n;
    let best: { id: string; height: bigint; txs: number } | null = null;
    for (let height = 1n; height <= headHeight; height++) {
      const block = store.getBlock(height);
      if (block === null) throw new Error(`no block ${height}`);
      if (best !== null && block.txs.length <= best.txs) continue;
      for (const [i, bytes] of block.txs.entries()) {
        const decoded = decodeTransaction(bytes);
        if (decoded.ok && decoded.value.tx.body.type === 'transfer' && block.results[i]?.code === 'ok') {
          best = { id: decoded.value.tx.id, height, txs: block.txs.length };
          break;
        }
      }
    }
    if (best === null || best.txs < 3) throw new Error('no block with a transfer and at least three transactions');
    return { id: best.id, height: best.height };
  } finally {
    store.close();
  }
}

function flipByte(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  if (index < 0 || index >= bytes.length) throw new RangeError(`byte ${index} of ${bytes.length}`);
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] as number) ^ mask;
  return copy;
}

function flipHex(hex: string, index: number, mask = 0x01): string {
  return bytesToHex(flipByte(hexToBytes(hex), index, mask));
}

function editHeader(
  hex: string,
  edit: (h: ReturnType<typeof decodeHeaderOk>) => ReturnType<typeof decodeHeaderOk>,
): string {
  return bytesToHex(encodeHeader(edit(decodeHeaderOk(hex))));
}

function decodeHeaderOk(hex: string) {
  const decoded = decodeHeader(hexToBytes(hex));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
}

interface ReceiptTamper {
  readonly name: string;
  readonly edit: (r: ReceiptJson) => ReceiptJson;
  readonly reason: RegExp;
}

/** One flipped byte per case; `reason` is what `receipt verify` must say. */
const receiptTampers: readonly ReceiptTamper[] = [
  {
    name: 'header: a byte of txRoot',
    edit: (r) => ({ ...r, header: editHeader(r.header, (h) => ({ ...h, txRoot: flipByte(h.txRoot, 0) })) }),
    reason: /receipt is NOT valid: transaction inclusion proof: root_mismatch/,
  },
  {
    name: 'header: a byte of resultRoot',
    edit: (r) => ({ ...r, header: editHeader(r.header, (h) => ({ ...h, resultRoot: flipByte(h.resultRoot, 31) })) }),
    reason: /receipt is NOT valid: result inclusion proof: root_mismatch/,
  },
  {
    name: 'header: a byte of the time',
    edit: (r) => ({ ...r, header: editHeader(r.header, (h) => ({ ...h, time: h.time ^ 1n })) }),
    reason: /receipt is NOT valid: certificate: header_hash_mismatch/,
  },
  {
    name: 'header: a byte of the state commitment',
    edit: (r) => ({
      ...r,
      header: editHeader(r.header, (h) => ({ ...h, stateCommitment: flipByte(h.stateCommitment, 7) })),
    }),
    reason: /receipt is NOT valid: certificate: header_hash_mismatch/,
  },
  {
    name: 'header: the version byte',
    edit: (r) => ({ ...r, header: flipHex(r.header, 0, 0x02) }),
    reason: /receipt\.header: unsupported header version 3/,
  },
  {
    name: 'proof: a byte of the first transaction proof hash',
    edit: (r) => ({
      ...r,
      txProof: { ...r.txProof, path: r.txProof.path.map((p, i) => (i === 0 ? flipHex(p, 5) : p)) },
    }),
    reason: /receipt is NOT valid: transaction inclusion proof: root_mismatch/,
  },
  {
    name: 'proof: a byte of the last result proof hash',
    edit: (r) => ({
      ...r,
      resultProof: {
        ...r.resultProof,
        path: r.resultProof.path.map((p, i, all) => (i === all.length - 1 ? flipHex(p, 31, 0x80) : p)),
      },
    }),
    reason: /receipt is NOT valid: result inclusion proof: root_mismatch/,
  },
  {
    name: 'proof: the leaf index of both proofs',
    edit: (r) => ({
      ...r,
      txProof: { ...r.txProof, leafIndex: r.txProof.leafIndex ^ 1 },
      resultProof: { ...r.resultProof, leafIndex: r.resultProof.leafIndex ^ 1 },
    }),
    reason:
      /receipt is NOT valid: transaction inclusion proof: (root_mismatch|path_length_mismatch|leaf_index_out_of_range)/,
  },
  {
    name: 'certificate: a byte of a validator signature',
    edit: (r) => {
      const decoded = decodeCertificate(hexToBytes(r.certificate));
      if (!decoded.ok) throw new Error(decoded.error);
      const [first, ...rest] = decoded.value.signatures;
      if (first === undefined) throw new Error('no signature');
      const signatures = [{ ...first, signature: flipByte(first.signature, 20) }, ...rest];
      return { ...r, certificate: bytesToHex(encodeCertificate({ ...decoded.value, signatures })) };
    },
    reason: /receipt is NOT valid: certificate: signature_invalid/,
  },
  {
    name: 'certificate: signatures dropped below the quorum',
    edit: (r) => {
      const decoded = decodeCertificate(hexToBytes(r.certificate));
      if (!decoded.ok) throw new Error(decoded.error);
      const signatures = decoded.value.signatures.slice(0, 1);
      return { ...r, certificate: bytesToHex(encodeCertificate({ ...decoded.value, signatures })) };
    },
    reason: /receipt is NOT valid: certificate: below_quorum/,
  },
  {
    name: "certificate: one validator's signature counted twice",
    edit: (r) => {
      const decoded = decodeCertificate(hexToBytes(r.certificate));
      if (!decoded.ok) throw new Error(decoded.error);
      const [first] = decoded.value.signatures;
      if (first === undefined) throw new Error('no signature');
      const signatures = [first, first];
      return { ...r, certificate: bytesToHex(encodeCertificate({ ...decoded.value, signatures })) };
    },
    reason: /receipt is NOT valid: certificate: signatures_unordered/,
  },
  {
    name: 'certificate: a byte of the header hash it signs',
    edit: (r) => {
      const decoded = decodeCertificate(hexToBytes(r.certificate));
      if (!decoded.ok) throw new Error(decoded.error);
      return {
        ...r,
        certificate: bytesToHex(
          encodeCertificate({ ...decoded.value, headerHash: flipByte(decoded.value.headerHash, 3) }),
        ),
      };
    },
    reason: /receipt is NOT valid: certificate: header_hash_mismatch/,
  },
  {
    name: 'certificate: a byte of the height it names',
    edit: (r) => ({ ...r, certificate: flipHex(r.certificate, 7, 0x04) }),
    reason: /receipt is NOT valid: certificate: height_mismatch/,
  },
  {
    name: 'tx: the last byte of the amount',
    edit: (r) => {
      const bytes = hexToBytes(r.tx);
      const decoded = decodeTransaction(bytes);
      if (!decoded.ok || decoded.value.tx.body.type !== 'transfer') throw new Error('not a transfer');
      // Layout: … amount:u64 memo:(u8 length, MEMO_BYTES_MAX < 256; empty here) | signatures.
      // The amount's last byte is two bytes before the end of the signed part.
      expect(decoded.value.tx.body.memo).toBe('');
      return { ...r, tx: bytesToHex(flipByte(bytes, decoded.value.unsignedBytes - 2)) };
    },
    reason: /receipt is NOT valid: transaction inclusion proof: root_mismatch/,
  },
  {
    name: 'tx: a byte of the signature',
    edit: (r) => ({ ...r, tx: flipHex(r.tx, hexToBytes(r.tx).length - 1) }),
    reason: /receipt is NOT valid: transaction inclusion proof: root_mismatch/,
  },
  {
    name: 'tx: a byte of the id',
    edit: (r) => {
      const bytes = hexToBytes(r.tx);
      // Layout: version:u8 chainId:(u8 length + bytes) id:16 …
      const idOffset = 2 + (bytes[1] as number);
      return { ...r, tx: bytesToHex(flipByte(bytes, idOffset + 15)) };
    },
    reason: /receipt is NOT valid: result is for another transaction/,
  },
  {
    name: 'result: the code byte (id, code and bytes kept consistent)',
    edit: (r) => {
      const decoded = decodeTxResult(hexToBytes(r.result.bytes));
      if (!decoded.ok) throw new Error(decoded.error);
      const forged = { ...decoded.value, code: 'insufficient_funds' as const };
      return { ...r, result: { ...r.result, code: forged.code, bytes: bytesToHex(encodeTxResult(forged)) } };
    },
    reason: /receipt is NOT valid: result inclusion proof: root_mismatch/,
  },
];

describe.each<SuiteName>(['intl', 'gm'])('simulate, verify and receipts with the %s suite', (suite) => {
  let chain: SuiteChain;

  beforeAll(async () => {
    const dir = join(root, `chain-${suite}`);
    const init = await cli(['init', '--data', dir, '--suite', suite]);
    expect(init.result.code, init.why).toBe(0);
    const simulate = await cli([
      'simulate',
      '--data',
      dir,
      '--payments',
      '200',
      '--accounts',
      '50',
      '--seed',
      '7',
      '--json',
    ]);
    expect(simulate.result.code, simulate.why).toBe(0);
    const summary = JSON.parse(simulate.result.stdout) as {
      payments: number;
      codes: Record<string, number>;
      height: string;
    };
    expect(summary.payments, simulate.why).toBe(200);
    expect(summary.codes, simulate.why).toEqual({ ok: 200 });
    const { id, height } = busiestTransfer(dir);
    const receiptFile = join(dir, 'receipt.json');
    const get = await cli(['receipt', 'get', id, '--data', dir, '--out', receiptFile]);
    expect(get.result.code, get.why).toBe(0);
    chain = {
      dir,
      receiptFile,
      receipt: JSON.parse(readFileSync(receiptFile, 'utf8')) as ReceiptJson,
      txId: id,
      height,
    };
  }, 120_000);

  it('verify passes after simulate --payments 200, one line per peer', async () => {
    const run = await cli(['verify', '--data', chain.dir]);
    expect(run.result.code, run.why).toBe(0);
    expect(run.result.stderr, run.why).toBe('');
    // 50 payers + 1 merchant opened, 50 funded, 200 payments.
    const lines = run.result.stdout.trimEnd().split('\n');
    const head = BigInt(/height (\d+)/.exec(lines[0] ?? '')?.[1] ?? '-1');
    expect(head, run.why).toBeGreaterThanOrEqual(chain.height);
    expect(
      lines.map((l) => l.split(':')[0]),
      run.why,
    ).toEqual(['ok bank', 'ok network', 'ok regulator']);
    for (const line of lines)
      expect(line, run.why).toMatch(
        new RegExp(`: height ${head}, certified ${head}, 301 transactions, head [0-9a-f]{16}…$`),
      );
    const json = await cli(['verify', '--data', chain.dir, '--json']);
    expect(json.result.code, json.why).toBe(0);
    const parsed = JSON.parse(json.result.stdout.trim().split('\n')[0] ?? '') as {
      ok: boolean;
      peers: Array<{ ok: boolean }>;
    };
    expect(parsed.ok, json.why).toBe(true);
    expect(parsed.peers.map((p) => p.ok)).toEqual([true, true, true]);
  });

  it('receipt get writes the same receipt to a file and to standard output', async () => {
    const run = await cli(['receipt', 'get', chain.txId, '--data', chain.dir]);
    expect(run.result.code, run.why).toBe(0);
    expect(run.result.stdout).toBe(readFileSync(chain.receiptFile, 'utf8'));
    expect(chain.receipt.result).toMatchObject({ id: chain.txId, code: 'ok' });
  });

  it('receipt verify accepts the receipt against genesis, by --data and by --genesis', async () => {
    const expected = new RegExp(
      `^receipt valid: transaction ${chain.txId} \\(transfer\\) in block ${chain.height}, result ok — applied; certified by bank, network, regulator$`,
      'm',
    );
    const [byData, byGenesis] = await Promise.all([
      cli(['receipt', 'verify', chain.receiptFile, '--data', chain.dir]),
      cli(['receipt', 'verify', chain.receiptFile, '--genesis', join(chain.dir, 'genesis.json')]),
    ]);
    for (const run of [byData, byGenesis]) {
      expect(run.result.code, run.why).toBe(0);
      expect(run.result.stdout, run.why).toMatch(expected);
    }
  });

  it('receipt verify refuses every receipt with one flipped byte, saying why', async () => {
    const runs = await Promise.all(
      receiptTampers.map(async (t, i) => {
        const file = join(chain.dir, `tampered-${i}.json`);
        writeFileSync(file, JSON.stringify(t.edit(chain.receipt), null, 2));
        return { tamper: t, run: await cli(['receipt', 'verify', file, '--data', chain.dir]) };
      }),
    );
    for (const { tamper, run } of runs) {
      expectRefused({ result: run.result, why: `${tamper.name}\n${run.why}` }, tamper.reason);
    }
  });

  it("receipt verify refuses the receipt against another consortium's genesis", async () => {
    const sameChainId = join(root, `other-${suite}`);
    const otherChainId = join(root, `other-chain-${suite}`);
    const inits = await Promise.all([
      cli(['init', '--data', sameChainId, '--suite', suite]),
      cli(['init', '--data', otherChainId, '--suite', suite, '--chain-id', 'paychain-other']),
    ]);
    for (const run of inits) expect(run.result.code, run.why).toBe(0);
    const [same, other] = await Promise.all([
      cli(['receipt', 'verify', chain.receiptFile, '--genesis', join(sameChainId, 'genesis.json')]),
      cli(['receipt', 'verify', chain.receiptFile, '--data', otherChainId]),
    ]);
    // Same chain id and organization names, other validator keys: the certificate does not verify.
    expectRefused(same, /receipt is NOT valid: certificate: signature_invalid/);
    expectRefused(other, /receipt is NOT valid: receipt is for another chain/);
  });

  it('receipt get refuses a malformed and an unknown transaction id', async () => {
    const [malformed, unknown] = await Promise.all([
      cli(['receipt', 'get', 'XYZ', '--data', chain.dir]),
      cli(['receipt', 'get', '0'.repeat(32), '--data', chain.dir]),
    ]);
    expectRefused(malformed, /transaction id must be 32 lowercase hex characters/, 2);
    expectRefused(unknown, /transaction 0{32} is not in bank's chain/);
  });
});

describe('paychain program cosign', () => {
  /** A proposal as the gateway hands it out: base64url JSON with the unsigned transaction, a dot, a MAC. */
  const proposalOf = (chainId: string, body: TxBody): string => {
    const unsignedTx = bytesToHex(
      encodeTransaction({ chainId, id: '7'.repeat(32), expiresAt: 4_000_000_000_000n, body, signatures: [] }),
    );
    return `${Buffer.from(JSON.stringify({ v: 1, unsignedTx })).toString('base64url')}.mac`;
  };

  it("signs a clawback's signing bytes with the auditor's key, and refuses anything else", async () => {
    const dir = join(root, 'cosign');
    const init = await runCli(['init', '--data', dir]);
    expect(init.code, describeRun(['init'], init)).toBe(0);
    const data = openDataDir(dir);
    const clawback: TxBody = {
      type: 'program.clawback',
      program: '5'.repeat(32),
      beneficiary: '6'.repeat(32),
      amount: 15_000n,
      reason: 'not a registered farmer',
    };
    const proposal = proposalOf(data.genesis.chainId, clawback);
    const signed = await cli(['program', 'cosign', '--data', dir, '--org', 'regulator', '--proposal', proposal]);
    expect(signed.result.code, signed.why).toBe(0);
    expect(signed.result.stderr).toMatch(/amount\s+150\.00/);
    expect(signed.result.stderr).toMatch(/not a registered farmer/);
    const answer = JSON.parse(signed.result.stdout) as { publicKey: string; signature: string };
    const regulator = data.keys.get('regulator');
    if (regulator === undefined) throw new Error('test setup: regulator keys');
    expect(answer.publicKey).toBe(bytesToHex(regulator.adminPublicKey));
    const decoded = decodeTransaction(
      hexToBytes(JSON.parse(Buffer.from(proposal.split('.')[0] ?? '', 'base64url').toString()).unsignedTx),
    );
    if (!decoded.ok) throw new Error(decoded.error);
    expect(
      data.suite.verify(regulator.adminPublicKey, encodeTxSigningBytes(decoded.value.tx), hexToBytes(answer.signature)),
    ).toBe(true);

    const transfer: TxBody = {
      type: 'transfer',
      source: '1'.repeat(32),
      target: '2'.repeat(32),
      asset: 'CNY',
      amount: 1n,
      memo: '',
    };
    const refusals: Array<[string[], RegExp, number]> = [
      [
        ['--org', 'regulator', '--proposal', proposalOf(data.genesis.chainId, transfer)],
        /a transfer transaction, not a clawback/,
        1,
      ],
      [['--org', 'regulator', '--proposal', proposalOf('another-chain', clawback)], /for chain another-chain/, 1],
      [['--org', 'nobody', '--proposal', proposal], /holds no keys of nobody/, 1],
      [['--org', 'regulator', '--proposal', 'not a proposal'], /not a proposal/, 2],
      [['--org', 'regulator', '--proposal', '@/no/such/file'], /--proposal @\/no\/such\/file/, 2],
    ];
    for (const [args, message, code] of refusals) {
      const run = await cli(['program', 'cosign', '--data', dir, ...args]);
      expectRefused(run, message, code);
      expect(run.result.stdout, run.why).toBe('');
    }
  });
});

describe('refusals of other bad input', () => {
  it('receipt verify: a missing file, a file that is not JSON, and no genesis to trust', async () => {
    const dir = join(root, 'refusals');
    const init = await cli(['init', '--data', dir]);
    expect(init.result.code, init.why).toBe(0);
    const notJson = join(root, 'not-json.txt');
    writeFileSync(notJson, 'certainly not a receipt');
    const noGenesis = join(root, 'no-genesis');
    const [missing, garbage, withoutGenesis, badReceipt] = await Promise.all([
      cli(['receipt', 'verify', join(root, 'nope.json'), '--data', dir]),
      cli(['receipt', 'verify', notJson, '--data', dir]),
      cli(['receipt', 'verify', notJson, '--data', noGenesis]),
      (async () => {
        const file = join(root, 'empty-receipt.json');
        writeFileSync(file, '{"version":1}');
        return cli(['receipt', 'verify', file, '--data', dir]);
      })(),
    ]);
    expectRefused(missing, /nope\.json: no such file/);
    expectRefused(garbage, /not-json\.txt: not valid JSON/);
    expectRefused(withoutGenesis, /cannot read .*no-genesis\/genesis\.json/);
    expectRefused(badReceipt, /empty-receipt\.json: receipt\.tx: expected hex/);
  });

  it('start: --close-windows without --settlement-org, and a zero interval', async () => {
    const dir = join(root, 'start-refusals');
    const [alone, zero] = await Promise.all([
      cli(['start', '--data', dir, '--close-windows', '60']),
      cli(['start', '--data', dir, '--close-windows', '0', '--settlement-org', 'cb']),
    ]);
    expectRefused(alone, /--close-windows and --settlement-org go together/, 2);
    expectRefused(zero, /--close-windows must be a positive integer/);
  });

  it('simulate: no genesis, a zero payment count, a bad seed', async () => {
    const dir = join(root, 'simulate-refusals');
    const [noGenesis, zero, badSeed] = await Promise.all([
      cli(['simulate', '--data', dir, '--payments', '10']),
      cli(['simulate', '--data', dir, '--payments', '0']),
      cli(['simulate', '--data', dir, '--payments', '10', '--seed', 'abc']),
    ]);
    expectRefused(noGenesis, /has no genesis\.json: run "paychain init --data .*" first/);
    expectRefused(zero, /--payments must be a positive integer/);
    expectRefused(badSeed, /--seed must be a non-negative integer/, 2);
    expect(existsSync(dir)).toBe(false);
  });

  it('start --orderer: a malformed address, and a directory holding several organizations', async () => {
    const dir = join(root, 'orderer-refusals');
    const init = await cli(['init', '--data', dir]);
    expect(init.result.code, init.why).toBe(0);
    const [badUrl, several] = await Promise.all([
      cli(['start', '--data', dir, '--orderer', 'http://127.0.0.1:4222']),
      cli(['start', '--data', dir, '--orderer', 'nats://127.0.0.1:4222']),
    ]);
    expectRefused(badUrl, /--orderer: "http:\/\/127\.0\.0\.1:4222" is not nats:\/\/HOST:PORT/);
    expectRefused(several, /must hold exactly one organization's keys \(it holds bank, network, regulator\)/);
  });

  it('network status and down: a directory without a network', async () => {
    const dir = join(root, 'no-network');
    const [status, down] = await Promise.all([
      cli(['network', 'status', '--dir', dir]),
      cli(['network', 'down', '--dir', dir]),
    ]);
    expectRefused(status, /has no network\.json: run "paychain network up --dir .*"/);
    expectRefused(down, /has no network\.json/);
  });
});
