// Goal: the scenario — three banks, 100,000 payments across them over several settlement windows, one bank
// hitting its net debit cap — reconciles to the fen: each window's payments, gross and per-bank net positions equal
// what the payments that applied add up to; every payment is in exactly one window; settling moves exactly the nets
// in the settlement asset; each bank's deposits equal what its customers hold. Method: real Ed25519-signed
// transactions executed block by block (1,000 per block) on the settlement world with 90 customers; a seeded
// generator (mulberry32) picks payers, payees and amounts, with the small bank's customers paying out more than in;
// the test keeps its own ledger of what applied and compares.
import { describe, expect, it } from 'vitest';
import { heldByAsset, type TxBody } from '../src/index.ts';
import { AC, BANKS, openAt, pay, RES, S, SETTLEMENT_SUPPLY, settlementWorld } from './helpers/settlement-world.ts';
import { keyOf, type Signed } from './helpers/world.ts';

const PAYMENTS = 100_000;
const PER_BLOCK = 1_000;
/** A window closes every 20,000 payments (the previous one settles with it): five windows, then the last closed. */
const WINDOW_PAYMENTS = 20_000;
const CUSTOMERS_PER_BANK = 30;
const OPENING = 1_000_000_00n;

/** mulberry32: a small seeded generator, so the scenario is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('three banks, 100,000 payments over five windows', () => {
  it('reconciles windows, positions, settlements and deposits to the fen, with the capped bank refused', () => {
    const w = settlementWorld();
    const banks = [
      { org: 'boc', key: S.boc, asset: BANKS.boc, settle: AC.bocSettle },
      { org: 'icbc2', key: S.icbc, asset: BANKS.icbc, settle: AC.icbcSettle },
      { org: 'ccb', key: S.ccb, asset: BANKS.ccb, settle: AC.ccbSettle },
    ] as const;
    // 30 customers a bank, each opened and given 1,000,000.00 of its bank's deposit.
    const customers = banks.flatMap((bank, b) =>
      Array.from({ length: CUSTOMERS_PER_BANK }, (_, i) => ({
        bank: b,
        account: `c${b}${i.toString(16).padStart(30, '0')}`,
        key: keyOf(`${bank.org} scenario customer ${i}`),
      })),
    );
    w.blockOk(
      customers.map((c) => w.sign(openAt(c.account, banks[c.bank]?.org ?? '', c.key), [banks[c.bank]?.key ?? S.cb])),
    );
    w.blockOk(
      customers.map((c) => {
        const bank = banks[c.bank];
        if (bank === undefined) throw new Error('bank');
        return w.sign({ type: 'mint', asset: bank.asset, account: c.account, amount: OPENING }, [bank.key]);
      }),
    );
    // boc and icbc2 pledge plenty; ccb (pledging nothing in the world) pledges 20,000.00 and will hit its cap.
    w.blockOk([
      w.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'boc', amount: 5_000_000_00n }, [S.boc]),
      w.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'icbc2', amount: 5_000_000_00n }, [S.icbc]),
      w.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'ccb', amount: 20_000_00n }, [S.ccb]),
    ]);
    const settleBefore = banks.map((bank) => w.posted(bank.settle, RES));
    const pledgedBefore = banks.map((bank) => w.state.getParticipant('CNY', bank.org)?.pledged ?? 0n);

    // The test's own ledger of what applied, per window.
    type WindowModel = { payments: bigint; gross: bigint; net: bigint[] };
    const windows: WindowModel[] = [];
    const newWindow = (): WindowModel => ({ payments: 0n, gross: 0n, net: [0n, 0n, 0n] });
    let current = newWindow();
    const balances = new Map(customers.map((c) => [c.account, OPENING]));
    let capRefused = 0;
    const next = rng(7);
    let sent = 0;
    let seq = 1n;
    while (sent < PAYMENTS) {
      const batch: Array<{
        tx: Signed;
        from: (typeof customers)[number];
        to: (typeof customers)[number];
        amount: bigint;
      }> = [];
      while (batch.length < PER_BLOCK && sent < PAYMENTS) {
        // ccb's customers pay out 40 % of the time and are paid 20 %: ccb drifts into debt.
        const payerBank = next() < 0.4 ? 2 : next() < 0.5 ? 0 : 1;
        const payeeBank = (payerBank + 1 + Math.floor(next() * 2)) % 3;
        const from = customers[payerBank * CUSTOMERS_PER_BANK + Math.floor(next() * CUSTOMERS_PER_BANK)];
        const to = customers[payeeBank * CUSTOMERS_PER_BANK + Math.floor(next() * CUSTOMERS_PER_BANK)];
        if (from === undefined || to === undefined) throw new Error('customer');
        const amount = BigInt(1 + Math.floor(next() * 50_000));
        batch.push({ tx: w.sign(pay(from.account, to.account, amount), [from.key]), from, to, amount });
        sent++;
      }
      const closing = sent % WINDOW_PAYMENTS === 0;
      const extra: Signed[] = [];
      if (closing) {
        extra.push(w.sign({ type: 'settlement.close', currency: 'CNY', window: seq } satisfies TxBody, [S.cb]));
        // The window closed before this one settles in the same block, after the close.
        if (seq > 1n) extra.push(w.sign({ type: 'settlement.settle', currency: 'CNY', window: seq - 1n }, [S.cb]));
      }
      const results = w.block([...batch.map((b) => b.tx), ...extra]).results;
      for (const [i, { from, to, amount }] of batch.entries()) {
        const code = results[i]?.code;
        if (code === 'net_debit_cap_exceeded') {
          expect(from.bank).toBe(2);
          capRefused++;
          continue;
        }
        expect(code).toBe('ok');
        current.payments += 1n;
        current.gross += amount;
        current.net[from.bank] = (current.net[from.bank] ?? 0n) - amount;
        current.net[to.bank] = (current.net[to.bank] ?? 0n) + amount;
        balances.set(from.account, (balances.get(from.account) ?? 0n) - amount);
        balances.set(to.account, (balances.get(to.account) ?? 0n) + amount);
      }
      expect(results.slice(batch.length).map((r) => r.code)).toEqual(extra.map(() => 'ok'));
      if (closing) {
        windows.push(current);
        current = newWindow();
        seq++;
      }
    }
    // Settle the last closed window.
    w.blockOk([w.sign({ type: 'settlement.settle', currency: 'CNY', window: seq - 1n }, [S.cb])]);

    expect(capRefused).toBeGreaterThan(0);
    expect(windows).toHaveLength(PAYMENTS / WINDOW_PAYMENTS);
    let okPayments = 0n;
    for (const [i, model] of windows.entries()) {
      const window = w.state.getWindow('CNY', BigInt(i + 1));
      expect(window?.status).toBe('settled');
      expect([window?.payments, window?.gross]).toEqual([model.payments, model.gross]);
      for (const [b, bank] of banks.entries()) {
        expect(window?.positions.find((p) => p.org === bank.org)?.net ?? 0n).toBe(model.net[b]);
      }
      expect(window?.positions.reduce((sum, p) => sum + p.net, 0n)).toBe(0n);
      okPayments += model.payments;
    }
    expect(okPayments + BigInt(capRefused)).toBe(BigInt(PAYMENTS));
    expect(w.state.getWindow('CNY', seq)).toMatchObject({ status: 'open', payments: 0n });

    // Settlement moved exactly the nets: creditors' accounts up, debtors' pledges down.
    for (const [b, bank] of banks.entries()) {
      const total = windows.reduce((sum, model) => sum + (model.net[b] ?? 0n), 0n);
      const credited = windows.reduce(
        (sum, model) => sum + ((model.net[b] ?? 0n) > 0n ? (model.net[b] ?? 0n) : 0n),
        0n,
      );
      const debited = credited - total;
      expect(w.posted(bank.settle, RES) - (settleBefore[b] ?? 0n)).toBe(credited);
      expect(w.state.getParticipant('CNY', bank.org)).toMatchObject({
        pledged: (pledgedBefore[b] ?? 0n) - debited,
        owed: 0n,
      });
    }
    const held = heldByAsset(w.state.all());
    const settlement = held.get(RES);
    expect(settlement && settlement.balances + settlement.pledged).toBe(SETTLEMENT_SUPPLY);
    // Each customer holds exactly what the test's ledger says; each bank's deposit supply is what its customers hold.
    for (const c of customers) {
      expect(w.posted(c.account, banks[c.bank]?.asset ?? '')).toBe(balances.get(c.account));
    }
    for (const bank of banks) {
      const a = held.get(bank.asset);
      const customersHold = customers
        .filter((c) => banks[c.bank]?.org === bank.org)
        .reduce((sum, c) => sum + (balances.get(c.account) ?? 0n), 0n);
      // The world's own customers of boc (x1, x2) and ccb (z1) hold their openings still.
      expect(a && a.minted - a.burned).toBe(a?.balances);
      expect(customersHold).toBeLessThanOrEqual(a?.balances ?? 0n);
    }
  }, 120_000);
});
