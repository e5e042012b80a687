// Goal: the risk hook sees every payment before it is signed and its "block" refuses the payment with the reasons,
// recording and moving nothing. Method: the service over a real embedded consortium and a SQLite gateway database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb } from '../db/gateway-db.ts';
import { openGatewayDb } from '../db/open-db.ts';
import { GatewayApiError } from '../http/api-errors.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { PaymentService, type RiskCheck } from './payment-service.ts';

describe('PaymentService risk hook', () => {
  let dir: string;
  let db: GatewayDb;
  let testLedger: TestLedger;
  let payments: PaymentService;
  const seen: RiskCheck[] = [];

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
      risk: (check) => {
        seen.push(check);
        return check.amount > 10_000n
          ? { decision: 'block', reasons: ['amount above ¥100.00 for a new payee'] }
          : { decision: 'allow', reasons: [] };
      },
    });
  });

  afterAll(async () => {
    await payments.drain();
    await db.close();
    await testLedger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows what it allows, and a block refuses with the reasons and changes nothing', async () => {
    const alice = await payments.openWallet({
      phone: '+8613700000001',
      passwordHash: 'scrypt$x',
      keyMode: 'custodial',
    });
    const bob = await payments.openWallet({ phone: '+8613700000002', passwordHash: 'scrypt$x', keyMode: 'custodial' });
    await payments.topUp(alice, { amount: '500.00', currency: 'CNY' });
    const small = await payments.transfer(alice, bob.phone, { amount: '99.00', currency: 'CNY' }, '');
    expect(small.payment.status).toBe('final');
    const refused = payments.transfer(alice, bob.phone, { amount: '100.01', currency: 'CNY' }, '');
    await expect(refused).rejects.toBeInstanceOf(GatewayApiError);
    await expect(refused).rejects.toMatchObject({
      code: 'risk_refused',
      details: { reasons: ['amount above ¥100.00 for a new payee'] },
    });
    expect(seen.map((c) => [c.kind, c.amount, c.payerUserId])).toEqual([
      ['p2p', 9_900n, alice.id],
      ['p2p', 10_001n, alice.id],
    ]);
    expect(testLedger.ledger.balance(alice.ledgerAccountId, 'CNY', Date.now()).posted).toBe(40_100n);
    const history = await db.listUserPayments(
      { userId: alice.id, accountId: alice.ledgerAccountId, search: null },
      10,
      null,
    );
    expect(history.items).toHaveLength(2);
  });
});
