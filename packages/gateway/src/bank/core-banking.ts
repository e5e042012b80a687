/**
 * The bank's core system as the gateway sees it: money comes into a wallet from the customer's
 * linked bank account (the bank debits it, then the issuer mints on the ledger) and goes back
 * out (the issuer burns, then the bank credits it). Real banks put ISO 20022 or a proprietary
 * host link behind this interface; `SimulatedCoreBanking` stands in for one in the demo and the
 * tests, with the behaviour that matters to the gateway: every call is idempotent per
 * reference, refusals are typed, and a debit whose mint failed can be reversed exactly once.
 */

export type CoreBankingRefusal =
  | 'account_unknown'
  | 'account_blocked'
  | 'insufficient_funds'
  | 'amount_invalid'
  | 'reference_reused'
  | 'reference_unknown'
  | 'already_reversed';

export type CoreBankingResult =
  | { readonly ok: true; readonly bankTxId: string }
  | { readonly ok: false; readonly code: CoreBankingRefusal; readonly message: string };

export interface CoreBankingTransfer {
  /** The gateway's id for this movement (one per top-up or withdrawal): the idempotency key. */
  readonly reference: string;
  readonly bankAccount: string;
  /** Minor units of `currency`, > 0. */
  readonly amount: bigint;
  readonly currency: string;
}

export interface CoreBankingSystem {
  /** Takes money from the customer's bank account for a top-up. */
  debit(transfer: CoreBankingTransfer): Promise<CoreBankingResult>;
  /** Pays a withdrawal into the customer's bank account. */
  credit(transfer: CoreBankingTransfer): Promise<CoreBankingResult>;
  /** Gives back a debit whose mint never happened (compensation). */
  reverse(reference: string): Promise<CoreBankingResult>;
}

/** A movement amount the simulator accepts: the ledger's own maximum, 2^63 − 1. */
const AMOUNT_MAX = (1n << 63n) - 1n;

interface Movement {
  readonly kind: 'debit' | 'credit';
  readonly transfer: CoreBankingTransfer;
  readonly bankTxId: string;
  reversed: boolean;
}

/** A balance of one currency under an account number (a multi-currency account holds several). */
interface SimulatedAccount {
  balance: bigint;
  blocked: boolean;
}

/** What an account the simulator has not seen opens with, in one currency. */
export interface SimulatedOpening {
  readonly currency: string;
  readonly amount: bigint;
}

export class SimulatedCoreBanking implements CoreBankingSystem {
  /** By account number, then currency. */
  private readonly accounts = new Map<string, Map<string, SimulatedAccount>>();
  private readonly movements = new Map<string, Movement>();
  private sequence = 0;
  private readonly openWith: readonly SimulatedOpening[];

  /**
   * `openWith`: an account the bank has not seen is opened on first use with this balance, or with one balance per
   * currency listed (the demo's customers each have a funded yuan and Hong Kong dollar account); a currency not
   * listed, or any account without `openWith`, is refused.
   */
  constructor(options: { readonly openWith?: SimulatedOpening | readonly SimulatedOpening[] } = {}) {
    const openWith = options.openWith;
    this.openWith = openWith === undefined ? [] : 'currency' in openWith ? [openWith] : openWith;
  }

  /** Opens (or tops up) a simulated bank account's balance in one currency. */
  fund(bankAccount: string, currency: string, amount: bigint): void {
    let byCurrency = this.accounts.get(bankAccount);
    if (byCurrency === undefined) {
      byCurrency = new Map();
      this.accounts.set(bankAccount, byCurrency);
    }
    const account = byCurrency.get(currency) ?? { balance: 0n, blocked: false };
    account.balance += amount;
    byCurrency.set(currency, account);
  }

  /** Blocks every currency of the account. */
  block(bankAccount: string): void {
    for (const account of this.accounts.get(bankAccount)?.values() ?? []) account.blocked = true;
  }

  /** The balance in `currency`, by default the account's first. */
  balance(bankAccount: string, currency?: string): bigint | undefined {
    const byCurrency = this.accounts.get(bankAccount);
    if (byCurrency === undefined) return undefined;
    return (currency === undefined ? byCurrency.values().next().value : byCurrency.get(currency))?.balance;
  }

  async debit(transfer: CoreBankingTransfer): Promise<CoreBankingResult> {
    return this.move('debit', transfer);
  }

  async credit(transfer: CoreBankingTransfer): Promise<CoreBankingResult> {
    return this.move('credit', transfer);
  }

  async reverse(reference: string): Promise<CoreBankingResult> {
    const movement = this.movements.get(reference);
    if (movement === undefined || movement.kind !== 'debit') {
      return refuse('reference_unknown', `no debit with reference ${reference}`);
    }
    if (movement.reversed) return refuse('already_reversed', `debit ${reference} was reversed already`);
    const account = this.accounts.get(movement.transfer.bankAccount)?.get(movement.transfer.currency);
    if (account === undefined) return refuse('account_unknown', 'the debited account is gone');
    account.balance += movement.transfer.amount;
    movement.reversed = true;
    return { ok: true, bankTxId: `${movement.bankTxId}-R` };
  }

  private move(kind: Movement['kind'], transfer: CoreBankingTransfer): CoreBankingResult {
    const earlier = this.movements.get(transfer.reference);
    if (earlier !== undefined) {
      const same =
        earlier.kind === kind &&
        earlier.transfer.bankAccount === transfer.bankAccount &&
        earlier.transfer.amount === transfer.amount &&
        earlier.transfer.currency === transfer.currency;
      // The same request again gets the first answer; another request under the reference is refused.
      return same
        ? { ok: true, bankTxId: earlier.bankTxId }
        : refuse('reference_reused', `reference ${transfer.reference} was used for another movement`);
    }
    if (transfer.amount <= 0n || transfer.amount > AMOUNT_MAX) return refuse('amount_invalid', 'amount out of range');
    const opening = this.openWith.find((o) => o.currency === transfer.currency);
    if (opening !== undefined && this.accounts.get(transfer.bankAccount)?.has(transfer.currency) !== true) {
      this.fund(transfer.bankAccount, opening.currency, opening.amount);
    }
    const account = this.accounts.get(transfer.bankAccount)?.get(transfer.currency);
    if (account === undefined) {
      return refuse('account_unknown', `no ${transfer.currency} account ${transfer.bankAccount}`);
    }
    if (account.blocked) return refuse('account_blocked', `account ${transfer.bankAccount} is blocked`);
    if (kind === 'debit' && account.balance < transfer.amount) {
      return refuse('insufficient_funds', `account ${transfer.bankAccount} cannot cover the top-up`);
    }
    account.balance += kind === 'debit' ? -transfer.amount : transfer.amount;
    const bankTxId = `SIM${String(++this.sequence).padStart(10, '0')}`;
    this.movements.set(transfer.reference, { kind, transfer, bankTxId, reversed: false });
    return { ok: true, bankTxId };
  }
}

function refuse(code: CoreBankingRefusal, message: string): CoreBankingResult {
  return { ok: false, code, message };
}
