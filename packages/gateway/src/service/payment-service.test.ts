// Goal: risk control sees every scored payment before it is signed, with where the request came from; a block refuses
// it with the reasons, a step-up refuses it until the payer brings a fresh one-time step-up token, a review lets it
// through flagged; each decision is kept (with the payment, or as a refusal) and a refusal moves nothing. Method: the
// service over a real embedded consortium and a SQLite gateway database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb, User } from '../db/gateway-db.ts';
import { openGatewayDb } from '../db/open-db.ts';
import { GatewayApiError } from '../http/api-errors.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { PaymentService } from './payment-service.ts';
import type { RiskCheck, RiskVerdict } from './risk-control.ts';

/** Decides by amount (in fen): > 100.00 block, > 50.00 step-up, > 20.00 review, else allow. */
function byAmount(check: RiskCheck): RiskVerdict {
  const verdict = (decision: RiskVerdict['decision'], reasons: string[]): RiskVerdict => ({
    decision,
    reasons,
    scorePpm: Number(check.amount) * 10,
    ruleSetVersion: 7,
  });
  if (check.amount > 10_000n) return verdict('block', ['amount above ¥100.00 for a new payee']);
  if (check.amount > 5_000n) return verdict('step_up', ['a new device and an unusual amount']);
  if (check.amount > 2_000n) return verdict('review', ['amount far above this account’s usual']);
  return verdict('allow', []);
}

describe('PaymentService risk control', () => {
  let dir: string;
  let db: GatewayDb;
  let testLedger: TestLedger;
  let payments: PaymentService;
  const seen: RiskCheck[] = [];
  const committed: string[] = [];
  let alice: User;
  let bob: User;
  const context = { deviceId: 'ab'.repeat(16), ipRegion: 'CN-SH', lat: 31.2, lon: 121.5, stepUpToken: null };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-gw-risk-'));
    db = await openGatewayDb(`sqlite:${join(dir, 'gateway.sqlite')}`);
    await db.migrate(Date.now());
    testLedger = openTestLedger();
    payments = new PaymentService({
      db,
      ledger: testLedger.ledger,
      bank: new SimulatedCoreBanking({ openWith: { currency: 'CNY', amount: 1_000_000n } }),
      secrets: new GatewaySecrets(GatewaySecrets.generateMaster()),
      risk: {
        assess: (check) => {
          seen.push(check);
          return byAmount(check);
        },
        commit: (check) => committed.push(check.txId),
      },
    });
    alice = await payments.openWallet({ phone: '+8613700000001', passwordHash: 'scrypt$x', keyMode: 'custodial' });
    bob = await payments.openWallet({ phone: '+8613700000002', passwordHash: 'scrypt$x', keyMode: 'custodial' });
    await payments.topUp(alice, { amount: '500.00', currency: 'CNY' });
  });

  afterAll(async () => {
    await payments.drain();
    await db.close();
    await testLedger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const posted = (user: User): bigint => testLedger.ledger.balance(user.ledgerAccountId, 'CNY', Date.now()).posted;

  it('does not score a top-up, and scores a transfer with where it came from; allow keeps the decision', async () => {
    expect(seen).toHaveLength(0);
    const small = await payments.transfer(alice, bob.phone, { amount: '9.00', currency: 'CNY' }, '', context);
    expect(small.payment.status).toBe('final');
    const check = seen.at(-1);
    expect(check).toMatchObject({
      kind: 'p2p',
      amount: 900n,
      payerUserId: alice.id,
      payerAccountId: alice.ledgerAccountId,
      payeeAccountId: bob.ledgerAccountId,
      merchantId: null,
      context: { deviceId: context.deviceId, ipRegion: 'CN-SH', lat: 31.2, lon: 121.5 },
    });
    expect(check?.txId).toBe(small.payment.txId);
    expect(committed).toContain(small.payment.txId);
    expect((await db.getPayment(small.payment.txId))?.risk).toEqual({
      decision: 'allow',
      scorePpm: 9_000,
      reasons: [],
      ruleSetVersion: 7,
    });
  });

  it('a review lets the payment through, flagged in the review queue', async () => {
    const flagged = await payments.transfer(alice, bob.phone, { amount: '30.00', currency: 'CNY' }, '', context);
    expect(flagged.payment.status).toBe('final');
    expect((await db.getPayment(flagged.payment.txId))?.risk?.decision).toBe('review');
    const queue = await db.listReviewPayments(10, null);
    expect(queue.items.map((p) => p.txId)).toEqual([flagged.payment.txId]);
  });

  it('a block refuses with the reasons, records the refusal, and moves nothing', async () => {
    const before = posted(alice);
    const refused = payments.transfer(alice, bob.phone, { amount: '100.01', currency: 'CNY' }, '', context);
    await expect(refused).rejects.toBeInstanceOf(GatewayApiError);
    await expect(refused).rejects.toMatchObject({
      code: 'risk_refused',
      details: { reasons: ['amount above ¥100.00 for a new payee'] },
    });
    expect(posted(alice)).toBe(before);
    expect(committed).not.toContain(seen.at(-1)?.txId);
    const [refusal] = await db.listRiskRefusals(10, null);
    expect(refusal).toMatchObject({ decision: 'block', userId: alice.id, amount: 10_001n, kind: 'p2p' });
  });

  it('a step-up refuses until a fresh token comes, which is good once', async () => {
    const before = posted(alice);
    const ask = (stepUpToken: string | null) =>
      payments.transfer(alice, bob.phone, { amount: '60.00', currency: 'CNY' }, '', { ...context, stepUpToken });
    await expect(ask(null)).rejects.toMatchObject({
      code: 'step_up_required',
      details: { methods: ['password', 'passkey'] },
    });
    await expect(ask('not-a-token')).rejects.toMatchObject({ code: 'step_up_required' });
    // Another user's token is no proof for alice.
    const bobs = payments.stepUps.issue(bob.id, Date.now());
    await expect(ask(bobs.token)).rejects.toMatchObject({ code: 'step_up_required' });
    expect(posted(alice)).toBe(before);

    const { token } = payments.stepUps.issue(alice.id, Date.now());
    const passed = await ask(token);
    expect(passed.payment.status).toBe('final');
    expect((await db.getPayment(passed.payment.txId))?.risk?.decision).toBe('step_up');
    expect(posted(alice)).toBe(before - 6_000n);
    await expect(ask(token)).rejects.toMatchObject({ code: 'step_up_required' });
    const counts = await db.countRiskDecisions(0, Date.now() + 1);
    expect(counts).toEqual({ allow: 1, review: 1, step_up: 1 + 4, block: 1 });
  });
});
