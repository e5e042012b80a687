// Goal: an operator runs settlement and FX from the terminal against a running node, as docs/settlement.md says:
// `paychain settlement windows` shows banks' liquidity and windows, `close` and `settle` act with the institution's
// key, `paychain fx quote` posts a quote from a decimal rate converted exactly to minor units, `fx convert` shows
// what the payer gets (rounded down) and applies both legs; refusals exit non-zero with the ledger's code. Method:
// `paychain start` as its own process on a data directory with a settlement institution, a second bank and an FX
// desk; the chain set up over the peer API with keys from the data directory; the CLI run as processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import { DEFAULT_ORGS, initDataDir, openDataDir } from '@paychain/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium } from './helpers/browser.ts';
import { describeRun, PAYCHAIN_BIN, runCli, stackTraceLines } from './helpers/cli.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(REPO, 'artifacts/e2e');
const browserSkipReason =
  chromiumSkipReason ??
  (existsSync(join(REPO, 'packages/web/dist/index.html')) ? null : 'the web app is not built (npm run build:web)');

const ACC = {
  bankSettle: '5e000000000000000000000000000001',
  icbcSettle: '5e000000000000000000000000000002',
  payer: 'ba000000000000000000000000000001',
  payee: '1c000000000000000000000000000001',
  lpBase: '1f000000000000000000000000000001',
  lpQuote: '1f000000000000000000000000000002',
} as const;

describe('paychain settlement and fx against a running node', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let chainId: string;
  let keys: ReturnType<typeof openDataDir>;
  let counter = 0;

  const signer = (org: string): Signer => {
    const k = keys.keys.get(org);
    if (k === undefined) throw new Error(`test setup: ${org} keys`);
    return { privateKey: k.adminPrivateKey, publicKey: k.adminPublicKey };
  };

  async function post(body: TxBody, signers: readonly Signer[]): Promise<string> {
    const bytes = signAndEncode(
      keys.suite,
      { chainId, id: (++counter).toString(16).padStart(32, 'a'), expiresAt: BigInt(Date.now()) + 600_000n, body },
      signers,
    );
    const response = await fetch(`${url}/v1/transactions?wait=30000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: bytesToHex(bytes) }),
    });
    const answer = (await response.json()) as { result?: { code: string } };
    return answer.result?.code ?? `http ${response.status}`;
  }

  const open = (account: string, issuer: string, owner: Uint8Array): TxBody => ({
    type: 'account.open',
    account,
    issuer,
    owners: [owner],
    threshold: 1,
    tier: 1,
    flags: { allowNegative: false },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-settlement-cli-'));
    initDataDir({
      dir,
      suite: 'intl',
      chainId: 'paychain-settlement-cli',
      orgs: [
        ...DEFAULT_ORGS,
        { id: 'cb', name: 'Central bank', roles: ['issuer', 'settlement'] },
        { id: 'icbc', name: 'Second bank', roles: ['issuer'] },
        { id: 'fxlp', name: 'FX desk', roles: ['liquidity'] },
      ],
      time: BigInt(Date.now()),
    });
    keys = openDataDir(dir);
    chainId = keys.genesis.chainId;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [PAYCHAIN_BIN, 'start', '--data', dir, '--port', String(port)], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`${url}/v1/health`)).ok) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const [bank, icbc, cb, lp] = [signer('bank'), signer('icbc'), signer('cb'), signer('fxlp')];
    const steps: Array<[TxBody, Signer[]]> = [
      [{ type: 'asset.define', asset: { id: 'RES-CNY', name: 'Reserves', issuer: 'cb', decimals: 2 } }, [cb]],
      [{ type: 'asset.define', asset: { id: 'ICBC-CNY', name: 'ICBC yuan', issuer: 'icbc', decimals: 2 } }, [icbc]],
      [{ type: 'asset.define', asset: { id: 'HKD', name: 'HK dollar', issuer: 'bank', decimals: 2 } }, [bank]],
      [open(ACC.bankSettle, 'cb', bank.publicKey), [cb]],
      [open(ACC.icbcSettle, 'cb', icbc.publicKey), [cb]],
      [open(ACC.payer, 'bank', bank.publicKey), [bank]],
      [open(ACC.payee, 'icbc', icbc.publicKey), [icbc]],
      [open(ACC.lpBase, 'bank', lp.publicKey), [bank]],
      [open(ACC.lpQuote, 'icbc', lp.publicKey), [icbc]],
      [{ type: 'mint', asset: 'RES-CNY', account: ACC.bankSettle, amount: 1_000_000_00n }, [cb]],
      [{ type: 'mint', asset: 'CNY', account: ACC.payer, amount: 10_000_00n }, [bank]],
      [{ type: 'mint', asset: 'HKD', account: ACC.payer, amount: 10_000_00n }, [bank]],
      [{ type: 'mint', asset: 'ICBC-CNY', account: ACC.lpQuote, amount: 10_000_00n }, [icbc]],
      [{ type: 'settlement.scheme', currency: 'CNY', settlementAsset: 'RES-CNY' }, [cb]],
      [
        {
          type: 'settlement.join',
          currency: 'CNY',
          org: 'bank',
          depositAsset: 'CNY',
          settlementAccount: ACC.bankSettle,
        },
        [cb, bank],
      ],
      [
        {
          type: 'settlement.join',
          currency: 'CNY',
          org: 'icbc',
          depositAsset: 'ICBC-CNY',
          settlementAccount: ACC.icbcSettle,
        },
        [cb, icbc],
      ],
      [{ type: 'settlement.pledge', currency: 'CNY', org: 'bank', amount: 2_000_00n }, [bank]],
      [
        {
          type: 'interbank.transfer',
          currency: 'CNY',
          source: ACC.payer,
          target: ACC.payee,
          amount: 1_234_56n,
          memo: '',
        },
        [bank],
      ],
    ];
    for (const [body, signers] of steps) expect(await post(body, signers), body.type).toBe('ok');
  }, 90_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the windows, closes and settles with the institution key, refuses the wrong signer and a second close', async () => {
    const windows = await runCli(['settlement', 'windows', '--url', url]);
    expect(windows.code, describeRun(['settlement', 'windows'], windows)).toBe(0);
    expect(windows.stdout).toMatch(/CNY scheme, settled in RES-CNY; window 1 open/);
    expect(windows.stdout).toMatch(/bank\s+2000\.00\s+0\.00\s+-1234\.56\s+765\.44/);
    expect(windows.stdout).toMatch(/window 1 open\s+1 payments, gross 1234\.56: bank -1234\.56, icbc 1234\.56/);

    // The FX desk is not an operator: closing is refused by the ledger, and the command says so.
    const refused = await runCli(['settlement', 'close', '--url', url, '--data', dir, '--org', 'fxlp']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the ledger refused settlement\.close: unauthorized/);
    expect(stackTraceLines(refused.stderr)).toEqual([]);

    const closed = await runCli(['settlement', 'close', '--url', url, '--data', dir, '--org', 'network', '--json']);
    expect(closed.code, describeRun(['settlement', 'close'], closed)).toBe(0);
    expect(JSON.parse(closed.stdout)).toMatchObject({ code: 'ok' });
    const again = await runCli(['settlement', 'close', '--url', url, '--data', dir, '--org', 'cb', '--window', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/window_not_open/);
    const settled = await runCli(['settlement', 'settle', '--url', url, '--data', dir, '--org', 'cb']);
    expect(settled.code, describeRun(['settlement', 'settle'], settled)).toBe(0);
    const report = await runCli(['settlement', 'report', '--url', url, '--window', '1']);
    expect(report.code, describeRun(['settlement', 'report'], report)).toBe(0);
    expect(
      report.stdout
        .split('\n')
        .filter((l) => l.startsWith('payment,'))
        .map((l) => l.split(',').slice(4)),
    ).toEqual([['bank', 'icbc', '123456']]);
    expect(report.stdout.trimEnd().endsWith('reconciled,,,,,,1')).toBe(true);
    const json = await runCli(['settlement', 'windows', '--url', url, '--json']);
    const scheme = JSON.parse(json.stdout) as { windows: Array<{ seq: string; status: string }> };
    expect(scheme.windows.map((w) => [w.seq, w.status])).toEqual([
      ['2', 'open'],
      ['1', 'settled'],
    ]);
  });

  it.skipIf(browserSkipReason !== null)(
    'shows the banks and windows in the ops console Settlement tab, in Chromium',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 412, height: 915 } });
        page.setDefaultTimeout(20_000);
        await page.goto(`${url}/#/ops/settlement`);
        await expect.poll(() => page.getByTestId('settlement-participant').count(), { timeout: 20_000 }).toBe(2);
        const headroom = await page
          .locator('[data-testid="settlement-participant"][data-org="bank"]')
          .getAttribute('data-headroom');
        // After window 1 settled: 2,000.00 pledged, 1,234.56 paid out of it, nothing owed.
        expect(headroom).toBe('76544');
        await expect
          .poll(() => page.locator('[data-testid="settlement-window"][data-seq="1"]').getAttribute('data-status'))
          .toBe('settled');
        await expect(page.getByTestId('settlement-report-link').first().getAttribute('href')).resolves.toContain(
          '/v1/settlement/CNY/windows/1/report.csv',
        );
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'settlement-ops-en.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it('posts a quote from a decimal rate and converts at it, showing the rounded amount before signing', async () => {
    const quoted = await runCli([
      'fx',
      'quote',
      '--url',
      url,
      '--data',
      dir,
      '--org',
      'fxlp',
      '--base',
      'HKD',
      '--quote',
      'ICBC-CNY',
      '--rate',
      '0.9213',
      '--min',
      '1.00',
      '--max',
      '5000.00',
      '--capacity',
      '8000.00',
      '--base-account',
      ACC.lpBase,
      '--quote-account',
      ACC.lpQuote,
      '--json',
    ]);
    expect(quoted.code, describeRun(['fx', 'quote'], quoted)).toBe(0);
    const quoteId = /quote ([0-9a-f]{32}): 1 HKD = 0\.9213 ICBC-CNY \(9213\/10000 minor units\)/.exec(
      quoted.stderr,
    )?.[1];
    expect(quoteId).toBeDefined();
    const converted = await runCli([
      'fx',
      'convert',
      '--url',
      url,
      '--data',
      dir,
      '--org',
      'bank',
      '--quote',
      quoteId ?? '',
      '--source',
      ACC.payer,
      '--target',
      ACC.payee,
      '--amount',
      '123.45',
    ]);
    expect(converted.code, describeRun(['fx', 'convert'], converted)).toBe(0);
    expect(converted.stderr).toMatch(/convert 123\.45 HKD → 113\.73 ICBC-CNY \(rate 9213\/10000/);
    const shown = (await (await fetch(`${url}/v1/fx/quotes/${quoteId}`)).json()) as { used: string };
    expect(shown.used).toBe('12345');
    // Above the quote's maximum: refused with the ledger's code, nothing moved.
    const tooMuch = await runCli([
      'fx',
      'convert',
      '--url',
      url,
      '--data',
      dir,
      '--org',
      'bank',
      '--quote',
      quoteId ?? '',
      '--source',
      ACC.payer,
      '--target',
      ACC.payee,
      '--amount',
      '5000.01',
    ]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/amount_outside_quote/);
    const bad = await runCli([
      'fx',
      'quote',
      '--url',
      url,
      '--data',
      dir,
      '--org',
      'fxlp',
      '--base',
      'HKD',
      '--quote',
      'CNY',
      '--rate',
      'abc',
      '--min',
      '1',
      '--max',
      '2',
      '--capacity',
      '3',
      '--base-account',
      ACC.lpBase,
      '--quote-account',
      ACC.lpQuote,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rate: "abc" is not a decimal rate/);
  });
});
