/**
 * What the payer must see before a browser-held key signs: the gateway sends an unsigned transaction
 * (`signing.unsignedTx`) and the bytes to sign (`signing.signingBytes`); the wallet decodes the transaction itself
 * with core's `decodeTransaction`, shows kind, amount, source, target, asset, memo and expiry, and signs only bytes
 * it derived from that same transaction (`prepareSigning` refuses signing bytes that say anything else). A
 * compromised or buggy gateway therefore cannot get a signature for a payment the user did not see.
 */
import {
  assertNever,
  concatBytes,
  type DecodedTransaction,
  decodeTransaction,
  equalBytes,
  type FxConvertBody,
  hexToBytes,
  type InterbankTransferBody,
  isHex,
  type MoneyOp,
  type ProgramRedeemBody,
  type ProgramSpendBody,
  TX_DISBURSE_BYTES_MAX,
  type TxBody,
  type TxType,
  txSigningBytesOf,
} from '@paychain/core/browser';

export interface DisplayOp {
  /**
   * A money operation, the program operation that moves program money (spend, redeem), a payment to another bank's
   * customer, or a conversion at an FX quote (the amount is what leaves the payer, in the quote's base asset).
   */
  readonly kind: MoneyOp['type'] | 'program.spend' | 'program.redeem' | 'interbank.transfer' | 'fx.convert';
  /** Minor units of `asset`; null for an operation that names no amount (pending.void). */
  readonly amount: bigint | null;
  /** The account money leaves; null when none does (mint) or the op names none (pending.post/void). */
  readonly source: string | null;
  /** The account money reaches; null when none does (burn) or the op names none. */
  readonly target: string | null;
  readonly asset: string | null;
  readonly memo: string;
  /** For pending.post / pending.void: the hold it settles. */
  readonly pending: string | null;
  /** For fx.convert: the quote and the rate it carries (quote-asset minor units per base-asset minor unit). */
  readonly fx?: { readonly quote: string; readonly rateNum: bigint; readonly rateDen: bigint };
}

export interface DisplayTransaction {
  readonly txId: string;
  readonly chainId: string;
  readonly kind: TxType;
  /** Block time (ms since the epoch) at and after which the ledger refuses the transaction. */
  readonly expiresAtMs: bigint;
  /** The money operations in order: one, or several for a batch (all apply or none). */
  readonly ops: readonly DisplayOp[];
  /** The first money operation's fields, for the common single-operation payment; null/'' without one. */
  readonly amount: bigint | null;
  readonly source: string | null;
  readonly target: string | null;
  readonly asset: string | null;
  readonly memo: string;
  /** Signatures already on the transaction (e.g. a co-signer's); a wallet payment has none. */
  readonly signatureCount: number;
}

export type DisplayResult =
  | {
      readonly ok: true;
      readonly value: DisplayTransaction;
      readonly decoded: DecodedTransaction;
      readonly bytes: Uint8Array;
    }
  | { readonly ok: false; readonly error: string };

type DisplayedBody = MoneyOp | ProgramSpendBody | ProgramRedeemBody | InterbankTransferBody | FxConvertBody;

function opToDisplay(op: DisplayedBody): DisplayOp {
  switch (op.type) {
    // The payer's deposit at its bank to the payee's at theirs, in the scheme's currency (not an asset id).
    case 'interbank.transfer':
      return {
        kind: op.type,
        amount: op.amount,
        source: op.source,
        target: op.target,
        asset: null,
        memo: op.memo,
        pending: null,
      };
    // The base amount leaves the payer; the quote (whose assets the body does not name) sets what the target gets.
    case 'fx.convert':
      return {
        kind: op.type,
        amount: op.baseAmount,
        source: op.source,
        target: op.target,
        asset: null,
        memo: op.memo,
        pending: null,
        fx: { quote: op.quote, rateNum: op.rateNum, rateDen: op.rateDen },
      };
    // Program money: from the beneficiary's program balance to the merchant (spend), or from the merchant's
    // receivable to its ordinary balance (redeem); in the program's asset, which the body does not name.
    case 'program.spend':
      return {
        kind: op.type,
        amount: op.amount,
        source: op.beneficiary,
        target: op.merchant,
        asset: null,
        memo: '',
        pending: null,
      };
    case 'program.redeem':
      return {
        kind: op.type,
        amount: op.amount,
        source: null,
        target: op.merchant,
        asset: null,
        memo: '',
        pending: null,
      };
    case 'transfer':
    case 'pending.create':
      return {
        kind: op.type,
        amount: op.amount,
        source: op.source,
        target: op.target,
        asset: op.asset,
        memo: op.memo,
        pending: null,
      };
    case 'pending.post':
      return {
        kind: op.type,
        amount: op.amount,
        source: null,
        target: null,
        asset: null,
        memo: '',
        pending: op.pending,
      };
    case 'pending.void':
      return { kind: op.type, amount: null, source: null, target: null, asset: null, memo: '', pending: op.pending };
    case 'mint':
      return {
        kind: op.type,
        amount: op.amount,
        source: null,
        target: op.account,
        asset: op.asset,
        memo: '',
        pending: null,
      };
    case 'burn':
      return {
        kind: op.type,
        amount: op.amount,
        source: op.account,
        target: null,
        asset: op.asset,
        memo: '',
        pending: null,
      };
    default:
      return assertNever(op, 'money op');
  }
}

function moneyOpsOf(body: TxBody): readonly DisplayedBody[] {
  switch (body.type) {
    case 'transfer':
    case 'pending.create':
    case 'pending.post':
    case 'pending.void':
    case 'mint':
    case 'burn':
      return [body];
    case 'batch':
      return body.ops;
    case 'program.spend':
    case 'program.redeem':
    case 'interbank.transfer':
    case 'fx.convert':
      return [body];
    default:
      // Governance and account bodies move no money; the kind alone is shown.
      return [];
  }
}

/**
 * Decodes an unsigned transaction (hex) for display. The gateway may send the encoding with a zero signature
 * count or without the count byte; both are accepted, nothing else.
 */
export function decodeForDisplay(unsignedTxHex: string): DisplayResult {
  // The largest transaction (a program disbursement); the decoder holds every other type to TX_BYTES_MAX.
  if (unsignedTxHex.length === 0 || unsignedTxHex.length > 2 * TX_DISBURSE_BYTES_MAX || !isHex(unsignedTxHex)) {
    return { ok: false, error: 'unsignedTx: expected the transaction as hex' };
  }
  const given = hexToBytes(unsignedTxHex);
  let bytes = given;
  let decoded = decodeTransaction(bytes);
  if (!decoded.ok) {
    // Without the signature-count byte: read it as a transaction with no signatures.
    const withCount = concatBytes(given, Uint8Array.of(0));
    const retried = decodeTransaction(withCount);
    if (!retried.ok) return { ok: false, error: `unsignedTx does not decode: ${decoded.error}` };
    bytes = withCount;
    decoded = retried;
  }
  const { tx } = decoded.value;
  const ops = moneyOpsOf(tx.body).map(opToDisplay);
  const first = ops[0];
  return {
    ok: true,
    decoded: decoded.value,
    bytes,
    value: {
      txId: tx.id,
      chainId: tx.chainId,
      kind: tx.body.type,
      expiresAtMs: tx.expiresAt,
      ops,
      amount: first?.amount ?? null,
      source: first?.source ?? null,
      target: first?.target ?? null,
      asset: first?.asset ?? null,
      memo: first?.memo ?? '',
      signatureCount: tx.signatures.length,
    },
  };
}

export interface SigningRequest {
  readonly unsignedTx: string;
  readonly signingBytes: string;
}

export type PreparedSigning =
  | { readonly ok: true; readonly display: DisplayTransaction; readonly signingBytes: Uint8Array }
  | { readonly ok: false; readonly error: string };

/**
 * Decodes the transaction and derives the bytes to sign from it (domain ‖ unsigned part); the gateway's
 * `signingBytes` must be exactly those, or nothing is signed. `expectedTxId` is the payment's txId.
 */
export function prepareSigning(signing: SigningRequest, expectedTxId: string): PreparedSigning {
  const decoded = decodeForDisplay(signing.unsignedTx);
  if (!decoded.ok) return decoded;
  if (decoded.value.txId !== expectedTxId) {
    return { ok: false, error: `the transaction to sign is ${decoded.value.txId}, not payment ${expectedTxId}` };
  }
  const derived = txSigningBytesOf(decoded.bytes, decoded.decoded.unsignedBytes);
  if (!isHex(signing.signingBytes) || !equalBytes(hexToBytes(signing.signingBytes), derived)) {
    return { ok: false, error: 'signingBytes do not match the transaction shown' };
  }
  return { ok: true, display: decoded.value, signingBytes: derived };
}
