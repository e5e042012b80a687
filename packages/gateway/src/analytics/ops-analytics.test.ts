// Goal: what the ops console and the regulator rely on, through the one server `paychain start` runs: risk rules
// edited at run time (validated with paths, versions only increasing, a dry run that changes nothing), decisions in
// the payment path (step-up passed with the password; the review queue; refusals), the warehouse fed from final
// blocks (dashboards, a merchant's own sales, CSV export), and AML over the committed chain (a structuring pattern
// made through the API is found; a case with notes, assignment, closing; evidence checked against the chain; the
// suspicious-transaction and large-value reports). Method: a real embedded consortium, the server on a loopback
// port, the gateway on SQLite and the warehouse on embedded DuckDB, then on a real ClickHouse server
// (`--warehouse clickhouse://…`; Debian's clickhouse-server started from a temp dir); every call over HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalClickHouse, startLocalClickHouse } from '@paychain/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { createPaychainServer, type PaychainServer } from '../server.ts';

const PASSWORD = 'long enough secret';

/** Only what this test needs: large amounts go to review, a transfer of exactly 777.00 needs a step-up. */
const RULES_V2 = {
  version: 2,
  scoreThresholds: { review: null, block: null },
  rules: [
    {
      id: 'step-up-777',
      description: 'a test rule',
      when: { feature: 'amount', op: '==', value: 777 },
      action: 'step_up',
      reason: 'the amount 777.00 needs a step-up',
    },
    {
      id: 'large-review',
      description: 'large transfers are reviewed',
      when: { feature: 'amount', op: '>=', value: 40_000 },
      action: 'review',
      reason: 'a large transfer',
    },
  ],
};

describe.each(['duckdb', 'clickhouse'] as const)(
  'ops analytics, risk rules and AML cases, warehouse on %s',
  (engine) => {
    let clickhouse: LocalClickHouse | null = null;
    let testLedger: TestLedger;
    let server: PaychainServer;
    let base: string;
    let dataDir: string;
    const tokens = new Map<string, string>();

    async function call(
      method: string,
      path: string,
      token?: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'POST' ? { 'idempotency-key': randomBytes(8).toString('hex') } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const json =
        response.headers.get('content-type')?.includes('json') === true && text.length > 0 ? JSON.parse(text) : {};
      // biome-ignore lint/suspicious/noExplicitAny: the answers of a dozen routes, read field by field below
      return { status: response.status, json: json as Record<string, any>, text };
    }

    async function wallet(phone: string): Promise<string> {
      expect((await call('POST', '/v1/users', undefined, { phone, password: PASSWORD })).status).toBe(201);
      const session = await call('POST', '/v1/sessions', undefined, {
        phone,
        password: PASSWORD,
        deviceId: randomBytes(16).toString('hex'),
      });
      const token = String(session.json.token);
      tokens.set(phone, token);
      return token;
    }

    let ops: string;
    let alice: string;
    let bob: string;
    let owner: string;
    let merchantId: string;

    beforeAll(async () => {
      let warehouse = ':memory:';
      if (engine === 'clickhouse') {
        clickhouse = await startLocalClickHouse();
        warehouse = `clickhouse://${new URL(clickhouse.url).host}/paychain_ops`;
      }
      testLedger = openTestLedger();
      dataDir = mkdtempSync(join(tmpdir(), 'paychain-ops-analytics-'));
      server = await createPaychainServer({
        node: testLedger.consortium,
        issuer: testLedger.ledger.issuer,
        dataDir,
        webDir: null,
        warehouse,
        bank: new SimulatedCoreBanking({ openWith: { currency: 'CNY', amount: 100_000_000n } }),
      });
      base = await server.app.listen({ host: '127.0.0.1', port: 0 });
      ops = await wallet('+8613500000009');
      const opsUser = await server.db?.getUserByPhone('+8613500000009');
      if (opsUser === null || opsUser === undefined || server.db === null) throw new Error('test setup: ops user');
      await server.db.setUserRole(opsUser.id, 'ops');
      alice = await wallet('+8613500000001');
      bob = await wallet('+8613500000002');
      await wallet('+8613500000003');
      owner = await wallet('+8613500000004');
      // Large amounts need KYC class I.
      for (const phone of ['+8613500000001', '+8613500000002', '+8613500000003']) {
        expect((await call('POST', '/v1/ops/users/kyc', ops, { phone, tier: 1 })).status).toBe(200);
      }
      const merchant = await call('POST', '/v1/merchants', owner, {
        name: 'Farm Supplies',
        mcc: '5411',
        city: 'Chengdu',
        region: 'CN-SC',
        bankAccount: '6222021001000009',
      });
      merchantId = String(merchant.json.id);
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await testLedger?.close();
      await clickhouse?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses the ops routes to a user without the ops role', async () => {
      for (const path of [
        '/v1/ops/risk/rules',
        '/v1/ops/analytics/volume',
        '/v1/ops/aml/alerts',
        '/v1/ops/aml/cases',
      ]) {
        const answer = await call('GET', path, alice);
        expect(answer.status, path).toBe(403);
        expect(answer.json.error.code).toBe('forbidden');
      }
    });

    it('edits the rules at run time: validated with paths, versions only increasing, a dry run changes nothing', async () => {
      const rules = await call('GET', '/v1/ops/risk/rules', ops);
      expect(rules.status).toBe(200);
      expect(rules.json.active.version).toBe(1);
      expect(rules.json.model.kind).toBe('logistic');

      const bad = await call('PUT', '/v1/ops/risk/rules', ops, {
        ruleSet: { ...RULES_V2, rules: [{ ...RULES_V2.rules[0], when: { feature: 'amount', op: '=>', value: 1 } }] },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.error.code).toBe('rules_invalid');
      expect(bad.json.error.details.errors[0].path).toBe('rules[0].when.op');

      const dry = await call('POST', '/v1/ops/risk/rules/dry-run', ops, { ruleSet: RULES_V2 });
      expect(dry.status).toBe(200);
      expect(dry.json.proposedVersion).toBe(2);
      expect((await call('GET', '/v1/ops/risk/rules', ops)).json.active.version).toBe(1);

      const put = await call('PUT', '/v1/ops/risk/rules', ops, { ruleSet: RULES_V2, note: 'test rules' });
      expect(put.status).toBe(201);
      expect(put.json.version).toBe(2);
      const again = await call('PUT', '/v1/ops/risk/rules', ops, { ruleSet: RULES_V2 });
      expect(again.status).toBe(409);
      expect(again.json.error.code).toBe('rules_version_stale');
      const listed = await call('GET', '/v1/ops/risk/rules', ops);
      expect(listed.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(listed.json.active.authorPhone).toBe('+8613500000009');
    });

    it('decides in the payment path: a step-up passed with the password, a review queued', async () => {
      await call('POST', '/v1/wallet/top-ups', alice, { amount: '200000.00', currency: 'CNY' });
      const ask = (headers: Record<string, string> = {}) =>
        call('POST', '/v1/transfers', alice, { toPhone: '+8613500000002', amount: '777.00', currency: 'CNY' }, headers);
      const held = await ask();
      expect(held.status).toBe(403);
      expect(held.json.error.code).toBe('step_up_required');
      expect(held.json.error.details.reasons).toEqual(['the amount 777.00 needs a step-up']);
      const wrong = await call('POST', '/v1/me/step-up', alice, { password: 'not the password' });
      expect([wrong.status, wrong.json.error.code]).toEqual([403, 'step_up_failed']);
      const stepUp = await call('POST', '/v1/me/step-up', alice, { password: PASSWORD });
      expect(stepUp.status).toBe(201);
      const passed = await ask({ 'x-paychain-step-up': String(stepUp.json.stepUpToken) });
      expect(passed.status).toBe(201);

      const refusals = await call('GET', '/v1/ops/risk/refusals', ops);
      expect(refusals.json.items.map((r: { decision: string; amount: string }) => [r.decision, r.amount])).toEqual([
        ['step_up', '777.00'],
      ]);

      // Structuring: three transfers just below the 50,000.00 large-value threshold within a day, to two people.
      for (const [to, amount] of [
        ['+8613500000002', '48500.00'],
        ['+8613500000003', '49200.00'],
        ['+8613500000002', '47900.00'],
      ] as const) {
        const sent = await call('POST', '/v1/transfers', alice, { toPhone: to, amount, currency: 'CNY' });
        expect(sent.status, JSON.stringify(sent.json)).toBe(201);
      }
      const reviews = await call('GET', '/v1/ops/risk/reviews', ops);
      expect(reviews.json.items).toHaveLength(3);
      expect(reviews.json.items[0].risk).toMatchObject({
        decision: 'review',
        reasons: ['a large transfer'],
        ruleSetVersion: 2,
      });
      expect(reviews.json.items[0].payerPhone).toBe('+8613500000001');
    });

    it('feeds the warehouse from final blocks: dashboards, a merchant’s own sales, export', async () => {
      await call('POST', '/v1/wallet/top-ups', bob, { amount: '100.00', currency: 'CNY' });
      const qr = await call('POST', `/v1/merchants/${merchantId}/qr`, owner, { amount: '12.34', currency: 'CNY' });
      expect((await call('POST', '/v1/qr/pay', bob, { payload: qr.json.payload })).status).toBe(201);
      await server.analytics?.catchUp();

      const status = await call('GET', '/v1/ops/analytics/status', ops);
      expect(status.json.warehouse).toBe(engine);
      expect(status.json.lagBlocks).toBe('0');
      expect(status.json.transfers).toBeGreaterThanOrEqual(7);

      const volume = await call('GET', '/v1/ops/analytics/volume?granularity=day', ops);
      const total = volume.json.items.reduce((sum: number, i: { count: number }) => sum + i.count, 0);
      expect(total).toBe(status.json.transfers);
      const regions = await call('GET', '/v1/ops/analytics/regions', ops);
      expect(regions.json.items).toContainEqual({ region: 'CN-SC', count: 1, value: '12.34' });
      const mccs = await call('GET', '/v1/ops/analytics/mccs', ops);
      expect(mccs.json.items).toContainEqual({ mcc: '5411', count: 1, value: '12.34' });
      const top = await call('GET', '/v1/ops/analytics/top-merchants', ops);
      expect(top.json.items).toEqual([{ merchantId, name: 'Farm Supplies', count: 1, value: '12.34' }]);
      const risk = await call('GET', '/v1/ops/analytics/risk', ops);
      const decisions = risk.json.items.reduce(
        (sum: Record<string, number>, d: Record<string, number>) => ({
          review: (sum.review ?? 0) + (d.review ?? 0),
          step_up: (sum.step_up ?? 0) + (d.step_up ?? 0),
        }),
        {},
      );
      expect(decisions).toEqual({ review: 3, step_up: 2 });

      const sales = await call('GET', `/v1/merchants/${merchantId}/analytics/sales`, owner);
      expect(sales.status).toBe(200);
      expect(sales.json.totals).toEqual({ count: 1, value: '12.34' });
      expect(sales.json.hourly).toHaveLength(24);
      expect((await call('GET', `/v1/merchants/${merchantId}/analytics/sales`, bob)).status).toBe(404);

      const exported = await call('GET', '/v1/ops/analytics/export?format=csv', ops);
      expect(exported.status).toBe(200);
      expect(exported.text.split('\n').filter((l) => l.length > 0).length).toBe(status.json.transfers + 1);
    });

    it('finds structuring on the committed chain and carries it through a case to the reports', async () => {
      const scan = await call('POST', '/v1/ops/aml/scans', ops, {});
      expect(scan.status).toBe(200);
      expect(scan.json.alertsNew).toBeGreaterThanOrEqual(1);
      const alerts = await call('GET', '/v1/ops/aml/alerts?inCase=no&pattern=structuring', ops);
      const [alert] = alerts.json.items;
      expect(alert.txIds).toHaveLength(3);
      expect(alert.explanation).toMatch(/50,000/);
      const rescan = await call('POST', '/v1/ops/aml/scans', ops, {});
      expect(rescan.json.alertsNew).toBe(0);

      const opened = await call('POST', '/v1/ops/aml/cases', ops, {
        title: 'Structuring by +8613500000001',
        alertIds: [alert.id],
      });
      expect(opened.status).toBe(201);
      const caseId = String(opened.json.id);
      const twice = await call('POST', '/v1/ops/aml/cases', ops, { title: 'again', alertIds: [alert.id] });
      expect([twice.status, twice.json.error.code]).toEqual([409, 'alert_in_case']);
      expect((await call('POST', `/v1/ops/aml/cases/${caseId}/assign`, ops, {})).json.status).toBe('assigned');
      expect(
        (await call('POST', `/v1/ops/aml/cases/${caseId}/notes`, ops, { text: 'three transfers below 50k' })).status,
      ).toBe(201);

      const detail = await call('GET', `/v1/ops/aml/cases/${caseId}`, ops);
      expect(detail.json.case.assigneePhone).toBe('+8613500000009');
      expect(detail.json.notes.map((n: { text: string }) => n.text)).toEqual(['three transfers below 50k']);
      expect(detail.json.evidence).toHaveLength(3);
      expect(detail.json.evidence.every((e: { verified: boolean }) => e.verified)).toBe(true);

      const str = await call('GET', `/v1/ops/reports/suspicious.csv?caseId=${caseId}`, ops);
      expect(str.status).toBe(200);
      for (const txId of alert.txIds) expect(str.text).toContain(txId);
      const closed = await call('POST', `/v1/ops/aml/cases/${caseId}/close`, ops, { resolution: 'reported' });
      expect(closed.json).toMatchObject({ status: 'closed', resolution: 'reported' });
      expect((await call('GET', '/v1/ops/aml/cases/summary', ops)).json).toEqual({ open: 0, assigned: 0, closed: 1 });
      const late = await call('POST', `/v1/ops/aml/cases/${caseId}/notes`, ops, { text: 'too late' });
      expect([late.status, late.json.error.code]).toEqual([409, 'case_closed']);

      const large = await call('GET', '/v1/ops/reports/large-value.csv', ops);
      expect(large.status).toBe(200);
      // The 200,000.00 top-up is the one transfer at or above 50,000.00.
      expect(large.text.trim().split('\n')).toHaveLength(2);
      const rates = await call('GET', '/v1/ops/analytics/alerts', ops);
      expect(rates.json.items.reduce((sum: number, d: { alerts: number }) => sum + d.alerts, 0)).toBeGreaterThanOrEqual(
        1,
      );
    });
  },
);
