// Goal: FX on the ledger (issue 7) applies as docs/settlement.md says: a liquidity provider posts a quote (pair,
// rational rate, amount limits, capacity, expiry); a conversion applies both legs or neither, only before the quote
// expires and only at the rate the payer saw, with the documented rounding (⌊base × num / den⌋, the fraction to the
// provider); a cross-currency payment — a Hong Kong dollar wallet paying a yuan merchant of another bank — is one
// conversion. Every refusal leaves the state byte for byte unchanged; fast-check shows no conversion ever moves one
// leg alone. Method: real Ed25519-signed transactions on the settlement world plus a provider `fxlp`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStateEntry, encodeStateEntry, type FxConvertBody, type FxQuoteBody, type TxCode } from '../src/index.ts';
import { FC_SEED } from './helpers/arbitraries.ts';
import { AC, BANKS, openAt, S, settlementWorld } from './helpers/settlement-world.ts';
import { codesOf, K, keyOf, type Ledger, type Signed } from './helpers/world.ts';

const F = { lp: keyOf('fx provider admin'), h1: keyOf('hkd wallet 1') } as const;
const FA = {
  lpHkd: '1f000000000000000000000000000001',
  lpCny: '1f000000000000000000000000000002',
  h1: 'b0c0000000000000000000000000a001',
} as const;
const HKD = 'BOC-HKD';
const QUOTE = '9f000000000000000000000000000001';
const MINUTE = 60_000n;

/** The settlement world plus `fxlp` (liquidity provider), boc's HKD deposit, a HKD wallet with 10,000.00. */
function fxWorld(): Ledger {
  const w = settlementWorld();
  w.blockOk([
    w.sign(
      {
        type: 'org.add',
        org: { id: 'fxlp', name: 'FX desk', roles: ['liquidity'], adminKeys: [F.lp.publicKey], validatorKey: null },
      },
      // Seven members now (bank, network, pboc, cb, boc, icbc2, ccb): more than half is four.
      [K.bank, K.network, S.cb, S.boc],
    ),
    w.sign({ type: 'asset.define', asset: { id: HKD, name: 'HKD at BOC', issuer: 'boc', decimals: 2 } }, [S.boc]),
  ]);
  w.blockOk([
    w.sign(openAt(FA.lpHkd, 'boc', F.lp), [S.boc]),
    w.sign(openAt(FA.lpCny, 'icbc2', F.lp), [S.icbc]),
    w.sign(openAt(FA.h1, 'boc', F.h1), [S.boc]),
  ]);
  w.blockOk([
    w.sign({ type: 'mint', asset: HKD, account: FA.h1, amount: 10_000_00n }, [S.boc]),
    w.sign({ type: 'mint', asset: BANKS.icbc, account: FA.lpCny, amount: 50_000_00n }, [S.icbc]),
  ]);
  return w;
}

const quoteBody = (w: Ledger, changes: Partial<FxQuoteBody> = {}): FxQuoteBody => ({
  type: 'fx.quote',
  quote: QUOTE,
  provider: 'fxlp',
  baseAsset: HKD,
  quoteAsset: BANKS.icbc,
  rateNum: 9213n,
  rateDen: 10000n,
  minBase: 1_00n,
  maxBase: 5_000_00n,
  capacity: 8_000_00n,
  baseAccount: FA.lpHkd,
  quoteAccount: FA.lpCny,
  expiresAt: w.time + 5n * MINUTE,
  ...changes,
});

const convert = (baseAmount: bigint, changes: Partial<FxConvertBody> = {}): FxConvertBody => ({
  type: 'fx.convert',
  quote: QUOTE,
  source: FA.h1,
  target: AC.y1,
  baseAmount,
  rateNum: 9213n,
  rateDen: 10000n,
  memo: '',
  ...changes,
});

function quotedWorld(): Ledger {
  const w = fxWorld();
  w.blockOk([w.sign(quoteBody(w), [F.lp])]);
  return w;
}

function expectRefused(w: Ledger, tx: (w: Ledger) => Signed, code: TxCode, time = w.time + 1000n): void {
  const without = w.clone('x');
  without.block([], time);
  expect(codesOf(w.block([tx(w)], time))).toEqual([code]);
  expect(w.snapshot()).toEqual(without.snapshot());
}

describe('FX quotes and conversions', () => {
  it("pays a yuan merchant of another bank from a Hong Kong dollar wallet at the quote's rate, both legs at once", () => {
    const w = quotedWorld();
    w.blockOk([w.sign(convert(100_00n), [F.h1])]);
    // 100.00 HKD at 0.9213: 92.13 CNY.
    expect(w.posted(FA.h1, HKD)).toBe(9_900_00n);
    expect(w.posted(FA.lpHkd, HKD)).toBe(100_00n);
    expect(w.posted(FA.lpCny, BANKS.icbc)).toBe(50_000_00n - 92_13n);
    expect(w.posted(AC.y1, BANKS.icbc)).toBe(92_13n);
    expect(w.state.getQuote(QUOTE)).toMatchObject({ used: 100_00n, conversions: 1n });
    // The quote's state entry encodes and decodes exactly (what peers store and commit to).
    const quote = w.state.getQuote(QUOTE);
    if (quote === undefined) throw new Error('quote');
    const decoded = decodeStateEntry(encodeStateEntry(quote));
    expect(decoded.ok && decoded.value).toEqual(quote);
  });

  it('rounds down: ⌊base × num / den⌋ minor units to the payee, the fraction stays with the provider', () => {
    const w = quotedWorld();
    // 123.45 HKD × 0.9213 = 113.734485 CNY → 113.73.
    w.blockOk([w.sign(convert(123_45n), [F.h1])]);
    expect(w.posted(AC.y1, BANKS.icbc)).toBe(113_73n);
    expect(w.posted(FA.lpHkd, HKD)).toBe(123_45n);
  });

  it('refuses an expired or withdrawn quote, another rate, amounts outside the limits, and changes nothing', () => {
    // At the quote's expiry (block time = expiresAt) it no longer converts.
    const late = quotedWorld();
    const expiresAt = late.state.getQuote(QUOTE)?.expiresAt ?? 0n;
    expectRefused(
      late,
      (l) => l.sign(convert(100_00n), [F.h1], { expiresAt: expiresAt + MINUTE }),
      'quote_expired',
      expiresAt,
    );
    const w = quotedWorld();
    expectRefused(w, (l) => l.sign(convert(100_00n, { rateNum: 9300n }), [F.h1]), 'rate_mismatch');
    expectRefused(w, (l) => l.sign(convert(99n), [F.h1]), 'amount_outside_quote');
    expectRefused(w, (l) => l.sign(convert(5_000_01n), [F.h1]), 'amount_outside_quote');
    expectRefused(w, (l) => l.sign(convert(100_00n, { quote: 'ee'.repeat(16) }), [F.h1]), 'quote_not_found');
    expectRefused(w, (l) => l.sign(convert(100_00n), [F.lp]), 'unauthorized');
    expectRefused(w, (l) => l.sign(convert(100_00n, { source: AC.x1 }), [F.h1]), 'unauthorized');
    // Capacity 8,000.00: 5,000.00 then 3,000.01 is one fen too many.
    w.blockOk([w.sign(convert(5_000_00n), [F.h1])]);
    expectRefused(w, (l) => l.sign(convert(3_000_01n), [F.h1]), 'quote_exhausted');
    // Withdrawn by the provider: refused as expired.
    w.blockOk([w.sign({ type: 'fx.cancel', quote: QUOTE }, [F.lp])]);
    expectRefused(w, (l) => l.sign(convert(1_00n), [F.h1]), 'quote_expired');
  });

  it("refuses a conversion the provider's account cannot pay, and quotes that are invalid", () => {
    const w = fxWorld();
    w.blockOk([w.sign(quoteBody(w, { capacity: 1_000_000_00n, maxBase: 100_000_00n }), [F.lp])]);
    w.blockOk([w.sign({ type: 'mint', asset: HKD, account: FA.h1, amount: 90_000_00n }, [S.boc])]);
    // 60,000.00 HKD would need 55,278.00 CNY; the provider holds 50,000.00.
    expectRefused(w, (l) => l.sign(convert(60_000_00n), [F.h1]), 'insufficient_liquidity');
    const other = { quote: 'af000000000000000000000000000001' };
    expectRefused(w, (l) => l.sign(quoteBody(l, { ...other, rateNum: 0n }), [F.lp]), 'quote_invalid');
    expectRefused(w, (l) => l.sign(quoteBody(l, { ...other, minBase: 6_000_00n }), [F.lp]), 'quote_invalid');
    expectRefused(
      w,
      (l) => l.sign(quoteBody(l, { ...other, expiresAt: l.time + 2n * 86_400_000n }), [F.lp]),
      'quote_invalid',
    );
    expectRefused(w, (l) => l.sign(quoteBody(l, { ...other, quoteAsset: HKD }), [F.lp]), 'quote_invalid');
    expectRefused(w, (l) => l.sign(quoteBody(l), [F.lp]), 'quote_exists');
    // A provider without the liquidity role: boc itself.
    expectRefused(w, (l) => l.sign(quoteBody(l, { ...other, provider: 'boc' }), [S.boc, F.lp]), 'quote_invalid');
    expectRefused(w, (l) => l.sign(quoteBody(l, other), [S.boc]), 'unauthorized');
  });

  it('lists the live quotes of a pair best rate first, without withdrawn or expired ones, and every quote by expiry', () => {
    const w = fxWorld();
    const ids = [
      '9f000000000000000000000000000011',
      '9f000000000000000000000000000012',
      '9f000000000000000000000000000013',
    ] as const;
    w.blockOk([
      w.sign(quoteBody(w, { quote: ids[0], rateNum: 92n, rateDen: 100n }), [F.lp]),
      // The best for the payer: 0.93 CNY per HKD.
      w.sign(quoteBody(w, { quote: ids[1], rateNum: 93n, rateDen: 100n, expiresAt: w.time + MINUTE }), [F.lp]),
      w.sign(quoteBody(w, { quote: ids[2], rateNum: 9213n, rateDen: 10000n, expiresAt: w.time + 2n * MINUTE }), [F.lp]),
    ]);
    const live = (time: bigint) => w.state.liveQuotes(HKD, BANKS.icbc, time).map((q) => q.id);
    expect(live(w.time)).toEqual([ids[1], ids[2], ids[0]]);
    expect(w.state.liveQuotes(BANKS.icbc, HKD, w.time)).toEqual([]);
    // ids[1] expires a minute on; a withdrawn quote is gone at once.
    expect(live(w.time + MINUTE)).toEqual([ids[2], ids[0]]);
    w.blockOk([w.sign({ type: 'fx.cancel', quote: ids[2] }, [F.lp])]);
    expect(live(w.time)).toEqual([ids[0]]);
    // The console's list keeps them all, the latest expiry first.
    expect(w.state.quotes(10).map((q) => q.id)).toEqual([ids[0], ids[2], ids[1]]);
    expect(w.state.quotes(1).map((q) => q.id)).toEqual([ids[0]]);
  });

  it('never applies one leg alone, whatever the amounts, rates and times (property)', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            amount: fc.oneof(fc.bigInt({ min: 0n, max: 9_000_00n }), fc.constantFrom(99n, 100n, 4_000_00n, 5_000_00n)),
            rightRate: fc.boolean(),
            lateMinutes: fc.nat(7),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (steps) => {
          const w = quotedWorld();
          let converted = 0;
          for (const step of steps) {
            const before = {
              payer: w.posted(FA.h1, HKD),
              lpBase: w.posted(FA.lpHkd, HKD),
              lpQuote: w.posted(FA.lpCny, BANKS.icbc),
              payee: w.posted(AC.y1, BANKS.icbc),
            };
            // Each step a little later (0..140 s): a run crosses the 5-minute expiry part way, or not.
            const time = w.time + 1000n + BigInt(step.lateMinutes) * 20_000n;
            const tx = w.sign(convert(step.amount, step.rightRate ? {} : { rateNum: 9214n }), [F.h1], {
              expiresAt: time + MINUTE,
            });
            const [result] = w.block([tx], time).results;
            seen.set(result?.code ?? 'none', (seen.get(result?.code ?? 'none') ?? 0) + 1);
            const base = before.payer - w.posted(FA.h1, HKD);
            const quoted = w.posted(AC.y1, BANKS.icbc) - before.payee;
            expect(w.posted(FA.lpHkd, HKD) - before.lpBase).toBe(base);
            expect(before.lpQuote - w.posted(FA.lpCny, BANKS.icbc)).toBe(quoted);
            if (result?.code === 'ok') {
              converted++;
              expect([base, quoted]).toEqual([step.amount, (step.amount * 9213n) / 10000n]);
            } else {
              expect([base, quoted]).toEqual([0n, 0n]);
            }
          }
          return converted >= 0;
        },
      ),
      { seed: FC_SEED, numRuns: 80 },
    );
    // The runs reached both legs applied and the refusals that must move nothing.
    for (const code of ['ok', 'rate_mismatch', 'quote_expired', 'amount_outside_quote', 'quote_exhausted']) {
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });
});
