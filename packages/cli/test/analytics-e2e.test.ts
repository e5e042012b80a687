// Goal: the big-data screens work end to end in a real browser — the ops dashboard draws the warehouse's charts in
// both languages and exports, the risk tab shows the review queue, refusals and a dry run of the rules (and a bad
// rule's error with its path), AML scans the chain, finds the structuring the test made, a case is opened, noted,
// assigned and closed with verified evidence and its STR downloaded, the merchant sees its sales charts, and a
// wallet payment that risk control steps up goes through after the password. Method: `paychain demo` as its own
// process (validators, gateway on SQLite, warehouse, the built web app); payments made through the API with fetch
// under a rule set the test PUTs (review above 150, step-up above 300, block at exactly 666); Debian's Chromium
// driven by playwright-core, headless; screenshots to artifacts/e2e/analytics-*.png (analytics-failure-N.png when a
// step fails).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
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
/** The demo's people (packages/cli/src/commands/run.ts). */
const DEMO_PASSWORD = 'paychain-demo';
const WALLET_PHONE = '+8613800000001';
const MERCHANT_PHONE = '+8613800000002';
const OPS_PHONE = '+8613800000003';
/** Made by the test: one account structures transfers just below the 50,000 CNY large-value threshold. */
const STRUCTURER_PHONE = '+8613900000011';
const RECEIVER_PHONE = '+8613900000012';
const FUNDER_PHONE = '+8613900000013';
/** What the simulated bank opens a customer's account with (SIMULATED_BANK_OPENING of the gateway). */
const BANK_OPENING_AMOUNT = '100000.00';
const STRUCTURING_AMOUNT = '49000.00';
const STRUCTURING_TRANSFERS = 4;
/** Wallet payments to the demo merchant: three allowed, one reviewed (above 150). */
const MERCHANT_PAYMENTS = ['20.00', '35.50', '88.00', '160.00'];
const MERCHANT_SALES_TOTAL = '303.50';

/** Polls until the value matches (the ledger and the warehouse take a moment; vitest's default is 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });

const skipReason = chromiumSkipReason ?? (existsSync(WEB_DIST) ? null : 'the web app is not built (npm run build:web)');

interface ApiAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

describe.skipIf(skipReason !== null)(skipReason ?? 'dashboards, risk and AML in headless Chromium', () => {
  let dir: string;
  let server: ChildProcess;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function api(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (token !== null) all.authorization = `Bearer ${token}`;
    if (body !== undefined) all['content-type'] = 'application/json';
    if (method === 'POST' || method === 'PUT') all['idempotency-key'] ??= randomUUID();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: all,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** The answer, which must have this status (else the test fails with the API's error). */
  async function expectApi(
    status: number,
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const answer = await api(token, method, path, body);
    expect(answer, `${method} ${path}`).toMatchObject({ status });
    return answer.json;
  }

  async function logIn(phone: string, password: string): Promise<string> {
    const session = await expectApi(201, null, 'POST', '/v1/sessions', {
      phone,
      password,
      deviceId: randomUUID().replaceAll('-', ''),
    });
    expect(typeof session.token).toBe('string');
    return String(session.token);
  }

  /** A payment answered: 200 or 201 (final), 202 (pending). */
  const isCreated = (answer: ApiAnswer): boolean => answer.status >= 200 && answer.status < 300;

  /** A payment POST that passes a step-up with the password when risk control asks for one; answers the Payment. */
  async function pay(token: string, password: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const key = randomUUID();
    const first = await api(token, 'POST', path, body, { 'idempotency-key': key });
    if (first.status !== 403 || (first.json.error as { code?: string } | undefined)?.code !== 'step_up_required') {
      expect(isCreated(first), `POST ${path}: ${JSON.stringify(first)}`).toBe(true);
      return first.json;
    }
    const { stepUpToken } = await expectApi(201, token, 'POST', '/v1/me/step-up', { password });
    const again = await api(token, 'POST', path, body, {
      'idempotency-key': key,
      'x-paychain-step-up': String(stepUpToken),
    });
    expect(isCreated(again), `POST ${path} after the step-up: ${JSON.stringify(again)}`).toBe(true);
    return again.json;
  }

  async function newPage(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 412, height: 915 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    // From the top: a page scrolled down draws its sticky header part-way down a full-page shot.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, `analytics-${name}.png`), fullPage: true });
  }

  /** Runs a test's steps; when one fails, every open page is saved as analytics-failure-N.png. */
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

  /** Opens a hash route, which asks to log in first, and logs in there. */
  async function openLoggedIn(page: Page, route: string, phone: string): Promise<void> {
    await page.goto(`${base}/#${route}`);
    await page.getByTestId('login-phone').fill(phone);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await poll(() => page.getByTestId('whoami').textContent()).toContain(phone);
  }

  async function points(page: Page, testId: string): Promise<number> {
    return Number((await page.getByTestId(testId).getAttribute('data-points')) ?? '-1');
  }

  /** The dashboard's charts have drawn the data they were given (and finished animating). */
  async function chartsDrawn(page: Page): Promise<void> {
    for (const chart of ['chart-volume', 'chart-regions', 'chart-mccs', 'chart-risk']) {
      await poll(() => points(page, chart)).toBeGreaterThan(0);
    }
  }

  async function download(page: Page, testId: string, file: string): Promise<Buffer> {
    const started = page.waitForEvent('download');
    await page.getByTestId(testId).click();
    const path = join(ARTIFACTS, file);
    await (await started).saveAs(path);
    return readFileSync(path);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'paychain-analytics-e2e-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const serverLog = openSync(join(ARTIFACTS, 'analytics-server.log'), 'w');
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      // No --payments: the demo stops its server once it has made that many; it pays on until SIGTERM.
      [PAYCHAIN_BIN, 'demo', '--data', join(dir, 'demo'), '--port', String(port)],
      // The server's own output, for when a step fails on its side.
      { stdio: ['ignore', serverLog, serverLog] },
    );
    // Up, and the demo's people made (the ops user logs in).
    for (let i = 0; i < 200; i++) {
      try {
        const session = await api(null, 'POST', '/v1/sessions', {
          phone: OPS_PHONE,
          password: DEMO_PASSWORD,
          deviceId: '0'.repeat(32),
        });
        if (session.status === 201) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'charts the payments, shows risk decisions, opens and closes an AML case, shows sales, and steps up a payment',
    () =>
      recorded(async () => {
        // ---- activity through the API ----
        const ops = await logIn(OPS_PHONE, DEMO_PASSWORD);
        const wallet = await logIn(WALLET_PHONE, DEMO_PASSWORD);
        const owner = await logIn(MERCHANT_PHONE, DEMO_PASSWORD);

        // A rule set of the test's own: thresholds of the model off, rules by amount only.
        const rules = await expectApi(200, ops, 'GET', '/v1/ops/risk/rules');
        const active = rules.active as { version: number; ruleSet: Record<string, unknown> };
        const { reviewThreshold: _r, blockThreshold: _b, ...activeRest } = active.ruleSet;
        const ruleSet = {
          ...activeRest,
          ...('scoreThresholds' in activeRest ? { scoreThresholds: { review: null, block: null } } : {}),
          version: active.version + 1,
          rules: [
            {
              id: 'e2e-review',
              description: 'review from 150 to 300',
              when: {
                all: [
                  { feature: 'amount', op: '>', value: 150 },
                  { feature: 'amount', op: '<=', value: 300 },
                ],
              },
              action: 'review',
              reason: 'e2e: amount above 150',
            },
            {
              id: 'e2e-step-up',
              description: 'step up from 300 to 1,000',
              when: {
                all: [
                  { feature: 'amount', op: '>', value: 300 },
                  { feature: 'amount', op: '<', value: 1000 },
                ],
              },
              action: 'step_up',
              reason: 'e2e: amount above 300',
            },
            {
              id: 'e2e-block',
              description: 'the number of the beast',
              when: { feature: 'amount', op: '==', value: 666 },
              action: 'block',
              reason: 'e2e: amount 666',
            },
          ],
        };
        await expectApi(201, ops, 'PUT', '/v1/ops/risk/rules', { ruleSet, note: 'analytics e2e' });

        const merchants = await expectApi(200, owner, 'GET', '/v1/merchants');
        const merchant = (merchants.items as { id: string; staticQr: string }[])[0];
        expect(merchant).toBeDefined();
        const staticQr = merchant?.staticQr ?? '';
        let lastHeight = 0;
        const heightOf = (payment: Record<string, unknown>): number =>
          Number((payment.ledger as { height?: string | number } | null)?.height ?? 0);
        for (const amount of MERCHANT_PAYMENTS) {
          const paid = await pay(wallet, DEMO_PASSWORD, '/v1/qr/pay', { payload: staticQr, amount, currency: 'CNY' });
          expect(paid.status).toBe('final');
          lastHeight = Math.max(lastHeight, heightOf(paid));
        }
        const blocked = await api(wallet, 'POST', '/v1/qr/pay', {
          payload: staticQr,
          amount: '666.00',
          currency: 'CNY',
        });
        expect(blocked.status).toBe(403);
        expect((blocked.json.error as { code?: string }).code).toBe('risk_refused');

        // Structuring: a class I account sends 49,000.00 four times, just below the 50,000 large-value threshold.
        // The simulated bank opens each account with 100,000.00: a second class I account sends the rest, a
        // large-value transfer (for the large-value report).
        for (const phone of [STRUCTURER_PHONE, FUNDER_PHONE, RECEIVER_PHONE]) {
          await expectApi(201, null, 'POST', '/v1/users', { phone, password: DEMO_PASSWORD, keyMode: 'custodial' });
        }
        for (const phone of [STRUCTURER_PHONE, FUNDER_PHONE]) {
          await expectApi(200, ops, 'POST', '/v1/ops/users/kyc', { phone, tier: 1 });
        }
        const structurer = await logIn(STRUCTURER_PHONE, DEMO_PASSWORD);
        const funder = await logIn(FUNDER_PHONE, DEMO_PASSWORD);
        const topUp = { amount: BANK_OPENING_AMOUNT, currency: 'CNY' };
        await pay(structurer, DEMO_PASSWORD, '/v1/wallet/top-ups', topUp);
        await pay(funder, DEMO_PASSWORD, '/v1/wallet/top-ups', topUp);
        await pay(funder, DEMO_PASSWORD, '/v1/transfers', { ...topUp, toPhone: STRUCTURER_PHONE });
        for (let i = 0; i < STRUCTURING_TRANSFERS; i++) {
          const sent = await pay(structurer, DEMO_PASSWORD, '/v1/transfers', {
            toPhone: RECEIVER_PHONE,
            amount: STRUCTURING_AMOUNT,
            currency: 'CNY',
          });
          expect(sent.status).toBe('final');
          lastHeight = Math.max(lastHeight, heightOf(sent));
        }

        // ---- the ops dashboard ----
        const page = await newPage('en-US');
        await openLoggedIn(page, '/ops/dashboard', OPS_PHONE);
        await poll(() => page.getByTestId('dashboard-screen').isVisible()).toBe(true);
        await page.getByTestId('dashboard-range-24h').click();
        // The warehouse loads committed blocks as they come: refresh until it holds the test's payments.
        await poll(async () => {
          await page.getByTestId('dashboard-refresh').click();
          return Number((await page.getByTestId('analytics-status').getAttribute('data-loaded-height')) ?? '0');
        }).toBeGreaterThanOrEqual(lastHeight);
        const chainHeight = Number(await page.getByTestId('analytics-status').getAttribute('data-chain-height'));
        expect(chainHeight).toBeGreaterThanOrEqual(lastHeight);
        await chartsDrawn(page);
        await poll(() => page.getByTestId('top-merchants-row').count()).toBeGreaterThan(0);
        expect(await page.getByTestId('top-merchants-row').first().getAttribute('data-merchant-id')).toBe(merchant?.id);
        await shot(page, 'dashboard-en');
        const englishLabel = await page.getByTestId('chart-volume').getAttribute('aria-label');
        await page.getByTestId('lang-zh').click();
        await poll(() => page.locator('html').getAttribute('lang')).toMatch(/^zh/);
        // Redrawn in Chinese: a chart shows its points again once the new option is drawn whole.
        await poll(() => page.getByTestId('chart-volume').getAttribute('aria-label')).not.toBe(englishLabel);
        await chartsDrawn(page);
        await shot(page, 'dashboard-zh');
        await page.getByTestId('lang-en').click();

        const csv = (await download(page, 'export-csv', 'analytics-export.csv')).toString('utf8');
        expect(csv.split('\n').length).toBeGreaterThan(STRUCTURING_TRANSFERS);
        const parquet = await download(page, 'export-parquet', 'analytics-export.parquet');
        expect(parquet.subarray(0, 4).toString('latin1')).toBe('PAR1');

        // ---- risk: the reviewed and the blocked payment, the rules, a dry run, a bad rule ----
        await page.getByTestId('ops-tab-risk').click();
        await poll(() => page.getByTestId('risk-screen').isVisible()).toBe(true);
        await poll(() => page.locator('[data-testid="review-row"][data-decision="review"]').count()).toBeGreaterThan(0);
        await poll(() => page.locator('[data-testid="refusal-row"][data-decision="block"]').count()).toBeGreaterThan(0);
        expect(await page.getByTestId('rules-active-version').getAttribute('data-version')).toBe(
          String(active.version + 1),
        );
        await page.getByTestId('rules-dry-run').click();
        await poll(() => page.getByTestId('rules-dry-run-result').isVisible()).toBe(true);
        expect(Number(await page.getByTestId('rules-dry-run-result').getAttribute('data-evaluated'))).toBeGreaterThan(
          0,
        );
        await shot(page, 'risk-en');
        const draft = await page.getByTestId('rules-editor').inputValue();
        await page.getByTestId('rules-editor').fill(draft.replace('"op": "==",', '"op": "=>",'));
        await page.getByTestId('rules-dry-run').click();
        await poll(() => page.getByTestId('rules-errors').isVisible()).toBe(true);
        expect(await page.getByTestId('rules-error').first().getAttribute('data-path')).toMatch(/^rules\[2\]\.when/);
        await shot(page, 'risk-errors-en');

        // ---- AML: scan, the structuring alert, a case ----
        await page.getByTestId('ops-tab-aml').click();
        await poll(() => page.getByTestId('aml-screen').isVisible()).toBe(true);
        await page.getByTestId('aml-scan').click();
        await poll(async () =>
          Number(await page.getByTestId('aml-scan-result').getAttribute('data-alerts-found')),
        ).toBeGreaterThan(0);
        await page.getByTestId('alert-pattern').selectOption('structuring');
        const alert = page.locator('[data-testid="alert-row"][data-pattern="structuring"]').first();
        await poll(() => alert.isVisible()).toBe(true);
        const alertId = await alert.getAttribute('data-alert-id');
        await alert.getByTestId('alert-select').check();
        await page.getByTestId('case-title').fill('E2E structuring below the threshold');
        await page.getByTestId('case-open').click();
        const detail = page.getByTestId('case-detail');
        await poll(() => detail.getAttribute('data-status')).toBe('open');
        const caseId = await detail.getAttribute('data-case-id');
        expect(await page.locator(`[data-testid="case-alert"][data-alert-id="${alertId}"]`).count()).toBe(1);
        await poll(() => page.getByTestId('evidence-row').count()).toBeGreaterThanOrEqual(3);
        expect(await page.locator('[data-testid="evidence-row"][data-verified="true"]').count()).toBe(
          await page.getByTestId('evidence-row').count(),
        );
        await page.getByTestId('case-note-text').fill('Four transfers of 49,000 in minutes: reported.');
        await page.getByTestId('case-note-add').click();
        await poll(() => page.getByTestId('case-note').count()).toBe(1);
        await page.getByTestId('case-assign-me').click();
        await poll(() => detail.getAttribute('data-status')).toBe('assigned');
        await poll(() => page.getByTestId('case-assignee').textContent()).toContain(OPS_PHONE);
        const str = (await download(page, 'report-str', 'analytics-str.csv')).toString('utf8');
        expect(str).toContain(STRUCTURING_AMOUNT.replace('.00', ''));
        await shot(page, 'case-en');
        await page.getByTestId('case-close-resolution').selectOption('reported');
        await page.getByTestId('case-close').click();
        await poll(() => detail.getAttribute('data-status')).toBe('closed');
        expect(await detail.getAttribute('data-resolution')).toBe('reported');
        await page.getByTestId('case-back').click();
        await poll(() =>
          page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`).getAttribute('data-status'),
        ).toBe('closed');
        const largeValue = (await download(page, 'report-large-value', 'analytics-large-value.csv')).toString('utf8');
        expect(largeValue.length).toBeGreaterThan(0);

        // The alert rate now has the day's alerts, and the closed case is counted.
        await page.getByTestId('ops-tab-dashboard').click();
        await poll(() => points(page, 'chart-alerts')).toBeGreaterThan(0);
        await poll(() => page.getByTestId('dashboard-cases').getAttribute('data-closed')).toBe('1');

        // ---- a wallet payment risk control steps up, passed with the password ----
        const payer = await newPage('en-US');
        await openLoggedIn(payer, '/wallet', WALLET_PHONE);
        await payer.getByTestId('action-transfer').click();
        await payer.getByTestId('transfer-phone').fill(RECEIVER_PHONE);
        await payer.getByTestId('transfer-amount').fill('350');
        await payer.getByTestId('transfer-submit').click();
        await poll(() => payer.getByTestId('step-up-dialog').isVisible()).toBe(true);
        expect(await payer.getByTestId('step-up-reasons').textContent()).toContain('e2e: amount above 300');
        await shot(payer, 'step-up-en');
        await payer.getByTestId('step-up-password').fill(DEMO_PASSWORD);
        await payer.getByTestId('step-up-submit').click();
        await poll(() => payer.getByTestId('receipt-verified').isVisible()).toBe(true);
        expect(await payer.getByTestId('receipt-amount').textContent()).toContain('350.00');
        // ---- the merchant's sales ----
        const shop = await newPage('zh-CN');
        await openLoggedIn(shop, '/merchant', MERCHANT_PHONE);
        await shop.getByTestId('merchant-item').first().click();
        await poll(() => shop.getByTestId('merchant-sales').isVisible()).toBe(true);
        await poll(() => shop.getByTestId('sales-total').getAttribute('data-amount')).toBe(MERCHANT_SALES_TOTAL);
        await poll(() => points(shop, 'chart-sales-daily')).toBeGreaterThan(0);
        await poll(() => points(shop, 'chart-sales-hourly')).toBeGreaterThan(0);
        await shot(shop, 'merchant-sales-zh');
        await shop
          .getByTestId('merchant-sales')
          .screenshot({ path: join(ARTIFACTS, 'analytics-merchant-sales-card-zh.png') });
      }),
    120_000,
  );
});
