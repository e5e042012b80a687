/**
 * A world for interbank settlement tests: the standard world plus a central bank `cb` (settlement institution,
 * issues RES-CNY) and three banks `boc`, `icbc2`, `ccb` with their deposit assets, settlement accounts and a few
 * customers, all joined to the CNY scheme. See `settlementWorld`.
 */
import type { AccountOpenBody, InterbankTransferBody, OrgId, TxBody } from '../../src/index.ts';
import { K, keyOf, type Ledger, type Signed, standardWorld } from './world.ts';

export const S = {
  cb: keyOf('central bank admin'),
  boc: keyOf('boc admin'),
  icbc: keyOf('icbc2 admin'),
  ccb: keyOf('ccb admin'),
  x1: keyOf('boc customer 1'),
  x2: keyOf('boc customer 2'),
  y1: keyOf('icbc merchant 1'),
  z1: keyOf('ccb customer 1'),
} as const;

/** Account ids by role: settlement accounts at the central bank, customers at their banks. */
export const AC = {
  bocSettle: '5e000000000000000000000000000001',
  icbcSettle: '5e000000000000000000000000000002',
  ccbSettle: '5e000000000000000000000000000003',
  x1: 'b0c00000000000000000000000000001',
  x2: 'b0c00000000000000000000000000002',
  y1: '1cbc0000000000000000000000000001',
  z1: 'ccb00000000000000000000000000001',
} as const;

export const BANKS = { boc: 'BOC-CNY', icbc: 'ICBC-CNY', ccb: 'CCB-CNY' } as const;
export const RES = 'RES-CNY';
export const SETTLEMENT_SUPPLY = 30_000_000_00n;

export const openAt = (account: string, issuer: OrgId, owner: { publicKey: Uint8Array }): AccountOpenBody => ({
  type: 'account.open',
  account,
  issuer,
  owners: [owner.publicKey],
  threshold: 1,
  tier: 1,
  flags: { allowNegative: false },
});

export const pay = (source: string, target: string, amount: bigint, currency = 'CNY'): InterbankTransferBody => ({
  type: 'interbank.transfer',
  source,
  target,
  currency,
  amount,
  memo: '',
});

/**
 * The standard world, plus: `cb` (settlement institution, issues RES-CNY), banks `boc`, `icbc`, `ccb` with their
 * deposit assets; each bank's settlement account at `cb` holds 10,000,000.00 RES-CNY; boc's customers x1 (50,000.00)
 * and x2 (5,000.00), icbc's merchant y1, ccb's customer z1 (20,000.00); the CNY scheme with all three banks joined;
 * boc pledges 10,000.00, icbc 5,000.00, ccb nothing.
 */
export function settlementWorld(): Ledger {
  const w = standardWorld();
  const org = (id: string, roles: Array<'issuer' | 'settlement'>, key: { publicKey: Uint8Array }): TxBody => ({
    type: 'org.add',
    org: { id, name: id, roles, adminKeys: [key.publicKey], validatorKey: null },
  });
  w.blockOk([
    w.sign(org('cb', ['issuer', 'settlement'], S.cb), [K.bank, K.network]),
    w.sign(org('boc', ['issuer'], S.boc), [K.bank, K.network]),
    w.sign(org('icbc2', ['issuer'], S.icbc), [K.bank, K.network]),
    w.sign(org('ccb', ['issuer'], S.ccb), [K.bank, K.network]),
  ]);
  const asset = (id: string, issuer: string, key: (typeof S)[keyof typeof S]): Signed =>
    w.sign({ type: 'asset.define', asset: { id, name: id, issuer, decimals: 2 } }, [key]);
  w.blockOk([
    asset(RES, 'cb', S.cb),
    asset(BANKS.boc, 'boc', S.boc),
    asset(BANKS.icbc, 'icbc2', S.icbc),
    asset(BANKS.ccb, 'ccb', S.ccb),
    w.sign(openAt(AC.bocSettle, 'cb', S.boc), [S.cb]),
    w.sign(openAt(AC.icbcSettle, 'cb', S.icbc), [S.cb]),
    w.sign(openAt(AC.ccbSettle, 'cb', S.ccb), [S.cb]),
    w.sign(openAt(AC.x1, 'boc', S.x1), [S.boc]),
    w.sign(openAt(AC.x2, 'boc', S.x2), [S.boc]),
    w.sign(openAt(AC.y1, 'icbc2', S.y1), [S.icbc]),
    w.sign(openAt(AC.z1, 'ccb', S.z1), [S.ccb]),
  ]);
  w.blockOk([
    w.sign({ type: 'mint', asset: RES, account: AC.bocSettle, amount: 10_000_000_00n }, [S.cb]),
    w.sign({ type: 'mint', asset: RES, account: AC.icbcSettle, amount: 10_000_000_00n }, [S.cb]),
    w.sign({ type: 'mint', asset: RES, account: AC.ccbSettle, amount: 10_000_000_00n }, [S.cb]),
    w.sign({ type: 'mint', asset: BANKS.boc, account: AC.x1, amount: 50_000_00n }, [S.boc]),
    w.sign({ type: 'mint', asset: BANKS.boc, account: AC.x2, amount: 5_000_00n }, [S.boc]),
    w.sign({ type: 'mint', asset: BANKS.ccb, account: AC.z1, amount: 20_000_00n }, [S.ccb]),
    w.sign({ type: 'settlement.scheme', currency: 'CNY', settlementAsset: RES }, [S.cb]),
  ]);
  w.blockOk([
    w.sign(
      {
        type: 'settlement.join',
        currency: 'CNY',
        org: 'boc',
        depositAsset: BANKS.boc,
        settlementAccount: AC.bocSettle,
      },
      [S.cb, S.boc],
    ),
    w.sign(
      {
        type: 'settlement.join',
        currency: 'CNY',
        org: 'icbc2',
        depositAsset: BANKS.icbc,
        settlementAccount: AC.icbcSettle,
      },
      [S.cb, S.icbc],
    ),
    w.sign(
      {
        type: 'settlement.join',
        currency: 'CNY',
        org: 'ccb',
        depositAsset: BANKS.ccb,
        settlementAccount: AC.ccbSettle,
      },
      [S.cb, S.ccb],
    ),
  ]);
  w.blockOk([
    w.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'boc', amount: 10_000_00n }, [S.boc]),
    w.sign({ type: 'settlement.pledge', currency: 'CNY', org: 'icbc2', amount: 5_000_00n }, [S.icbc]),
  ]);
  return w;
}
