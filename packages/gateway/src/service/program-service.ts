/**
 * Purpose-bound programs as this gateway runs them for its organization, the funder on chain: creating a program
 * (its funding account and `program.create`), paying money in and funding the pool, disbursing to beneficiaries by
 * phone number or account id, suspending and resuming, and clawbacks co-signed by the program's auditor, whose key
 * the gateway never holds. For beneficiaries and merchants: their program balances and receivables, the rules that
 * apply at a merchant (before anything is signed), and redemption of a merchant's receivable. The trace, statements
 * and the public report come from the chain alone (`@paychain/node` program-trace.ts).
 *
 * The ledger decides every rule; this service checks the same rules first where a person waits for an answer, and
 * answers a ledger refusal with the ledger's code. The gateway keeps only what the ledger does not: a program's name
 * and purpose (the `programs` table).
 *
 * A clawback goes through two parties: the funder's operator proposes it (the gateway builds the transaction with
 * the longest lifetime the ledger allows, 24 h, signs it with the funder's key and MACs the whole proposal), the
 * auditor signs the transaction's signing bytes with its own key (`paychain program cosign`), and the gateway checks
 * that signature against the auditor's admin keys on chain before it submits.
 */
import {
  type AccountId,
  assert,
  bytesToHex,
  decodeTransaction,
  encodeTransaction,
  encodeTxSigningBytes,
  hexToBytes,
  isHex,
  PROGRAM_ALLOCATIONS_MAX,
  type ProgramAllocation,
  type ProgramBalanceEntry,
  type ProgramEntry,
  type ProgramExpiryAction,
  type ProgramRules,
  programBalanceOf,
  programReceivableOf,
  type ReceiptJson,
  type Signer,
  signTransaction,
  sortSignatures,
  type Transaction,
  TX_EXPIRY_WINDOW_MS,
  type TxBody,
  type UnsignedTransaction,
} from '@paychain/core';
import {
  type BeneficiaryStatement,
  beneficiaryStatement,
  type ProgramTrace,
  ProgramTraceError,
  SubmitError,
  type TransparencyReport,
  traceProgram,
  transparencyReport,
} from '@paychain/node';
import {
  type GatewayDb,
  type Merchant,
  PROGRAM_NAME_CHARS_MAX,
  PROGRAM_PURPOSE_CHARS_MAX,
  type ProgramRecord,
  type User,
} from '../db/gateway-db.ts';
import { GatewayApiError } from '../http/api-errors.ts';
import type { GatewayLedger } from '../ledger/gateway-ledger.ts';
import type { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import type { MoneyJson, PaymentService } from './payment-service.ts';
import { type ProgramSpendRefusal, programBalance, programOrThrow, programSpendRefusal } from './program-rules.ts';

/** A clawback proposal lives a minute less than the ledger's longest transaction lifetime. */
const CLAWBACK_LIFETIME_MS = Number(TX_EXPIRY_WINDOW_MS) - 60_000;
const PROPOSAL_VERSION = 1;
const MCC_PATTERN = /^[0-9]{4}$/;
const REGION_PATTERN = /^[A-Z0-9-]{1,16}$/;
const PHONE_PATTERN = /^\+[1-9][0-9]{1,14}$/;
const ACCOUNT_PATTERN = /^[0-9a-f]{32}$/;
/** A reason recorded on chain with a clawback, suspension or resumption. */
export const PROGRAM_REASON_CHARS_MAX = 200;

export interface NewProgramInput {
  readonly name: string;
  readonly purpose: string;
  readonly budget: MoneyJson;
  readonly auditor: string;
  readonly rules: {
    readonly mccs?: readonly string[];
    readonly regions?: readonly string[];
    readonly merchantIds?: readonly string[];
    /** Decimal in the budget's currency; absent for no cap. */
    readonly perPaymentMax?: string;
    readonly perBeneficiaryMax: string;
    readonly validFromMs?: number;
    readonly validUntilMs: number;
    /** Beneficiaries' unspent money at the end: `return` to the funder (default) or `release` to them. */
    readonly atExpiry?: ProgramExpiryAction;
  };
}

/** A beneficiary named by phone number (a user of this gateway) or by ledger account id. */
export type BeneficiaryRef = { readonly phone: string } | { readonly accountId: string };

export interface AllocationInput {
  readonly beneficiary: BeneficiaryRef;
  readonly amount: string;
  /** The CSV line it came from, for errors. */
  readonly line?: number;
}

/** A program as the consoles show it: the gateway's record and the ledger's entry. */
export interface ProgramView {
  readonly record: ProgramRecord;
  readonly entry: ProgramEntry;
  /** Σ beneficiaries' balances and Σ merchants' receivables, from the conservation of program money. */
  readonly heldByBeneficiaries: bigint;
  readonly merchantReceivables: bigint;
  /** Names of the listed merchants this gateway knows. */
  readonly merchantNames: ReadonlyMap<string, string>;
}

export interface TxAnswer {
  readonly txId: string;
  readonly receipt: ReceiptJson | null;
}

export interface ClawbackProposal {
  readonly proposal: string;
  readonly txId: string;
  readonly unsignedTx: string;
  readonly signingBytes: string;
  readonly expiresAtMs: number;
  readonly cosigners: ReadonlyArray<{ readonly org: string; readonly role: 'auditor'; readonly publicKeys: string[] }>;
}

/** What a proposal carries, MAC'd by the gateway. */
interface ProposalBody {
  readonly v: typeof PROPOSAL_VERSION;
  readonly program: string;
  readonly unsignedTx: string;
  readonly funderPublicKey: string;
  readonly funderSignature: string;
  readonly expiresAtMs: number;
}

export interface BeneficiaryProgram {
  readonly view: ProgramView;
  readonly balance: ProgramBalanceEntry;
}

export interface QrProgramOption {
  readonly view: ProgramView;
  readonly balance: bigint;
  readonly reason: ProgramSpendRefusal | null;
}

export interface ProgramServiceOptions {
  readonly db: GatewayDb;
  readonly ledger: GatewayLedger;
  readonly payments: PaymentService;
  readonly secrets: GatewaySecrets;
  readonly clock?: () => number;
}

export class ProgramService {
  private readonly db: GatewayDb;
  private readonly ledger: GatewayLedger;
  private readonly payments: PaymentService;
  private readonly secrets: GatewaySecrets;
  private readonly clock: () => number;

  constructor(options: ProgramServiceOptions) {
    this.db = options.db;
    this.ledger = options.ledger;
    this.payments = options.payments;
    this.secrets = options.secrets;
    this.clock = options.clock ?? Date.now;
  }

  // ---- reading ----

  /** The programs of this gateway that are on the ledger, newest first. */
  async list(): Promise<ProgramView[]> {
    const records = await this.db.listPrograms();
    const views: ProgramView[] = [];
    for (const record of records) {
      const entry = this.ledger.node.primary.ledger.getProgram(record.id);
      if (entry !== undefined) views.push(await this.viewOf(record, entry));
    }
    return views;
  }

  async get(id: string): Promise<ProgramView> {
    const record = await this.db.getProgram(id);
    const entry = this.ledger.node.primary.ledger.getProgram(id);
    if (record === null || entry === undefined) throw programNotFound(id);
    return this.viewOf(record, entry);
  }

  /** Programs of this gateway `account` was ever allocated money in. */
  ofBeneficiary(account: AccountId): Promise<BeneficiaryProgram[]> {
    return this.holdingsOf(account, (balance) => balance.allocated > 0n);
  }

  /** Programs of this gateway `account` (a merchant's settlement account) ever received program money from. */
  ofMerchant(account: AccountId): Promise<BeneficiaryProgram[]> {
    return this.holdingsOf(account, (balance) => balance.received > 0n);
  }

  /**
   * The programs in which `account` has a balance entry that `holds`, newest first. The ledger's balance is read
   * first, so a view (and its merchant-name lookup) is built only for those: a QR scan asks this of every program.
   */
  private async holdingsOf(
    account: AccountId,
    holds: (balance: ProgramBalanceEntry) => boolean,
  ): Promise<BeneficiaryProgram[]> {
    const state = this.ledger.node.primary.ledger;
    const found: BeneficiaryProgram[] = [];
    for (const record of await this.db.listPrograms()) {
      const entry = state.getProgram(record.id);
      const balance = state.getProgramBalance(record.id, account);
      if (entry === undefined || balance === undefined || !holds(balance)) continue;
      found.push({ view: await this.viewOf(record, entry), balance });
    }
    return found;
  }

  /**
   * The user's programs with money in `currency`, and whether each may pay this merchant (`amount` null for a QR
   * without one: everything but the cap and the balance is checked).
   */
  async optionsAtMerchant(
    user: User,
    merchant: Merchant,
    currency: string,
    amount: bigint | null,
  ): Promise<QrProgramOption[]> {
    const options: QrProgramOption[] = [];
    for (const { view, balance } of await this.ofBeneficiary(user.ledgerAccountId)) {
      const spendable = programBalanceOf(balance);
      if (view.entry.asset !== currency || spendable <= 0n) continue;
      const reason = programSpendRefusal(
        this.ledger,
        view.entry,
        user.ledgerAccountId,
        merchant.settlementAccountId,
        amount,
        this.clock(),
      );
      options.push({ view, balance: spendable, reason });
    }
    return options;
  }

  trace(id: string): ProgramTrace {
    programOrThrow(this.ledger, id);
    return this.traced(() => traceProgram(this.ledger.node.primary.store, id));
  }

  statement(id: string, account: AccountId): BeneficiaryStatement {
    programOrThrow(this.ledger, id);
    return this.traced(() => beneficiaryStatement(this.ledger.node.primary.store, id, account));
  }

  report(id: string): TransparencyReport {
    programOrThrow(this.ledger, id);
    return this.traced(() => transparencyReport(this.ledger.node.primary.store, id));
  }

  /** A beneficiary by phone (a user of this gateway) or by an account on the ledger; 400 beneficiary_unknown. */
  async accountOf(ref: BeneficiaryRef, where: Readonly<Record<string, unknown>> = {}): Promise<AccountId> {
    if ('phone' in ref) {
      const user = PHONE_PATTERN.test(ref.phone) ? await this.db.getUserByPhone(ref.phone) : null;
      if (user === null) {
        throw new GatewayApiError('beneficiary_unknown', `no wallet has the phone number ${ref.phone}`, where);
      }
      return user.ledgerAccountId;
    }
    const account = ACCOUNT_PATTERN.test(ref.accountId) ? this.ledger.account(ref.accountId) : undefined;
    if (account === undefined || account.closed) {
      throw new GatewayApiError('beneficiary_unknown', `no open ledger account ${ref.accountId}`, where);
    }
    return ref.accountId;
  }

  // ---- the funder's operations ----

  async create(operator: User, input: NewProgramInput): Promise<ProgramView> {
    const nowMs = this.clock();
    const budget = this.payments.money(input.budget);
    const name = input.name.trim();
    if (name.length === 0 || name.length > PROGRAM_NAME_CHARS_MAX) {
      throw badField('name', `a name of 1..${PROGRAM_NAME_CHARS_MAX} characters`);
    }
    if (input.purpose.length > PROGRAM_PURPOSE_CHARS_MAX) {
      throw badField('purpose', `a purpose of at most ${PROGRAM_PURPOSE_CHARS_MAX} characters`);
    }
    const auditor = this.ledger.node.primary.ledger.getOrg(input.auditor);
    if (auditor === undefined || auditor.removedFrom !== 0n || !auditor.org.roles.includes('auditor')) {
      throw badField('auditor', `${input.auditor} is not an auditor organization of this chain`);
    }
    if (input.auditor === this.ledger.issuer.org) {
      throw badField('auditor', 'the auditor must be another organization than the funder');
    }
    const rules = await this.rulesOf(input, budget.currency, budget.amount, nowMs);
    const record: ProgramRecord = {
      id: this.ledger.newId(),
      name,
      purpose: input.purpose,
      fundingAccountId: this.ledger.newId(),
      createdByUserId: operator.id,
      createdAtMs: nowMs,
    };
    // The name first: a program the ledger creates always has one. A refusal removes it again.
    await this.db.createProgram(record);
    try {
      await this.act(
        {
          type: 'account.open',
          account: record.fundingAccountId,
          issuer: this.ledger.issuer.org,
          owners: [this.ledger.issuer.adminPublicKey],
          threshold: 1,
          tier: 1,
          flags: { allowNegative: false },
        },
        [this.ledger.issuerSigner],
        'opening the funding account',
      );
      await this.act(
        {
          type: 'program.create',
          program: record.id,
          funder: this.ledger.issuer.org,
          auditor: input.auditor,
          asset: budget.currency,
          budget: budget.amount,
          rules,
          fundingAccount: record.fundingAccountId,
        },
        [this.ledger.issuerSigner],
        'creating the program',
      );
    } catch (error) {
      if (error instanceof GatewayApiError && error.code === 'program_refused') await this.db.deleteProgram(record.id);
      throw error;
    }
    return this.get(record.id);
  }

  /**
   * Moves `amount` from the funding account into the program's pool; with `bankAccount`, the bank first pays it in
   * (debit, then mint into the funding account). The budget is checked first, so a refused funding moves nothing.
   */
  async fund(
    operator: User,
    id: string,
    input: MoneyJson & { readonly bankAccount?: string },
  ): Promise<{ view: ProgramView; txIds: string[] }> {
    const view = await this.get(id);
    const money = this.payments.money(input);
    if (money.currency !== view.entry.asset) {
      throw new GatewayApiError('currency_unknown', `this program is in ${view.entry.asset}`, {
        currency: money.currency,
      });
    }
    if (view.entry.funded + money.amount > view.entry.budget) {
      throw programRefused('budget_exceeded', 'the funding would exceed the program budget', {
        budget: this.payments.formatMoney(view.entry.budget, view.entry.asset),
        funded: this.payments.formatMoney(view.entry.funded, view.entry.asset),
      });
    }
    const txIds: string[] = [];
    if (input.bankAccount !== undefined) {
      const paidIn = await this.payments.topUpAccount(operator, view.record.fundingAccountId, input.bankAccount, input);
      if (paidIn.payment.status !== 'final') {
        throw new GatewayApiError(
          'unavailable',
          'the bank paid in, but the mint is not final yet: fund again without bankAccount',
          {
            txId: paidIn.payment.txId,
          },
        );
      }
      txIds.push(paidIn.payment.txId);
    }
    const fund = await this.act(
      { type: 'program.fund', program: id, amount: money.amount },
      [this.ledger.issuerSigner],
      'funding the program',
    );
    txIds.push(fund.txId);
    return { view: await this.get(id), txIds };
  }

  /** One `program.disburse`, all or nothing; unknown beneficiaries are refused before anything is signed. */
  async disburse(
    id: string,
    allocations: readonly AllocationInput[],
  ): Promise<TxAnswer & { count: number; total: bigint }> {
    const view = await this.get(id);
    if (allocations.length === 0 || allocations.length > PROGRAM_ALLOCATIONS_MAX) {
      throw badField('allocations', `1..${PROGRAM_ALLOCATIONS_MAX} allocations in one disbursement`);
    }
    const resolved: ProgramAllocation[] = [];
    let total = 0n;
    for (const [index, allocation] of allocations.entries()) {
      const where = allocation.line === undefined ? { index } : { index, line: allocation.line };
      const beneficiary = await this.accountOf(allocation.beneficiary, where);
      let amount: bigint;
      try {
        amount = this.payments.money({ amount: allocation.amount, currency: view.entry.asset }).amount;
      } catch (error) {
        if (error instanceof GatewayApiError) throw new GatewayApiError(error.code, error.message, where);
        throw error;
      }
      resolved.push({ beneficiary, amount });
      total += amount;
    }
    const answer = await this.act(
      { type: 'program.disburse', program: id, allocations: resolved },
      [this.ledger.issuerSigner],
      'disbursing',
    );
    return { ...answer, count: resolved.length, total };
  }

  async setSuspended(id: string, suspended: boolean, reason: string): Promise<ProgramView> {
    await this.get(id);
    await this.act(
      { type: suspended ? 'program.suspend' : 'program.resume', program: id, reason },
      [this.ledger.issuerSigner],
      suspended ? 'suspending the program' : 'resuming the program',
    );
    return this.get(id);
  }

  /** The clawback, signed by the funder, for the auditor to co-sign. */
  async proposeClawback(
    id: string,
    input: { readonly beneficiary: BeneficiaryRef; readonly amount: string; readonly reason: string },
  ): Promise<ClawbackProposal> {
    const view = await this.get(id);
    const beneficiary = await this.accountOf(input.beneficiary, { field: 'beneficiary' });
    const amount = this.payments.money({ amount: input.amount, currency: view.entry.asset }).amount;
    const held = programBalance(this.ledger, id, beneficiary);
    if (held < amount) {
      throw programRefused('insufficient_program_funds', "the beneficiary's program balance is lower", {
        balance: this.payments.formatMoney(held, view.entry.asset),
      });
    }
    const nowMs = this.clock();
    const unsigned: UnsignedTransaction = {
      chainId: this.ledger.genesis.chainId,
      id: this.ledger.newId(),
      expiresAt: BigInt(nowMs + CLAWBACK_LIFETIME_MS),
      body: { type: 'program.clawback', program: id, beneficiary, amount, reason: input.reason },
    };
    const signed = signTransaction(this.ledger.suite, unsigned, [this.ledger.issuerSigner]);
    const funder = signed.signatures[0];
    assert(funder !== undefined, 'the funder signed');
    const body: ProposalBody = {
      v: PROPOSAL_VERSION,
      program: id,
      unsignedTx: bytesToHex(encodeTransaction({ ...unsigned, signatures: [] })),
      funderPublicKey: bytesToHex(funder.publicKey),
      funderSignature: bytesToHex(funder.signature),
      expiresAtMs: nowMs + CLAWBACK_LIFETIME_MS,
    };
    const text = JSON.stringify(body);
    const auditor = this.ledger.node.primary.ledger.getOrg(view.entry.auditor);
    return {
      proposal: this.secrets.macToken(text),
      txId: unsigned.id,
      unsignedTx: body.unsignedTx,
      signingBytes: bytesToHex(encodeTxSigningBytes(unsigned)),
      expiresAtMs: body.expiresAtMs,
      cosigners: [
        {
          org: view.entry.auditor,
          role: 'auditor',
          publicKeys: (auditor?.org.adminKeys ?? []).map((key) => bytesToHex(key)),
        },
      ],
    };
  }

  /** Checks the auditor's signatures over the proposal and submits the clawback. */
  async submitClawback(
    id: string,
    proposal: string,
    signatures: ReadonlyArray<{ readonly publicKey: string; readonly signature: string }>,
  ): Promise<TxAnswer> {
    const body = this.openProposal(proposal);
    if (body.program !== id) throw new GatewayApiError('intent_invalid', 'this proposal is for another program');
    if (body.expiresAtMs <= this.clock()) throw new GatewayApiError('intent_expired', 'the clawback proposal expired');
    const view = await this.get(id);
    const tx = decodeMacedTx(body.unsignedTx);
    const message = encodeTxSigningBytes(tx);
    const auditor = this.ledger.node.primary.ledger.getOrg(view.entry.auditor);
    const auditorKeys = new Set((auditor?.org.adminKeys ?? []).map((key) => bytesToHex(key)));
    const cosigned: Array<{ publicKey: Uint8Array; signature: Uint8Array }> = [];
    for (const [index, given] of signatures.entries()) {
      const publicKey = isHex(given.publicKey) ? hexToBytes(given.publicKey) : null;
      const signature = isHex(given.signature) ? hexToBytes(given.signature) : null;
      if (publicKey === null || !auditorKeys.has(given.publicKey)) {
        throw new GatewayApiError(
          'cosignature_invalid',
          `signature ${index}: not an admin key of ${view.entry.auditor}`,
          {
            index,
          },
        );
      }
      if (signature === null || !this.ledger.suite.verify(publicKey, message, signature)) {
        throw new GatewayApiError('cosignature_invalid', `signature ${index} does not verify over the clawback`, {
          index,
        });
      }
      cosigned.push({ publicKey, signature });
    }
    if (cosigned.length === 0) {
      throw new GatewayApiError('cosignature_invalid', `the auditor ${view.entry.auditor} has not signed`, {
        field: 'signatures',
      });
    }
    const funder = { publicKey: hexToBytes(body.funderPublicKey), signature: hexToBytes(body.funderSignature) };
    const bytes = encodeTransaction({ ...tx, signatures: sortSignatures([funder, ...cosigned]) });
    return this.submitBytes(tx.id, bytes, 'clawing back');
  }

  // ---- the merchant's redemption ----

  /**
   * `program.redeem` of the merchant's receivable (all of it when `amount` is null), signed by the owner's key:
   * custodial keys sign here; a browser-held key gets the transaction to sign (a MAC'd intent).
   */
  async redeem(
    owner: User,
    merchant: Merchant,
    id: string,
    amount: bigint | null,
  ): Promise<
    | { readonly done: TxAnswer & { amount: bigint } }
    | { readonly signing: { intent: string; unsignedTx: string; signingBytes: string; expiresAtMs: number } }
  > {
    const view = await this.get(id);
    const entry = this.ledger.node.primary.ledger.getProgramBalance(id, merchant.settlementAccountId);
    const receivable = entry === undefined ? 0n : programReceivableOf(entry);
    const take = amount ?? receivable;
    if (take <= 0n || take > receivable) {
      throw programRefused('insufficient_program_funds', 'the receivable does not cover this redemption', {
        receivable: this.payments.formatMoney(receivable, view.entry.asset),
      });
    }
    const unsigned = this.ledger.unsigned(
      { type: 'program.redeem', program: id, merchant: merchant.settlementAccountId, amount: take },
      this.clock(),
    );
    if (owner.keyMode === 'custodial') {
      assert(owner.sealedKey !== null, 'a custodial user has a sealed key');
      const privateKey = this.secrets.open(owner.sealedKey, owner.id);
      const bytes = this.ledger.sign(unsigned, [{ privateKey, publicKey: owner.publicKey }]);
      privateKey.fill(0);
      return { done: { ...(await this.submitBytes(unsigned.id, bytes, 'redeeming')), amount: take } };
    }
    const unsignedTx = bytesToHex(encodeTransaction({ ...unsigned, signatures: [] }));
    const text = JSON.stringify({
      v: 1,
      kind: 'redeem',
      merchant: merchant.id,
      program: id,
      tx: unsignedTx,
    });
    return {
      signing: {
        intent: this.secrets.macToken(text),
        unsignedTx,
        signingBytes: bytesToHex(encodeTxSigningBytes(unsigned)),
        expiresAtMs: Number(unsigned.expiresAt) - 5_000,
      },
    };
  }

  /** The browser's signature over a redemption it was given. */
  async submitRedemptionSignature(
    owner: User,
    merchant: Merchant,
    id: string,
    intent: string,
    signatureHex: string,
  ): Promise<TxAnswer & { amount: bigint }> {
    const text = this.secrets.openMacToken(intent);
    if (text === null) {
      throw new GatewayApiError('intent_invalid', 'the intent was not made by this gateway, or was changed');
    }
    const parsed = JSON.parse(text) as { kind: string; merchant: string; program: string; tx: string };
    if (parsed.kind !== 'redeem' || parsed.merchant !== merchant.id || parsed.program !== id) {
      throw new GatewayApiError('intent_invalid', 'this intent is for another redemption');
    }
    const tx = decodeMacedTx(parsed.tx);
    if (tx.expiresAt <= BigInt(this.clock() + 1_000))
      throw new GatewayApiError('intent_expired', 'the redemption expired');
    assert(tx.body.type === 'program.redeem', 'a redemption intent holds a redemption');
    const signature = isHex(signatureHex) ? hexToBytes(signatureHex) : null;
    if (signature === null || !this.ledger.suite.verify(owner.publicKey, encodeTxSigningBytes(tx), signature)) {
      throw new GatewayApiError('signature_invalid', "the signature is not the owner's key over this redemption");
    }
    const bytes = encodeTransaction({ ...tx, signatures: [{ publicKey: owner.publicKey, signature }] });
    return { ...(await this.submitBytes(tx.id, bytes, 'redeeming')), amount: tx.body.amount };
  }

  // ---- helpers ----

  private async viewOf(record: ProgramRecord, entry: ProgramEntry): Promise<ProgramView> {
    // funded = pool + held + receivables + redeemed + returned + clawedBack + released; receivables = spent − redeemed.
    const merchantReceivables = entry.spent - entry.redeemed;
    const heldByBeneficiaries =
      entry.funded -
      entry.pool -
      merchantReceivables -
      entry.redeemed -
      entry.returned -
      entry.clawedBack -
      entry.released;
    const merchantNames = new Map<string, string>();
    if (entry.rules.merchants.length > 0) {
      for (const merchant of await this.db.getMerchantsBySettlementAccounts(entry.rules.merchants)) {
        merchantNames.set(merchant.settlementAccountId, merchant.name);
      }
    }
    return { record, entry, heldByBeneficiaries, merchantReceivables, merchantNames };
  }

  private async rulesOf(
    input: NewProgramInput,
    currency: string,
    budget: bigint,
    nowMs: number,
  ): Promise<ProgramRules> {
    const r = input.rules;
    const mccs = [...new Set(r.mccs ?? [])].sort();
    for (const mcc of mccs) if (!MCC_PATTERN.test(mcc)) throw badField('rules.mccs', `"${mcc}" is not a 4-digit MCC`);
    const regions = [...new Set((r.regions ?? []).map((region) => region.trim().toUpperCase()))].sort();
    for (const region of regions) {
      if (!REGION_PATTERN.test(region)) throw badField('rules.regions', `"${region}" is not a region code like CN-SC`);
    }
    const merchants: string[] = [];
    for (const merchantId of new Set(r.merchantIds ?? [])) {
      const merchant = ACCOUNT_PATTERN.test(merchantId) ? await this.db.getMerchant(merchantId) : null;
      if (merchant === null) throw new GatewayApiError('merchant_not_found', 'no such merchant', { merchantId });
      merchants.push(merchant.settlementAccountId);
    }
    merchants.sort();
    const amountOf = (text: string, field: string): bigint => {
      try {
        return this.payments.money({ amount: text, currency }).amount;
      } catch (error) {
        if (error instanceof GatewayApiError) throw new GatewayApiError(error.code, error.message, { field });
        throw error;
      }
    };
    const perBeneficiaryMax = amountOf(r.perBeneficiaryMax, 'rules.perBeneficiaryMax');
    if (perBeneficiaryMax > budget) throw badField('rules.perBeneficiaryMax', 'above the budget');
    const perPaymentMax = r.perPaymentMax === undefined ? 0n : amountOf(r.perPaymentMax, 'rules.perPaymentMax');
    const validFromMs = r.validFromMs ?? nowMs;
    if (r.validUntilMs <= validFromMs || r.validUntilMs <= nowMs) {
      throw badField('rules.validUntilMs', 'the validity must end after it starts, and in the future');
    }
    return {
      mccs,
      merchants,
      regions,
      perPaymentMax,
      perBeneficiaryMax,
      validFromMs: BigInt(validFromMs),
      validUntilMs: BigInt(r.validUntilMs),
      atExpiry: r.atExpiry ?? 'return',
    };
  }

  /** Signs and submits; a ledger refusal is 422 program_refused with the ledger's code and the failing index. */
  private async act(body: TxBody, signers: readonly Signer[], what: string): Promise<TxAnswer> {
    const unsigned = this.ledger.unsigned(body, this.clock());
    return this.submitBytes(unsigned.id, this.ledger.sign(unsigned, signers), what, body.type === 'program.disburse');
  }

  /** `indexed`: the ledger's failing operation index is an allocation's, worth telling the caller. */
  private async submitBytes(txId: string, bytes: Uint8Array, what: string, indexed = false): Promise<TxAnswer> {
    let outcome: Awaited<ReturnType<GatewayLedger['submit']>>;
    try {
      outcome = await this.ledger.submit(bytes);
    } catch (error: unknown) {
      if (error instanceof SubmitError) {
        throw new GatewayApiError('unavailable', `the ledger did not take the transaction ${what}: ${error.code}`);
      }
      throw error;
    }
    if (outcome.code !== 'ok') {
      throw programRefused(outcome.code, `the ledger refused ${what}: ${outcome.code}`, {
        txId,
        ...(indexed ? { index: outcome.opIndex } : {}),
      });
    }
    return { txId, receipt: this.ledger.receipt(txId) };
  }

  private openProposal(proposal: string): ProposalBody {
    const text = this.secrets.openMacToken(proposal);
    if (text === null) {
      throw new GatewayApiError('intent_invalid', 'the proposal was not made by this gateway, or was changed');
    }
    const body = JSON.parse(text) as ProposalBody;
    assert(body.v === PROPOSAL_VERSION, 'a proposal of this version');
    return body;
  }

  private traced<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof ProgramTraceError) {
        throw error.code === 'program_not_found'
          ? programNotFound(error.program)
          : new GatewayApiError('bad_request', error.message, { reason: error.code });
      }
      throw error;
    }
  }
}

/** A transaction the gateway encoded and MACed itself (so it decodes). */
function decodeMacedTx(hex: string): Transaction {
  const decoded = decodeTransaction(hexToBytes(hex));
  assert(decoded.ok, 'a MACed intent holds a transaction the gateway encoded');
  return decoded.value.tx;
}

function programNotFound(id: string): GatewayApiError {
  return new GatewayApiError('program_not_found', 'no such program', { programId: id });
}

function programRefused(code: string, message: string, details: Readonly<Record<string, unknown>>): GatewayApiError {
  return new GatewayApiError('program_refused', message, { code, ...details });
}

function badField(field: string, message: string): GatewayApiError {
  return new GatewayApiError('bad_request', message, { field });
}
