// Goal: a purpose-bound program works through the gateway from end to end, and every refusal is given with its
// reason before anything is signed or changed. The funder's operator creates a subsidy for agricultural supplies in
// one region, funds it from a bank account, disburses by phone (JSON and CSV); beneficiaries see their balance and
// rules, learn at the QR which merchants take program money and why not, pay an eligible merchant (custodial and
// browser-held keys); the merchant redeems; suspension, a clawback co-signed with the auditor's own key, the trace,
// statements and the public report. Method: the gateway app over a real embedded three-organization consortium
// (real blocks and certificates), storage on SQLite and on the real PostgreSQL server, requests through app.inject;
// the ledger's own state is read to check that refusals changed nothing.
import { bytesToHex, getSuite, hexToBytes, parseReceipt, type ReceiptJson, verifyReceipt } from '@paychain/core';
import { openDataDir } from '@paychain/node';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb } from '../db/gateway-db.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { PaymentService } from '../service/payment-service.ts';
import { ProgramService } from '../service/program-service.ts';
import { createGatewayApp } from './gateway-app.ts';
import { dbHarnesses, errorOf, TestClient, type TestWallet } from './test-gateway.ts';

const suite = getSuite('intl');
const HOUR_MS = 3_600_000;

interface ProgramJson {
  id: string;
  name: string;
  status: string;
  rules: { mccs: string[]; regions: string[]; perPaymentMax: { amount: string } | null; validUntilMs: number };
  totals: Record<string, { amount: string; currency: string }>;
}

interface PaymentJson {
  txId: string;
  kind: string;
  status: string;
  programId: string | null;
  receipt: ReceiptJson | null;
  signing?: { intent: string; signingBytes: string };
}

describe.each(await dbHarnesses('programs'))('programs through the gateway on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'programs', () => {
    let db: GatewayDb;
    let app: FastifyInstance;
    let testLedger: TestLedger;
    let payments: PaymentService;
    const client = new TestClient(() => app, '13700');
    const call = client.call.bind(client);

    let ops: TestWallet;
    let stranger: TestWallet;
    let farmers: TestWallet[];
    let agri: { id: string; staticQr: string; owner: TestWallet; settlementAccountId: string };
    let noodles: { id: string; staticQr: string };
    let agriElsewhere: { id: string; staticQr: string };
    let program: ProgramJson;

    beforeAll(async () => {
      db = await harness.open();
      await db.migrate(Date.now());
      testLedger = openTestLedger();
      const secrets = new GatewaySecrets(GatewaySecrets.generateMaster());
      payments = new PaymentService({
        db,
        ledger: testLedger.ledger,
        bank: new SimulatedCoreBanking({ openWith: { currency: 'CNY', amount: 100_000_000n } }),
        secrets,
      });
      const programs = new ProgramService({ db, ledger: testLedger.ledger, payments, secrets });
      app = createGatewayApp({ db, payments, programs });
      await app.ready();

      ops = await client.signUp();
      await db.setUserRole(ops.userId, 'ops');
      stranger = await client.signUp();
      farmers = [await client.signUp(), await client.signUp(), await client.signUp(), await client.signUp('browser')];
      const makeMerchant = async (owner: TestWallet, mcc: string, region: string) => {
        const response = await call('POST', '/v1/merchants', {
          token: owner.token,
          body: { name: `Shop ${mcc} ${region}`, mcc, city: 'Chengdu', region, bankAccount: '6222 0210 9999 0001' },
        });
        expect(response.statusCode, response.body).toBe(201);
        return response.json<{ id: string; staticQr: string; settlementAccountId: string }>();
      };
      const agriOwner = await client.signUp();
      agri = { ...(await makeMerchant(agriOwner, '5261', 'CN-SC')), owner: agriOwner };
      noodles = await makeMerchant(await client.signUp(), '5812', 'CN-SC');
      agriElsewhere = await makeMerchant(await client.signUp(), '5261', 'CN-GD');
    });

    afterAll(async () => {
      await app?.close();
      await payments?.drain();
      await db?.close();
      await testLedger?.close();
      await harness.cleanup();
    });

    const ledgerProgram = () => testLedger.ledger.node.primary.ledger.getProgram(program.id);

    async function programBalance(wallet: TestWallet): Promise<string | null> {
      const mine = (await call('GET', '/v1/me/programs', { token: wallet.token })).json<{
        items: { program: { id: string }; balance: { amount: string } }[];
      }>();
      return mine.items.find((item) => item.program.id === program.id)?.balance.amount ?? null;
    }

    function expectRefused(response: LightMyRequestResponse, status: number, code: string, reason?: string): void {
      expect(response.statusCode, response.body).toBe(status);
      const error = errorOf(response);
      expect(error.code).toBe(code);
      if (reason !== undefined) expect(error.details.reason ?? error.details.code).toBe(reason);
    }

    it('creates a program only for the ops role and with valid rules, then funds it within its budget', async () => {
      const body = {
        name: '2026 春耕补贴 Spring planting subsidy',
        purpose: 'Seeds and fertilizer for registered farmers',
        budget: { amount: '1000.00', currency: 'CNY' },
        auditor: 'regulator',
        rules: {
          mccs: ['5261'],
          regions: ['cn-sc'],
          perPaymentMax: '200.00',
          perBeneficiaryMax: '300.00',
          validUntilMs: Date.now() + HOUR_MS,
        },
      };
      expectRefused(await call('POST', '/v1/ops/programs', { token: stranger.token, body }), 403, 'forbidden');
      expectRefused(
        await call('POST', '/v1/ops/programs', { token: ops.token, body: { ...body, auditor: 'bank' } }),
        400,
        'bad_request',
      );
      expectRefused(
        await call('POST', '/v1/ops/programs', {
          token: ops.token,
          body: { ...body, rules: { ...body.rules, mccs: ['52x1'] } },
        }),
        400,
        'bad_request',
      );
      expectRefused(
        await call('POST', '/v1/ops/programs', {
          token: ops.token,
          body: { ...body, rules: { ...body.rules, validUntilMs: Date.now() - 1 } },
        }),
        400,
        'bad_request',
      );
      expect((await call('GET', '/v1/ops/programs', { token: ops.token })).json<{ items: unknown[] }>().items).toEqual(
        [],
      );

      const created = await call('POST', '/v1/ops/programs', { token: ops.token, body });
      expect(created.statusCode, created.body).toBe(201);
      program = created.json<ProgramJson>();
      expect(program).toMatchObject({ status: 'active', rules: { mccs: ['5261'], regions: ['CN-SC'] } });
      expect(ledgerProgram()).toMatchObject({ funder: 'bank', auditor: 'regulator', budget: 100_000n });

      const over = await call('POST', `/v1/ops/programs/${program.id}/funding`, {
        token: ops.token,
        body: { amount: '1000.01', currency: 'CNY', bankAccount: '6222 0000 1111 2222' },
      });
      expectRefused(over, 422, 'program_refused', 'budget_exceeded');
      expect(ledgerProgram()?.funded).toBe(0n);

      const funded = await call('POST', `/v1/ops/programs/${program.id}/funding`, {
        token: ops.token,
        body: { amount: '1000.00', currency: 'CNY', bankAccount: '6222 0000 1111 2222' },
      });
      expect(funded.statusCode, funded.body).toBe(200);
      const answer = funded.json<{ program: ProgramJson; txIds: string[] }>();
      expect(answer.txIds).toHaveLength(2);
      expect(answer.program.totals.funded?.amount).toBe('1000.00');
      expect(answer.program.totals.pool?.amount).toBe('1000.00');
    });

    it('disburses all or nothing: an unknown phone or an allocation above the maximum changes nothing', async () => {
      const [a, b, c, d] = farmers as [TestWallet, TestWallet, TestWallet, TestWallet];
      const url = `/v1/ops/programs/${program.id}/disbursements`;
      const unknown = await call('POST', url, {
        token: ops.token,
        body: {
          allocations: [
            { phone: a.phone, amount: '100.00' },
            { phone: '+8613999999999', amount: '1.00' },
          ],
        },
      });
      expectRefused(unknown, 400, 'beneficiary_unknown');
      expect(errorOf(unknown).details.index).toBe(1);
      const tooMuch = await call('POST', url, {
        token: ops.token,
        body: {
          allocations: [
            { phone: a.phone, amount: '100.00' },
            { phone: b.phone, amount: '300.01' },
          ],
        },
      });
      expectRefused(tooMuch, 422, 'program_refused', 'allocation_exceeded');
      expect(errorOf(tooMuch).details.index).toBe(1);
      expect(ledgerProgram()?.pool).toBe(100_000n);

      const json = await call('POST', url, {
        token: ops.token,
        body: {
          allocations: [
            { phone: a.phone, amount: '300.00' },
            { phone: b.phone, amount: '200.00' },
          ],
        },
      });
      expect(json.statusCode, json.body).toBe(200);
      expect(json.json()).toMatchObject({ count: 2, total: { amount: '500.00', currency: 'CNY' } });
      const csv = await call('POST', url, {
        token: ops.token,
        body: { csv: `beneficiary,amount\n${c.phone},150.00\n${d.accountId},150.00\n` },
      });
      expect(csv.statusCode, csv.body).toBe(200);
      const badCsv = await call('POST', url, { token: ops.token, body: { csv: `${c.phone};150.00\n` } });
      expectRefused(badCsv, 400, 'bad_request');
      expect(errorOf(badCsv).details.line).toBe(1);
      // A second disbursement to someone at the maximum is refused by the ledger: no double allocation.
      expectRefused(
        await call('POST', url, { token: ops.token, body: { allocations: [{ phone: a.phone, amount: '0.01' }] } }),
        422,
        'program_refused',
        'allocation_exceeded',
      );
      expect(ledgerProgram()).toMatchObject({ pool: 20_000n, disbursed: 80_000n });
    });

    it('shows a beneficiary the balance and rules, and which merchants take program money and why not', async () => {
      const [a] = farmers as [TestWallet];
      const mine = (await call('GET', '/v1/me/programs', { token: a.token })).json<{
        items: { program: ProgramJson; balance: { amount: string }; allocated: { amount: string } }[];
      }>();
      expect(mine.items).toHaveLength(1);
      expect(mine.items[0]).toMatchObject({
        balance: { amount: '300.00' },
        allocated: { amount: '300.00' },
        program: { id: program.id, rules: { mccs: ['5261'], perPaymentMax: { amount: '200.00' } } },
      });
      expect((await call('GET', '/v1/me/programs', { token: stranger.token })).json()).toEqual({ items: [] });

      const options = async (qr: string) =>
        (await call('POST', '/v1/qr/resolve', { token: a.token, body: { payload: qr } })).json<{
          programs: { id: string; eligible: boolean; reason: string | null; balance: { amount: string } }[];
        }>().programs;
      expect(await options(noodles.staticQr)).toEqual([
        expect.objectContaining({ id: program.id, eligible: false, reason: 'merchant_not_eligible_mcc' }),
      ]);
      expect(await options(agriElsewhere.staticQr)).toEqual([
        expect.objectContaining({ eligible: false, reason: 'merchant_not_eligible_region' }),
      ]);
      expect(await options(agri.staticQr)).toEqual([
        expect.objectContaining({ eligible: true, reason: null, balance: { amount: '300.00', currency: 'CNY' } }),
      ]);
    });

    it('refuses an ineligible program payment before signing, and pays an eligible one from program money', async () => {
      const [a] = farmers as [TestWallet];
      const pay = (qr: string, amount: string) =>
        call('POST', '/v1/qr/pay', {
          token: a.token,
          body: { payload: qr, amount, currency: 'CNY', programId: program.id },
        });
      const historyBefore = (await call('GET', '/v1/wallet/payments', { token: a.token })).body;
      expectRefused(await pay(noodles.staticQr, '10.00'), 422, 'program_ineligible', 'merchant_not_eligible_mcc');
      expectRefused(
        await pay(agriElsewhere.staticQr, '10.00'),
        422,
        'program_ineligible',
        'merchant_not_eligible_region',
      );
      expectRefused(await pay(agri.staticQr, '200.01'), 422, 'program_ineligible', 'amount_above_cap');
      expect((await call('GET', '/v1/wallet/payments', { token: a.token })).body).toBe(historyBefore);
      expect(await programBalance(a)).toBe('300.00');

      const paid = await pay(agri.staticQr, '120.50');
      expect(paid.statusCode, paid.body).toBe(201);
      const payment = paid.json<PaymentJson>();
      expect(payment).toMatchObject({ kind: 'qr', status: 'final', programId: program.id });
      const receipt = parseReceipt(payment.receipt);
      if (!receipt.ok) throw new Error(receipt.error);
      expect(
        verifyReceipt(
          suite,
          testLedger.ledger.genesis.chainId,
          testLedger.ledger.node.primary.validatorSet(receipt.value.header.height),
          receipt.value,
        ).ok,
      ).toBe(true);
      expect(await programBalance(a)).toBe('179.50');
      // Program money never touched the ordinary balance, and cannot be refunded into it.
      expect(
        (await call('GET', '/v1/wallet', { token: a.token })).json<{ balance: { amount: string } }>().balance.amount,
      ).toBe('0.00');
      const refund = await call('POST', `/v1/payments/${payment.txId}/refunds`, {
        token: agri.owner.token,
        body: { amount: '10.00', currency: 'CNY' },
      });
      expectRefused(refund, 422, 'payment_not_refundable');
      expectRefused(await pay(agri.staticQr, '179.51'), 422, 'program_ineligible', 'insufficient_program_funds');
    });

    it('lets a browser-held key sign a program payment after the same checks', async () => {
      const d = farmers[3] as TestWallet;
      const started = await call('POST', '/v1/qr/pay', {
        token: d.token,
        body: { payload: agri.staticQr, amount: '50.00', currency: 'CNY', programId: program.id },
      });
      expect(started.statusCode, started.body).toBe(202);
      const pending = started.json<PaymentJson>();
      expect(pending).toMatchObject({ status: 'awaiting_signature', programId: program.id });
      const signing = pending.signing;
      if (signing === undefined || d.privateKey === null) throw new Error('a signing request and a browser key');
      const signature = bytesToHex(suite.sign(d.privateKey, hexToBytes(signing.signingBytes)));
      const done = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: d.token,
        body: { intent: signing.intent, signature },
      });
      expect(done.statusCode, done.body).toBe(201);
      expect(done.json<PaymentJson>()).toMatchObject({ status: 'final', programId: program.id });
      expect(await programBalance(d)).toBe('100.00');
    });

    it('lets the merchant see and redeem its receivable into an ordinary deposit', async () => {
      const list = await call('GET', `/v1/merchants/${agri.id}/programs`, { token: agri.owner.token });
      expect(list.json()).toEqual({
        items: [
          {
            programId: program.id,
            name: program.name,
            receivable: { amount: '170.50', currency: 'CNY' },
            received: { amount: '170.50', currency: 'CNY' },
            redeemed: { amount: '0.00', currency: 'CNY' },
          },
        ],
      });
      expectRefused(
        await call('GET', `/v1/merchants/${agri.id}/programs`, { token: stranger.token }),
        404,
        'merchant_not_found',
      );
      const url = `/v1/merchants/${agri.id}/programs/${program.id}/redemptions`;
      expectRefused(
        await call('POST', url, { token: agri.owner.token, body: { amount: '170.51', currency: 'CNY' } }),
        422,
        'program_refused',
        'insufficient_program_funds',
      );
      const part = await call('POST', url, { token: agri.owner.token, body: { amount: '70.50', currency: 'CNY' } });
      expect(part.statusCode, part.body).toBe(200);
      const all = await call('POST', url, { token: agri.owner.token, body: {} });
      expect(all.statusCode, all.body).toBe(200);
      expect(all.json()).toMatchObject({ amount: { amount: '100.00', currency: 'CNY' } });
      expect(testLedger.ledger.balance(agri.settlementAccountId, 'CNY', Date.now()).posted).toBe(17_050n);
      expect(ledgerProgram()).toMatchObject({ spent: 17_050n, redeemed: 17_050n });
    });

    it('suspends and resumes: a suspended program pays nothing', async () => {
      const [, b] = farmers as [TestWallet, TestWallet];
      const suspended = await call('POST', `/v1/ops/programs/${program.id}/suspend`, {
        token: ops.token,
        body: { reason: 'audit of the beneficiary list' },
      });
      expect(suspended.statusCode, suspended.body).toBe(200);
      expect(suspended.json<ProgramJson>().status).toBe('suspended');
      expectRefused(
        await call('POST', `/v1/ops/programs/${program.id}/suspend`, { token: ops.token, body: { reason: 'again' } }),
        422,
        'program_refused',
        'program_state_unchanged',
      );
      const pay = () =>
        call('POST', '/v1/qr/pay', {
          token: b.token,
          body: { payload: agri.staticQr, amount: '20.00', currency: 'CNY', programId: program.id },
        });
      expectRefused(await pay(), 422, 'program_ineligible', 'program_suspended');
      const resumed = await call('POST', `/v1/ops/programs/${program.id}/resume`, {
        token: ops.token,
        body: { reason: 'list checked' },
      });
      expect(resumed.json<ProgramJson>().status).toBe('active');
      expect((await pay()).statusCode).toBe(201);
      expect(await programBalance(b)).toBe('180.00');
    });

    it("claws back only with the auditor's own signature", async () => {
      const c = farmers[2] as TestWallet;
      const proposed = await call('POST', `/v1/ops/programs/${program.id}/clawbacks`, {
        token: ops.token,
        body: { beneficiary: c.phone, amount: '150.00', reason: 'not a registered farmer' },
      });
      expect(proposed.statusCode, proposed.body).toBe(201);
      const proposal = proposed.json<{
        proposal: string;
        signingBytes: string;
        cosigners: { org: string; publicKeys: string[] }[];
      }>();
      expect(proposal.cosigners.map((s) => s.org)).toEqual(['regulator']);
      const keys = openDataDir(testLedger.dir).keys;
      const sign = (org: string) => {
        const pair = keys.get(org);
        if (pair === undefined) throw new Error(`test setup: ${org} keys`);
        return {
          publicKey: bytesToHex(pair.adminPublicKey),
          signature: bytesToHex(suite.sign(pair.adminPrivateKey, hexToBytes(proposal.signingBytes))),
        };
      };
      const submit = (signatures: object[], proposalText = proposal.proposal) =>
        call('POST', `/v1/ops/programs/${program.id}/clawbacks/submit`, {
          token: ops.token,
          body: { proposal: proposalText, signatures },
        });
      expectRefused(await submit([sign('network')]), 400, 'cosignature_invalid');
      const regulator = sign('regulator');
      expectRefused(
        await submit([{ ...regulator, signature: bytesToHex(new Uint8Array(64)) }]),
        400,
        'cosignature_invalid',
      );
      const tampered = `${proposal.proposal.slice(0, -3)}AAA`;
      expectRefused(await submit([regulator], tampered), 400, 'intent_invalid');
      expect(await programBalance(c)).toBe('150.00');
      const done = await submit([regulator]);
      expect(done.statusCode, done.body).toBe(200);
      expect(await programBalance(c)).toBe('0.00');
      expect(ledgerProgram()?.clawedBack).toBe(15_000n);
    });

    it('traces every unit from the funder to the deposits, with statements and a public report', async () => {
      const trace = await call('GET', `/v1/ops/programs/${program.id}/trace`, { token: ops.token });
      expect(trace.statusCode, trace.body).toBe(200);
      const body = trace.json<{
        nodes: { id: string; label: string }[];
        edges: { kind: string; source: string; target: string; amount: { amount: string }; count: number }[];
        totals: Record<string, { amount: string }>;
      }>();
      const edge = (kind: string) => body.edges.filter((e) => e.kind === kind);
      expect(edge('fund').map((e) => e.amount.amount)).toEqual(['1000.00']);
      expect(edge('disburse')).toEqual([
        expect.objectContaining({ amount: { amount: '800.00', currency: 'CNY' }, count: 4 }),
      ]);
      expect(edge('spend').map((e) => [e.target, e.amount.amount])).toEqual([
        [`merchant:${agri.settlementAccountId}`, '190.50'],
      ]);
      expect(edge('clawback').map((e) => [e.target, e.amount.amount])).toEqual([['returned:bank', '150.00']]);
      expect(body.nodes.find((n) => n.id === `merchant:${agri.settlementAccountId}`)?.label).toBe('Shop 5261 CN-SC');
      // Sankey needs no cycle: nothing flows back into the funder's node.
      expect(body.edges.some((e) => e.target.startsWith('funder:'))).toBe(false);
      expect(body.totals).toMatchObject({
        funded: { amount: '1000.00' },
        pool: { amount: '200.00' },
        spent: { amount: '190.50' },
        redeemed: { amount: '170.50' },
        clawedBack: { amount: '150.00' },
        heldByBeneficiaries: { amount: '459.50' },
      });
      expectRefused(
        await call('GET', `/v1/ops/programs/${program.id}/trace`, { token: stranger.token }),
        403,
        'forbidden',
      );

      const [a] = farmers as [TestWallet];
      const statement = (await call('GET', `/v1/me/programs/${program.id}/statement`, { token: a.token })).json<{
        balance: { amount: string };
        rows: { kind: string; amount: { amount: string }; counterparty: string | null }[];
      }>();
      expect(statement.balance.amount).toBe('179.50');
      expect(statement.rows.map((r) => [r.kind, r.amount.amount, r.counterparty])).toEqual([
        ['disburse', '300.00', 'bank'],
        ['spend', '-120.50', 'Shop 5261 CN-SC'],
      ]);
      const byOps = await call(
        'GET',
        `/v1/ops/programs/${program.id}/statement?beneficiary=${encodeURIComponent(a.phone)}`,
        {
          token: ops.token,
        },
      );
      expect(byOps.json()).toMatchObject({ phone: a.phone, balance: { amount: '179.50' } });

      const report = await call('GET', `/v1/programs/${program.id}/report`);
      expect(report.statusCode).toBe(200);
      expect(report.json()).toMatchObject({ beneficiaries: 4, merchants: 1, name: program.name });
      const csv = await call('GET', `/v1/programs/${program.id}/report.csv`);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body).toContain('region,CN-SC,1,');
      for (const farmer of farmers) {
        expect(report.body).not.toContain(farmer.phone);
        expect(report.body).not.toContain(farmer.accountId);
        expect(csv.body).not.toContain(farmer.accountId);
      }
      const list = (await call('GET', '/v1/programs')).json<{ items: { id: string; name: string }[] }>();
      expect(list.items.map((p) => p.id)).toEqual([program.id]);
      expectRefused(await call('GET', `/v1/programs/${'0'.repeat(32)}/report`), 404, 'program_not_found');
    });

    it('releases what a beneficiary holds into their ordinary balance at the end of a program that says so', async () => {
      const e = farmers[1] as TestWallet;
      const validUntilMs = Date.now() + 1_500;
      const created = await call('POST', '/v1/ops/programs', {
        token: ops.token,
        body: {
          name: 'Heating allowance',
          budget: { amount: '100.00', currency: 'CNY' },
          auditor: 'regulator',
          rules: { perBeneficiaryMax: '60.00', validUntilMs, atExpiry: 'release' },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const heating = created.json<ProgramJson & { rules: { atExpiry: string } }>();
      expect(heating.rules.atExpiry).toBe('release');
      const funded = await call('POST', `/v1/ops/programs/${heating.id}/funding`, {
        token: ops.token,
        body: { amount: '100.00', currency: 'CNY', bankAccount: '6222 0000 1111 3333' },
      });
      expect(funded.statusCode, funded.body).toBe(200);
      const disbursed = await call('POST', `/v1/ops/programs/${heating.id}/disbursements`, {
        token: ops.token,
        body: { allocations: [{ phone: e.phone, amount: '60.00' }] },
      });
      expect(disbursed.statusCode, disbursed.body).toBe(200);
      const ordinary = async () =>
        (await call('GET', '/v1/wallet', { token: e.token })).json<{ balance: { amount: string } }>().balance.amount;
      const before = await ordinary();
      // The sweep runs at the first block at or after the end: wait for the end, then make a block.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, validUntilMs - Date.now()) + 50));
      const topUp = await call('POST', '/v1/wallet/top-ups', {
        token: stranger.token,
        body: { amount: '1.00', currency: 'CNY' },
      });
      expect(topUp.statusCode, topUp.body).toBe(201);
      expect(Number(await ordinary()) - Number(before)).toBeCloseTo(60, 2);
      const program = (await call('GET', `/v1/ops/programs/${heating.id}`, { token: ops.token })).json<ProgramJson>();
      expect(program.status).toBe('expired');
      expect(program.totals).toMatchObject({
        released: { amount: '60.00' },
        returned: { amount: '40.00' },
        heldByBeneficiaries: { amount: '0.00' },
      });
      const trace = (await call('GET', `/v1/ops/programs/${heating.id}/trace`, { token: ops.token })).json<{
        edges: { kind: string; source: string; target: string; amount: { amount: string } }[];
      }>();
      expect(
        trace.edges
          .filter((edge) => edge.kind.startsWith('expiry'))
          .map((edge) => [edge.kind, edge.target, edge.amount.amount]),
      ).toEqual([
        ['expiry_release', 'released', '60.00'],
        ['expiry_return', 'returned:bank', '40.00'],
      ]);
      const statement = (await call('GET', `/v1/me/programs/${heating.id}/statement`, { token: e.token })).json<{
        rows: { kind: string; amount: { amount: string } }[];
      }>();
      expect(statement.rows.map((row) => [row.kind, row.amount.amount])).toEqual([
        ['disburse', '60.00'],
        ['expiry_release', '-60.00'],
      ]);
    });
  });
});
