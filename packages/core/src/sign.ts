/** Signing and checking transactions with a crypto suite. */
import type { CryptoSuite } from './crypto/suite.ts';
import {
  decodeTransaction,
  encodeTransaction,
  encodeTxSigningBytes,
  sortSignatures,
  txSigningBytesOf,
} from './tx-codec.ts';
import type { Transaction, UnsignedTransaction } from './types.ts';

export interface Signer {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function signTransaction(
  suite: CryptoSuite,
  unsigned: UnsignedTransaction,
  signers: readonly Signer[],
): Transaction {
  const message = encodeTxSigningBytes(unsigned);
  const signatures = sortSignatures(
    signers.map((s) => ({ publicKey: s.publicKey, signature: suite.sign(s.privateKey, message) })),
  );
  return { ...unsigned, signatures };
}

export function signAndEncode(
  suite: CryptoSuite,
  unsigned: UnsignedTransaction,
  signers: readonly Signer[],
): Uint8Array {
  return encodeTransaction(signTransaction(suite, unsigned, signers));
}

/**
 * Whether every signature on the encoded transaction verifies. A pure function of the
 * bytes, so peers may compute it in parallel, ahead of execution. False for bytes that do
 * not decode, and for a transaction without signatures.
 */
export function verifyTransactionSignatures(suite: CryptoSuite, bytes: Uint8Array): boolean {
  const decoded = decodeTransaction(bytes);
  if (!decoded.ok) return false;
  const { tx, unsignedBytes } = decoded.value;
  if (tx.signatures.length === 0) return false;
  const message = txSigningBytesOf(bytes, unsignedBytes);
  for (const sig of tx.signatures) {
    if (!suite.verify(sig.publicKey, message, sig.signature)) return false;
  }
  return true;
}
