/**
 * Receipt verification in the browser: the wallet checks a payment's receipt (transaction, Merkle inclusion
 * proofs, block header, validator certificate) against the consortium's validator keys itself, with core's own
 * `parseReceipt` + `verifyReceipt` and the browser crypto suite — so "Verified on chain" never rests on the
 * gateway's word. A receipt for another transaction than the one shown is refused too.
 */
import { bytesToHex, parseReceipt, type TxCode, verifyReceipt } from '@paychain/core/browser';
import { getBrowserSuite } from './browser-suite';
import { type Consortium, consortiumValidatorSet } from './consortium';

export type ReceiptVerdict =
  | {
      readonly ok: true;
      readonly txId: string;
      /** The ledger's result: a receipt also proves a refused transaction (e.g. insufficient_funds). */
      readonly code: TxCode;
      readonly height: bigint;
      readonly headerHash: string;
      /** Validator orgs that signed the block's certificate. */
      readonly signers: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

export interface VerifyReceiptOptions {
  /** The transaction the receipt must be for (the payment's txId); any other is refused. */
  readonly expectedTxId?: string;
}

/** Verifies a receipt as JSON (`ReceiptJson`, as the API returns it); never throws on bad input. */
export function verifyReceiptInBrowser(
  receiptJson: unknown,
  consortium: Consortium,
  options: VerifyReceiptOptions = {},
): ReceiptVerdict {
  if (receiptJson === null || receiptJson === undefined) return { ok: false, reason: 'no receipt' };
  const parsed = parseReceipt(receiptJson);
  if (!parsed.ok) return { ok: false, reason: parsed.error };
  const receipt = parsed.value;
  const suite = getBrowserSuite(consortium.suite);
  const status = verifyReceipt(
    suite,
    consortium.chainId,
    consortiumValidatorSet(consortium, receipt.header.height),
    receipt,
  );
  if (!status.ok) return { ok: false, reason: status.reason };
  if (options.expectedTxId !== undefined && status.tx.id !== options.expectedTxId) {
    return { ok: false, reason: `receipt is for transaction ${status.tx.id}, not ${options.expectedTxId}` };
  }
  return {
    ok: true,
    txId: status.tx.id,
    code: status.result.code,
    height: receipt.header.height,
    headerHash: bytesToHex(status.headerHash),
    signers: receipt.certificate.signatures.map((s) => s.org),
  };
}
