/**
 * What the chain does not say about a payment, supplied by whoever knows it. The ledger holds
 * pseudonymous account ids and each account's issuer only; the gateway's database knows which
 * account is a merchant's (its id, MCC and region), where a customer lives, and for each of its
 * payments the channel and the risk decision. Both lookups take a batch of ids (one query per
 * load batch) and answer only what they know: a missing id is simply not enriched.
 */
import type { Channel } from '@paychain/risk';
import type { RiskDecision } from './warehouse.ts';

export const ACCOUNT_KINDS = ['personal', 'merchant', 'internal'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export interface AccountInfo {
  readonly kind: AccountKind;
  /** Set for a merchant's account. */
  readonly merchantId: string | null;
  readonly mcc: string | null;
  /** The merchant's region, or where a customer is registered. */
  readonly region: string | null;
}

export interface AccountDirectory {
  lookupAccounts(accountIds: readonly string[]): Promise<ReadonlyMap<string, AccountInfo>>;
}

export interface PaymentInfo {
  /** How the payment was made, when the gateway recorded it (QR, pay code, online…). */
  readonly channel: Channel | null;
  readonly riskDecision: RiskDecision | null;
  readonly riskScore: number | null;
}

export interface PaymentDirectory {
  /** By transaction id; the operations of a batch share their transaction's entry. */
  lookupPayments(txIds: readonly string[]): Promise<ReadonlyMap<string, PaymentInfo>>;
}

/** A directory held in memory (tests, tools, a snapshot exported from the gateway). */
export class StaticAccountDirectory implements AccountDirectory {
  private readonly accounts: ReadonlyMap<string, AccountInfo>;

  constructor(accounts: ReadonlyMap<string, AccountInfo>) {
    this.accounts = accounts;
  }

  lookupAccounts(accountIds: readonly string[]): Promise<ReadonlyMap<string, AccountInfo>> {
    const found = new Map<string, AccountInfo>();
    for (const id of accountIds) {
      const info = this.accounts.get(id);
      if (info !== undefined) found.set(id, info);
    }
    return Promise.resolve(found);
  }
}

export class StaticPaymentDirectory implements PaymentDirectory {
  private readonly payments: ReadonlyMap<string, PaymentInfo>;

  constructor(payments: ReadonlyMap<string, PaymentInfo>) {
    this.payments = payments;
  }

  lookupPayments(txIds: readonly string[]): Promise<ReadonlyMap<string, PaymentInfo>> {
    const found = new Map<string, PaymentInfo>();
    for (const id of txIds) {
      const info = this.payments.get(id);
      if (info !== undefined) found.set(id, info);
    }
    return Promise.resolve(found);
  }
}
