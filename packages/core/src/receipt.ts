/**
 * Receipts: a transaction, its result, their inclusion proofs in the block's two Merkle
 * trees, the block header and its certificate. Anyone with the validator keys (from
 * genesis) checks one offline: no peer, no database.
 *
 * The JSON form carries bytes as hex and integers as decimal strings; `parseReceipt`
 * validates it field by field, since receipts arrive from outside.
 */
import {
  type BlockHeader,
  type Certificate,
  type CertificateStatus,
  decodeCertificate,
  decodeHeader,
  decodeTxResult,
  encodeCertificate,
  encodeHeader,
  encodeTxResult,
  headerHash,
  resultLeaves,
  type ValidatorSet,
  verifyCertificate,
} from './block.ts';
import { bytesToHex, hexToBytes, isHex } from './bytes.ts';
import type { CryptoSuite } from './crypto/suite.ts';
import type { TxResult } from './execute.ts';
import {
  createMerkleTree,
  MERKLE_PATH_LENGTH_MAX,
  type MerkleProof,
  merkleLeafHash,
  validateMerkleProof,
} from './merkle/merkle.ts';
import { decodeTransaction } from './tx-codec.ts';
import type { Transaction } from './types.ts';

export interface Receipt {
  readonly tx: Uint8Array;
  readonly result: TxResult;
  readonly txProof: MerkleProof;
  readonly resultProof: MerkleProof;
  readonly header: BlockHeader;
  readonly certificate: Certificate;
}

/** Builds the receipt of transaction `index` from a block's transactions and results. */
export interface ReceiptBlock {
  readonly header: BlockHeader;
  readonly certificate: Certificate;
  readonly txs: readonly Uint8Array[];
  readonly results: readonly TxResult[];
  readonly expired: readonly string[];
}

/**
 * Receipts of a block's transactions, with both Merkle trees built once: answering every
 * payer of a block costs one pass over it, not one pass per payer.
 */
export function createReceiptBuilder(suite: CryptoSuite, block: ReceiptBlock): (index: number) => Receipt {
  const txTree = createMerkleTree(
    suite.hash,
    block.txs.map((t) => merkleLeafHash(suite.hash, t)),
  );
  const resultTree = createMerkleTree(
    suite.hash,
    resultLeaves(block.results, block.expired).map((l) => merkleLeafHash(suite.hash, l)),
  );
  return (index) => {
    const tx = block.txs[index];
    const result = block.results[index];
    if (tx === undefined || result === undefined) throw new RangeError(`no transaction ${index} in block`);
    return {
      tx,
      result,
      txProof: txTree.proof(index),
      resultProof: resultTree.proof(index),
      header: block.header,
      certificate: block.certificate,
    };
  };
}

export function createReceipt(suite: CryptoSuite, block: ReceiptBlock, index: number): Receipt {
  return createReceiptBuilder(suite, block)(index);
}

export type ReceiptStatus =
  | { readonly ok: true; readonly tx: Transaction; readonly result: TxResult; readonly headerHash: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Checks a receipt against the validator set; precedence: tx, proofs, header, certificate. */
export function verifyReceipt(
  suite: CryptoSuite,
  chainId: string,
  validators: ValidatorSet,
  receipt: Receipt,
): ReceiptStatus {
  const decoded = decodeTransaction(receipt.tx);
  if (!decoded.ok) return { ok: false, reason: `transaction does not decode: ${decoded.error}` };
  const tx = decoded.value.tx;
  if (tx.chainId !== chainId || receipt.header.chainId !== chainId)
    return { ok: false, reason: 'receipt is for another chain' };
  if (receipt.result.id !== tx.id) return { ok: false, reason: 'result is for another transaction' };
  if (receipt.txProof.leafIndex !== receipt.resultProof.leafIndex)
    return { ok: false, reason: 'transaction and result proofs name different positions' };
  if (receipt.txProof.leafCount !== receipt.header.txCount)
    return { ok: false, reason: 'transaction proof does not match the block size' };
  const txStatus = validateMerkleProof(suite.hash, receipt.header.txRoot, receipt.tx, receipt.txProof);
  if (txStatus !== 'ok') return { ok: false, reason: `transaction inclusion proof: ${txStatus}` };
  const resultCount = receipt.resultProof.leafCount;
  if (resultCount !== receipt.header.txCount && resultCount !== receipt.header.txCount + 1) {
    return { ok: false, reason: 'result proof does not match the block size' };
  }
  const resultStatus = validateMerkleProof(
    suite.hash,
    receipt.header.resultRoot,
    encodeTxResult(receipt.result),
    receipt.resultProof,
  );
  if (resultStatus !== 'ok') return { ok: false, reason: `result inclusion proof: ${resultStatus}` };
  const hash = headerHash(suite, receipt.header);
  const certStatus: CertificateStatus = verifyCertificate(
    suite,
    validators,
    receipt.header.height,
    hash,
    receipt.certificate,
  );
  if (certStatus !== 'ok') return { ok: false, reason: `certificate: ${certStatus}` };
  return { ok: true, tx, result: receipt.result, headerHash: hash };
}

// ---- JSON form ----

export interface ReceiptJson {
  version: 1;
  tx: string;
  result: { id: string; code: string; opIndex: number; bytes: string };
  txProof: { leafIndex: number; leafCount: number; path: string[] };
  resultProof: { leafIndex: number; leafCount: number; path: string[] };
  header: string;
  certificate: string;
}

export function receiptToJson(receipt: Receipt): ReceiptJson {
  const proof = (p: MerkleProof) => ({ leafIndex: p.leafIndex, leafCount: p.leafCount, path: p.path.map(bytesToHex) });
  return {
    version: 1,
    tx: bytesToHex(receipt.tx),
    result: {
      id: receipt.result.id,
      code: receipt.result.code,
      opIndex: receipt.result.opIndex,
      bytes: bytesToHex(encodeTxResult(receipt.result)),
    },
    txProof: proof(receipt.txProof),
    resultProof: proof(receipt.resultProof),
    header: bytesToHex(encodeHeader(receipt.header)),
    certificate: bytesToHex(encodeCertificate(receipt.certificate)),
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function hexField(x: unknown, what: string, maxChars = 1 << 20): Uint8Array | string {
  if (typeof x !== 'string' || x.length > maxChars || !isHex(x)) return `${what}: expected hex`;
  return hexToBytes(x);
}

function parseProof(x: unknown, what: string): MerkleProof | string {
  if (!isRecord(x)) return `${what}: expected an object`;
  const { leafIndex, leafCount, path } = x;
  if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0)
    return `${what}.leafIndex: expected an integer`;
  if (typeof leafCount !== 'number' || !Number.isSafeInteger(leafCount) || leafCount < 0)
    return `${what}.leafCount: expected an integer`;
  if (!Array.isArray(path) || path.length > MERKLE_PATH_LENGTH_MAX) return `${what}.path: expected a list of hashes`;
  const parsed: Uint8Array[] = [];
  for (const [i, element] of path.entries()) {
    const bytes = hexField(element, `${what}.path[${i}]`, 128);
    if (typeof bytes === 'string') return bytes;
    parsed.push(bytes);
  }
  return { leafIndex, leafCount, path: parsed };
}

export function parseReceipt(json: unknown): { ok: true; value: Receipt } | { ok: false; error: string } {
  if (!isRecord(json)) return { ok: false, error: 'receipt: expected a JSON object' };
  if (json.version !== 1) return { ok: false, error: 'receipt.version: expected 1' };
  const tx = hexField(json.tx, 'receipt.tx');
  if (typeof tx === 'string') return { ok: false, error: tx };
  if (!isRecord(json.result)) return { ok: false, error: 'receipt.result: expected an object' };
  const resultBytes = hexField(json.result.bytes, 'receipt.result.bytes', 64);
  if (typeof resultBytes === 'string') return { ok: false, error: resultBytes };
  const result = decodeTxResult(resultBytes);
  if (!result.ok) return { ok: false, error: `receipt.result: ${result.error}` };
  if (json.result.code !== result.value.code || json.result.id !== result.value.id) {
    return { ok: false, error: 'receipt.result: code or id differ from the result bytes' };
  }
  const txProof = parseProof(json.txProof, 'receipt.txProof');
  if (typeof txProof === 'string') return { ok: false, error: txProof };
  const resultProof = parseProof(json.resultProof, 'receipt.resultProof');
  if (typeof resultProof === 'string') return { ok: false, error: resultProof };
  const headerBytes = hexField(json.header, 'receipt.header', 1024);
  if (typeof headerBytes === 'string') return { ok: false, error: headerBytes };
  const header = decodeHeader(headerBytes);
  if (!header.ok) return { ok: false, error: `receipt.header: ${header.error}` };
  const certBytes = hexField(json.certificate, 'receipt.certificate', 64 * 1024);
  if (typeof certBytes === 'string') return { ok: false, error: certBytes };
  const certificate = decodeCertificate(certBytes);
  if (!certificate.ok) return { ok: false, error: `receipt.certificate: ${certificate.error}` };
  return {
    ok: true,
    value: { tx, result: result.value, txProof, resultProof, header: header.value, certificate: certificate.value },
  };
}
