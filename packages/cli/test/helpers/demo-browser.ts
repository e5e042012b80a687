// What the Chromium tests against `paychain demo` share: the gateway API called as a client would (bearer token,
// Idempotency-Key on POST), logging in as the demo's people, phone-sized pages per locale, screenshots under
// artifacts/e2e/<prefix>-*.png, and a screenshot of every open page when a step fails.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The password of the demo's people (packages/cli/src/commands/run.ts). */
export const DEMO_PASSWORD = 'paychain-demo';

export const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });

export class DemoBrowser {
  /** The demo server, `http://127.0.0.1:PORT`; set once it is started. */
  base = '';
  private readonly contexts: BrowserContext[] = [];
  private readonly browser: () => Browser;
  private readonly artifacts: string;
  private readonly prefix: string;

  /** Screenshots go to `<artifacts>/<prefix>-<name>.png`. */
  constructor(browser: () => Browser, artifacts: string, prefix: string) {
    this.browser = browser;
    this.artifacts = artifacts;
    this.prefix = prefix;
  }

  async api(token: string | null, method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }

  async logIn(phone: string): Promise<string> {
    const session = await this.api(null, 'POST', '/v1/sessions', {
      phone,
      password: DEMO_PASSWORD,
      deviceId: randomUUID().replaceAll('-', ''),
    });
    expect(session.status, JSON.stringify(session.json)).toBe(201);
    return String(session.json.token);
  }

  async newPage(locale: string): Promise<Page> {
    const context = await this.browser().newContext({
      locale,
      viewport: { width: 412, height: 915 },
      acceptDownloads: true,
    });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  async shot(page: Page, name: string): Promise<void> {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(this.artifacts, `${this.prefix}-${name}.png`), fullPage: true });
  }

  /** Runs the steps; when one fails, every open page is saved as `<prefix>-failure-N.png` first. */
  async recorded(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error: unknown) {
      let n = 0;
      for (const context of this.contexts) {
        for (const page of context.pages()) await this.shot(page, `failure-${++n}`).catch(() => {});
      }
      throw error;
    }
  }

  async openLoggedIn(page: Page, route: string, phone: string): Promise<void> {
    await page.goto(`${this.base}/#${route}`);
    await page.getByTestId('login-phone').fill(phone);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await poll(() => page.getByTestId('whoami').textContent()).toContain(phone);
  }

  async closePages(): Promise<void> {
    for (const context of this.contexts) await context.close();
  }
}
