// Goal: fast-check arbitraries for every transaction body over the whole value space the codec accepts.
// Method: one arbitrary per field kind, each in canonical form (sorted key sets, ROLES order, UTF-8 limits).
import fc from 'fast-check';
import {
  ACCOUNT_OWNERS_MAX,
  ASSET_NAME_BYTES_MAX,
  BATCH_ITEMS_MAX,
  bytesToHex,
  CHAIN_ID_BYTES_MAX,
  compareBytes,
  MEMO_BYTES_MAX,
  type MoneyOp,
  ORG_ADMIN_KEYS_MAX,
  ORG_NAME_BYTES_MAX,
  PROGRAM_MCCS_MAX,
  PROGRAM_MERCHANTS_MAX,
  PROGRAM_REGIONS_MAX,
  type ProgramExpiryAction,
  PUBLIC_KEY_BYTES_MAX,
  REASON_BYTES_MAX,
  ROLES,
  SIGNATURE_BYTES_MAX,
  type Signature,
  type Transaction,
  TX_SIGNATURES_MAX,
  type TxBody,
  U64_MAX,
  utf8ToBytes,
} from '../../src/index.ts';

/** Seed for every property in the core tests: `FC_SEED=<n>` replays a run fast-check printed. */
export const FC_SEED = process.env.FC_SEED === undefined ? 0x7a11 : Number.parseInt(process.env.FC_SEED, 10);

export const id128Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToHex);
export const orgIdArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
export const assetIdArb = fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,15}$/);
export const u64Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.constantFrom(0n, 1n, 255n, 256n, (1n << 63n) - 1n, 1n << 63n, U64_MAX),
);

/** One code point: edge cases by hand (NUL, 2-, 3- and 4-byte UTF-8), then any code point. */
const charArb = fc.oneof(
  fc.constantFrom('a', 'Z', '-', ' ', '\u0000', '\u007f', '\u0080', '\u07ff', '午', '餐', '\uffff', '😀', '\u{10ffff}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/**
 * Any Unicode text (code points, no lone surrogates) of at most `maxBytes` UTF-8 bytes.
 * A leading U+FEFF is left out: the decoder strips it today (see the BOM test in
 * codec.test.ts, marked `it.fails`); drop the filter once that is fixed.
 */
export function textArb(maxBytes: number, maxLength = Math.min(maxBytes, 24)): fc.Arbitrary<string> {
  return fc
    .string({ unit: charArb, maxLength })
    .filter((s) => !s.startsWith('\uFEFF') && utf8ToBytes(s).length <= maxBytes);
}

export const publicKeyArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 0, maxLength: PUBLIC_KEY_BYTES_MAX }),
);

/** A set of keys in its one canonical order: strictly ascending bytes. */
export function keySetArb(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array[]> {
  return fc
    .uniqueArray(publicKeyArb, { minLength, maxLength, selector: bytesToHex })
    .map((keys) => [...keys].sort(compareBytes));
}

export const signaturesArb: fc.Arbitrary<Signature[]> = fc
  .uniqueArray(
    fc.record({
      publicKey: publicKeyArb,
      signature: fc.uint8Array({ minLength: 0, maxLength: SIGNATURE_BYTES_MAX }),
    }),
    { maxLength: TX_SIGNATURES_MAX, selector: (s) => bytesToHex(s.publicKey) },
  )
  .map((sigs) => [...sigs].sort((a, b) => compareBytes(a.publicKey, b.publicKey)));

const tierArb = fc.constantFrom(1 as const, 2 as const, 3 as const);

export const orgArb = fc.record({
  id: orgIdArb,
  name: textArb(ORG_NAME_BYTES_MAX),
  roles: fc.subarray([...ROLES]),
  adminKeys: keySetArb(0, ORG_ADMIN_KEYS_MAX),
  validatorKey: fc.option(publicKeyArb, { nil: null }),
});

export const transferArb = fc.record({
  type: fc.constant('transfer' as const),
  source: id128Arb,
  target: id128Arb,
  asset: assetIdArb,
  amount: u64Arb,
  memo: textArb(MEMO_BYTES_MAX),
});
export const pendingCreateArb = fc.record({
  type: fc.constant('pending.create' as const),
  source: id128Arb,
  target: id128Arb,
  asset: assetIdArb,
  amount: u64Arb,
  timeoutMs: u64Arb,
  memo: textArb(MEMO_BYTES_MAX),
});
export const pendingPostArb = fc.record({
  type: fc.constant('pending.post' as const),
  pending: id128Arb,
  amount: u64Arb,
});
export const pendingVoidArb = fc.record({ type: fc.constant('pending.void' as const), pending: id128Arb });
export const mintArb = fc.record({
  type: fc.constant('mint' as const),
  asset: assetIdArb,
  account: id128Arb,
  amount: u64Arb,
});
export const burnArb = fc.record({
  type: fc.constant('burn' as const),
  asset: assetIdArb,
  account: id128Arb,
  amount: u64Arb,
});

/** Money operations other than pending.create, of which a batch holds at most one. */
const repeatableOpArb: fc.Arbitrary<MoneyOp> = fc.oneof(transferArb, pendingPostArb, pendingVoidArb, mintArb, burnArb);

export const batchArb = fc
  .tuple(
    fc.array(repeatableOpArb, { minLength: 0, maxLength: 6 }),
    fc.option(pendingCreateArb, { nil: null }),
    fc.nat(),
  )
  .filter(([ops, pending]) => ops.length + (pending === null ? 0 : 1) >= 1)
  .map(([ops, pending, at]): TxBody => {
    const all = [...ops];
    if (pending !== null) all.splice(at % (all.length + 1), 0, pending);
    return { type: 'batch', ops: all };
  });

/** A batch at the size limit: BATCH_ITEMS_MAX operations. */
export const fullBatchArb: fc.Arbitrary<TxBody> = fc
  .array(repeatableOpArb, { minLength: BATCH_ITEMS_MAX, maxLength: BATCH_ITEMS_MAX })
  .map((ops) => ({ type: 'batch', ops }));

export const mccArb = fc.stringMatching(/^[0-9]{4}$/);
export const regionArb = fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,15}$/);

/** A set of strings in its one canonical order: strictly ascending. */
function stringSetArb(arb: fc.Arbitrary<string>, maxLength: number): fc.Arbitrary<string[]> {
  return fc.uniqueArray(arb, { maxLength }).map((values) => [...values].sort());
}

export const programRulesArb = fc.record({
  mccs: stringSetArb(mccArb, Math.min(PROGRAM_MCCS_MAX, 6)),
  merchants: stringSetArb(id128Arb, Math.min(PROGRAM_MERCHANTS_MAX, 4)),
  regions: stringSetArb(regionArb, Math.min(PROGRAM_REGIONS_MAX, 4)),
  perPaymentMax: u64Arb,
  perBeneficiaryMax: u64Arb,
  validFromMs: u64Arb,
  validUntilMs: u64Arb,
  atExpiry: fc.constantFrom<ProgramExpiryAction>('return', 'release'),
});

const programBodyArbs = {
  'account.merchant': fc
    .record({ account: id128Arb, mcc: mccArb, region: regionArb })
    .map((b): TxBody => ({ type: 'account.merchant', ...b })),
  'program.create': fc
    .record({
      program: id128Arb,
      funder: orgIdArb,
      auditor: orgIdArb,
      asset: assetIdArb,
      budget: u64Arb,
      rules: programRulesArb,
      fundingAccount: id128Arb,
    })
    .map((b): TxBody => ({ type: 'program.create', ...b })),
  'program.fund': fc.record({ program: id128Arb, amount: u64Arb }).map((b): TxBody => ({ type: 'program.fund', ...b })),
  'program.disburse': fc
    .record({
      program: id128Arb,
      allocations: fc.array(fc.record({ beneficiary: id128Arb, amount: u64Arb }), { minLength: 1, maxLength: 8 }),
    })
    .map((b): TxBody => ({ type: 'program.disburse', ...b })),
  'program.spend': fc
    .record({ program: id128Arb, beneficiary: id128Arb, merchant: id128Arb, amount: u64Arb })
    .map((b): TxBody => ({ type: 'program.spend', ...b })),
  'program.redeem': fc
    .record({ program: id128Arb, merchant: id128Arb, amount: u64Arb })
    .map((b): TxBody => ({ type: 'program.redeem', ...b })),
  'program.clawback': fc
    .record({ program: id128Arb, beneficiary: id128Arb, amount: u64Arb, reason: textArb(REASON_BYTES_MAX, 40) })
    .map((b): TxBody => ({ type: 'program.clawback', ...b })),
  'program.suspend': fc
    .record({ program: id128Arb, reason: textArb(REASON_BYTES_MAX, 40) })
    .map((b): TxBody => ({ type: 'program.suspend', ...b })),
  'program.resume': fc
    .record({ program: id128Arb, reason: textArb(REASON_BYTES_MAX, 40) })
    .map((b): TxBody => ({ type: 'program.resume', ...b })),
} as const;

const currencyArb = fc.constantFrom('CNY', 'HKD', 'USD', 'EUR');

const settlementBodyArbs = {
  'settlement.scheme': fc
    .record({ currency: currencyArb, settlementAsset: assetIdArb })
    .map((b): TxBody => ({ type: 'settlement.scheme', ...b })),
  'settlement.join': fc
    .record({ currency: currencyArb, org: orgIdArb, depositAsset: assetIdArb, settlementAccount: id128Arb })
    .map((b): TxBody => ({ type: 'settlement.join', ...b })),
  'settlement.pledge': fc
    .record({ currency: currencyArb, org: orgIdArb, amount: u64Arb })
    .map((b): TxBody => ({ type: 'settlement.pledge', ...b })),
  'settlement.release': fc
    .record({ currency: currencyArb, org: orgIdArb, amount: u64Arb })
    .map((b): TxBody => ({ type: 'settlement.release', ...b })),
  'interbank.transfer': fc
    .record({
      currency: currencyArb,
      source: id128Arb,
      target: id128Arb,
      amount: u64Arb,
      memo: textArb(MEMO_BYTES_MAX, 40),
    })
    .map((b): TxBody => ({ type: 'interbank.transfer', ...b })),
  'settlement.close': fc
    .record({ currency: currencyArb, window: u64Arb })
    .map((b): TxBody => ({ type: 'settlement.close', ...b })),
  'settlement.settle': fc
    .record({ currency: currencyArb, window: u64Arb })
    .map((b): TxBody => ({ type: 'settlement.settle', ...b })),
  'fx.quote': fc
    .record({
      quote: id128Arb,
      provider: orgIdArb,
      baseAsset: assetIdArb,
      quoteAsset: assetIdArb,
      rateNum: u64Arb,
      rateDen: u64Arb,
      minBase: u64Arb,
      maxBase: u64Arb,
      capacity: u64Arb,
      baseAccount: id128Arb,
      quoteAccount: id128Arb,
      expiresAt: u64Arb,
    })
    .map((b): TxBody => ({ type: 'fx.quote', ...b })),
  'fx.convert': fc
    .record({
      quote: id128Arb,
      source: id128Arb,
      target: id128Arb,
      baseAmount: u64Arb,
      rateNum: u64Arb,
      rateDen: u64Arb,
      memo: textArb(MEMO_BYTES_MAX, 40),
    })
    .map((b): TxBody => ({ type: 'fx.convert', ...b })),
  'fx.cancel': fc.record({ quote: id128Arb }).map((b): TxBody => ({ type: 'fx.cancel', ...b })),
} as const;

export const bodyArbs: Readonly<Record<TxBody['type'], fc.Arbitrary<TxBody>>> = {
  'org.add': orgArb.map((org) => ({ type: 'org.add', org })),
  'org.remove': orgIdArb.map((org) => ({ type: 'org.remove', org })),
  'asset.define': fc
    .record({ id: assetIdArb, name: textArb(ASSET_NAME_BYTES_MAX), issuer: orgIdArb, decimals: fc.nat(255) })
    .map((asset) => ({ type: 'asset.define', asset })),
  'account.open': fc
    .record({
      account: id128Arb,
      issuer: orgIdArb,
      owners: keySetArb(0, ACCOUNT_OWNERS_MAX),
      threshold: fc.nat(255),
      tier: tierArb,
      flags: fc.record({ allowNegative: fc.boolean() }),
    })
    .map((b) => ({ type: 'account.open', ...b })),
  'account.close': id128Arb.map((account) => ({ type: 'account.close', account })),
  'account.freeze': fc
    .record({ account: id128Arb, reason: textArb(REASON_BYTES_MAX, 40) })
    .map((b) => ({ type: 'account.freeze', ...b })),
  'account.unfreeze': fc
    .record({ account: id128Arb, reason: textArb(REASON_BYTES_MAX, 40) })
    .map((b) => ({ type: 'account.unfreeze', ...b })),
  'account.rotate': fc
    .record({ account: id128Arb, owners: keySetArb(0, ACCOUNT_OWNERS_MAX), threshold: fc.nat(255) })
    .map((b) => ({ type: 'account.rotate', ...b })),
  'account.tier': fc.record({ account: id128Arb, tier: tierArb }).map((b) => ({ type: 'account.tier', ...b })),
  transfer: transferArb,
  'pending.create': pendingCreateArb,
  'pending.post': pendingPostArb,
  'pending.void': pendingVoidArb,
  mint: mintArb,
  burn: burnArb,
  batch: batchArb,
  ...programBodyArbs,
  ...settlementBodyArbs,
};

export const bodyArb: fc.Arbitrary<TxBody> = fc.oneof(...Object.values(bodyArbs));

export function transactionArb(body: fc.Arbitrary<TxBody> = bodyArb): fc.Arbitrary<Transaction> {
  return fc.record({
    chainId: textArb(CHAIN_ID_BYTES_MAX, 20),
    id: id128Arb,
    expiresAt: u64Arb,
    body,
    signatures: signaturesArb,
  });
}
