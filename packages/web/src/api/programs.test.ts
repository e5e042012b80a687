// Goal: the program client speaks the contract — every route with its method, path, body, content type and
// Idempotency-Key; answers checked on arrival (a number where an amount belongs, a missing total, a bad status is
// refused with the field named); a redemption answered 202 handed back as the transaction to sign, checked to be this
// program's redemption; `program_ineligible` and disbursement errors read with their reason, line or index; reason
// codes said in both languages. Method: a recording fetch answering canned responses; transactions encoded by core.
import { bytesToHex, encodeTxSigningBytes, type UnsignedTransaction } from '@paychain/core';
import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { accountId, T0, unsignedTxHex } from '../test/fixtures';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import { ApiError } from './client';
import {
  createProgram,
  csvAllocationLines,
  dateTimeLocalToMs,
  disbursementProblemOf,
  disburseProgram,
  disburseProgramCsv,
  fundProgram,
  getBeneficiaryStatement,
  getMerchantPrograms,
  getMyProgramStatement,
  getMyPrograms,
  getProgram,
  getProgramReport,
  getPrograms,
  getProgramTrace,
  getPublicPrograms,
  msToDateTimeLocal,
  PROGRAM_INELIGIBLE_REASONS,
  type ProgramReasonKey,
  parseCosignatures,
  parseMccList,
  parseRegionList,
  prepareRedemptionSigning,
  programIneligibleOf,
  programRefusalText,
  programReportCsvUrl,
  programReportUrl,
  proposeClawback,
  redeemProgram,
  resumeProgram,
  submitClawback,
  submitRedemptionSignature,
  suspendProgram,
} from './programs';

const PROGRAM_ID = 'a1'.repeat(16);
const MERCHANT_ID = 'b2'.repeat(16);
const SETTLEMENT = accountId(0x5e771e);
const cny = (amount: string) => ({ amount, currency: 'CNY' });

const PROGRAM = {
  id: PROGRAM_ID,
  name: 'Seed subsidy',
  purpose: 'Seeds and fertilizer for farmers',
  funder: 'bank',
  auditor: 'regulator',
  currency: 'CNY',
  budget: cny('1000000.00'),
  status: 'active',
  rules: {
    mccs: ['5261'],
    regions: ['CN-SC'],
    merchants: [{ accountId: accountId(7), name: 'Farm shop' }],
    perPaymentMax: cny('500.00'),
    perBeneficiaryMax: cny('1000.00'),
    validFromMs: 1_767_225_600_000,
    validUntilMs: 1_798_761_600_000,
    atExpiry: 'release',
  },
  fundingAccountId: accountId(3),
  createdAtMs: 1_767_225_600_000,
  totals: {
    funded: cny('10000.00'),
    pool: cny('7000.00'),
    disbursed: cny('3000.00'),
    heldByBeneficiaries: cny('2000.00'),
    spent: cny('1000.00'),
    merchantReceivables: cny('400.00'),
    redeemed: cny('600.00'),
    returned: cny('0.00'),
    clawedBack: cny('0.00'),
    released: cny('0.00'),
  },
};

describe('ops routes', () => {
  it('lists programs and reads one, every field checked', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [PROGRAM] }),
      jsonResponse(200, { ...PROGRAM, rules: { ...PROGRAM.rules, perPaymentMax: null } }),
    ]);
    expect(await getPrograms(client)).toEqual([PROGRAM]);
    const one = await getProgram(client, PROGRAM_ID);
    expect(one.rules.perPaymentMax).toBeNull();
    expect(one.totals.spent).toEqual(cny('1000.00'));
    expect(calls.map((c) => [c.method, c.url, c.headers['idempotency-key']])).toEqual([
      ['GET', '/v1/ops/programs', undefined],
      ['GET', `/v1/ops/programs/${PROGRAM_ID}`, undefined],
    ]);
  });

  it.each([
    [{ ...PROGRAM, budget: { amount: 1000, currency: 'CNY' } }, '(program).budget.amount: expected a decimal string'],
    [{ ...PROGRAM, status: 'paused' }, '(program).status: expected active | suspended | expired'],
    [{ ...PROGRAM, totals: { ...PROGRAM.totals, clawedBack: undefined } }, '(program).totals.clawedBack'],
    [{ ...PROGRAM, rules: { ...PROGRAM.rules, mccs: '5261' } }, '(program).rules.mccs: expected an array'],
  ])('refuses a malformed program (%#)', async (answer, message) => {
    const { client } = recordingClient([jsonResponse(200, answer)]);
    await expect(getProgram(client, PROGRAM_ID)).rejects.toThrow(message);
    const { client: again } = recordingClient([jsonResponse(200, answer)]);
    await expect(getProgram(again, PROGRAM_ID)).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('creates a program with POST, its rules and an Idempotency-Key', async () => {
    const { calls, client } = recordingClient([jsonResponse(201, PROGRAM)]);
    const body = {
      name: 'Seed subsidy',
      purpose: 'Seeds',
      budget: cny('1000000.00'),
      auditor: 'regulator',
      rules: { mccs: ['5261'], perBeneficiaryMax: '1000.00', validUntilMs: 1_798_761_600_000 },
    };
    expect((await createProgram(client, body)).id).toBe(PROGRAM_ID);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/v1/ops/programs', body: JSON.stringify(body) });
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
    expect(calls[0]?.headers['content-type']).toBe('application/json');
  });

  it('funds from a bank account and answers the program with the transactions', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { program: PROGRAM, txIds: ['c1'.repeat(16), 'c2'.repeat(16)] }),
      apiErrorResponse(422, 'program_refused', { code: 'budget_exceeded' }),
    ]);
    const body = { amount: '10000.00', currency: 'CNY', bankAccount: '6222 0210 0112 3456' };
    const funded = await fundProgram(client, PROGRAM_ID, body);
    expect(funded.txIds).toHaveLength(2);
    expect(funded.program.totals.funded).toEqual(cny('10000.00'));
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: `/v1/ops/programs/${PROGRAM_ID}/funding`,
      body: JSON.stringify(body),
    });
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
    await expect(fundProgram(client, PROGRAM_ID, body)).rejects.toMatchObject({
      code: 'program_refused',
      details: { code: 'budget_exceeded' },
    });
  });

  it('disburses JSON allocations, and the text of a CSV file as {csv}', async () => {
    const done = { txId: 'd1'.repeat(16), count: 2, total: cny('300.00'), receipt: null };
    const { calls, client } = recordingClient([jsonResponse(200, done), jsonResponse(200, done)]);
    const allocations = [
      { phone: '+8613800000001', amount: '100.00' },
      { accountId: accountId(9), amount: '200.00' },
    ];
    expect(await disburseProgram(client, PROGRAM_ID, allocations)).toEqual(done);
    const csv = 'beneficiary,amount\n+8613800000001,100.00\n';
    expect((await disburseProgramCsv(client, PROGRAM_ID, csv)).count).toBe(2);
    const url = `/v1/ops/programs/${PROGRAM_ID}/disbursements`;
    expect(
      calls.map((c) => [c.method, c.url, c.body, c.headers['content-type'], c.headers['idempotency-key']]),
    ).toEqual([
      ['POST', url, JSON.stringify({ allocations }), 'application/json', 'key-1'],
      ['POST', url, JSON.stringify({ csv }), 'application/json', 'key-2'],
    ]);
  });

  it('reads a refused disbursement: the CSV line or allocation index, and the ledger code', async () => {
    const { client } = recordingClient([
      apiErrorResponse(400, 'beneficiary_unknown', { index: 1, line: 3 }),
      apiErrorResponse(422, 'program_refused', { code: 'allocation_exceeded', index: 4 }),
    ]);
    const unknown = await disburseProgramCsv(client, PROGRAM_ID, 'a\nb\nc\n').catch((e: unknown) => e);
    expect(disbursementProblemOf(unknown)).toEqual({ code: 'beneficiary_unknown', line: 3, index: 1 });
    const refused = await disburseProgram(client, PROGRAM_ID, []).catch((e: unknown) => e);
    expect(disbursementProblemOf(refused)).toEqual({ code: 'allocation_exceeded', line: null, index: 4 });
    expect(disbursementProblemOf(new ApiError('amount_invalid', 'x', 400))).toBeNull();
  });

  it('suspends and resumes with a reason', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { ...PROGRAM, status: 'suspended' }),
      jsonResponse(200, PROGRAM),
    ]);
    expect((await suspendProgram(client, PROGRAM_ID, 'audit')).status).toBe('suspended');
    expect((await resumeProgram(client, PROGRAM_ID, 'done')).status).toBe('active');
    expect(calls.map((c) => [c.method, c.url, c.body, c.headers['idempotency-key']])).toEqual([
      ['POST', `/v1/ops/programs/${PROGRAM_ID}/suspend`, '{"reason":"audit"}', 'key-1'],
      ['POST', `/v1/ops/programs/${PROGRAM_ID}/resume`, '{"reason":"done"}', 'key-2'],
    ]);
  });

  it('proposes a clawback and submits it with the auditor co-signature', async () => {
    const proposal = {
      proposal: 'eyJ2IjoxfQ.mac',
      txId: 'e1'.repeat(16),
      unsignedTx: '00',
      signingBytes: '01',
      expiresAtMs: 1_767_312_000_000,
      cosigners: [{ org: 'regulator', role: 'auditor', publicKeys: ['ab'.repeat(32)] }],
    };
    const { calls, client } = recordingClient([
      jsonResponse(201, proposal),
      jsonResponse(200, { txId: proposal.txId, receipt: null }),
      apiErrorResponse(400, 'cosignature_invalid', { index: 0 }),
    ]);
    const body = { beneficiary: '+8613800000001', amount: '50.00', reason: 'fraud' };
    expect(await proposeClawback(client, PROGRAM_ID, body)).toEqual(proposal);
    const signatures = [{ publicKey: 'ab'.repeat(32), signature: 'cd'.repeat(64) }];
    expect(await submitClawback(client, PROGRAM_ID, proposal.proposal, signatures)).toEqual({
      txId: proposal.txId,
      receipt: null,
    });
    expect(calls.map((c) => [c.method, c.url, c.body, c.headers['idempotency-key']])).toEqual([
      ['POST', `/v1/ops/programs/${PROGRAM_ID}/clawbacks`, JSON.stringify(body), 'key-1'],
      [
        'POST',
        `/v1/ops/programs/${PROGRAM_ID}/clawbacks/submit`,
        JSON.stringify({ proposal: proposal.proposal, signatures }),
        'key-2',
      ],
    ]);
    await expect(submitClawback(client, PROGRAM_ID, 'x', signatures)).rejects.toMatchObject({
      code: 'cosignature_invalid',
      status: 400,
    });
  });

  it('reads the trace: nodes, edges with Money, counts and evidence', async () => {
    const trace = {
      program: PROGRAM,
      totals: PROGRAM.totals,
      beneficiaries: 2,
      merchants: 1,
      height: '42',
      nodes: [
        { id: 'funder:bank', kind: 'funder', label: 'bank' },
        { id: `program:${PROGRAM_ID}`, kind: 'program', label: 'Seed subsidy' },
      ],
      edges: [
        {
          kind: 'fund',
          source: 'funder:bank',
          target: `program:${PROGRAM_ID}`,
          amount: cny('10000.00'),
          count: 1,
          evidence: [{ height: '3', txId: 'f1'.repeat(16) }],
          evidenceTruncated: false,
        },
        {
          kind: 'expiry_return',
          source: `program:${PROGRAM_ID}`,
          target: 'returned:bank',
          amount: cny('1.00'),
          count: 1,
          evidence: [{ height: 40, txId: null }],
          evidenceTruncated: false,
        },
      ],
    };
    const { calls, client } = recordingClient([
      jsonResponse(200, trace),
      jsonResponse(200, { ...trace, edges: [{ ...trace.edges[0], amount: 10000 }] }),
    ]);
    const read = await getProgramTrace(client, PROGRAM_ID);
    expect(calls[0]?.url).toBe(`/v1/ops/programs/${PROGRAM_ID}/trace`);
    expect(read.programId).toBe(PROGRAM_ID);
    expect(read.height).toBe('42');
    expect(read.edges[1]?.evidence).toEqual([{ height: '40', txId: null }]);
    expect(read.totals?.funded).toEqual(cny('10000.00'));
    await expect(getProgramTrace(client, PROGRAM_ID)).rejects.toThrow('edges[0].amount: expected an object');
  });

  it('looks a beneficiary statement up by phone (encoded in the query)', async () => {
    const statement = {
      program: PROGRAM_ID,
      accountId: accountId(9),
      phone: '+8613800000001',
      balance: cny('50.00'),
      truncated: false,
      rows: [
        {
          kind: 'disburse',
          height: '5',
          timeMs: 1,
          txId: 'd1'.repeat(16),
          amount: cny('100.00'),
          counterparty: 'bank',
        },
        {
          kind: 'spend',
          height: '6',
          timeMs: 2,
          txId: 'd2'.repeat(16),
          amount: cny('-50.00'),
          counterparty: 'Farm shop',
          reason: null,
        },
      ],
    };
    const { calls, client } = recordingClient([jsonResponse(200, statement)]);
    const read = await getBeneficiaryStatement(client, PROGRAM_ID, '+8613800000001');
    expect(calls[0]?.url).toBe(`/v1/ops/programs/${PROGRAM_ID}/statement?beneficiary=%2B8613800000001`);
    expect(read.rows.map((r) => [r.kind, r.amount.amount, r.counterparty, r.reason])).toEqual([
      ['disburse', '100.00', 'bank', null],
      ['spend', '-50.00', 'Farm shop', null],
    ]);
  });
});

describe('public routes', () => {
  it('lists programs and reads the report (minor units), with its download addresses', async () => {
    const report = {
      program: PROGRAM_ID,
      name: 'Seed subsidy',
      funder: 'bank',
      asset: 'CNY',
      status: 'active',
      beneficiaries: 2,
      merchants: 1,
      totals: Object.fromEntries(Object.keys(PROGRAM.totals).map((k) => [k, '100'])),
      spendingByRegion: [{ key: 'CN-SC', merchants: 1, spends: 3, amount: '100' }],
      spendingByMcc: [{ key: '5261', merchants: 1, spends: 3, amount: '100' }],
      height: '42',
    };
    const listed = {
      id: PROGRAM_ID,
      name: 'Seed subsidy',
      purpose: 'Seeds',
      funder: 'bank',
      currency: 'CNY',
      budget: cny('1000000.00'),
      status: 'active',
      validFromMs: 1,
      validUntilMs: 2,
    };
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [listed] }),
      jsonResponse(200, report),
      jsonResponse(200, { ...report, totals: { ...report.totals, spent: '1.00' } }),
    ]);
    expect(await getPublicPrograms(client)).toEqual([listed]);
    const read = await getProgramReport(client, PROGRAM_ID);
    expect(read.currency).toBe('CNY');
    expect(read.spendingByMcc[0]).toEqual({ key: '5261', merchants: 1, spends: 3, amountMinor: '100' });
    await expect(getProgramReport(client, PROGRAM_ID)).rejects.toThrow('totals.spent: expected an amount in minor');
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/programs',
      `/v1/programs/${PROGRAM_ID}/report`,
      `/v1/programs/${PROGRAM_ID}/report`,
    ]);
    expect(programReportUrl(PROGRAM_ID)).toBe(`/v1/programs/${PROGRAM_ID}/report`);
    expect(programReportCsvUrl('a/b')).toBe('/v1/programs/a%2Fb/report.csv');
  });
});

describe('wallet routes', () => {
  it('reads my programs and my statement', async () => {
    const mine = { program: PROGRAM, balance: cny('50.00'), allocated: cny('100.00'), spent: cny('50.00') };
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [mine] }),
      jsonResponse(200, {
        program: PROGRAM_ID,
        accountId: accountId(9),
        phone: null,
        balance: cny('50.00'),
        truncated: true,
        rows: [],
      }),
      jsonResponse(200, { items: [{ ...mine, balance: null }] }),
    ]);
    expect(await getMyPrograms(client)).toEqual([mine]);
    expect((await getMyProgramStatement(client, PROGRAM_ID)).truncated).toBe(true);
    await expect(getMyPrograms(client)).rejects.toThrow('items[0].balance: expected an object');
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/me/programs',
      `/v1/me/programs/${PROGRAM_ID}/statement`,
      '/v1/me/programs',
    ]);
  });

  it('resolves a QR with my programs, and an older answer without them as none', async () => {
    const base = {
      merchant: { id: MERCHANT_ID, name: 'Farm shop', mcc: '5261', city: 'Chengdu' },
      payee: { kind: 'merchant', name: 'Farm shop' },
      amount: null,
      requestId: null,
      oneTime: false,
      expiresAtMs: null,
    };
    const programs = [
      { id: PROGRAM_ID, name: 'Seed subsidy', balance: cny('50.00'), eligible: true, reason: null },
      {
        id: 'c3'.repeat(16),
        name: 'Meal card',
        balance: cny('9.00'),
        eligible: false,
        reason: 'merchant_not_eligible_mcc',
      },
    ];
    const { client } = recordingClient([
      jsonResponse(200, { ...base, programs }),
      jsonResponse(200, base),
      jsonResponse(200, { ...base, programs: [{ ...programs[0], balance: cny('1'), eligible: 'yes' }] }),
    ]);
    expect((await client.resolveQr('p')).programs).toEqual(programs);
    expect((await client.resolveQr('p')).programs).toEqual([]);
    await expect(client.resolveQr('p')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('pays a QR from a program with programId; the payment names it, an older one is null', async () => {
    const payment = {
      txId: 'ab'.repeat(16),
      kind: 'qr',
      status: 'final',
      amount: cny('12.00'),
      refunded: cny('0.00'),
      direction: 'out',
      counterparty: { kind: 'merchant', name: 'Farm shop' },
      merchantId: MERCHANT_ID,
      refundOf: null,
      memo: '',
      code: 'ok',
      createdAtMs: 1,
      ledger: null,
      receipt: null,
    };
    const { calls, client } = recordingClient([
      jsonResponse(200, { ...payment, programId: PROGRAM_ID }),
      jsonResponse(200, payment),
      jsonResponse(200, { items: [payment], next: null }),
      apiErrorResponse(422, 'program_ineligible', { reason: 'amount_above_cap', program: PROGRAM_ID }),
    ]);
    const body = { payload: 'p', amount: '12.00', currency: 'CNY', programId: PROGRAM_ID };
    expect((await client.payQr(body)).programId).toBe(PROGRAM_ID);
    expect((await client.payment(payment.txId)).programId).toBeNull();
    expect((await client.walletPayments({})).items[0]?.programId).toBeNull();
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/v1/qr/pay', body: JSON.stringify(body) });
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
    const refused = await client.payQr(body).catch((e: unknown) => e);
    expect(programIneligibleOf(refused)).toEqual({ reason: 'amount_above_cap', programId: PROGRAM_ID });
    expect(programIneligibleOf(new ApiError('insufficient_funds', 'x', 422))).toBeNull();
  });
});

describe('merchant routes', () => {
  const redeemTx: UnsignedTransaction = {
    chainId: 'c',
    id: accountId(0xeed),
    expiresAt: T0 + 120_000n,
    body: { type: 'program.redeem', program: PROGRAM_ID, merchant: SETTLEMENT, amount: 4_000n },
  };
  const signing = {
    intent: 'intent-1',
    unsignedTx: unsignedTxHex(redeemTx),
    signingBytes: bytesToHex(encodeTxSigningBytes(redeemTx)),
    expiresAtMs: 1,
  };

  it('lists receivables and redeems all of one (200), or hands back what to sign (202)', async () => {
    const item = {
      programId: PROGRAM_ID,
      name: 'Seed subsidy',
      receivable: cny('40.00'),
      received: cny('100.00'),
      redeemed: cny('60.00'),
    };
    const done = { txId: 'aa'.repeat(16), amount: cny('40.00'), receipt: null };
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [item] }),
      jsonResponse(200, done),
      jsonResponse(202, { signing }),
      jsonResponse(200, done),
    ]);
    expect(await getMerchantPrograms(client, MERCHANT_ID)).toEqual([item]);
    expect(await redeemProgram(client, MERCHANT_ID, PROGRAM_ID)).toEqual({ kind: 'done', ...done });
    expect(await redeemProgram(client, MERCHANT_ID, PROGRAM_ID, cny('40.00'))).toEqual({ kind: 'signing', signing });
    expect(await submitRedemptionSignature(client, MERCHANT_ID, PROGRAM_ID, 'intent-1', 'ff'.repeat(64))).toEqual(done);
    const base = `/v1/merchants/${MERCHANT_ID}/programs`;
    expect(calls.map((c) => [c.method, c.url, c.body, c.headers['idempotency-key']])).toEqual([
      ['GET', base, undefined, undefined],
      ['POST', `${base}/${PROGRAM_ID}/redemptions`, '{}', 'key-1'],
      ['POST', `${base}/${PROGRAM_ID}/redemptions`, JSON.stringify(cny('40.00')), 'key-2'],
      [
        'POST',
        `${base}/${PROGRAM_ID}/redemptions/signature`,
        JSON.stringify({ intent: 'intent-1', signature: 'ff'.repeat(64) }),
        'key-3',
      ],
    ]);
  });

  it('signs only a redemption of this program into this merchant, with the bytes of that transaction', () => {
    const prepared = prepareRedemptionSigning(signing, { programId: PROGRAM_ID, merchantAccountId: SETTLEMENT });
    expect(prepared.ok && prepared.amount).toBe(4_000n);
    expect(prepared.ok && bytesToHex(prepared.signingBytes)).toBe(signing.signingBytes);
    expect(prepared.ok && prepared.display.kind).toBe('program.redeem');
    const otherProgram = prepareRedemptionSigning(signing, {
      programId: 'ff'.repeat(16),
      merchantAccountId: SETTLEMENT,
    });
    expect(otherProgram.ok).toBe(false);
    const otherMerchant = prepareRedemptionSigning(signing, { programId: PROGRAM_ID, merchantAccountId: accountId(1) });
    expect(otherMerchant.ok).toBe(false);
    const spend: UnsignedTransaction = {
      ...redeemTx,
      body: { type: 'program.spend', program: PROGRAM_ID, beneficiary: accountId(1), merchant: SETTLEMENT, amount: 1n },
    };
    expect(
      prepareRedemptionSigning(
        { ...signing, unsignedTx: unsignedTxHex(spend) },
        { programId: PROGRAM_ID, merchantAccountId: SETTLEMENT },
      ),
    ).toEqual({ ok: false, error: 'the transaction is a program.spend, not a redemption' });
    const tampered = prepareRedemptionSigning(
      { ...signing, signingBytes: bytesToHex(encodeTxSigningBytes(spend)) },
      { programId: PROGRAM_ID, merchantAccountId: SETTLEMENT },
    );
    expect(tampered).toEqual({ ok: false, error: 'signingBytes do not match the transaction shown' });
  });
});

/** A `t` over one language's resources, as i18next resolves a plain key. */
function tOf(resources: typeof en): (key: ProgramReasonKey) => string {
  return (key) => {
    const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], resources);
    if (typeof value !== 'string') throw new Error(`no text for ${key}`);
    return value;
  };
}

describe('programRefusalText', () => {
  it.each(PROGRAM_INELIGIBLE_REASONS)('says %s in a sentence in both languages', (reason) => {
    for (const resources of [en, zhCN]) {
      const text = programRefusalText(reason, tOf(resources));
      expect(text.length).toBeGreaterThan(8);
      expect(text).not.toContain(reason);
    }
  });

  it('names a reason it does not know', () => {
    expect(programRefusalText('program_on_fire', tOf(en))).toBe('This program cannot pay here (program_on_fire)');
  });
});

describe('form input', () => {
  it('reads MCC and region lists, refusing malformed entries', () => {
    expect(parseMccList('5499, 5411，5411')).toEqual(['5411', '5499']);
    expect(parseMccList('')).toEqual([]);
    expect(parseMccList('541')).toBeNull();
    expect(parseRegionList('cn-sc CN-CQ')).toEqual(['CN-CQ', 'CN-SC']);
    expect(parseRegionList('CN_SC')).toBeNull();
  });

  it('reads pasted co-signatures: one object or a list, hex only', () => {
    const one = { publicKey: 'AB'.repeat(32), signature: 'cd'.repeat(64) };
    expect(parseCosignatures(JSON.stringify(one))).toEqual([
      { publicKey: 'ab'.repeat(32), signature: 'cd'.repeat(64) },
    ]);
    expect(parseCosignatures(JSON.stringify([one, one]))).toHaveLength(2);
    expect(parseCosignatures('{"publicKey": "zz", "signature": "00"}')).toBeNull();
    expect(parseCosignatures('[]')).toBeNull();
    expect(parseCosignatures('not json')).toBeNull();
  });

  it('counts the beneficiary lines of a CSV, without header and blank lines', () => {
    expect(csvAllocationLines('beneficiary,amount\n+8613800000001,1.00\n\n+8613800000002,2.00\n')).toBe(2);
    expect(csvAllocationLines('+8613800000001,1.00')).toBe(1);
    expect(csvAllocationLines('')).toBe(0);
  });

  it('turns datetime-local values into ms and back (local time)', () => {
    const ms = dateTimeLocalToMs('2026-12-31T23:59');
    expect(ms).not.toBeNull();
    expect(msToDateTimeLocal(ms ?? 0)).toBe('2026-12-31T23:59');
    expect(dateTimeLocalToMs('')).toBeNull();
    expect(dateTimeLocalToMs('nonsense')).toBeNull();
  });
});
