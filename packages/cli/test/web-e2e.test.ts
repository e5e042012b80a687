// Goal: what people touch works end to end in a real browser — two users sign up and top up, a merchant makes a
// dynamic QR, a user pays it by uploading the QR image, the merchant sees the payment live and refunds part of it,
// a browser-held key signs a transfer, the receipts verify in the browser, and both languages render. Method: the
// server as an operator runs it (`paychain start`, its own process: three validators, gateway on SQLite, the built
// web app) and Debian's Chromium driven by playwright-core, headless; screenshots of the main screens go to
// artifacts/e2e/.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium } from './helpers/browser.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PAYCHAIN_BIN = join(REPO, 'packages/cli/bin/paychain.js');
const WEB_DIST = join(REPO, 'packages/web/dist/index.html');
const ARTIFACTS = join(REPO, 'artifacts/e2e');
const PASSWORD = 'e2e password long enough';

/** Polls until the value matches (the ledger and the live feed take a moment; vitest's default is 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

const skipReason = chromiumSkipReason ?? (existsSync(WEB_DIST) ? null : 'the web app is not built (npm run build:web)');

describe.skipIf(skipReason !== null)(skipReason ?? 'the web app in headless Chromium', () => {
  let dir: string;
  let server: ChildProcess;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function newPage(locale: string, origin = base): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 412, height: 915 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${origin}/#/wallet`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Runs a test's steps; when one fails, every open page is saved as failure-N.png before the error goes on. */
  async function recorded(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error: unknown) {
      let n = 0;
      for (const context of contexts) {
        for (const page of context.pages()) await shot(page, `failure-${++n}`).catch(() => {});
      }
      throw error;
    }
  }

  async function signUp(page: Page, phone: string, keyMode: 'custodial' | 'browser'): Promise<void> {
    await page.getByTestId('goto-signup').click();
    await page.getByTestId('signup-phone').fill(phone);
    await page.getByTestId('signup-password').fill(PASSWORD);
    await page.getByTestId(`signup-keymode-${keyMode}`).check();
    await page.getByTestId('signup-submit').click();
    await poll(() => page.getByTestId('wallet-home').isVisible()).toBe(true);
    await poll(() => page.getByTestId('whoami').textContent()).toContain(phone);
  }

  async function topUp(page: Page, amount: string): Promise<void> {
    await page.getByTestId('action-top-up').click();
    await page.getByTestId('top-up-amount').fill(amount);
    await page.getByTestId('top-up-submit').click();
    await poll(() => page.getByTestId('receipt-screen').isVisible()).toBe(true);
    await poll(() => page.getByTestId('receipt-verified').isVisible()).toBe(true);
    await page.getByTestId('receipt-back').click();
  }

  async function balanceOf(page: Page): Promise<string | null> {
    await page.getByTestId('wallet-refresh').click();
    return page.getByTestId('wallet-balance').getAttribute('data-amount');
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'paychain-e2e-'));
    const init = spawn(process.execPath, [PAYCHAIN_BIN, 'init', '--data', dir], { stdio: 'ignore' });
    await new Promise((resolve) => init.on('exit', resolve));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [PAYCHAIN_BIN, 'start', '--data', dir, '--port', String(port)], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`${base}/v1/health`)).ok) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'signs up, tops up, pays a scanned dynamic QR, sees it live, refunds, and verifies receipts',
    () =>
      recorded(async () => {
        const alice = await newPage('zh-CN');
        const bob = await newPage('en-US');
        const owner = await newPage('zh-CN');

        // Chinese by default for a Chinese browser, English for another; both switchable.
        expect(await alice.locator('html').getAttribute('lang')).toMatch(/^zh/);
        expect(await bob.locator('html').getAttribute('lang')).toMatch(/^en/);
        await shot(alice, 'login-zh');
        await shot(bob, 'login-en');

        await signUp(alice, '+8613811110001', 'custodial');
        await signUp(bob, '+8613811110002', 'browser');
        await signUp(owner, '+8613811110003', 'custodial');
        await topUp(alice, '200');
        await topUp(bob, '100.00');
        expect(await balanceOf(alice)).toBe('200.00');
        expect(await balanceOf(bob)).toBe('100.00');
        await shot(alice, 'wallet-home-zh');

        // The merchant onboards and makes a one-time dynamic QR for ¥12.34.
        await owner.goto(`${base}/#/merchant`);
        await owner.getByTestId('merchant-name').fill('老王面馆');
        await owner.getByTestId('merchant-mcc').fill('5812');
        await owner.getByTestId('merchant-city').fill('上海');
        await owner.getByTestId('merchant-region').fill('SH');
        await owner.getByTestId('merchant-bank-account').fill('6222 0210 0000 1234');
        await owner.getByTestId('merchant-submit').click();
        await poll(() => owner.getByTestId('merchant-console').isVisible()).toBe(true);
        await poll(() => owner.getByTestId('live-status').getAttribute('data-state')).toBe('open');
        await owner.getByTestId('dynamic-qr-amount').fill('12.34');
        await owner.getByTestId('dynamic-qr-submit').click();
        await poll(() => owner.getByTestId('dynamic-qr').isVisible()).toBe(true);
        const download = owner.waitForEvent('download');
        await owner.getByTestId('dynamic-qr-download').click();
        const qrFile = join(ARTIFACTS, 'dynamic-qr.png');
        await (await download).saveAs(qrFile);
        await shot(owner, 'merchant-console-qr');

        // Alice pays it by uploading the QR image.
        await alice.getByTestId('action-scan').click();
        await alice.getByTestId('scan-file').setInputFiles(qrFile);
        await poll(() => alice.getByTestId('qr-confirm').isVisible()).toBe(true);
        expect(await alice.getByTestId('qr-merchant-name').textContent()).toContain('老王面馆');
        expect(await alice.getByTestId('qr-amount').textContent()).toContain('12.34');
        await shot(alice, 'qr-confirm-zh');
        await alice.getByTestId('qr-pay').click();
        await poll(() => alice.getByTestId('receipt-screen').isVisible()).toBe(true);
        await poll(() => alice.getByTestId('receipt-verified').isVisible()).toBe(true);
        const txId = await alice.getByTestId('receipt-screen').getAttribute('data-txid');
        expect(txId).toMatch(/^[0-9a-f]{32}$/);
        await shot(alice, 'receipt-verified-zh');
        await alice.getByTestId('receipt-back').click();

        // The merchant saw it arrive live, without reloading.
        await poll(() => owner.locator(`[data-testid="live-payment"][data-txid="${txId}"]`).count()).toBe(1);
        await shot(owner, 'merchant-live-payment');

        // A partial refund from the payment row; the refund reaches Alice.
        await owner.getByTestId('merchant-payments-refresh').click();
        const row = owner.locator(`[data-testid="payment-row"][data-txid="${txId}"]`);
        await row.getByTestId('refund-open').click();
        await owner.getByTestId('refund-amount').fill('2.34');
        await owner.getByTestId('refund-submit').click();
        await poll(() => owner.getByTestId('refund-result').isVisible()).toBe(true);
        await poll(() => balanceOf(alice)).toBe('190.00');
        await poll(async () => owner.getByTestId('summary-net').textContent()).toContain('10.00');
        await shot(owner, 'merchant-refund');

        // A pre-authorization on Alice's pay code, captured for less; then a payout to the merchant's bank.
        await alice.getByTestId('action-pay-code').click();
        await poll(async () =>
          ((await alice.getByTestId('pay-code-value').textContent()) ?? '').replace(/\s/g, ''),
        ).toMatch(/^[0-9]{18}$/);
        const payCode = ((await alice.getByTestId('pay-code-value').textContent()) ?? '').replace(/\s/g, '');
        await shot(alice, 'pay-code-zh');
        await owner.getByTestId('preauth-pay-code').fill(payCode);
        await owner.getByTestId('preauth-amount').fill('30');
        await owner.getByTestId('preauth-submit').click();
        await poll(() => owner.getByTestId('preauth-result').getAttribute('data-status')).toBe('final');
        const authTx = await owner.getByTestId('preauth-result').getAttribute('data-txid');
        await owner.getByTestId('merchant-payments-refresh').click();
        await owner.locator(`[data-testid="payment-row"][data-txid="${authTx}"]`).getByTestId('capture-open').click();
        await owner.getByTestId('capture-amount').fill('25');
        await owner.getByTestId('capture-submit').click();
        await poll(() => owner.getByTestId('capture-result').getAttribute('data-status')).toBe('final');
        await alice.getByTestId('back-home').click();
        await poll(() => balanceOf(alice)).toBe('165.00');
        await owner.getByTestId('payout-amount').fill('20');
        await owner.getByTestId('payout-submit').click();
        await poll(() => owner.getByTestId('payout-result').getAttribute('data-status')).toBe('final');
        await poll(() => owner.getByTestId('merchant-settlement-balance').getAttribute('data-amount')).toBe('15.00');
        await shot(owner, 'merchant-preauth-payout');

        // Bob's key lives in his browser: he reviews and signs the transfer there.
        await bob.getByTestId('action-transfer').click();
        await bob.getByTestId('transfer-phone').fill('+8613811110001');
        await bob.getByTestId('transfer-amount').fill('5.5');
        await bob.getByTestId('transfer-submit').click();
        await poll(() => bob.getByTestId('sign-screen').isVisible()).toBe(true);
        expect(await bob.getByTestId('sign-amount').textContent()).toContain('5.50');
        await shot(bob, 'sign-transfer-en');
        await bob.getByTestId('sign-confirm').click();
        await poll(() => bob.getByTestId('receipt-verified').isVisible()).toBe(true);
        await shot(bob, 'receipt-verified-en');
        await bob.getByTestId('receipt-back').click();
        expect(await balanceOf(bob)).toBe('94.50');
        await poll(() => balanceOf(alice)).toBe('170.50');

        // History search finds the merchant payment.
        await alice.getByTestId('history-search').fill('老王');
        await poll(() => alice.locator(`[data-testid="history-item"][data-txid="${txId}"]`).count()).toBe(1);

        // Switching languages re-renders the same screen in the other language.
        const zhTitle = await alice.getByTestId('wallet-home').textContent();
        await alice.getByTestId('lang-en').click();
        await poll(() => alice.locator('html').getAttribute('lang')).toMatch(/^en/);
        const enTitle = await alice.getByTestId('wallet-home').textContent();
        expect(enTitle).not.toBe(zhTitle);
        await shot(alice, 'wallet-home-en');
        await alice.getByTestId('lang-zh').click();
        await poll(() => alice.locator('html').getAttribute('lang')).toMatch(/^zh/);
        writeFileSync(join(ARTIFACTS, 'README.txt'), `screenshots of ${new Date().toISOString()}, payment ${txId}\n`);
      }),
    240_000,
  );

  it(
    'signs up and logs in with a passkey (Chromium virtual authenticator) on the host name',
    () =>
      recorded(async () => {
        // WebAuthn binds a passkey to a host name: the server's public URL is http://localhost:PORT by default.
        const origin = base.replace('127.0.0.1', 'localhost');
        const page = await newPage('en-US', origin);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            protocol: 'ctap2',
            transport: 'internal',
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        });
        await page.getByTestId('goto-signup').click();
        await page.getByTestId('signup-auth-passkey').check();
        await page.getByTestId('signup-phone').fill('+8613811110009');
        await page.getByTestId('signup-keymode-custodial').check();
        await page.getByTestId('signup-submit').click();
        await poll(() => page.getByTestId('wallet-home').isVisible()).toBe(true);
        await shot(page, 'passkey-signed-up-en');
        await page.getByTestId('logout').click();
        await poll(() => page.getByTestId('login-screen').isVisible()).toBe(true);
        await page.getByTestId('login-phone').fill('+8613811110009');
        await page.getByTestId('login-passkey').click();
        await poll(() => page.getByTestId('wallet-home').isVisible()).toBe(true);
        await poll(() => page.getByTestId('whoami').textContent()).toContain('+8613811110009');
      }),
    120_000,
  );

  it('shows blocks, the payment with its verified proof, and peers in the ops console', async () => {
    const page = await newPage('en-US');
    await page.goto(`${base}/#/ops`);
    await poll(() => page.getByTestId('ops-console').isVisible()).toBe(true);
    await poll(async () => Number(await page.getByTestId('ops-head-height').textContent())).toBeGreaterThan(0);
    await page.locator('[data-testid="ops-block-item"]').first().click();
    await poll(() => page.getByTestId('ops-block').isVisible()).toBe(true);
    await page.locator('[data-testid="ops-block-tx"]').first().click();
    await poll(() => page.getByTestId('tx-proof-verified').isVisible()).toBe(true);
    await shot(page, 'ops-explorer-en');
  }, 120_000);
});
