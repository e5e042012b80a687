/**
 * One organization's peer: its own store, world state and state commitment. It executes
 * block proposals, stores each block durably before it signs the header, and refuses to go
 * on when its stored state does not match its head (`PeerError('state_diverged')`).
 *
 * A peer signs at most one header per height: it signs only the block it has stored at that
 * height, and a stored block is never replaced.
 */
import {
  assert,
  type BlockHeader,
  type BlockTxInput,
  bytesToHex,
  type Certificate,
  type ChainTip,
  type CommitmentWork,
  type CryptoSuite,
  commitmentDelta,
  computeResultRoot,
  computeTxRoot,
  type ExecutedBody,
  encodeGenesis,
  equalBytes,
  executeBody,
  type Genesis,
  genesisHash,
  genesisState,
  headerHash,
  LedgerState,
  type SealedBlock,
  StateCommitment,
  sealHeader,
  signHeader,
  type ValidatorSet,
  validatorSetAt,
  verifyTransactionSignatures as verifySignatures,
  type XofFn,
} from '@paychain/core';
import { BlockStore, type StoredBlock } from '@paychain/store';
import { commitmentXof } from './commitment-xof.ts';

export type PeerErrorCode = 'state_diverged' | 'genesis_mismatch' | 'block_mismatch' | 'not_next_block';

export class PeerError extends Error {
  override readonly name = 'PeerError';
  readonly code: PeerErrorCode;
  readonly height: bigint | null;
  constructor(code: PeerErrorCode, message: string, height: bigint | null = null) {
    super(message);
    this.code = code;
    this.height = height;
  }
}

export interface BlockProposal {
  readonly time: bigint;
  readonly txs: readonly BlockTxInput[];
  /**
   * Cluster ordering: the stream sequence of the last message this block was cut from. Stored
   * with the block in the same SQLite transaction, so a restarted peer resumes right after it.
   */
  readonly streamSeq?: number;
}

/** Meta key of the ordering stream position (u64 big-endian) stored with each cluster-ordered block. */
const STREAM_SEQ_META = 'stream_seq';

export interface PeerOptions {
  readonly orgId: string;
  readonly dbPath: string;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  /** The validator's private key; null for a peer that does not sign blocks. */
  readonly validatorKey: Uint8Array | null;
  readonly durable?: boolean;
}

/** A block executed on a peer's state, waiting for its commitment delta. */
export interface BegunBlock {
  readonly body: ExecutedBody;
  readonly work: CommitmentWork;
  readonly streamSeq?: number;
}

export interface ExecutedBlock {
  readonly sealed: SealedBlock;
  readonly txs: readonly Uint8Array[];
  /** This peer's signature over the header hash, or null when it is not a validator. */
  readonly signature: Uint8Array | null;
}

/** The header of height 0: anchors the chain to the genesis document. */
export function genesisHeader(suite: CryptoSuite, genesis: Genesis, commitment: StateCommitment): BlockHeader {
  return {
    chainId: genesis.chainId,
    height: 0n,
    prevHash: genesisHash(suite, genesis),
    time: genesis.time,
    txCount: 0,
    txRoot: computeTxRoot(suite, []),
    resultRoot: computeResultRoot(suite, [], []),
    stateCommitment: commitment.digest(),
  };
}

export class Peer {
  readonly orgId: string;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly store: BlockStore;
  private readonly validatorKey: Uint8Array | null;
  private state: LedgerState;
  private commitment: StateCommitment;
  private tipValue: ChainTip;
  /** The last block executed, which may not be sealed and stored yet. */
  private executedTip: { readonly height: bigint; readonly time: bigint };
  /** Ids consumed by blocks executed but not yet stored. */
  private readonly unstoredConsumed = new Set<string>();
  private readonly xof: XofFn;
  private certifiedHeightValue: bigint;

  private constructor(
    options: PeerOptions,
    store: BlockStore,
    state: LedgerState,
    commitment: StateCommitment,
    tip: ChainTip,
  ) {
    this.orgId = options.orgId;
    this.genesis = options.genesis;
    this.suite = options.suite;
    this.validatorKey = options.validatorKey;
    this.store = store;
    this.state = state;
    this.commitment = commitment;
    this.tipValue = tip;
    this.executedTip = { height: tip.height, time: tip.time };
    this.xof = commitmentXof(options.genesis.suite);
    this.certifiedHeightValue = store.certifiedHeight();
  }

  /** Opens (or creates) the peer's store and checks its state against its head. */
  static open(options: PeerOptions): Peer {
    const { suite, genesis } = options;
    const xof = commitmentXof(genesis.suite);
    const store = BlockStore.open(options.dbPath, { create: true, durable: options.durable ?? true });
    try {
      const genesisBytes = encodeGenesis(genesis);
      const storedGenesis = store.getMeta('genesis');
      if (storedGenesis === undefined) {
        const state = genesisState(genesis);
        const commitment = StateCommitment.ofEntries(state.all(), xof, suite.hash);
        const header = genesisHeader(suite, genesis, commitment);
        const hash = headerHash(suite, header);
        store.initialize(genesisBytes, header, hash, [...state.all()], commitment.toBytes());
        return new Peer(options, store, state, commitment, { height: 0n, hash, time: genesis.time });
      }
      if (!equalBytes(storedGenesis, genesisBytes)) {
        throw new PeerError('genesis_mismatch', `${options.dbPath} belongs to another chain's genesis`);
      }
      const entries = [...store.stateEntries()];
      const state = LedgerState.fromEntries(entries);
      const commitment = StateCommitment.ofEntries(entries, xof, suite.hash);
      const head = store.head();
      const tipHeader =
        head?.header ??
        genesisHeader(suite, genesis, StateCommitment.ofEntries(genesisState(genesis).all(), xof, suite.hash));
      if (!equalBytes(commitment.digest(), tipHeader.stateCommitment)) {
        throw new PeerError(
          'state_diverged',
          `stored state does not match the state commitment of head ${tipHeader.height}: the state table was changed or damaged`,
          tipHeader.height,
        );
      }
      const tipHash = headerHash(suite, tipHeader);
      if (head !== null && !equalBytes(tipHash, head.hash)) {
        throw new PeerError(
          'block_mismatch',
          `head ${head.height}: stored hash does not match its header`,
          head.height,
        );
      }
      return new Peer(options, store, state, commitment, {
        height: tipHeader.height,
        hash: tipHash,
        time: tipHeader.time,
      });
    } catch (error) {
      store.close();
      throw error;
    }
  }

  get tip(): ChainTip {
    return this.tipValue;
  }

  /** Cluster ordering: the stream sequence the stored head was cut up to (0 when none is stored). */
  get streamSeq(): number {
    const bytes = this.store.getMeta(STREAM_SEQ_META);
    if (bytes === undefined) return 0;
    if (bytes.length !== 8) throw new PeerError('block_mismatch', `meta ${STREAM_SEQ_META} is not 8 bytes`);
    const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new PeerError('block_mismatch', `meta ${STREAM_SEQ_META} too large`);
    return Number(value);
  }

  get certifiedHeight(): bigint {
    return this.certifiedHeightValue;
  }

  get ledger(): LedgerState {
    return this.state;
  }

  isValidator(): boolean {
    return this.validatorKey !== null;
  }

  /** Validators that certify the block at `height` (membership changes apply from the next height). */
  validatorSet(height: bigint): ValidatorSet {
    return validatorSetAt(this.state, height);
  }

  /**
   * Phase one of a block: executes it on the in-memory state and lists the XOF work the
   * commitment needs. Blocks may be begun ahead of the ones still being finished (the shell
   * computes the commitment delta on worker threads meanwhile); ids they consume are remembered until
   * stored, so a later block cannot apply them again.
   */
  begin(proposal: BlockProposal): BegunBlock {
    const body = executeBody(this.state, {
      suite: this.suite,
      genesis: this.genesis,
      tip: this.executedTip,
      time: proposal.time,
      txs: proposal.txs,
      consumed: { has: (id) => this.unstoredConsumed.has(id) || this.store.isConsumed(id) },
    });
    for (const c of body.execution.consumed) this.unstoredConsumed.add(c.id);
    this.executedTip = { height: body.height, time: body.time };
    const work = StateCommitment.prepare(body.execution.changes);
    return proposal.streamSeq === undefined ? { body, work } : { body, work, streamSeq: proposal.streamSeq };
  }

  /**
   * Phase two, in block order: applies the commitment delta of the block's work (see
   * `commitmentDelta`), seals the header,
   * stores the block durably and only then signs it. A store failure leaves memory ahead of
   * disk: the error propagates and this peer must stop (a restart reloads from disk).
   */
  finish(begun: BegunBlock, delta: Uint8Array): ExecutedBlock {
    const { body, work } = begun;
    assert(body.height === this.tipValue.height + 1n, `peer ${this.orgId} finishes blocks in order`);
    this.commitment.applyDelta(delta);
    const sealed = sealHeader(this.suite, this.genesis.chainId, body, this.tipValue.hash, this.commitment.digest());
    this.store.commitBlock({
      header: sealed.header,
      hash: sealed.hash,
      txs: body.txs,
      results: sealed.execution.results,
      expired: sealed.execution.expired,
      programSweeps: sealed.execution.programSweeps,
      changes: sealed.execution.changes,
      values: work.added,
      meta: begun.streamSeq === undefined ? [] : [[STREAM_SEQ_META, u64ToBytes(begun.streamSeq)]],
      commitmentBytes: this.commitment.toBytes(),
    });
    for (const c of body.execution.consumed) this.unstoredConsumed.delete(c.id);
    this.tipValue = { height: sealed.header.height, hash: sealed.hash, time: sealed.header.time };
    return { sealed, txs: body.txs, signature: this.signStored(sealed.header.height, sealed.hash) };
  }

  /** Both phases at once, with the XOF computed on this thread (catch-up, tests, tools). */
  execute(proposal: BlockProposal): ExecutedBlock {
    assert(this.executedTip.height === this.tipValue.height, 'no block is half done');
    const begun = this.begin(proposal);
    return this.finish(begun, commitmentDelta(this.xof, begun.work));
  }

  /** Signs the stored block at `height` (again after a restart: the same block, the same signature for Ed25519). */
  signStored(height: bigint, hash: Uint8Array): Uint8Array | null {
    if (this.validatorKey === null) return null;
    const stored = height === this.tipValue.height ? this.tipValue.hash : this.store.getBlock(height)?.hash;
    assert(
      stored !== undefined && equalBytes(stored, hash),
      `peer ${this.orgId} signs only the block it stored at ${height}`,
    );
    return signHeader(this.suite, this.validatorKey, hash);
  }

  /**
   * Applies a block another peer stored (catch-up): executes it and checks that the header
   * comes out identical. A different header means this peer or the other diverged.
   */
  replay(block: StoredBlock): ExecutedBlock {
    if (block.header.height !== this.tipValue.height + 1n) {
      throw new PeerError(
        'not_next_block',
        `expected block ${this.tipValue.height + 1n}, got ${block.header.height}`,
        block.header.height,
      );
    }
    const txs = block.txs.map((bytes) => ({ bytes, signaturesValid: verifySignatures(this.suite, bytes) }));
    const executed = this.execute({ time: block.header.time, txs });
    if (!equalBytes(executed.sealed.hash, block.hash)) {
      throw new PeerError(
        'state_diverged',
        `block ${block.header.height}: replay gives header ${bytesToHex(executed.sealed.hash)}, the source has ${bytesToHex(block.hash)}`,
        block.header.height,
      );
    }
    if (block.certificate !== null) this.storeCertificate(block.certificate);
    return executed;
  }

  storeCertificate(certificate: Certificate): void {
    this.store.putCertificate(certificate.height, certificate);
    if (certificate.height > this.certifiedHeightValue) this.certifiedHeightValue = certificate.height;
  }

  close(): void {
    this.store.close();
  }
}

function u64ToBytes(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a stream sequence is a safe non-negative integer');
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
}
