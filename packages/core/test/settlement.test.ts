// Goal: interbank settlement (issue 7, ledger part) applies exactly as docs/settlement.md says: a payment across
// banks moves the payer's bank deposit to the payee's bank deposit and records the obligation in the open window; a
// bank past its net debit cap (its pledged liquidity) is refused with the reason; windows close and settle in order,
// atomically, in the settlement asset; every refusal leaves the state byte for byte unchanged; and over random
// sequences the sum of net positions in a window is zero, the settlement asset is conserved, no bank ever exceeds
// its cap, and every payment is in exactly one window. Method: real Ed25519-signed transactions on the standard
// world plus a central bank `cb` and two banks `boc` and `icbc`; fast-check with FC_SEED for the properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStateEntry, encodeStateEntry, heldByAsset, type TxCode } from '../src/index.ts';
import { FC_SEED } from './helpers/arbitraries.ts';
import { AC, BANKS, pay, RES, S, SETTLEMENT_SUPPLY, settlementWorld } from './helpers/settlement-world.ts';
import { codesOf, K, type Ledger, type Signed } from './helpers/world.ts';

function netOf(w: Ledger, seq: bigint, org: string): bigint {
  return w.state.getWindow('CNY', seq)?.positions.find((p) => p.org === org)?.net ?? 0n;
}

/** A refused transaction: its code, and the state byte for byte as a block at the same time without it leaves it. */
function expectRefused(w: Ledger, tx: (w: Ledger) => Signed, code: TxCode): void {
  const without = w.clone('x');
  const time = w.time + 1000n;
  without.block([], time);
  expect(codesOf(w.block([tx(w)], time))).toEqual([code]);
  expect(w.snapshot()).toEqual(without.snapshot());
}

describe('interbank payments', () => {
  it("moves the payer's bank deposit to the payee's bank deposit and records the obligation in the open window", () => {
    const w = settlementWorld();
    const [bocSupply, icbcSupply] = [w.state.getAsset(BANKS.boc), w.state.getAsset(BANKS.icbc)];
    w.blockOk([w.sign(pay(AC.x1, AC.y1, 1_234_56n), [S.x1])]);
    expect(w.posted(AC.x1, BANKS.boc)).toBe(50_000_00n - 1_234_56n);
    expect(w.posted(AC.y1, BANKS.icbc)).toBe(1_234_56n);
    expect(w.state.getAsset(BANKS.boc)?.burned).toBe((bocSupply?.burned ?? 0n) + 1_234_56n);
    expect(w.state.getAsset(BANKS.icbc)?.minted).toBe((icbcSupply?.minted ?? 0n) + 1_234_56n);
    expect(w.state.getWindow('CNY', 1n)).toMatchObject({
      status: 'open',
      payments: 1n,
      gross: 1_234_56n,
      positions: [
        { org: 'boc', net: -1_234_56n },
        { org: 'icbc2', net: 1_234_56n },
      ],
    });
  });

  it('refuses a payment past the net debit cap with the reason, and a payment the other way makes room', () => {
    const w = settlementWorld();
    // boc pledged 10,000.00: 9,000 + 1,000 is the cap exactly; one fen more is refused.
    w.blockOk([w.sign(pay(AC.x1, AC.y1, 9_000_00n), [S.x1]), w.sign(pay(AC.x2, AC.y1, 1_000_00n), [S.x2])]);
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.y1, 1n), [S.x1]), 'net_debit_cap_exceeded');
    // ccb pledged nothing: it cannot owe anything.
    expectRefused(w, (l) => l.sign(pay(AC.z1, AC.x1, 1n), [S.z1]), 'net_debit_cap_exceeded');
    // icbc's merchant pays boc's customer back 500.00: boc may owe 500.00 more.
    w.blockOk([w.sign(pay(AC.y1, AC.x1, 500_00n), [S.y1])]);
    w.blockOk([w.sign(pay(AC.x1, AC.y1, 500_00n), [S.x1])]);
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.y1, 1n), [S.x1]), 'net_debit_cap_exceeded');
    expect(netOf(w, 1n, 'boc')).toBe(-10_000_00n);
  });

  it('refuses bad input with its code and changes nothing', () => {
    const w = settlementWorld();
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.x2, 1_00n), [S.x1]), 'same_bank');
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.x1, 1_00n), [S.x1]), 'same_account');
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.y1, 0n), [S.x1]), 'amount_invalid');
    expectRefused(w, (l) => l.sign(pay(AC.x2, AC.y1, 5_000_01n), [S.x2]), 'insufficient_funds');
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.y1, 1_00n, 'HKD'), [S.x1]), 'scheme_not_found');
    // alice banks with `bank`, which is not in the scheme.
    expectRefused(
      w,
      (l) => l.sign(pay(AC.x1, 'a11ce000000000000000000000000001', 1_00n), [S.x1]),
      'participant_not_found',
    );
    expectRefused(w, (l) => l.sign(pay(AC.x1, AC.y1, 1_00n), [S.y1]), 'unauthorized');
    // A pledge larger than the settlement account holds; a pledge by someone else.
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'boc', amount: 9_990_000_01n }, [S.boc]),
      'insufficient_funds',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'boc', amount: 1n }, [S.icbc]),
      'unauthorized',
    );
    // Joining twice; a deposit asset of another bank.
    expectRefused(
      w,
      (l) =>
        l.sign(
          {
            type: 'settlement.join',
            currency: 'CNY',
            org: 'boc',
            depositAsset: BANKS.boc,
            settlementAccount: AC.bocSettle,
          },
          [S.cb, S.boc],
        ),
      'participant_exists',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.scheme', currency: 'CNY', settlementAsset: RES }, [S.cb]),
      'scheme_exists',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.scheme', currency: 'HKD', settlementAsset: 'CNY' }, [S.cb]),
      'scheme_invalid',
    );
  });
});

describe('settlement windows', () => {
  it('close on demand, refuse closing twice and settling an open window, then settle atomically in order', () => {
    const w = settlementWorld();
    w.blockOk([
      w.sign(pay(AC.x1, AC.y1, 3_000_00n), [S.x1]),
      w.sign(pay(AC.y1, AC.x2, 1_000_00n), [S.y1]),
      w.sign({ type: 'settlement.close', currency: 'CNY', window: 1n }, [K.network]),
      // After the close in the same block: this one is in window 2.
      w.sign(pay(AC.x2, AC.y1, 200_00n), [S.x2]),
    ]);
    expect(w.state.getWindow('CNY', 1n)).toMatchObject({ status: 'closed', payments: 2n, gross: 4_000_00n });
    expect(w.state.getWindow('CNY', 2n)).toMatchObject({ status: 'open', payments: 1n, gross: 200_00n });
    expect(w.state.getParticipant('CNY', 'boc')).toMatchObject({ owed: 2_000_00n, pledged: 10_000_00n });
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.close', currency: 'CNY', window: 1n }, [S.cb]),
      'window_not_open',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.settle', currency: 'CNY', window: 2n }, [S.cb]),
      'window_not_closed',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.settle', currency: 'CNY', window: 1n }, [K.network]),
      'unauthorized',
    );
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.settle', currency: 'CNY', window: 9n }, [S.cb]),
      'window_not_found',
    );
    // Releasing what boc owes in window 1 is refused; the rest of its pledge is free.
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.release', currency: 'CNY', org: 'boc', amount: 8_000_00n + 1n }, [S.boc]),
      'pledge_in_use',
    );

    const icbcBefore = w.posted(AC.icbcSettle, RES);
    w.blockOk([w.sign({ type: 'settlement.settle', currency: 'CNY', window: 1n }, [S.cb])]);
    expect(w.state.getWindow('CNY', 1n)?.status).toBe('settled');
    expect(w.state.getParticipant('CNY', 'boc')).toMatchObject({ owed: 0n, pledged: 8_000_00n });
    expect(w.posted(AC.icbcSettle, RES) - icbcBefore).toBe(2_000_00n);
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.settle', currency: 'CNY', window: 1n }, [S.cb]),
      'window_settled',
    );
    // Windows settle in order: close 2 and 3, settling 3 first is refused.
    w.blockOk([w.sign({ type: 'settlement.close', currency: 'CNY', window: 2n }, [S.cb])]);
    w.blockOk([w.sign({ type: 'settlement.close', currency: 'CNY', window: 3n }, [S.cb])]);
    expectRefused(
      w,
      (l) => l.sign({ type: 'settlement.settle', currency: 'CNY', window: 3n }, [S.cb]),
      'window_out_of_order',
    );
    const held = heldByAsset(w.state.all()).get(RES);
    expect(held && held.balances + held.pledged).toBe(SETTLEMENT_SUPPLY);
  });
});

describe('state entries', () => {
  it('encode and decode the scheme, participants, windows with signed positions, and quotes exactly', () => {
    const w = settlementWorld();
    w.blockOk([w.sign(pay(AC.x1, AC.y1, 1_234_56n), [S.x1])]);
    w.blockOk([w.sign({ type: 'settlement.close', currency: 'CNY', window: 1n }, [S.cb])]);
    const kinds = new Set<string>();
    for (const entry of w.state.all()) {
      if (!['scheme', 'participant', 'window'].includes(entry.kind)) continue;
      kinds.add(entry.kind);
      const decoded = decodeStateEntry(encodeStateEntry(entry));
      expect(decoded.ok && decoded.value).toEqual(entry);
    }
    expect([...kinds].sort()).toEqual(['participant', 'scheme', 'window']);
    const closed = w.state.getWindow('CNY', 1n);
    expect(closed?.positions.map((p) => p.net)).toEqual([-1_234_56n, 1_234_56n]);
  });
});

describe('properties over random operation sequences', () => {
  type Step =
    | { readonly kind: 'pay'; readonly from: number; readonly to: number; readonly amount: bigint }
    | { readonly kind: 'close' }
    | { readonly kind: 'settle' }
    | { readonly kind: 'pledge' | 'release'; readonly bank: number; readonly amount: bigint };
  const customers = [
    { account: AC.x1, key: S.x1 },
    { account: AC.x2, key: S.x2 },
    { account: AC.y1, key: S.y1 },
    { account: AC.z1, key: S.z1 },
  ];
  const banks = [
    { org: 'boc', key: S.boc },
    { org: 'icbc2', key: S.icbc },
    { org: 'ccb', key: S.ccb },
  ];
  const amountArb = fc.oneof(fc.bigInt({ min: 1n, max: 3_000_00n }), fc.constantFrom(1n, 5_000_00n, 10_000_00n));
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('pay' as const), from: fc.nat(3), to: fc.nat(3), amount: amountArb }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.constant({ kind: 'close' as const }), fc.constant({ kind: 'settle' as const })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constantFrom('pledge' as const, 'release' as const),
        bank: fc.nat(2),
        amount: amountArb,
      }),
    },
  );

  it('keep Σ net = 0 per window, conserve the settlement asset, never pass a cap, put each payment in one window', () => {
    // Over all runs, what the sequences reached: the property is only as good as the paths it exercised.
    const seen = { paid: 0, capRefused: 0, closed: 0, settled: 0, released: 0 };
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'max' }), (steps) => {
        const w = settlementWorld();
        let paid = 0n;
        let paidCount = 0n;
        for (const step of steps) {
          const scheme = w.state.getScheme('CNY');
          if (scheme === undefined) throw new Error('scheme');
          let tx: Signed;
          if (step.kind === 'pay') {
            const from = customers[step.from];
            const to = customers[step.to];
            if (from === undefined || to === undefined) throw new Error('customer');
            tx = w.sign(pay(from.account, to.account, step.amount), [from.key]);
          } else if (step.kind === 'close') {
            tx = w.sign({ type: 'settlement.close', currency: 'CNY', window: scheme.openWindow }, [S.cb]);
          } else if (step.kind === 'settle') {
            tx = w.sign({ type: 'settlement.settle', currency: 'CNY', window: scheme.nextToSettle }, [S.cb]);
          } else {
            const bank = banks[step.bank];
            if (bank === undefined) throw new Error('bank');
            tx = w.sign({ type: `settlement.${step.kind}`, currency: 'CNY', org: bank.org, amount: step.amount }, [
              bank.key,
            ]);
          }
          const [result] = w.block([tx]).results;
          if (step.kind === 'pay' && result?.code === 'ok') {
            paid += step.amount;
            paidCount += 1n;
            seen.paid++;
          }
          if (result?.code === 'net_debit_cap_exceeded') seen.capRefused++;
          if (result?.code === 'ok' && step.kind === 'close') seen.closed++;
          if (result?.code === 'ok' && step.kind === 'settle') seen.settled++;
          if (result?.code === 'ok' && step.kind === 'release') seen.released++;
          // After every block: caps hold, positions sum to zero, the settlement asset is whole.
          const scheme2 = w.state.getScheme('CNY');
          if (scheme2 === undefined) throw new Error('scheme');
          const open = w.state.getWindow('CNY', scheme2.openWindow);
          for (const { org } of banks) {
            const p = w.state.getParticipant('CNY', org);
            if (p === undefined) throw new Error('participant');
            const net = open?.positions.find((x) => x.org === org)?.net ?? 0n;
            expect(p.owed + (net < 0n ? -net : 0n)).toBeLessThanOrEqual(p.pledged);
          }
          const held = heldByAsset(w.state.all()).get(RES);
          expect(held && held.balances + held.pledged).toBe(SETTLEMENT_SUPPLY);
        }
        let windowsPaid = 0n;
        let windowsCount = 0n;
        const scheme = w.state.getScheme('CNY');
        for (let seq = 1n; scheme !== undefined && seq <= scheme.openWindow; seq++) {
          const window = w.state.getWindow('CNY', seq);
          if (window === undefined) throw new Error(`window ${seq}`);
          expect(window.positions.reduce((sum, p) => sum + p.net, 0n)).toBe(0n);
          windowsPaid += window.gross;
          windowsCount += window.payments;
        }
        expect([windowsPaid, windowsCount]).toEqual([paid, paidCount]);
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
    for (const [path, count] of Object.entries(seen)) expect(count, path).toBeGreaterThan(0);
  });
});
