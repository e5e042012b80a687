/**
 * Blocks: header encoding and hash, per-transaction results, and certificates (a quorum
 * of validator signatures over the header hash).
 *
 *   header = version:u8(1) chainId:text(64) height:u64 prevHash:32 time:u64 txCount:u32
 *            txRoot:32 resultRoot:32 stateCommitment:32
 *   headerHash = H(HEADER_DOMAIN ‖ header)
 *   txRoot     = Merkle root (RFC 6962) over the transactions' bytes
 *   resultRoot = Merkle root over 0x01‖id‖code‖opIndex per transaction, then, when pending
 *                transfers expired at the start of the block, one leaf 0x02‖count:u32‖ids
 */
import { assert } from './assert.ts';
import { bytesToHex, concatBytes, equalBytes, hexToBytes, utf8ToBytes } from './bytes.ts';
import { DecodeError, type DecodeResult, decodeWith, type Reader, Writer } from './codec.ts';
import type { CryptoSuite } from './crypto/suite.ts';
import type { TxResult } from './execute.ts';
import { BLOCK_TXS_MAX, CHAIN_ID_BYTES_MAX, ORG_ID_BYTES_MAX, ORGS_MAX, SIGNATURE_BYTES_MAX } from './limits.ts';
import { merkleRoot } from './merkle/merkle.ts';
import { type TxCode, txCodeFromNumber, txCodeToNumber } from './status.ts';
import { isOrgId } from './tx-codec.ts';
import type { OrgId, TxId } from './types.ts';

export const BLOCK_VERSION = 1;
export const HEADER_DOMAIN = utf8ToBytes('paychain:header:v1\n');
export const CERTIFICATE_DOMAIN = utf8ToBytes('paychain:certificate:v1\n');
export const HASH_BYTES = 32;

export interface BlockHeader {
  readonly chainId: string;
  readonly height: bigint;
  readonly prevHash: Uint8Array;
  readonly time: bigint;
  readonly txCount: number;
  readonly txRoot: Uint8Array;
  readonly resultRoot: Uint8Array;
  readonly stateCommitment: Uint8Array;
}

export interface CertificateSignature {
  readonly org: OrgId;
  readonly signature: Uint8Array;
}

export interface Certificate {
  readonly height: bigint;
  readonly headerHash: Uint8Array;
  /** Sorted by org id, one per org. */
  readonly signatures: readonly CertificateSignature[];
}

export function writeHeader(w: Writer, header: BlockHeader): void {
  w.u8(BLOCK_VERSION);
  w.text(header.chainId, CHAIN_ID_BYTES_MAX);
  w.u64(header.height);
  w.fixed(header.prevHash, HASH_BYTES);
  w.u64(header.time);
  w.u32(header.txCount);
  w.fixed(header.txRoot, HASH_BYTES);
  w.fixed(header.resultRoot, HASH_BYTES);
  w.fixed(header.stateCommitment, HASH_BYTES);
}

export function encodeHeader(header: BlockHeader): Uint8Array {
  const w = new Writer(256);
  writeHeader(w, header);
  return w.finish();
}

export function readHeader(r: Reader): BlockHeader {
  const version = r.u8('header version');
  if (version !== BLOCK_VERSION) throw new DecodeError(`unsupported header version ${version}`);
  const chainId = r.text(CHAIN_ID_BYTES_MAX, 'chain id');
  const height = r.u64('height');
  const prevHash = r.fixed(HASH_BYTES, 'prevHash');
  const time = r.u64('time');
  const txCount = r.u32('txCount');
  if (txCount > BLOCK_TXS_MAX) throw new DecodeError(`txCount ${txCount} above ${BLOCK_TXS_MAX}`);
  return {
    chainId,
    height,
    prevHash,
    time,
    txCount,
    txRoot: r.fixed(HASH_BYTES, 'txRoot'),
    resultRoot: r.fixed(HASH_BYTES, 'resultRoot'),
    stateCommitment: r.fixed(HASH_BYTES, 'stateCommitment'),
  };
}

export function decodeHeader(bytes: Uint8Array): DecodeResult<BlockHeader> {
  return decodeWith(bytes, readHeader, 'header');
}

export function headerHash(suite: CryptoSuite, header: BlockHeader): Uint8Array {
  return suite.hash(concatBytes(HEADER_DOMAIN, encodeHeader(header)));
}

export function encodeTxResult(result: TxResult): Uint8Array {
  const w = new Writer(20);
  w.u8(1);
  w.fixed(hexToBytes(result.id), 16);
  w.u8(txCodeToNumber(result.code));
  w.u8(result.opIndex);
  return w.finish();
}

export function decodeTxResult(bytes: Uint8Array): DecodeResult<TxResult> {
  return decodeWith(
    bytes,
    (r) => {
      if (r.u8('result tag') !== 1) throw new DecodeError('not a transaction result');
      const id = bytesToHex(r.fixed(16, 'id'));
      const n = r.u8('code');
      const code: TxCode | undefined = txCodeFromNumber(n);
      if (code === undefined) throw new DecodeError(`unknown result code ${n}`);
      return { id, code, opIndex: r.u8('opIndex') };
    },
    'result',
  );
}

export function encodeExpiredLeaf(expired: readonly TxId[]): Uint8Array {
  const w = new Writer(8 + expired.length * 16);
  w.u8(2);
  w.u32(expired.length);
  for (const id of expired) w.fixed(hexToBytes(id), 16);
  return w.finish();
}

export function resultLeaves(results: readonly TxResult[], expired: readonly TxId[]): Uint8Array[] {
  const leaves = results.map(encodeTxResult);
  if (expired.length > 0) leaves.push(encodeExpiredLeaf(expired));
  return leaves;
}

export function computeTxRoot(suite: CryptoSuite, txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(suite.hash, txs);
}

export function computeResultRoot(
  suite: CryptoSuite,
  results: readonly TxResult[],
  expired: readonly TxId[],
): Uint8Array {
  return merkleRoot(suite.hash, resultLeaves(results, expired));
}

// ---- certificates ----

export function certificateMessage(headerHashBytes: Uint8Array): Uint8Array {
  assert(headerHashBytes.length === HASH_BYTES, 'header hash is 32 bytes');
  return concatBytes(CERTIFICATE_DOMAIN, headerHashBytes);
}

export function signHeader(
  suite: CryptoSuite,
  validatorPrivateKey: Uint8Array,
  headerHashBytes: Uint8Array,
): Uint8Array {
  return suite.sign(validatorPrivateKey, certificateMessage(headerHashBytes));
}

export interface ValidatorSet {
  /** Validator org ids and their keys, in the same order. */
  readonly orgs: readonly OrgId[];
  readonly keys: readonly Uint8Array[];
  readonly quorum: number;
}

export type CertificateStatus =
  | 'ok'
  | 'height_mismatch'
  | 'header_hash_mismatch'
  | 'signatures_unordered'
  | 'unknown_validator'
  | 'signature_invalid'
  | 'below_quorum';

/** Checks a certificate against the validator set in force at its height, in precedence order. */
export function verifyCertificate(
  suite: CryptoSuite,
  validators: ValidatorSet,
  height: bigint,
  headerHashBytes: Uint8Array,
  certificate: Certificate,
): CertificateStatus {
  if (certificate.height !== height) return 'height_mismatch';
  if (!equalBytes(certificate.headerHash, headerHashBytes)) return 'header_hash_mismatch';
  let previousOrg: OrgId | undefined;
  for (const { org } of certificate.signatures) {
    if (previousOrg !== undefined && previousOrg >= org) return 'signatures_unordered';
    previousOrg = org;
  }
  const message = certificateMessage(headerHashBytes);
  for (const entry of certificate.signatures) {
    const index = validators.orgs.indexOf(entry.org);
    if (index < 0) return 'unknown_validator';
    const key = validators.keys[index];
    assert(key !== undefined, 'validator set has a key for every org, in the same order');
    if (!suite.verify(key, message, entry.signature)) return 'signature_invalid';
  }
  return certificate.signatures.length >= validators.quorum ? 'ok' : 'below_quorum';
}

export function encodeCertificate(certificate: Certificate): Uint8Array {
  const w = new Writer(64 + certificate.signatures.length * 100);
  w.u64(certificate.height);
  w.fixed(certificate.headerHash, HASH_BYTES);
  w.u8(certificate.signatures.length);
  for (const s of certificate.signatures) {
    w.text(s.org, ORG_ID_BYTES_MAX);
    w.bytes(s.signature, SIGNATURE_BYTES_MAX);
  }
  return w.finish();
}

export function decodeCertificate(bytes: Uint8Array): DecodeResult<Certificate> {
  return decodeWith(
    bytes,
    (r) => {
      const height = r.u64('height');
      const headerHashBytes = r.fixed(HASH_BYTES, 'header hash');
      const count = r.u8('signature count');
      if (count > ORGS_MAX) throw new DecodeError(`${count} signatures, at most ${ORGS_MAX}`);
      const signatures: CertificateSignature[] = [];
      for (let i = 0; i < count; i++) {
        const org = r.text(ORG_ID_BYTES_MAX, 'org');
        if (!isOrgId(org)) throw new DecodeError('certificate org id');
        signatures.push({ org, signature: r.bytes(SIGNATURE_BYTES_MAX, 'signature') });
      }
      return { height, headerHash: headerHashBytes, signatures };
    },
    'certificate',
  );
}

/** Adds one validator's signature, keeping the list sorted and one per org. */
export function addCertificateSignature(certificate: Certificate, entry: CertificateSignature): Certificate {
  if (certificate.signatures.some((s) => s.org === entry.org)) return certificate;
  const signatures = [...certificate.signatures, entry].sort((a, b) => (a.org < b.org ? -1 : 1));
  return { ...certificate, signatures };
}
