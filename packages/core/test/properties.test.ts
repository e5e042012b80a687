// Goal: conservation, no negative balance, at-most-once ids, two-phase bounds, replay = state, incremental =
// recomputed commitment, under any sequence of payments. Method: fast-check blocks of random signed operations
// sealed with sealBlock, every result predicted by a plain model, invariants checked after each block.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BlockHeader,
  type BlockTxInput,
  bytesToHex,
  type ChainTip,
  DAY_MS,
  decodeStateEntry,
  encodeHeader,
  encodeStateEntry,
  entryKey,
  executeBlock,
  type Genesis,
  genesisHash,
  genesisState,
  heldByAsset,
  LedgerState,
  type MoneyOp,
  PENDING_TIMEOUT_MS_MAX,
  PENDING_TIMEOUT_MS_MIN,
  type PendingState,
  type Signer,
  StateCommitment,
  sealBlock,
  signAndEncode,
  type TxBody,
  type TxCode,
  type TxResult,
  verifyTransactionSignatures,
  xofFromHash,
} from '../src/index.ts';
import { FC_SEED } from './helpers/arbitraries.ts';
import { CHAIN_ID, HOUR_MS, K, keyOf, open, SECOND_MS, suite, genesis as worldGenesis } from './helpers/world.ts';

const xof = xofFromHash(suite.hash);
const ASSETS = ['CNY', 'USD'] as const;

interface Customer {
  readonly id: string;
  readonly key: Signer;
  readonly tier: 1 | 2 | 3;
  readonly allowNegative: boolean;
}
const CUSTOMERS: readonly Customer[] = [
  { id: '0a000000000000000000000000000000', key: keyOf('p0'), tier: 1, allowNegative: false },
  { id: '0b000000000000000000000000000000', key: keyOf('p1'), tier: 2, allowNegative: false },
  { id: '0c000000000000000000000000000000', key: keyOf('p2'), tier: 3, allowNegative: false },
  { id: '0d000000000000000000000000000000', key: keyOf('p3'), tier: 3, allowNegative: false },
  { id: '0e000000000000000000000000000000', key: keyOf('treasury'), tier: 1, allowNegative: true },
];
/** The value, or a thrown error naming what was missing (a bug in this test). */
function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`test bug: no ${what}`);
  return value;
}
function customer(index: number): Customer {
  return defined(CUSTOMERS[index], `customer ${index}`);
}

/** Tighter limits than the executor tests' world, so random runs reach the daily limit often. */
const LIMITS = {
  1: null,
  2: { perPaymentMax: 1_000_00n, perDayMax: 1_000_00n },
  3: { perPaymentMax: 300_00n, perDayMax: 400_00n },
} as const;
const genesis: Genesis = { ...worldGenesis, params: { ...worldGenesis.params, tierLimits: LIMITS } };

// ---- generated operations (plain data; turned into signed transactions when their block runs) ----

type Asset = (typeof ASSETS)[number];
/**
 * When not null, the amount is replaced at signing time by a boundary taken from the model, plus
 * `delta` minor units: the source's available balance, what is left of its daily limit, its
 * per-payment limit, or (for a post) the hold's amount.
 */
type Edge = { base: 'available' | 'day' | 'payment'; delta: -1n | 0n | 1n } | null;
type Op =
  | { k: 'transfer'; from: number; to: number; asset: Asset; amount: bigint; edge: Edge }
  | { k: 'hold'; from: number; to: number; asset: Asset; amount: bigint; timeoutMs: bigint; edge: Edge }
  | { k: 'mint'; to: number; asset: Asset; amount: bigint }
  | { k: 'burn'; from: number; asset: Asset; amount: bigint; edge: Edge }
  | { k: 'post'; ref: number; amount: bigint; byTarget: boolean; edge: Edge }
  | { k: 'void'; ref: number; byTarget: boolean }
  | { k: 'freeze' | 'unfreeze' | 'close'; account: number }
  | { k: 'batch'; ops: Array<Extract<Op, { k: 'transfer' | 'hold' | 'mint' | 'burn' }>> }
  | { k: 'replay'; ref: number };

const account = fc.nat(CUSTOMERS.length - 1);
const asset = fc.constantFrom(...ASSETS);
const amount = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt(1n, 300_00n) },
  { weight: 2, arbitrary: fc.bigInt(300_00n, 6_000_00n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 500_00n, 500_01n) },
);
const edge: fc.Arbitrary<Edge> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      base: fc.constantFrom('available' as const, 'day' as const, 'payment' as const),
      delta: fc.constantFrom(-1n as const, 0n as const, 1n as const),
    }),
  },
);
const transferOp = fc.record({ k: fc.constant('transfer' as const), from: account, to: account, asset, amount, edge });
const holdOp = fc.record({
  k: fc.constant('hold' as const),
  from: account,
  to: account,
  asset,
  amount,
  timeoutMs: fc.oneof(
    { weight: 3, arbitrary: fc.bigInt(PENDING_TIMEOUT_MS_MIN, 20_000n) },
    { weight: 3, arbitrary: fc.bigInt(60_000n, 3n * HOUR_MS) },
    { weight: 1, arbitrary: fc.constantFrom(999n, PENDING_TIMEOUT_MS_MAX, PENDING_TIMEOUT_MS_MAX + 1n) },
  ),
  edge,
});
const mintOp = fc.record({
  k: fc.constant('mint' as const),
  to: account,
  asset,
  amount: fc.oneof(amount, fc.bigInt(1n, 5_000_00n)),
});
const burnOp = fc.record({ k: fc.constant('burn' as const), from: account, asset, amount, edge });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: transferOp },
  { weight: 4, arbitrary: mintOp },
  { weight: 2, arbitrary: burnOp },
  { weight: 5, arbitrary: holdOp },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('post' as const), ref: fc.nat(), amount, byTarget: fc.boolean(), edge }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('void' as const), ref: fc.nat(), byTarget: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('freeze' as const, 'unfreeze' as const), account }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), account }) }, // rarely succeeds: all are funded
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.array(fc.oneof(transferOp, mintOp, burnOp), { minLength: 1, maxLength: 3 }),
        fc.option(holdOp, { nil: null }),
      )
      .map(([ops, hold]) => ({ k: 'batch' as const, ops: hold === null ? ops : [...ops, hold] })),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('replay' as const), ref: fc.nat() }) },
);
/** Three equal payments in a row from one account: reaches the daily limit of tiers 2 and 3. */
const spreeArb: fc.Arbitrary<Op[]> = fc
  .record({
    k: fc.constant('transfer' as const),
    from: account,
    to: account,
    asset,
    amount: fc.bigInt(100_00n, 600_00n),
    edge: fc.constant(null),
  })
  .map((op) => [op, op, op]);
/** A hold, then a debit of exactly the available balance (± 1) from the same account: holds count. */
const holdThenSpendArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    holdOp,
    fc.constantFrom('transfer' as const, 'burn' as const),
    account,
    fc.constantFrom(-1n as const, 0n as const, 1n as const),
  )
  .map(([hold, k, to, delta]): Op[] => {
    const spend: Edge = { base: 'available', delta };
    const debit: Op =
      k === 'transfer'
        ? { k, from: hold.from, to, asset: hold.asset, amount: 1n, edge: spend }
        : { k, from: hold.from, asset: hold.asset, amount: 1n, edge: spend };
    return [{ ...hold, timeoutMs: HOUR_MS, edge: null }, debit];
  });
const blockArb = fc.record({
  advanceMs: fc.constantFrom(0n, 0n, SECOND_MS, SECOND_MS, 7n * SECOND_MS, 30n * SECOND_MS, HOUR_MS, 9n * HOUR_MS),
  ops: fc
    .array(
      fc.oneof(
        { weight: 9, arbitrary: opArb.map((op) => [op]) },
        { weight: 1, arbitrary: spreeArb },
        { weight: 1, arbitrary: holdThenSpendArb },
      ),
      { maxLength: 6 },
    )
    .map((groups) => groups.flat()),
});
const runArb = fc.array(blockArb, { minLength: 1, maxLength: 12 });

// ---- the model: what each operation should do, from the rules, with nothing but maps ----

interface ModelBalance {
  posted: bigint;
  held: bigint;
  incoming: bigint;
  day: bigint;
  daySpent: bigint;
}
interface ModelPending {
  id: string;
  source: string;
  target: string;
  asset: string;
  amount: bigint;
  timeoutAt: bigint;
  state: PendingState;
  posted: bigint;
}
interface ModelAccount {
  tier: 1 | 2 | 3;
  allowNegative: boolean;
  frozen: boolean;
  closed: boolean;
}

class Model {
  balances = new Map<string, ModelBalance>();
  accounts = new Map<string, ModelAccount>();
  pendings = new Map<string, ModelPending>();
  supply = new Map<string, { minted: bigint; burned: bigint }>(ASSETS.map((a) => [a, { minted: 0n, burned: 0n }]));
  consumed = new Map<string, bigint>(); // id → expiresAt

  /** Holds in creation order (a Map keeps insertion order): `post`/`void` name one by `ref`. */
  holdId(ref: number): string | undefined {
    const ids = [...this.pendings.keys()];
    return ids[ref % Math.max(ids.length, 1)];
  }

  clone(): Model {
    const m = new Model();
    m.balances = new Map([...this.balances].map(([k, v]) => [k, { ...v }]));
    m.accounts = new Map([...this.accounts].map(([k, v]) => [k, { ...v }]));
    m.pendings = new Map([...this.pendings].map(([k, v]) => [k, { ...v }]));
    m.supply = new Map([...this.supply].map(([k, v]) => [k, { ...v }]));
    m.consumed = new Map(this.consumed);
    return m;
  }

  balance(acct: string, a: string): ModelBalance {
    const key = `${acct}:${a}`;
    let b = this.balances.get(key);
    if (b === undefined) {
      b = { posted: 0n, held: 0n, incoming: 0n, day: 0n, daySpent: 0n };
      this.balances.set(key, b);
    }
    return b;
  }

  usable(acct: string): TxCode {
    const a = this.accounts.get(acct);
    if (a === undefined) return 'account_not_found';
    if (a.closed) return 'account_closed';
    if (a.frozen) return 'account_frozen';
    return 'ok';
  }

  /** Expires open holds with timeoutAt ≤ time, in (timeoutAt, id) order. */
  expire(time: bigint): string[] {
    const due = [...this.pendings.values()]
      .filter((p) => p.state === 'pending' && p.timeoutAt <= time)
      .sort((x, y) => (x.timeoutAt !== y.timeoutAt ? (x.timeoutAt < y.timeoutAt ? -1 : 1) : x.id < y.id ? -1 : 1));
    for (const p of due) this.release(p, 'expired', 0n);
    return due.map((p) => p.id);
  }

  release(p: ModelPending, to: PendingState, post: bigint): void {
    const s = this.balance(p.source, p.asset);
    const t = this.balance(p.target, p.asset);
    s.held -= p.amount;
    t.incoming -= p.amount;
    s.posted -= post;
    t.posted += post;
    p.state = to;
    p.posted = post;
  }

  /** The checks of a debit, in the executor's order after the accounts: limits, then funds. */
  debit(from: string, a: string, value: bigint, today: bigint): TxCode {
    const acct = this.accounts.get(from);
    const b = this.balance(from, a);
    if (acct === undefined) return 'account_not_found';
    const spent = b.day === today ? b.daySpent : 0n;
    const limit = LIMITS[acct.tier];
    if (limit !== null && value > limit.perPaymentMax) return 'limit_per_payment';
    if (limit !== null && spent + value > limit.perDayMax) return 'limit_per_day';
    if (!acct.allowNegative && b.posted - b.held < value) return 'insufficient_funds';
    b.day = today;
    b.daySpent = spent + value;
    return 'ok';
  }

  move(from: string, to: string, a: string, value: bigint, today: bigint): TxCode {
    if (from === to) return 'same_account';
    if (value <= 0n) return 'amount_invalid';
    const source = this.usable(from);
    if (source !== 'ok') return source;
    const target = this.usable(to);
    if (target !== 'ok') return target;
    return this.debit(from, a, value, today);
  }

  /** One money operation; mutates only when it returns ok (callers of batches use a clone). */
  apply(op: Op, txId: string, time: bigint, today: bigint): TxCode {
    switch (op.k) {
      case 'transfer': {
        const code = this.move(customer(op.from).id, customer(op.to).id, op.asset, op.amount, today);
        if (code !== 'ok') return code;
        this.balance(customer(op.from).id, op.asset).posted -= op.amount;
        this.balance(customer(op.to).id, op.asset).posted += op.amount;
        return 'ok';
      }
      case 'hold': {
        if (op.timeoutMs < PENDING_TIMEOUT_MS_MIN || op.timeoutMs > PENDING_TIMEOUT_MS_MAX) return 'timeout_invalid';
        const source = customer(op.from).id;
        const target = customer(op.to).id;
        const code = this.move(source, target, op.asset, op.amount, today);
        if (code !== 'ok') return code;
        this.balance(source, op.asset).held += op.amount;
        this.balance(target, op.asset).incoming += op.amount;
        this.pendings.set(txId, {
          id: txId,
          source,
          target,
          asset: op.asset,
          amount: op.amount,
          timeoutAt: time + op.timeoutMs,
          state: 'pending',
          posted: 0n,
        });
        return 'ok';
      }
      case 'mint': {
        if (op.amount <= 0n) return 'amount_invalid';
        const to = customer(op.to).id;
        const usable = this.usable(to);
        if (usable !== 'ok') return usable;
        defined(this.supply.get(op.asset), 'supply').minted += op.amount;
        this.balance(to, op.asset).posted += op.amount;
        return 'ok';
      }
      case 'burn': {
        if (op.amount <= 0n) return 'amount_invalid';
        const from = customer(op.from).id;
        const usable = this.usable(from);
        if (usable !== 'ok') return usable;
        const b = this.balance(from, op.asset);
        if (b.posted - b.held < op.amount) return 'insufficient_funds';
        defined(this.supply.get(op.asset), 'supply').burned += op.amount;
        b.posted -= op.amount;
        return 'ok';
      }
      case 'post': {
        const p = this.pendings.get(this.holdId(op.ref) ?? '');
        if (p === undefined) return 'pending_not_found';
        if (p.state !== 'pending') return 'pending_closed';
        if (op.amount <= 0n) return 'amount_invalid';
        if (op.amount > p.amount) return 'post_exceeds_pending';
        for (const id of [p.source, p.target]) {
          const usable = this.usable(id);
          if (usable !== 'ok') return usable;
        }
        this.release(p, 'posted', op.amount);
        return 'ok';
      }
      case 'void': {
        const p = this.pendings.get(this.holdId(op.ref) ?? '');
        if (p === undefined) return 'pending_not_found';
        if (p.state !== 'pending') return 'pending_closed';
        this.release(p, 'voided', 0n);
        return 'ok';
      }
      case 'freeze':
      case 'unfreeze': {
        const a = defined(this.accounts.get(customer(op.account).id), 'model account');
        if (a.closed) return 'account_closed';
        if (a.frozen === (op.k === 'freeze')) return 'frozen_unchanged';
        a.frozen = op.k === 'freeze';
        return 'ok';
      }
      case 'close': {
        const id = customer(op.account).id;
        const a = defined(this.accounts.get(id), 'model account');
        if (a.closed) return 'account_closed';
        const open = [...this.pendings.values()].some(
          (p) => p.state === 'pending' && (p.source === id || p.target === id),
        );
        if (open) return 'account_not_empty';
        if (
          ASSETS.some((x) => this.balances.get(`${id}:${x}`)?.posted !== undefined && this.balance(id, x).posted !== 0n)
        ) {
          return 'account_not_empty';
        }
        a.closed = true;
        return 'ok';
      }
      case 'batch':
      case 'replay':
        throw new Error('handled by the caller');
    }
  }
}

/** Outcomes seen over all runs, to show the generator reaches each rule (not a vacuous pass). */
const seen = new Map<string, number>();

// ---- the run: generated blocks → signed transactions → sealed blocks, checked against the model ----

interface SignedTx {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly expiresAt: bigint;
  readonly input: BlockTxInput;
}

interface RecordedBlock {
  readonly time: bigint;
  readonly txs: readonly BlockTxInput[];
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
}

/** The transaction body of an operation and who signs it; null when there is nothing to name. */
function bodyOf(op: Op, model: Model): { body: TxBody; signers: Signer[] } | null {
  const c = customer;
  switch (op.k) {
    case 'transfer':
      return {
        body: {
          type: 'transfer',
          source: c(op.from).id,
          target: c(op.to).id,
          asset: op.asset,
          amount: op.amount,
          memo: '',
        },
        signers: [c(op.from).key],
      };
    case 'hold':
      return {
        body: {
          type: 'pending.create',
          source: c(op.from).id,
          target: c(op.to).id,
          asset: op.asset,
          amount: op.amount,
          timeoutMs: op.timeoutMs,
          memo: '',
        },
        signers: [c(op.from).key],
      };
    case 'mint':
      return { body: { type: 'mint', asset: op.asset, account: c(op.to).id, amount: op.amount }, signers: [K.bank] };
    case 'burn':
      return {
        body: { type: 'burn', asset: op.asset, account: c(op.from).id, amount: op.amount },
        signers: [K.bank, c(op.from).key],
      };
    case 'post':
    case 'void': {
      const pending = model.holdId(op.ref);
      if (pending === undefined) return null;
      const hold = defined(model.pendings.get(pending), 'hold');
      const party = defined(
        CUSTOMERS.find((x) => x.id === (op.byTarget ? hold.target : hold.source)),
        'party of the hold',
      );
      // post: either party's owner; void: the payee's owner or the payer's issuer.
      const signer = op.k === 'post' || op.byTarget ? party.key : K.bank;
      const body: TxBody =
        op.k === 'post' ? { type: 'pending.post', pending, amount: op.amount } : { type: 'pending.void', pending };
      return { body, signers: [signer] };
    }
    case 'freeze':
    case 'unfreeze':
      return {
        body: {
          type: op.k === 'freeze' ? 'account.freeze' : 'account.unfreeze',
          account: c(op.account).id,
          reason: '',
        },
        signers: [K.pboc],
      };
    case 'close':
      return { body: { type: 'account.close', account: c(op.account).id }, signers: [c(op.account).key] };
    case 'batch': {
      const parts = op.ops.map((o) => defined(bodyOf(o, model) ?? undefined, 'batch op'));
      const signers = new Map<string, Signer>();
      for (const p of parts) for (const s of p.signers) signers.set(bytesToHex(s.publicKey), s);
      return { body: { type: 'batch', ops: parts.map((p) => p.body as MoneyOp) }, signers: [...signers.values()] };
    }
    case 'replay':
      return null;
  }
}

class Run {
  readonly state = genesisState(genesis);
  readonly commitment = StateCommitment.ofEntries(this.state.all(), xof, suite.hash);
  readonly consumed = new Set<string>();
  readonly model = new Model();
  readonly blocks: RecordedBlock[] = [];
  readonly submitted: SignedTx[] = [];
  tip: ChainTip = { height: 0n, hash: genesisHash(suite, genesis), time: genesis.time };
  private idCounter = 0;

  sign(body: TxBody, signers: readonly Signer[], time: bigint): SignedTx {
    this.idCounter++;
    const id = `5e${this.idCounter.toString(16).padStart(30, '0')}`;
    const expiresAt = time + 60n * SECOND_MS;
    const bytes = signAndEncode(suite, { chainId: CHAIN_ID, id, expiresAt, body }, signers);
    return { id, bytes, expiresAt, input: { bytes, signaturesValid: verifyTransactionSignatures(suite, bytes) } };
  }

  seal(time: bigint, txs: readonly SignedTx[]) {
    const sealed = sealBlock(this.state, this.commitment, {
      suite,
      genesis,
      tip: this.tip,
      time,
      txs: txs.map((t) => t.input),
      consumed: this.consumed,
    });
    for (const { id } of sealed.execution.consumed) this.consumed.add(id);
    this.tip = { height: sealed.header.height, hash: sealed.hash, time: sealed.header.time };
    this.blocks.push({ time, txs: txs.map((t) => t.input), header: sealed.header, hash: sealed.hash });
    return sealed;
  }

  /** Replaces boundary amounts (`edge`) by the model's figure ± 1 (at least 1). */
  resolve(op: Op, time: bigint): Op {
    const at = (base: bigint, delta: bigint) => (base + delta > 0n ? base + delta : 1n);
    const boundary = (i: number, a: string, base: 'available' | 'day' | 'payment'): bigint => {
      const c = customer(i);
      const b = this.model.balances.get(`${c.id}:${a}`);
      const limit = LIMITS[c.tier];
      if (base === 'payment' && limit !== null) return limit.perPaymentMax;
      if (base === 'day' && limit !== null) {
        const today = (time + genesis.params.dayOffsetMs) / DAY_MS;
        return limit.perDayMax - (b !== undefined && b.day === today ? b.daySpent : 0n);
      }
      return b === undefined ? 0n : b.posted - b.held;
    };
    switch (op.k) {
      case 'transfer':
      case 'hold':
      case 'burn':
        return op.edge === null ? op : { ...op, amount: at(boundary(op.from, op.asset, op.edge.base), op.edge.delta) };
      case 'post': {
        if (op.edge === null) return op;
        const pending = this.model.pendings.get(this.model.holdId(op.ref) ?? '');
        return pending === undefined ? op : { ...op, amount: at(pending.amount, op.edge.delta) };
      }
      case 'batch':
        return { ...op, ops: op.ops.map((inner) => this.resolve(inner, time) as typeof inner) };
      default:
        return op;
    }
  }

  /** Block 1: open the customers' accounts. */
  openAccounts(): void {
    const time = genesis.time + SECOND_MS;
    const txs = CUSTOMERS.map((c) => this.sign(open(c.id, c.key, c.tier, c.allowNegative), [K.bank], time));
    const sealed = this.seal(time, txs);
    expect(sealed.execution.results.map((r) => r.code)).toEqual(CUSTOMERS.map(() => 'ok'));
    for (const c of CUSTOMERS)
      this.model.accounts.set(c.id, { tier: c.tier, allowNegative: c.allowNegative, frozen: false, closed: false });
    for (const t of txs) this.model.consumed.set(t.id, t.expiresAt);
  }

  /** Block 2: fund every customer but the treasury, through the model too. */
  fundAccounts(): void {
    const funded = CUSTOMERS.filter((c) => !c.allowNegative);
    const ops = funded.flatMap((c): Op[] => [
      { k: 'mint', to: CUSTOMERS.indexOf(c), asset: 'CNY', amount: 2_000_00n },
      { k: 'mint', to: CUSTOMERS.indexOf(c), asset: 'USD', amount: 500_00n },
    ]);
    this.block(SECOND_MS, ops);
    expect(this.blocks.at(-1)?.header.txCount).toBe(ops.length);
  }

  /** One generated block: sign, predict with the model, seal, compare. */
  block(advanceMs: bigint, ops: readonly Op[]): void {
    const time = this.tip.time + advanceMs;
    const today = (time + genesis.params.dayOffsetMs) / DAY_MS;
    const expected: TxResult[] = [];
    const expectedExpired = this.model.expire(time);
    const txs: SignedTx[] = [];
    const inBlock = new Set<string>();
    for (const generated of ops) {
      const op = this.resolve(generated, time);
      if (op.k === 'replay') {
        if (this.submitted.length === 0) continue;
        const old = defined(this.submitted[op.ref % this.submitted.length], 'earlier transaction');
        txs.push(old);
        const code: TxCode =
          old.expiresAt <= time
            ? 'tx_expired'
            : this.model.consumed.has(old.id) || inBlock.has(old.id)
              ? 'duplicate_id'
              : 'ok';
        // Every generated transaction is authorized, so its first outcome consumed its id.
        expect(code).not.toBe('ok');
        expected.push({ id: old.id, code, opIndex: 0 });
        continue;
      }
      const built = bodyOf(op, this.model);
      if (built === null) continue;
      const tx = this.sign(built.body, built.signers, time);
      txs.push(tx);
      this.submitted.push(tx);
      inBlock.add(tx.id);
      let code: TxCode;
      let opIndex = 0;
      if (op.k === 'batch') {
        const draft = this.model.clone();
        code = 'ok';
        for (const [i, inner] of op.ops.entries()) {
          const c = draft.apply(inner, tx.id, time, today);
          if (c !== 'ok') {
            code = c;
            opIndex = i;
            break;
          }
        }
        if (code === 'ok') Object.assign(this.model, draft);
      } else {
        code = this.model.apply(op, tx.id, time, today);
      }
      this.model.consumed.set(tx.id, tx.expiresAt);
      expected.push({ id: tx.id, code, opIndex });
    }

    const before = this.commitment.digest();
    const sealed = this.seal(time, txs);
    expect(sealed.execution.results).toEqual(expected);
    for (const r of sealed.execution.results) seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
    if (sealed.execution.expired.length > 0) seen.set('(expired hold)', (seen.get('(expired hold)') ?? 0) + 1);
    expect(sealed.execution.expired).toEqual(expectedExpired);
    if (sealed.execution.changes.length === 0) expect(sealed.header.stateCommitment).toEqual(before);
    this.checkAgainstModel();
    checkInvariants(this.state);
    // The incremental commitment equals the one recomputed from every entry.
    expect(StateCommitment.ofEntries(this.state.all(), xof, suite.hash).digest()).toEqual(
      sealed.header.stateCommitment,
    );
    this.checkResubmissions(time);
  }

  checkAgainstModel(): void {
    for (const c of CUSTOMERS) {
      const account = defined(this.state.getAccount(c.id), 'account');
      const m = defined(this.model.accounts.get(c.id), 'model account');
      expect({ id: c.id, frozen: account.frozen, closed: account.closed }).toEqual({
        id: c.id,
        frozen: m.frozen,
        closed: m.closed,
      });
      for (const a of ASSETS) {
        const b = this.state.getBalance(c.id, a);
        const mb = this.model.balances.get(`${c.id}:${a}`);
        const actual =
          b === undefined ? [0n, 0n, 0n] : [b.creditsPosted - b.debitsPosted, b.debitsPending, b.creditsPending];
        const wanted = mb === undefined ? [0n, 0n, 0n] : [mb.posted, mb.held, mb.incoming];
        expect({ balance: `${c.id}:${a}`, values: actual }).toEqual({ balance: `${c.id}:${a}`, values: wanted });
      }
    }
    for (const p of this.model.pendings.values()) {
      expect(this.state.getPending(p.id)).toMatchObject({
        state: p.state,
        postedAmount: p.posted,
        amount: p.amount,
        timeoutAt: p.timeoutAt,
      });
    }
    for (const a of ASSETS) {
      const s = defined(this.state.getAsset(a), 'asset');
      expect({ asset: a, minted: s.minted, burned: s.burned }).toEqual({ asset: a, ...this.model.supply.get(a) });
    }
  }

  /**
   * Resubmitting every earlier transaction that has not expired, in a block at the same time on
   * a copy of the state: each one is a duplicate, and nothing changes.
   */
  checkResubmissions(time: bigint): void {
    const live = this.submitted.filter((t) => t.expiresAt > time);
    if (live.length === 0) return;
    const copy = LedgerState.fromEntries([...this.state.all()]);
    const execution = executeBlock(
      copy,
      {
        chainId: CHAIN_ID,
        height: this.tip.height + 1n,
        time,
        params: genesis.params,
        isValidPublicKey: suite.isValidPublicKey,
      },
      live.map((t) => t.input),
      this.consumed,
    );
    expect(execution.results.map((r) => r.code)).toEqual(live.map(() => 'duplicate_id'));
    expect(execution.changes).toEqual([]);
    expect(execution.expired).toEqual([]); // the same time: nothing newly due
  }
}

/** Invariants that hold for every state, whatever the model says. */
function checkInvariants(state: LedgerState): void {
  const sums = new Map<string, { net: bigint; debitsPending: bigint; creditsPending: bigint; open: bigint }>();
  const sumOf = (a: string) => {
    let s = sums.get(a);
    if (s === undefined) {
      s = { net: 0n, debitsPending: 0n, creditsPending: 0n, open: 0n };
      sums.set(a, s);
    }
    return s;
  };
  const pendingCounts = new Map<string, number>();
  for (const entry of state.all()) {
    // What the store persists reads back as the same entry.
    expect(decodeStateEntry(encodeStateEntry(entry))).toEqual({ ok: true, value: entry });
    if (entry.kind === 'balance') {
      const s = sumOf(entry.asset);
      s.net += entry.creditsPosted - entry.debitsPosted;
      s.debitsPending += entry.debitsPending;
      s.creditsPending += entry.creditsPending;
      const owner = defined(state.getAccount(entry.account), 'account of a balance');
      if (!owner.flags.allowNegative) {
        expect(
          entry.creditsPosted - entry.debitsPosted - entry.debitsPending,
          `available of ${entry.account}`,
        ).toBeGreaterThanOrEqual(0n);
      }
    }
    if (entry.kind === 'pending') {
      // Two-phase never posts more than held, and only a posted transfer has a posted amount.
      expect(entry.postedAmount).toBeLessThanOrEqual(entry.amount);
      if (entry.state === 'posted') expect(entry.postedAmount).toBeGreaterThan(0n);
      else expect(entry.postedAmount).toBe(0n);
      if (entry.state === 'pending') {
        sumOf(entry.asset).open += entry.amount;
        for (const id of [entry.source, entry.target]) pendingCounts.set(id, (pendingCounts.get(id) ?? 0) + 1);
      }
    }
  }
  // Program money (pools, beneficiaries' balances, receivables) is never in a balance entry; none here, but counted.
  const held = heldByAsset(state.all());
  for (const entry of state.all()) {
    if (entry.kind === 'asset') {
      const s = sumOf(entry.asset.id);
      const programs = (held.get(entry.asset.id)?.programs ?? 0n) + (held.get(entry.asset.id)?.pledged ?? 0n);
      // Conservation: money is only created by mint and destroyed by burn.
      expect({ asset: entry.asset.id, net: s.net + programs }).toEqual({
        asset: entry.asset.id,
        net: entry.minted - entry.burned,
      });
      expect(s.debitsPending).toBe(s.open);
      expect(s.creditsPending).toBe(s.open);
    }
    if (entry.kind === 'account') expect(entry.pendingCount).toBe(pendingCounts.get(entry.id) ?? 0);
  }
}

function snapshotOf(state: LedgerState): Map<string, string> {
  return new Map([...state.all()].map((e) => [entryKey(e), bytesToHex(encodeStateEntry(e))]));
}

/** Executes recorded blocks on a fresh genesis state: same headers, same state, entry by entry. */
function replay(blocks: readonly RecordedBlock[]): { state: LedgerState; headers: string[] } {
  const state = genesisState(genesis);
  const commitment = StateCommitment.ofEntries(state.all(), xof, suite.hash);
  const consumed = new Set<string>();
  let tip: ChainTip = { height: 0n, hash: genesisHash(suite, genesis), time: genesis.time };
  const headers: string[] = [];
  for (const block of blocks) {
    const sealed = sealBlock(state, commitment, { suite, genesis, tip, time: block.time, txs: block.txs, consumed });
    for (const { id } of sealed.execution.consumed) consumed.add(id);
    tip = { height: sealed.header.height, hash: sealed.hash, time: sealed.header.time };
    headers.push(bytesToHex(encodeHeader(sealed.header)));
  }
  return { state, headers };
}

describe('ledger properties over random blocks of payments', () => {
  it('model agreement, conservation, no negative balance, at-most-once ids, commitment, replay', () => {
    fc.assert(
      fc.property(runArb, (blocks) => {
        const run = new Run();
        run.openAccounts();
        run.fundAccounts();
        for (const b of blocks) run.block(b.advanceMs, b.ops);
        // Replay equals state: a fresh peer executing the same blocks gets the same headers
        // (so the same roots and state commitment) and byte-identical state entries.
        const replayed = replay(run.blocks);
        expect(replayed.headers).toEqual(run.blocks.map((b) => bytesToHex(encodeHeader(b.header))));
        expect(snapshotOf(replayed.state)).toEqual(snapshotOf(run.state));
        // The chain links: each header names the previous header's hash.
        run.blocks.slice(1).forEach((block, i) => {
          expect(block.header.prevHash).toEqual(run.blocks[i]?.hash);
        });
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
    const reached = [
      'ok',
      'duplicate_id',
      'tx_expired',
      'same_account',
      'amount_invalid',
      'timeout_invalid',
      'account_frozen',
      'account_not_empty', // (account_closed needs a drained account: rare here, covered in execute.test.ts)
      'frozen_unchanged',
      'insufficient_funds',
      'limit_per_payment',
      'limit_per_day',
      'pending_closed',
      'post_exceeds_pending',
      '(expired hold)',
    ];
    expect(reached.filter((code) => (seen.get(code) ?? 0) === 0)).toEqual([]);
  });
});
