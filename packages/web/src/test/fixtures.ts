/**
 * Test fixtures shared by the web app's unit tests (Node only, never bundled): deterministic keys for both crypto
 * suites, built with core's Node suites, and a small certified block whose receipts the browser code must accept.
 */
import {
  bytesToHex,
  type Certificate,
  computeResultRoot,
  computeTxRoot,
  createReceipt,
  encodeTransaction,
  getSuite,
  headerHash,
  type ReceiptJson,
  receiptToJson,
  type Signer,
  type SuiteName,
  signAndEncode,
  signHeader,
  type TxResult,
  type UnsignedTransaction,
} from '@paychain/core';
import type { Consortium } from '../chain/consortium';

export const CHAIN_ID = 'paychain-web-test';
/** 2026-01-01T00:00:00Z. */
export const T0 = 1_767_225_600_000n;

/**
 * A deterministic private key: the suite's hash of a label, stepped until it is a valid key (any 32 bytes for
 * Ed25519; SM2 needs d in [1, n − 2], which a hash misses about once in 2^32).
 */
export function keyOf(suiteName: SuiteName, label: string): Signer {
  const suite = getSuite(suiteName);
  let privateKey = suite.hash(new TextEncoder().encode(`paychain web test key: ${label}`));
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      return { privateKey, publicKey: suite.publicKeyFromPrivate(privateKey) };
    } catch (error: unknown) {
      // An out-of-range scalar is an assertion in core; hash again (deterministic, so the test replays).
      if (!(error instanceof Error)) throw error;
      privateKey = suite.hash(privateKey);
    }
  }
  throw new Error(`no valid ${suiteName} key for ${label}`);
}

export function accountId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

export function transferTx(id: number, amount: bigint, memo = 'coffee'): UnsignedTransaction {
  return {
    chainId: CHAIN_ID,
    id: accountId(0xabc000 + id),
    expiresAt: T0 + 120_000n,
    body: { type: 'transfer', source: accountId(1), target: accountId(2), asset: 'CNY', amount, memo },
  };
}

export function unsignedTxHex(tx: UnsignedTransaction): string {
  return bytesToHex(encodeTransaction({ ...tx, signatures: [] }));
}

export interface CertifiedBlockFixture {
  readonly receipts: readonly ReceiptJson[];
  readonly txIds: readonly string[];
  /** `GET /v1/consortium` as the gateway answers it: heights as strings, no explicit quorum (a majority). */
  readonly consortiumJson: Record<string, unknown>;
  readonly consortium: Consortium;
}

/** Three signed transfers in block 7, certified by two of three validators (a majority), as Node peers do it. */
export function certifiedBlock(suiteName: SuiteName): CertifiedBlockFixture {
  const suite = getSuite(suiteName);
  const payer = keyOf(suiteName, 'payer');
  const validators = ['bank', 'network', 'pboc'].map((org) => ({ org, key: keyOf(suiteName, `validator ${org}`) }));
  const unsigned = [transferTx(1, 1234n), transferTx(2, 99_999n, '午餐'), transferTx(3, 1n)];
  const txs = unsigned.map((tx) => signAndEncode(suite, tx, [payer]));
  const results: TxResult[] = unsigned.map((tx) => ({ id: tx.id, code: 'ok', opIndex: 0 }));
  const header = {
    chainId: CHAIN_ID,
    height: 7n,
    prevHash: new Uint8Array(32).fill(7),
    time: T0,
    txCount: txs.length,
    txRoot: computeTxRoot(suite, txs),
    resultRoot: computeResultRoot(suite, results, []),
    stateCommitment: new Uint8Array(32).fill(9),
  };
  const hash = headerHash(suite, header);
  const signers = validators.filter((v) => v.org !== 'pboc');
  const certificate: Certificate = {
    height: header.height,
    headerHash: hash,
    signatures: signers.map((v) => ({ org: v.org, signature: signHeader(suite, v.key.privateKey, hash) })),
  };
  const block = { header, certificate, txs, results, expired: [] };
  return {
    receipts: txs.map((_, index) => receiptToJson(createReceipt(suite, block, index))),
    txIds: unsigned.map((tx) => tx.id),
    consortiumJson: {
      chainId: CHAIN_ID,
      suite: suiteName,
      genesisHash: '00'.repeat(32),
      validators: validators.map((v) => ({
        org: v.org,
        publicKey: bytesToHex(v.key.publicKey),
        activeFrom: '0',
        removedFrom: null,
      })),
      assets: [{ id: 'CNY', name: 'Renminbi', decimals: 2 }],
    },
    consortium: {
      chainId: CHAIN_ID,
      suite: suiteName,
      genesisHash: '00'.repeat(32),
      validators: validators.map((v) => ({
        org: v.org,
        publicKey: bytesToHex(v.key.publicKey),
        activeFrom: 0n,
        removedFrom: null,
      })),
      quorum: null,
      assets: [{ id: 'CNY', name: 'Renminbi', decimals: 2, issuer: null }],
    },
  };
}
