/**
 * From a committed block to fact rows. Only transactions whose result is `ok` moved money
 * (a refused one left the state as it was, and a batch applies all its operations or none).
 * Each movement is one row:
 * - `transfer`: source → target;
 * - `pending.post`: the captured amount, from the hold's source to its target (the hold itself,
 *   `pending.create`, and its release by void or expiry move nothing);
 * - `mint`: a top-up, from the asset's issuer (`org:<id>`) to the account;
 * - `burn`: a withdrawal (a payout from a merchant's account), from the account to `org:<id>`;
 * - a batch: each of its operations as above, with id `txId:index`.
 * What the chain knows besides (the issuer of each account, the hold of a post, the issuer of an
 * asset) is read from the store's state, whose entries are never deleted and whose fields used
 * here never change; the rest comes from the directories (`account-directory.ts`).
 */
import {
  type AccountId,
  accountKey,
  assert,
  assertNever,
  assetKey,
  decodeTransaction,
  type MoneyOp,
  pendingKey,
} from '@paychain/core';
import type { Channel } from '@paychain/risk';
import type { BlockStore, StoredBlock } from '@paychain/store';
import type { AccountDirectory, AccountInfo, PaymentDirectory, PaymentInfo } from './account-directory.ts';
import { isTimestampMs, WarehouseError, type WarehouseTransfer } from './warehouse.ts';

/** Account issuers remembered between blocks; the cache starts over when full. */
export const ISSUER_CACHE_MAX = 100_000;
/** The prefix of an organization's side of a mint or burn, so it cannot be taken for an account id. */
export const ORG_PARTY_PREFIX = 'org:';

export type MoveKind = 'transfer' | 'capture' | 'mint' | 'burn';

/** A movement of money read from a block, before enrichment. */
export interface LedgerMove {
  readonly id: string;
  readonly txId: string;
  readonly height: bigint;
  readonly timestampMs: number;
  readonly kind: MoveKind;
  readonly source: string;
  readonly target: string;
  readonly asset: string;
  readonly amount: bigint;
  /** The customer's account: the payer, or the account credited by a mint. */
  readonly customer: AccountId;
}

/** Reads what the rows need from the store's state. */
export class LedgerFacts {
  private readonly store: BlockStore;
  private readonly issuers = new Map<string, string>();
  private readonly assetIssuers = new Map<string, string>();

  constructor(store: BlockStore) {
    this.store = store;
  }

  accountIssuer(id: AccountId): string {
    const cached = this.issuers.get(id);
    if (cached !== undefined) return cached;
    const entry = this.store.getStateEntry(accountKey(id));
    assert(entry?.kind === 'account', `account ${id} that moved money is in the state`);
    if (this.issuers.size >= ISSUER_CACHE_MAX) this.issuers.clear();
    this.issuers.set(id, entry.issuer);
    return entry.issuer;
  }

  assetIssuer(asset: string): string {
    const cached = this.assetIssuers.get(asset);
    if (cached !== undefined) return cached;
    const entry = this.store.getStateEntry(assetKey(asset));
    assert(entry?.kind === 'asset', `asset ${asset} that moved is in the state`);
    this.assetIssuers.set(asset, entry.asset.issuer);
    return entry.asset.issuer;
  }

  pending(id: string): { readonly source: AccountId; readonly target: AccountId; readonly asset: string } {
    const entry = this.store.getStateEntry(pendingKey(id));
    assert(entry?.kind === 'pending', `pending transfer ${id} that was posted is in the state`);
    return entry;
  }
}

interface MoveBase {
  readonly id: string;
  readonly txId: string;
  readonly height: bigint;
  readonly timestampMs: number;
}

function move(
  base: MoveBase,
  kind: MoveKind,
  source: string,
  target: string,
  asset: string,
  amount: bigint,
  customer: string,
): LedgerMove {
  // Written out, not spread: a spread per movement cost more than all the rest of the conversion.
  return {
    id: base.id,
    txId: base.txId,
    height: base.height,
    timestampMs: base.timestampMs,
    kind,
    source,
    target,
    asset,
    amount,
    customer,
  };
}

function moveOf(op: MoneyOp, facts: LedgerFacts, base: MoveBase): LedgerMove | null {
  switch (op.type) {
    case 'transfer':
      return move(base, 'transfer', op.source, op.target, op.asset, op.amount, op.source);
    case 'pending.post': {
      const hold = facts.pending(op.pending);
      return move(base, 'capture', hold.source, hold.target, hold.asset, op.amount, hold.source);
    }
    case 'mint':
      return move(
        base,
        'mint',
        `${ORG_PARTY_PREFIX}${facts.assetIssuer(op.asset)}`,
        op.account,
        op.asset,
        op.amount,
        op.account,
      );
    case 'burn':
      return move(
        base,
        'burn',
        op.account,
        `${ORG_PARTY_PREFIX}${facts.assetIssuer(op.asset)}`,
        op.asset,
        op.amount,
        op.account,
      );
    case 'pending.create':
    case 'pending.void':
      return null;
    default:
      return assertNever(op, 'money operation');
  }
}

/** The movements of money of one stored block, in block order. */
export function movesOfBlock(block: StoredBlock, facts: LedgerFacts): LedgerMove[] {
  const height = block.header.height;
  const timestampMs = Number(block.header.time);
  if (!isTimestampMs(timestampMs)) {
    throw new WarehouseError(
      'row_invalid',
      `block ${height}: time ${block.header.time} is outside the warehouse's dates`,
    );
  }
  const moves: LedgerMove[] = [];
  for (const [i, bytes] of block.txs.entries()) {
    const result = block.results[i];
    assert(result !== undefined, 'a stored block has a result per transaction');
    if (result.code !== 'ok') continue;
    const decoded = decodeTransaction(bytes);
    assert(decoded.ok, `block ${height}: a transaction that applied decodes`);
    const { id: txId, body } = decoded.value.tx;
    assert(txId === result.id, 'the result belongs to its transaction');
    if (body.type === 'batch') {
      for (const [index, op] of body.ops.entries()) {
        const move = moveOf(op, facts, { id: `${txId}:${index}`, txId, height, timestampMs });
        if (move !== null) moves.push(move);
      }
      continue;
    }
    switch (body.type) {
      case 'transfer':
      case 'pending.create':
      case 'pending.post':
      case 'pending.void':
      case 'mint':
      case 'burn': {
        const move = moveOf(body, facts, { id: txId, txId, height, timestampMs });
        if (move !== null) moves.push(move);
        break;
      }
      default:
        // Organizations, assets and accounts: no money moves.
        break;
    }
  }
  return moves;
}

function channelOf(
  move: LedgerMove,
  payee: AccountInfo | undefined,
  payer: AccountInfo | undefined,
  payment: PaymentInfo | undefined,
): Channel {
  switch (move.kind) {
    case 'mint':
      return 'topup';
    case 'burn':
      return payer?.kind === 'merchant' ? 'payout' : 'withdrawal';
    case 'transfer':
      return payment?.channel ?? (payee?.kind === 'merchant' ? 'qr' : 'transfer');
    case 'capture':
      // The gateway's two-phase payments are pre-authorizations on pay codes.
      return payment?.channel ?? (payee?.kind === 'merchant' ? 'pay_code' : 'transfer');
    default:
      return assertNever(move.kind, 'move kind');
  }
}

/**
 * Fact rows of movements, enriched by the directories. The merchant of a row is the payee when
 * it is a merchant (the account paid out for a payout); the region is the merchant's, else the
 * customer's; the issuer is that of the customer's account.
 */
export async function rowsOfMoves(
  moves: readonly LedgerMove[],
  facts: LedgerFacts,
  accounts: AccountDirectory | null,
  payments: PaymentDirectory | null,
): Promise<WarehouseTransfer[]> {
  if (moves.length === 0) return [];
  const accountIds = new Set<string>();
  const txIds = new Set<string>();
  for (const move of moves) {
    for (const party of [move.source, move.target]) if (!party.startsWith(ORG_PARTY_PREFIX)) accountIds.add(party);
    txIds.add(move.txId);
  }
  const known = accounts === null ? new Map<string, AccountInfo>() : await accounts.lookupAccounts([...accountIds]);
  const paid = payments === null ? new Map<string, PaymentInfo>() : await payments.lookupPayments([...txIds]);
  return moves.map((move) => {
    const payer = known.get(move.source);
    const payee = known.get(move.target);
    const payment = paid.get(move.txId);
    const merchant = move.kind === 'burn' ? payer : payee;
    const isMerchant = merchant?.kind === 'merchant';
    const customer = known.get(move.customer);
    return {
      id: move.id,
      height: move.height,
      timestampMs: move.timestampMs,
      fromAccount: move.source,
      toAccount: move.target,
      amount: move.amount,
      currency: move.asset,
      channel: channelOf(move, payee, payer, payment),
      mcc: isMerchant ? (merchant?.mcc ?? null) : null,
      merchantId: isMerchant ? (merchant?.merchantId ?? null) : null,
      region: (isMerchant ? merchant?.region : null) ?? customer?.region ?? null,
      issuer: facts.accountIssuer(move.customer),
      riskDecision: payment?.riskDecision ?? null,
      riskScore: payment?.riskScore ?? null,
    };
  });
}
