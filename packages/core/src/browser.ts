/**
 * The part of @paychain/core that runs in a browser: everything but the Node crypto suites
 * (`crypto/`), so the web app decodes transactions and verifies receipts with the same code as
 * the peers, given a `CryptoSuite` of its own. `index.ts` adds the suites to it.
 */
export { AssertionError, assert, assertNever } from './assert.ts';
export {
  addCertificateSignature,
  type BlockHeader,
  type Certificate,
  type CertificateSignature,
  type CertificateStatus,
  certificateMessage,
  computeResultRoot,
  computeTxRoot,
  decodeCertificate,
  decodeHeader,
  decodeTxResult,
  encodeCertificate,
  encodeHeader,
  encodeTxResult,
  HASH_BYTES,
  headerHash,
  resultLeaves,
  signHeader,
  type ValidatorSet,
  verifyCertificate,
} from './block.ts';
export {
  bytesToHex,
  bytesToUtf8,
  compareBytes,
  concatBytes,
  equalBytes,
  hexToBytes,
  isHex,
  utf8ToBytes,
} from './bytes.ts';
export {
  type ChainTip,
  type ExecutedBody,
  executeBody,
  type SealedBlock,
  type SealInput,
  sealBlock,
  sealHeader,
} from './chain.ts';
export { DecodeError, type DecodeResult, decodeWith, Reader, U64_MAX, Writer } from './codec.ts';
export type { CryptoSuite, KeyPair, SuiteName } from './crypto/suite.ts';
export {
  activeOrgsAt,
  type BlockExecution,
  type BlockTxInput,
  type ConsumedTxIds,
  type ExecutionContext,
  executeBlock,
  type ProgramSweep,
  programMerchantRefusal,
  programWindowRefusal,
  SWEEP_LIMITS,
  type SweepLimits,
  sweepPrograms,
  type TxResult,
  validatorSetAt,
  ZERO_ID,
} from './execute.ts';
export {
  encodeGenesis,
  type Genesis,
  type GenesisJson,
  genesisHash,
  genesisState,
  genesisToJson,
  parseGenesis,
} from './genesis.ts';
export * from './limits.ts';
export {
  createMerkleTree,
  type HashFn,
  type MerkleProof,
  type MerkleTree,
  merkleLeafHash,
  merkleRoot,
  validateMerkleProof,
  verifyMerkleProof,
} from './merkle/merkle.ts';
export { baseAmountFor, convertedAmount, formatAmount, parseAmount } from './money.ts';
export {
  createReceipt,
  createReceiptBuilder,
  parseReceipt,
  type Receipt,
  type ReceiptBlock,
  type ReceiptJson,
  type ReceiptStatus,
  receiptToJson,
  verifyReceipt,
} from './receipt.ts';
export { type Signer, signAndEncode, signTransaction, verifyTransactionSignatures } from './sign.ts';
export {
  type AccountEntry,
  type AssetEntry,
  accountKey,
  assetKey,
  type BalanceEntry,
  balanceAvailable,
  balanceKey,
  balancePosted,
  emptyProgramBalance,
  entryKey,
  LedgerState,
  type MerchantEntry,
  merchantKey,
  type OrgEntry,
  orgKey,
  type ParticipantEntry,
  type PendingEntry,
  type PendingState,
  type ProgramBalanceEntry,
  type ProgramEntry,
  type ProgramStatus,
  participantKey,
  pendingKey,
  programBalanceKey,
  programBalanceOf,
  programKey,
  programReceivableOf,
  type QuoteEntry,
  quoteKey,
  type SchemeEntry,
  type StateChange,
  type StateEntry,
  schemeKey,
  type WindowEntry,
  type WindowPosition,
  type WindowStatus,
  windowKey,
} from './state.ts';
export { decodeStateEntry, encodeStateEntry } from './state-codec.ts';
export {
  type CommitmentWork,
  commitmentDelta,
  StateCommitment,
  sumDeltas,
  xofInputOf,
} from './state-commitment/commitment.ts';
export { LTHASH_BYTES, LtHash, type XofFn, xofFromHash } from './state-commitment/lthash.ts';
export { isIdConsumed, TX_CODE_MESSAGES, TX_CODES, type TxCode, txCodeFromNumber, txCodeToNumber } from './status.ts';
export { type AssetHeld, heldByAsset } from './supply.ts';
export { decodeProgramSweeps, encodeProgramSweeps } from './sweep-codec.ts';
export {
  type DecodedTransaction,
  decodeTransaction,
  encodeTransaction,
  encodeTxSigningBytes,
  isAssetId,
  isCurrencyCode,
  isId128,
  isMcc,
  isOrgId,
  isRegion,
  sortSignatures,
  TX_SIGNING_DOMAIN,
  TX_TAGS,
  TX_VERSION,
  txBytesMaxOf,
  txSigningBytesOf,
} from './tx-codec.ts';
export * from './types.ts';
