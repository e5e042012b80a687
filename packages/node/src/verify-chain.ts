/**
 * Offline audit of one peer's store: replays the chain from genesis and checks every stored
 * byte against what the replay derives — header hashes and links, Merkle roots, results,
 * signatures, certificates, the state table and the consumed ids. It reports the first bad
 * height and what is wrong; a damaged database file is reported as such.
 */
import {
  assert,
  bytesToHex,
  type CryptoSuite,
  computeTxRoot,
  encodeGenesis,
  encodeHeader,
  encodeProgramSweeps,
  encodeStateEntry,
  entryKey,
  equalBytes,
  type Genesis,
  genesisState,
  headerHash,
  heldByAsset,
  StateCommitment,
  sealBlock,
  validatorSetAt,
  verifyCertificate,
  verifyTransactionSignatures,
} from '@paychain/core';
import { BlockStore, programOfTx, quoteOfTx, StoreError } from '@paychain/store';
import { commitmentXof } from './commitment-xof.ts';
import { genesisHeader } from './peer.ts';

export type ChainAudit =
  | {
      readonly ok: true;
      readonly height: bigint;
      readonly certifiedHeight: bigint;
      readonly txs: number;
      readonly headHash: string;
    }
  | { readonly ok: false; readonly height: bigint | null; readonly problem: string };

function bad(height: bigint | null, problem: string): ChainAudit {
  return { ok: false, height, problem };
}

export function auditPeerStore(dbPath: string, genesis: Genesis, suite: CryptoSuite): ChainAudit {
  let store: BlockStore;
  try {
    store = BlockStore.open(dbPath, { readonly: true });
  } catch (error) {
    if (error instanceof StoreError) return bad(null, error.message);
    throw error;
  }
  try {
    const integrity = store.database.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return bad(null, `the database file is damaged: ${String(integrity)}`);
    return auditOpenStore(store, genesis, suite);
  } catch (error) {
    if (error instanceof StoreError) return bad(null, error.message);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_'))
      return bad(null, `the database file is damaged: ${(error as Error).message}`);
    throw error;
  } finally {
    store.close();
  }
}

function auditOpenStore(store: BlockStore, genesis: Genesis, suite: CryptoSuite): ChainAudit {
  const storedGenesis = store.getMeta('genesis');
  if (storedGenesis === undefined || !equalBytes(storedGenesis, encodeGenesis(genesis))) {
    return bad(0n, 'the store was made from another genesis');
  }
  const xof = commitmentXof(genesis.suite);
  const state = genesisState(genesis);
  const commitment = StateCommitment.ofEntries(state.all(), xof, suite.hash);
  const header0 = genesisHeader(suite, genesis, commitment);
  let tip = { height: 0n, hash: headerHash(suite, header0), time: genesis.time };
  const consumed = new Set<string>();
  const head = store.head();
  const headHeight = head?.height ?? 0n;
  const blockCount = BigInt(store.database.prepare('SELECT COUNT(*) FROM blocks').pluck().get() as number);
  let txCount = 0;
  let certifiedHeight = 0n;
  const hasProgramIndex =
    store.database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'program_blocks'").get() !==
    undefined;
  const programIndex = hasProgramIndex
    ? {
        height: store.programIndexHeight(),
        at: store.database.prepare('SELECT program FROM program_blocks WHERE height = ?').pluck(),
      }
    : null;
  const hasQuoteIndex =
    store.database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'quote_blocks'").get() !==
    undefined;
  const quoteIndex = hasQuoteIndex
    ? {
        height: store.quoteIndexHeight(),
        at: store.database.prepare('SELECT quote FROM quote_blocks WHERE height = ?').pluck(),
      }
    : null;
  for (let height = 1n; height <= headHeight; height++) {
    let block: ReturnType<BlockStore['getBlock']>;
    try {
      block = store.getBlock(height);
    } catch (error) {
      if (error instanceof StoreError) return bad(height, error.message);
      throw error;
    }
    if (block === null) return bad(height, 'block is missing');
    if (block.header.height !== height) return bad(height, `header says height ${block.header.height}`);
    if (!equalBytes(headerHash(suite, block.header), block.hash))
      return bad(height, 'stored block hash does not match its header');
    if (!equalBytes(block.header.prevHash, tip.hash))
      return bad(height, 'previous-hash link is broken (a block was changed, removed or reordered before it)');
    if (block.header.txCount !== block.txs.length) {
      return bad(height, `header counts ${block.header.txCount} transactions, the store has ${block.txs.length}`);
    }
    if (!equalBytes(computeTxRoot(suite, block.txs), block.header.txRoot)) {
      return bad(
        height,
        "transactions do not match the header's Merkle root (a transaction was changed, added, removed or reordered)",
      );
    }
    const validators = validatorSetAt(state, height);
    if (block.certificate !== null) {
      const status = verifyCertificate(suite, validators, height, block.hash, block.certificate);
      if (status !== 'ok') return bad(height, `certificate: ${status}`);
      certifiedHeight = height;
    } else if (height < headHeight) {
      return bad(height, 'block has no certificate but later blocks do');
    }
    const sealed = sealBlock(state, commitment, {
      suite,
      genesis,
      tip,
      time: block.header.time,
      txs: block.txs.map((bytes) => ({ bytes, signaturesValid: verifyTransactionSignatures(suite, bytes) })),
      consumed: { has: (id) => consumed.has(id) },
    });
    for (const [i, stored] of block.results.entries()) {
      const replayed = sealed.execution.results[i];
      assert(replayed !== undefined, 'the store and the replay both give one result per transaction');
      // The stored id and code are also the consumed-id index: a wrong one would let a payment apply again.
      if (stored.id !== replayed.id)
        return bad(height, `transaction ${i}: stored id ${stored.id} differs from the transaction's ${replayed.id}`);
      if (stored.code !== replayed.code || stored.opIndex !== replayed.opIndex) {
        return bad(height, `transaction ${i}: stored result ${stored.code} differs from replay ${replayed.code}`);
      }
    }
    if (block.expired.join() !== sealed.execution.expired.join())
      return bad(height, 'stored expired pending list differs from replay');
    if (!equalBytes(encodeProgramSweeps(block.programSweeps), encodeProgramSweeps(sealed.execution.programSweeps)))
      return bad(height, 'stored program sweeps differ from replay');
    // The program index (what traces read instead of every block) names exactly the programs of this block.
    if (programIndex !== null && height <= programIndex.height) {
      const expected = new Set<string>();
      for (const bytes of block.txs) {
        const program = programOfTx(bytes);
        if (program !== null) expected.add(program);
      }
      for (const sweep of block.programSweeps) expected.add(sweep.program);
      const stored = programIndex.at.all(Number(height)) as string[];
      if (stored.length !== expected.size || !stored.every((program) => expected.has(program))) {
        return bad(height, 'the program index differs from the programs in the block');
      }
    }
    // Likewise the quote index (what a quote's conversions read) names exactly the quotes of this block's FX txs.
    if (quoteIndex !== null && height <= quoteIndex.height) {
      const expected = new Set<string>();
      for (const bytes of block.txs) {
        const quote = quoteOfTx(bytes);
        if (quote !== null) expected.add(quote);
      }
      const stored = quoteIndex.at.all(Number(height)) as string[];
      if (stored.length !== expected.size || !stored.every((quote) => expected.has(quote))) {
        return bad(height, 'the quote index differs from the quotes in the block');
      }
    }
    if (!equalBytes(sealed.header.resultRoot, block.header.resultRoot))
      return bad(height, 'result Merkle root differs from replay');
    if (!equalBytes(sealed.header.stateCommitment, block.header.stateCommitment)) {
      return bad(height, 'state commitment differs from replay');
    }
    if (!equalBytes(encodeHeader(sealed.header), encodeHeader(block.header)))
      return bad(height, 'header differs from replay');
    for (const c of sealed.execution.consumed) consumed.add(c.id);
    tip = { height, hash: sealed.hash, time: sealed.header.time };
    txCount += block.txs.length;
  }
  if (blockCount !== headHeight)
    return bad(headHeight, `store has ${blockCount} block rows for a head at ${headHeight}: extra or missing rows`);
  const strayTxs = store.database
    .prepare('SELECT MIN(height) FROM txs WHERE height < 1 OR height > ?')
    .pluck()
    .get(headHeight) as number | null;
  if (strayTxs !== null) return bad(BigInt(strayTxs), 'transaction rows outside any stored block');
  const hasSweepTable =
    store.database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'program_sweeps'").get() !==
    undefined;
  const straySweeps = hasSweepTable
    ? (store.database
        .prepare('SELECT MIN(height) FROM program_sweeps WHERE height < 1 OR height > ?')
        .pluck()
        .get(headHeight) as number | null)
    : null;
  if (straySweeps !== null) return bad(BigInt(straySweeps), 'program sweep rows outside any stored block');
  const strayIndex = hasProgramIndex
    ? (store.database
        .prepare('SELECT MIN(height) FROM program_blocks WHERE height < 1 OR height > ?')
        .pluck()
        .get(headHeight) as number | null)
    : null;
  if (strayIndex !== null) return bad(BigInt(strayIndex), 'program index rows outside any stored block');
  const strayQuoteIndex = hasQuoteIndex
    ? (store.database
        .prepare('SELECT MIN(height) FROM quote_blocks WHERE height < 1 OR height > ?')
        .pluck()
        .get(headHeight) as number | null)
    : null;
  if (strayQuoteIndex !== null) return bad(BigInt(strayQuoteIndex), 'quote index rows outside any stored block');
  // The stored state must be exactly the replayed state.
  const replayed = new Map<string, Uint8Array>();
  for (const entry of state.all()) replayed.set(entryKey(entry), encodeStateEntry(entry));
  let storedCount = 0;
  for (const entry of store.stateEntries()) {
    storedCount++;
    const key = entryKey(entry);
    const expected = replayed.get(key);
    if (expected === undefined) return bad(headHeight, `state entry ${key} is not produced by the chain`);
    if (!equalBytes(expected, encodeStateEntry(entry)))
      return bad(headHeight, `state entry ${key} differs from the replay of the chain`);
  }
  if (storedCount !== replayed.size)
    return bad(headHeight, `state has ${storedCount} entries, the replay ${replayed.size}: an entry was removed`);
  // Conservation per asset: what balances and programs hold is what was minted and not burned.
  for (const [asset, held] of heldByAsset(state.all())) {
    if (held.balances + held.programs + held.pledged !== held.minted - held.burned) {
      return bad(
        headHeight,
        `asset ${asset}: balances ${held.balances} + programs ${held.programs} + pledged ${held.pledged} ≠ minted ${held.minted} − burned ${held.burned}`,
      );
    }
  }
  const commitmentBytes = store.getMeta('commitment');
  if (commitmentBytes === undefined || !equalBytes(commitmentBytes, commitment.toBytes())) {
    return bad(headHeight, 'stored commitment accumulator differs from the replay');
  }
  return { ok: true, height: headHeight, certifiedHeight, txs: txCount, headHash: bytesToHex(tip.hash) };
}
