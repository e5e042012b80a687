/**
 * What the warehouse loader learns from the gateway's database about the chain's pseudonymous ids: which accounts are
 * merchants' settlement accounts (merchant id, MCC, region) or customers' wallets, and, for each transaction the
 * gateway submitted, how it was paid (the channel) and what risk control decided. The chain itself holds none of this
 * (no personal data on chain); ids the gateway does not know are left as the chain has them.
 */
import type { AccountDirectory, AccountInfo, PaymentDirectory, PaymentInfo } from '@paychain/analytics';
import type { Channel } from '@paychain/risk';
import { type GatewayDb, LOOKUP_IDS_MAX, type PaymentKind } from '../db/gateway-db.ts';

/** How each kind of gateway payment appears in the import format's channels. */
export const CHANNEL_OF_KIND: Readonly<Record<PaymentKind, Channel>> = {
  p2p: 'transfer',
  qr: 'qr',
  paycode: 'pay_code',
  authorize: 'pay_code',
  capture: 'pay_code',
  void: 'pay_code',
  refund: 'transfer',
  topup: 'topup',
  withdraw: 'withdrawal',
  payout: 'payout',
};

/** Looks ids up in batches of at most LOOKUP_IDS_MAX. */
async function inBatches<T>(ids: readonly string[], lookup: (batch: readonly string[]) => Promise<T[]>): Promise<T[]> {
  const found: T[] = [];
  const unique = [...new Set(ids)].filter((id) => /^[0-9a-f]{32}$/.test(id));
  for (let i = 0; i < unique.length; i += LOOKUP_IDS_MAX) {
    found.push(...(await lookup(unique.slice(i, i + LOOKUP_IDS_MAX))));
  }
  return found;
}

export class GatewayAccountDirectory implements AccountDirectory {
  private readonly db: GatewayDb;

  constructor(db: GatewayDb) {
    this.db = db;
  }

  async lookupAccounts(accountIds: readonly string[]): Promise<ReadonlyMap<string, AccountInfo>> {
    const found = new Map<string, AccountInfo>();
    for (const m of await inBatches(accountIds, (batch) => this.db.getMerchantsBySettlementAccounts(batch))) {
      found.set(m.settlementAccountId, { kind: 'merchant', merchantId: m.id, mcc: m.mcc, region: m.region });
    }
    for (const u of await inBatches(accountIds, (batch) => this.db.getUsersByLedgerAccounts(batch))) {
      found.set(u.ledgerAccountId, { kind: 'personal', merchantId: null, mcc: null, region: null });
    }
    return found;
  }
}

export class GatewayPaymentDirectory implements PaymentDirectory {
  private readonly db: GatewayDb;

  constructor(db: GatewayDb) {
    this.db = db;
  }

  async lookupPayments(txIds: readonly string[]): Promise<ReadonlyMap<string, PaymentInfo>> {
    const found = new Map<string, PaymentInfo>();
    for (const p of await inBatches(txIds, (batch) => this.db.getPayments(batch))) {
      found.set(p.txId, {
        channel: CHANNEL_OF_KIND[p.kind],
        riskDecision: p.risk?.decision ?? null,
        riskScore: p.risk === null ? null : p.risk.scorePpm / 1_000_000,
      });
    }
    return found;
  }
}
