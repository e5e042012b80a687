// Goal: a receipt that core's Node code builds over a block certified by Node keys verifies in the browser, and any
// single changed byte — in the transaction, the proofs, the result, the header or the certificate — makes it fail.
// Method: a fixed three-transaction block per suite (test/fixtures.ts); every byte of each hex field flipped in turn.
import type { ReceiptJson, SuiteName } from '@paychain/core';
import { describe, expect, it } from 'vitest';
import { certifiedBlock } from '../test/fixtures';
import { parseConsortium } from './consortium';
import { verifyReceiptInBrowser } from './verify-receipt';

function flipHexByte(hex: string, index: number): string {
  const byte = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16) ^ 0x01;
  return `${hex.slice(0, 2 * index)}${byte.toString(16).padStart(2, '0')}${hex.slice(2 * index + 2)}`;
}

type HexField = 'tx' | 'header' | 'certificate' | 'resultBytes' | 'txPath0' | 'resultPath0';

function withField(receipt: ReceiptJson, field: HexField, value: (hex: string) => string): ReceiptJson {
  const copy: ReceiptJson = structuredClone(receipt);
  switch (field) {
    case 'tx':
      copy.tx = value(copy.tx);
      break;
    case 'header':
      copy.header = value(copy.header);
      break;
    case 'certificate':
      copy.certificate = value(copy.certificate);
      break;
    case 'resultBytes':
      copy.result.bytes = value(copy.result.bytes);
      break;
    case 'txPath0':
      copy.txProof.path[0] = value(copy.txProof.path[0] ?? '');
      break;
    case 'resultPath0':
      copy.resultProof.path[0] = value(copy.resultProof.path[0] ?? '');
      break;
  }
  return copy;
}

function fieldHex(receipt: ReceiptJson, field: HexField): string {
  let hex = '';
  withField(receipt, field, (h) => {
    hex = h;
    return h;
  });
  return hex;
}

describe.each<SuiteName>(['intl', 'gm'])('verifyReceiptInBrowser (%s)', (suite) => {
  const block = certifiedBlock(suite);

  it('reads the consortium facts as the gateway answers them', () => {
    expect(parseConsortium(block.consortiumJson)).toEqual({
      ok: true,
      value: block.consortium,
    });
  });

  it.each([0, 1, 2])('verifies the receipt of transaction %i', (index) => {
    const verdict = verifyReceiptInBrowser(block.receipts[index], block.consortium, {
      expectedTxId: block.txIds[index] ?? '',
    });
    expect(verdict).toMatchObject({
      ok: true,
      txId: block.txIds[index],
      code: 'ok',
      height: 7n,
      signers: ['bank', 'network'],
    });
  });

  it.each<HexField>(['tx', 'header', 'certificate', 'resultBytes', 'txPath0', 'resultPath0'])(
    'fails when any one byte of %s changes',
    (field) => {
      const receipt = block.receipts[1];
      if (receipt === undefined) throw new Error('fixture has three receipts');
      const bytes = fieldHex(receipt, field).length / 2;
      expect(bytes).toBeGreaterThan(0);
      for (let index = 0; index < bytes; index++) {
        const tampered = withField(receipt, field, (hex) => flipHexByte(hex, index));
        const verdict = verifyReceiptInBrowser(tampered, block.consortium);
        expect(verdict.ok, `${field} byte ${index}`).toBe(false);
      }
    },
  );

  it('counts only the validators active at the block height, and a majority of them without a quorum', () => {
    const receipt = block.receipts[0];
    const [first, second, third] = block.consortium.validators;
    if (first === undefined || second === undefined || third === undefined) throw new Error('three validators');
    // bank and network signed block 7; with pboc gone from height 5, 2 of 2 is still a majority.
    const pbocRemoved = { ...block.consortium, validators: [first, second, { ...third, removedFrom: 5n }] };
    expect(verifyReceiptInBrowser(receipt, pbocRemoved).ok).toBe(true);
    // network joined only at height 8: its signature on block 7 names an unknown validator.
    const networkLater = { ...block.consortium, validators: [first, { ...second, activeFrom: 8n }, third] };
    expect(verifyReceiptInBrowser(receipt, networkLater)).toMatchObject({
      ok: false,
      reason: 'certificate: unknown_validator',
    });
    // Two more validators active at 7 (five in all): two signatures are below the majority of three.
    const more = {
      ...block.consortium,
      validators: [...block.consortium.validators, { ...third, org: 'icbc' }, { ...third, org: 'zbank' }],
    };
    expect(verifyReceiptInBrowser(receipt, more)).toMatchObject({ ok: false, reason: 'certificate: below_quorum' });
  });

  it('fails for another transaction than the payment shown', () => {
    const verdict = verifyReceiptInBrowser(block.receipts[0], block.consortium, { expectedTxId: block.txIds[1] ?? '' });
    expect(verdict.ok).toBe(false);
  });

  it('fails against other validator keys, a higher quorum, or another chain', () => {
    const receipt = block.receipts[0];
    const other = certifiedBlock(suite === 'intl' ? 'gm' : 'intl');
    expect(verifyReceiptInBrowser(receipt, { ...block.consortium, quorum: 3 })).toMatchObject({
      ok: false,
      reason: 'certificate: below_quorum',
    });
    expect(verifyReceiptInBrowser(receipt, { ...block.consortium, chainId: 'another-chain' })).toMatchObject({
      ok: false,
      reason: 'receipt is for another chain',
    });
    const swapped = {
      ...block.consortium,
      validators: block.consortium.validators.map((v, i) => ({
        ...v,
        publicKey: block.consortium.validators[(i + 1) % 3]?.publicKey ?? '',
      })),
    };
    expect(verifyReceiptInBrowser(receipt, swapped).ok).toBe(false);
    expect(verifyReceiptInBrowser(receipt, { ...other.consortium, chainId: block.consortium.chainId }).ok).toBe(false);
  });

  it('fails, without throwing, on a missing or malformed receipt', () => {
    expect(verifyReceiptInBrowser(null, block.consortium)).toEqual({ ok: false, reason: 'no receipt' });
    expect(verifyReceiptInBrowser({ version: 2 }, block.consortium).ok).toBe(false);
    expect(verifyReceiptInBrowser({ ...block.receipts[0], tx: 'zz' }, block.consortium).ok).toBe(false);
  });
});

describe('parseConsortium', () => {
  const good = certifiedBlock('intl').consortiumJson;
  const validators = good.validators as unknown[];
  it.each([
    ['not an object', []],
    ['a bad suite', { ...good, suite: 'rsa' }],
    ['a short genesis hash', { ...good, genesisHash: 'ab' }],
    ['no validators', { ...good, validators: [] }],
    ['a bad key', { ...good, validators: [{ org: 'bank', publicKey: 'xyz' }] }],
    ['a duplicate org', { ...good, validators: [validators[0], validators[0]] }],
    ['a malformed height', { ...good, validators: [{ ...(validators[0] as object), activeFrom: '-1' }] }],
    ['a quorum above the validators', { ...good, quorum: 4 }],
    ['a bad asset', { ...good, assets: [{ id: 'cny', name: 'x', decimals: 2, issuer: 'bank' }] }],
  ])('refuses %s', (_, json) => {
    expect(parseConsortium(json).ok).toBe(false);
  });

  it('accepts the contract form too: an explicit quorum, no heights, assets with issuers', () => {
    const contract = {
      ...good,
      quorum: 2,
      validators: validators.map((v) => ({
        org: (v as { org: string }).org,
        publicKey: (v as { publicKey: string }).publicKey,
      })),
      assets: [{ id: 'CNY', name: 'Renminbi', decimals: 2, issuer: 'bank' }],
    };
    const parsed = parseConsortium(contract);
    expect(
      parsed.ok && [parsed.value.quorum, parsed.value.validators[0]?.activeFrom, parsed.value.assets[0]?.issuer],
    ).toEqual([2, 0n, 'bank']);
  });
});
