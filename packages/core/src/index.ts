export { assert, assertNever, AssertionError } from './assert.ts';
export {
  bytesToHex,
  hexToBytes,
  isHex,
  concatBytes,
  equalBytes,
  compareBytes,
  utf8ToBytes,
  bytesToUtf8,
} from './bytes.ts';
export { Reader, Writer, DecodeError, decodeWith, type DecodeResult, U64_MAX } from './codec.ts';
export * from './limits.ts';
export * from './types.ts';
export { TX_CODES, TX_CODE_MESSAGES, type TxCode, isIdConsumed, txCodeFromNumber, txCodeToNumber } from './status.ts';
export {
  TX_TAGS,
  TX_VERSION,
  TX_SIGNING_DOMAIN,
  decodeTransaction,
  encodeTransaction,
  encodeTxSigningBytes,
  txSigningBytesOf,
  sortSignatures,
  isId128,
  isOrgId,
  isAssetId,
  type DecodedTransaction,
} from './tx-codec.ts';
export {
  LedgerState,
  type StateEntry,
  type StateChange,
  type OrgEntry,
  type AssetEntry,
  type AccountEntry,
  type BalanceEntry,
  type PendingEntry,
  type PendingState,
  entryKey,
  orgKey,
  assetKey,
  accountKey,
  balanceKey,
  pendingKey,
  balanceAvailable,
  balancePosted,
} from './state.ts';
export { encodeStateEntry, decodeStateEntry } from './state-codec.ts';
export {
  executeBlock,
  activeOrgsAt,
  validatorSetAt,
  ZERO_ID,
  type ExecutionContext,
  type ConsumedTxIds,
  type TxResult,
  type BlockTxInput,
  type BlockExecution,
} from './execute.ts';
export {
  type BlockHeader,
  type Certificate,
  type CertificateSignature,
  type CertificateStatus,
  type ValidatorSet,
  encodeHeader,
  decodeHeader,
  headerHash,
  encodeTxResult,
  decodeTxResult,
  computeTxRoot,
  computeResultRoot,
  resultLeaves,
  signHeader,
  certificateMessage,
  verifyCertificate,
  encodeCertificate,
  decodeCertificate,
  addCertificateSignature,
  HASH_BYTES,
} from './block.ts';
export { sealBlock, type ChainTip, type SealedBlock, type SealInput } from './chain.ts';
export {
  type Genesis,
  type GenesisJson,
  encodeGenesis,
  genesisHash,
  genesisState,
  genesisToJson,
  parseGenesis,
} from './genesis.ts';
export { parseAmount, formatAmount } from './money.ts';
export { signTransaction, signAndEncode, verifyTransactionSignatures, type Signer } from './sign.ts';
export {
  type Receipt,
  type ReceiptJson,
  type ReceiptStatus,
  createReceipt,
  verifyReceipt,
  receiptToJson,
  parseReceipt,
} from './receipt.ts';
export {
  type HashFn,
  type MerkleProof,
  type MerkleTree,
  merkleRoot,
  merkleLeafHash,
  createMerkleTree,
  verifyMerkleProof,
  validateMerkleProof,
} from './merkle/merkle.ts';
export { LtHash, LTHASH_BYTES, type XofFn, xofFromHash } from './state-commitment/lthash.ts';
export { StateCommitment } from './state-commitment/commitment.ts';
export { type CryptoSuite, type SuiteName, type KeyPair, getSuite, isSuiteName } from './crypto/suite.ts';
