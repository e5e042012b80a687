// Goal: the payer sees exactly what the key will sign. Method: transactions encoded by core (transfer, batch, burn)
// decoded for display, with and without the signature-count byte; signing bytes from the gateway accepted only when
// they are the ones derived from the transaction shown.
import {
  bytesToHex,
  encodeTransaction,
  encodeTxSigningBytes,
  TX_BYTES_MAX,
  TX_DISBURSE_BYTES_MAX,
  type UnsignedTransaction,
} from '@paychain/core';
import { describe, expect, it } from 'vitest';
import { accountId, T0, transferTx, unsignedTxHex } from '../test/fixtures';
import { decodeForDisplay, prepareSigning } from './decode-for-display';

describe('decodeForDisplay', () => {
  it('shows a transfer: kind, amount in minor units, source, target, asset, memo, expiry', () => {
    const tx = transferTx(1, 123_456n, '咖啡 coffee');
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok).toBe(true);
    if (!shown.ok) return;
    expect(shown.value).toMatchObject({
      txId: tx.id,
      kind: 'transfer',
      amount: 123_456n,
      source: accountId(1),
      target: accountId(2),
      asset: 'CNY',
      memo: '咖啡 coffee',
      expiresAtMs: T0 + 120_000n,
      signatureCount: 0,
    });
  });

  it('accepts the encoding without the signature-count byte', () => {
    const hex = unsignedTxHex(transferTx(2, 5n));
    const shown = decodeForDisplay(hex.slice(0, -2));
    expect(shown.ok && shown.value.amount).toBe(5n);
  });

  it('lists every operation of a batch, the first as the headline', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(9),
      expiresAt: T0,
      body: {
        type: 'batch',
        ops: [
          { type: 'transfer', source: accountId(1), target: accountId(2), asset: 'CNY', amount: 100n, memo: 'pay' },
          { type: 'transfer', source: accountId(1), target: accountId(3), asset: 'CNY', amount: 1n, memo: 'fee' },
        ],
      },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && shown.value.ops.map((op) => [op.kind, op.amount, op.target])).toEqual([
      ['transfer', 100n, accountId(2)],
      ['transfer', 1n, accountId(3)],
    ]);
    expect(shown.ok && shown.value.kind).toBe('batch');
  });

  it('shows a withdrawal (burn) with the account as the source', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(10),
      expiresAt: T0,
      body: { type: 'burn', asset: 'CNY', account: accountId(1), amount: 700n },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && [shown.value.kind, shown.value.source, shown.value.target, shown.value.amount]).toEqual([
      'burn',
      accountId(1),
      null,
      700n,
    ]);
  });

  it.each([
    ['empty', ''],
    ['not hex', 'zz'],
    ['odd length', 'abc'],
    ['truncated', unsignedTxHex(transferTx(3, 1n)).slice(0, 40)],
    ['trailing bytes', `${unsignedTxHex(transferTx(3, 1n))}0000`],
  ])('refuses %s', (_, hex) => {
    expect(decodeForDisplay(hex).ok).toBe(false);
  });

  it('shows a program disbursement above TX_BYTES_MAX (up to TX_DISBURSE_BYTES_MAX); refuses longer hex', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(10),
      expiresAt: T0,
      body: {
        type: 'program.disburse',
        program: accountId(11),
        allocations: Array.from({ length: 10_000 }, (_, i) => ({ beneficiary: accountId(100 + i), amount: 10_00n })),
      },
    };
    const hex = unsignedTxHex(tx);
    expect(hex.length / 2).toBeGreaterThan(TX_BYTES_MAX);
    const shown = decodeForDisplay(hex);
    expect(shown.ok && shown.value.kind).toBe('program.disburse');
    expect(decodeForDisplay('00'.repeat(TX_DISBURSE_BYTES_MAX + 1))).toEqual({
      ok: false,
      error: 'unsignedTx: expected the transaction as hex',
    });
  });
});

describe('program money', () => {
  it('shows a program spend: amount, from the beneficiary, to the merchant', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(21),
      expiresAt: T0,
      body: {
        type: 'program.spend',
        program: accountId(5),
        beneficiary: accountId(1),
        merchant: accountId(2),
        amount: 1_250n,
      },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && shown.value).toMatchObject({
      kind: 'program.spend',
      amount: 1_250n,
      source: accountId(1),
      target: accountId(2),
      asset: null,
    });
    expect(shown.ok && shown.value.ops).toHaveLength(1);
  });

  it('shows a program redemption into the merchant', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(22),
      expiresAt: T0,
      body: { type: 'program.redeem', program: accountId(5), merchant: accountId(2), amount: 99n },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && [shown.value.kind, shown.value.amount, shown.value.source, shown.value.target]).toEqual([
      'program.redeem',
      99n,
      null,
      accountId(2),
    ]);
  });
});

describe('prepareSigning', () => {
  const tx = transferTx(4, 2_500n);
  const unsignedTx = unsignedTxHex(tx);
  const signingBytes = bytesToHex(encodeTxSigningBytes(tx));

  it('signs the bytes derived from the transaction shown', () => {
    const prepared = prepareSigning({ unsignedTx, signingBytes }, tx.id);
    expect(prepared.ok && bytesToHex(prepared.signingBytes)).toBe(signingBytes);
    expect(prepared.ok && prepared.display.amount).toBe(2_500n);
  });

  it('refuses signing bytes of another transaction', () => {
    const other = bytesToHex(encodeTxSigningBytes(transferTx(4, 250_000n)));
    expect(prepareSigning({ unsignedTx, signingBytes: other }, tx.id)).toEqual({
      ok: false,
      error: 'signingBytes do not match the transaction shown',
    });
  });

  it('refuses a transaction that is not the payment', () => {
    expect(prepareSigning({ unsignedTx, signingBytes }, accountId(77)).ok).toBe(false);
  });

  it('refuses signed bytes passed off as signing bytes', () => {
    const signed = bytesToHex(encodeTransaction({ ...tx, signatures: [] }));
    expect(prepareSigning({ unsignedTx, signingBytes: signed }, tx.id).ok).toBe(false);
  });
});

describe('payments across banks and currencies', () => {
  it('shows a conversion: what leaves the payer, to whom, at which quote and rate', () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(31),
      expiresAt: T0,
      body: {
        type: 'fx.convert',
        quote: accountId(9),
        source: accountId(1),
        target: accountId(2),
        baseAmount: 4_885n,
        rateNum: 9_213n,
        rateDen: 10_000n,
        memo: 'lunch',
      },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && shown.value).toMatchObject({
      kind: 'fx.convert',
      amount: 4_885n,
      source: accountId(1),
      target: accountId(2),
      asset: null,
      memo: 'lunch',
    });
    expect(shown.ok && shown.value.ops[0]?.fx).toEqual({ quote: accountId(9), rateNum: 9_213n, rateDen: 10_000n });
  });

  it("shows a payment to another bank's customer with its amount", () => {
    const tx: UnsignedTransaction = {
      chainId: 'c',
      id: accountId(32),
      expiresAt: T0,
      body: {
        type: 'interbank.transfer',
        source: accountId(1),
        target: accountId(3),
        currency: 'CNY',
        amount: 12_000n,
        memo: '',
      },
    };
    const shown = decodeForDisplay(unsignedTxHex(tx));
    expect(shown.ok && shown.value).toMatchObject({
      kind: 'interbank.transfer',
      amount: 12_000n,
      source: accountId(1),
      target: accountId(3),
    });
  });
});
