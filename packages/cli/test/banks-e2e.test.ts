// Goal: `paychain demo` shows interbank settlement at once (docs/settlement.md, "In the demo"): a wallet of the
// gateway's bank pays the other bank's tea house from the QR the demo prints, with a verified receipt; the payment is
// in a settlement window with the payer's bank −amount and the tea house's bank +amount; the ops console shows the
// settlement institution's scheme with both banks, in zh-CN and en; the wallet holds the demo's HKD 2,000.00 and pays
// the demo's noodle shop (a yuan QR) in Hong Kong dollars through the FX desk's live quote, shown before paying, and
// the console lists the quote with that conversion.
// Method: `paychain demo` as its own process on a temp directory and a random port (it sets up the banks, the FX
// desk and the windows, and keeps paying in the background), Debian's Chromium driven by playwright-core, headless;
// money checked through the gateway API and the peer API on the same server; screenshots to
// artifacts/e2e/banks-*.png (banks-failure-N.png when a step fails).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium } from './helpers/browser.ts';
import { DemoBrowser, poll } from './helpers/demo-browser.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PAYCHAIN_BIN = join(REPO, 'packages/cli/bin/paychain.js');
const WEB_DIST = join(REPO, 'packages/web/dist/index.html');
const ARTIFACTS = join(REPO, 'artifacts/e2e');
/** The demo's people (packages/cli/src/commands/run.ts) and its other bank's merchant (src/demo-banks.ts). */
const WALLET_PHONE = '+8613800000001';
const MERCHANT_PHONE = '+8613800000002';
const OPS_PHONE = '+8613800000003';
const QR_LINE = /^demo other-bank merchant QR: (.+)$/m;
const AMOUNT = '38.80';
const AMOUNT_MINOR = 3880n;

/** Minor units of a 2-decimal amount as the APIs write it ("1000.00", "-12.30"). */
const minorOf = (decimal: string): bigint => {
  if (!/^-?\d+\.\d{2}$/.test(decimal)) throw new Error(`not a 2-decimal amount: ${decimal}`);
  return BigInt(decimal.replace('.', ''));
};

const skipReason = chromiumSkipReason ?? (existsSync(WEB_DIST) ? null : 'the web app is not built (npm run build:web)');

describe.skipIf(skipReason !== null)(skipReason ?? 'the demo with several banks in headless Chromium', () => {
  let dir: string;
  let server: ChildProcess;
  let serverLogPath: string;
  let base: string;
  let browser: Browser;

  const demo = new DemoBrowser(() => browser, ARTIFACTS, 'banks');
  const api = demo.api.bind(demo);
  const logIn = demo.logIn.bind(demo);
  const newPage = demo.newPage.bind(demo);
  const shot = demo.shot.bind(demo);
  const recorded = demo.recorded.bind(demo);
  const openLoggedIn = demo.openLoggedIn.bind(demo);

  const serverLog = () => readFileSync(serverLogPath, 'utf8');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'paychain-banks-e2e-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    serverLogPath = join(ARTIFACTS, 'banks-server.log');
    const log = openSync(serverLogPath, 'w');
    base = `http://127.0.0.1:${port}`;
    demo.base = base;
    server = spawn(process.execPath, [PAYCHAIN_BIN, 'demo', '--data', join(dir, 'demo'), '--port', String(port)], {
      stdio: ['ignore', log, log],
    });
    // Up, the banks set up (the QR printed) and the demo's people made (the log-ins printed after them).
    for (let i = 0; i < 300 && !/^demo log-ins/m.test(serverLog()); i++) {
      if (server.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await demo.closePages();
    await browser?.close();
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "a wallet pays the other bank's tea house from the printed QR; the window and the ops console show both banks",
    () =>
      recorded(async () => {
        const printed = serverLog();
        const qr = QR_LINE.exec(printed)?.[1];
        expect(qr, `the demo prints the tea house's QR\n${printed.slice(0, 3000)}`).toBeDefined();
        expect(printed).toMatch(/^demo log-ins .*HKD 2,000\.00/m);

        // ---- the wallet's balances through the API: CNY before paying, and the demo's HKD ----
        const token = await logIn(WALLET_PHONE);
        const before = (await api(token, 'GET', '/v1/wallet')).json as {
          accountId: string;
          balance: { amount: string; currency: string };
        };
        expect(before.balance.currency).toBe('CNY');
        const account = (await api(null, 'GET', `/v1/accounts/${before.accountId}`)).json as {
          balances: { asset: string; decimal: string }[];
        };
        expect(account.balances.find((b) => b.asset === 'HKD')?.decimal).toBe('2000.00');

        // ---- the wallet pays the tea house (a merchant of icbc), in Chinese ----
        const wallet = await newPage('zh-CN');
        await openLoggedIn(wallet, '/wallet', WALLET_PHONE);
        await wallet.goto(`${base}/#/wallet/scan`);
        await wallet.getByTestId('scan-payload').fill(qr ?? '');
        await wallet.getByTestId('scan-submit').click();
        await poll(() => wallet.getByTestId('qr-payee-kind').getAttribute('data-kind')).toBe('bank_merchant');
        await wallet.getByTestId('qr-amount-input').fill(AMOUNT);
        await shot(wallet, 'scan-zh');
        await wallet.getByTestId('qr-pay').click();
        await poll(() => wallet.getByTestId('receipt-screen').isVisible()).toBe(true);
        await poll(() => wallet.getByTestId('receipt-verified').isVisible()).toBe(true);
        const txId = await wallet.getByTestId('receipt-screen').getAttribute('data-txid');
        expect(txId).toMatch(/^[0-9a-f]{32}$/);
        await shot(wallet, 'paid-zh');

        // The demo's background traffic never touches this wallet: its yuan went down by exactly the amount.
        const after = (await api(token, 'GET', '/v1/wallet')).json as { balance: { amount: string } };
        expect(minorOf(before.balance.amount) - minorOf(after.balance.amount)).toBe(AMOUNT_MINOR);

        // ---- the settlement window holding the payment (peer API, same server) ----
        // Other interbank payments of the demo run in the same windows, so "bank's open net before and after" is not
        // this test's to know. Instead: the window's report lists this payment as bank → icbc for the amount, and the
        // report's per-bank sums reconcile with what the window recorded (its last line), so the window's net for
        // bank moved by exactly −amount for it.
        const scheme = (await api(null, 'GET', '/v1/settlement/CNY')).json as {
          settlementOrg: string;
          participants: { org: string }[];
          windows: { seq: string }[];
        };
        expect(scheme.settlementOrg).toBe('cb');
        expect(scheme.participants.map((p) => p.org).sort()).toEqual(['bank', 'icbc']);
        let line: string | undefined;
        let report = '';
        for (const { seq } of scheme.windows) {
          report = await (await fetch(`${base}/v1/settlement/CNY/windows/${seq}/report.csv`)).text();
          line = report.split('\n').find((l) => l.includes(`,${txId},`));
          if (line !== undefined) break;
        }
        expect(line, 'the payment is in a window of the CNY scheme').toBeDefined();
        expect(line?.split(',').slice(3)).toEqual([txId, 'bank', 'icbc', AMOUNT_MINOR.toString()]);
        const nets = (kind: string) => report.split('\n').find((l) => l.startsWith(`${kind},,,,bank,`));
        expect(nets('net')?.split(',')[6]).toBe(nets('net_recorded')?.split(',')[6]);
        expect(report.trimEnd().endsWith('reconciled,,,,,,1')).toBe(true);

        // ---- the ops console's Settlement tab: cb's scheme with both banks, in zh-CN and en ----
        for (const locale of ['zh-CN', 'en']) {
          const ops = await newPage(locale);
          // The tab reads the peer API: it may show without a log-in; the operator logs in when asked.
          await ops.goto(`${base}/#/ops/settlement`);
          const login = ops.getByTestId('login-phone');
          await login.or(ops.getByTestId('settlement-screen')).first().waitFor();
          if (await login.isVisible()) await openLoggedIn(ops, '/ops/settlement', OPS_PHONE);
          await poll(() => ops.getByTestId('settlement-participant').count()).toBe(2);
          for (const org of ['bank', 'icbc']) {
            await expect(
              ops.locator(`[data-testid="settlement-participant"][data-org="${org}"]`).count(),
            ).resolves.toBe(1);
          }
          const shown = (await ops.getByTestId('settlement-scheme').textContent()) ?? '';
          expect(shown).toContain('cb');
          expect(shown).toContain('RES-CNY');
          await poll(() => ops.getByTestId('settlement-window').count()).toBeGreaterThan(0);
          await shot(ops, `ops-${locale === 'en' ? 'en' : 'zh'}`);
        }
      }),
    60_000,
  );

  it(
    'a wallet pays a yuan QR in Hong Kong dollars at the quote it is shown; the console lists the conversion',
    () =>
      recorded(async () => {
        const owner = await logIn(MERCHANT_PHONE);
        const merchants = (await api(owner, 'GET', '/v1/merchants')).json.items as { mcc: string; staticQr: string }[];
        const noodles = merchants.find((m) => m.mcc === '5812');
        if (noodles === undefined) throw new Error('the demo has its noodle shop');
        const token = await logIn(WALLET_PHONE);
        const hkd = async (): Promise<bigint> => {
          const wallet = (await api(token, 'GET', '/v1/wallet')).json as {
            balances: { balance: { amount: string; currency: string } }[];
          };
          const held = wallet.balances.find((b) => b.balance.currency === 'HKD');
          if (held === undefined) throw new Error('the wallet holds HKD');
          return minorOf(held.balance.amount);
        };
        const hkdBefore = await hkd();

        const wallet = await newPage('en');
        await openLoggedIn(wallet, '/wallet', WALLET_PHONE);
        await poll(() => wallet.getByTestId('wallet-balance-HKD').textContent()).toContain('.');
        await wallet.goto(`${base}/#/wallet/scan`);
        await wallet.getByTestId('scan-payload').fill(noodles.staticQr);
        await wallet.getByTestId('scan-submit').click();
        await wallet.getByTestId('pay-source-fx-HKD').check();
        // Before anything is signed: the rate, who quotes it, until when, and — as the amount is typed — the price.
        await poll(() => wallet.getByTestId('fx-rate').locator('[data-rate]').getAttribute('data-rate')).toBe('0.9213');
        await expect(wallet.getByTestId('fx-provider').textContent()).resolves.toContain('FX desk');
        await expect(wallet.getByTestId('fx-expiry').textContent()).resolves.toMatch(/\d/);
        await expect(wallet.getByTestId('fx-type-amount').isVisible()).resolves.toBe(true);
        await wallet.getByTestId('qr-amount-input').fill('45.00');
        // ⌈4500 × 10000 / 9213⌉ = 4885: HK$48.85 pays exactly ¥45.00.
        await poll(() => wallet.getByTestId('fx-pay').textContent()).toContain('48.85');
        await expect(wallet.getByTestId('fx-receives').textContent()).resolves.toContain('45.00');
        const quoteId = await wallet.getByTestId('fx-quote').getAttribute('data-quote-id');
        expect(quoteId).toMatch(/^[0-9a-f]{32}$/);
        await shot(wallet, 'fx-quote-en');
        await wallet.getByTestId('qr-pay').click();
        await poll(() => wallet.getByTestId('receipt-screen').isVisible()).toBe(true);
        await poll(() => wallet.getByTestId('receipt-verified').isVisible()).toBe(true);
        // The payer's receipt shows what left its wallet, in its own currency's symbol.
        await expect(wallet.getByTestId('receipt-amount').textContent()).resolves.toContain('HK$48.85');
        await expect(wallet.getByTestId('receipt-fx-paid').textContent()).resolves.toContain('48.85');
        const txId = await wallet.getByTestId('receipt-screen').getAttribute('data-txid');
        await shot(wallet, 'fx-paid-en');
        expect(hkdBefore - (await hkd())).toBe(48_85n);

        // The console's FX quotes: the quote the wallet used, and its conversions with this payment.
        const ops = await newPage('en');
        await ops.goto(`${base}/#/ops/settlement`);
        const login = ops.getByTestId('login-phone');
        await login.or(ops.getByTestId('settlement-screen')).first().waitFor();
        if (await login.isVisible()) await openLoggedIn(ops, '/ops/settlement', OPS_PHONE);
        const row = ops.locator(`[data-testid="settlement-quote-row"][data-quote-id="${quoteId}"]`);
        await poll(() => row.count()).toBe(1);
        await row.getByTestId('settlement-quote-toggle').click();
        const conversion = ops.locator(`[data-testid="settlement-conversion"][data-tx-id="${txId}"]`);
        await poll(() => conversion.count()).toBe(1);
        await expect(conversion.textContent()).resolves.toContain('48.85');
        await shot(ops, 'fx-ops-en');
      }),
    60_000,
  );
});
