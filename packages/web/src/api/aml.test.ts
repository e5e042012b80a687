// Goal: the AML console's client — scans, alert filters, cases opened, assigned, noted and closed on the right
// routes with the contract's bodies, case details checked on arrival, reports fetched as files. Method: a recording
// fetch answering canned responses.
import { describe, expect, it } from 'vitest';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import {
  AML_PATTERNS,
  addAmlCaseNote,
  assignAmlCase,
  closeAmlCase,
  downloadLargeValueReport,
  downloadSuspiciousReport,
  getAmlAlerts,
  getAmlCase,
  getAmlCases,
  isAmlPattern,
  ledgerTxIdOf,
  openAmlCase,
  runAmlScan,
} from './aml';

const ALERT = {
  id: 'aml-structuring-0123456789abcdef',
  pattern: 'structuring',
  score: 0.97,
  accounts: ['a1'],
  txIds: ['t1', 't2', 't3'],
  explanation: '3 transfers of 98% of the threshold within 1 day',
  windowStartMs: 1,
  windowEndMs: 2,
  detectedAtMs: 3,
  caseId: null,
};

const CASE = {
  id: 'c1',
  title: 'Structuring',
  status: 'open',
  assigneePhone: null,
  resolution: null,
  alertCount: 1,
  createdAtMs: 4,
  updatedAtMs: 4,
  closedAtMs: null,
};

describe('aml client', () => {
  it('scans with an optional range', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { scanned: 100, alertsFound: 2, alertsNew: 1, elapsedMs: 12 }),
      jsonResponse(200, { scanned: 10, alertsFound: 0, alertsNew: 0, elapsedMs: 1 }),
    ]);
    expect(await runAmlScan(client)).toEqual({ scanned: 100, alertsFound: 2, alertsNew: 1, elapsedMs: 12 });
    await runAmlScan(client, { fromMs: 5, toMs: 6 });
    expect(calls.map((c) => [c.url, c.method, c.body])).toEqual([
      ['/v1/ops/aml/scans', 'POST', '{}'],
      ['/v1/ops/aml/scans', 'POST', '{"fromMs":5,"toMs":6}'],
    ]);
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
  });

  it('lists alerts by case membership and pattern, paged', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [ALERT], next: 'n1' }),
      jsonResponse(200, { items: [], next: null }),
    ]);
    const page = await getAmlAlerts(client, { inCase: 'no', pattern: 'structuring' });
    expect(page).toEqual({ items: [ALERT], next: 'n1' });
    await getAmlAlerts(client, { before: 'n1' });
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/ops/aml/alerts?inCase=no&pattern=structuring&limit=50',
      '/v1/ops/aml/alerts?inCase=all&limit=50&before=n1',
    ]);
  });

  it('opens a case of alerts, and reports an alert already in a case', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(201, CASE),
      apiErrorResponse(409, 'alert_in_case', { alertId: ALERT.id }),
    ]);
    expect(await openAmlCase(client, 'Structuring', [ALERT.id])).toEqual(CASE);
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ title: 'Structuring', alertIds: [ALERT.id] });
    await expect(openAmlCase(client, 'again', [ALERT.id])).rejects.toMatchObject({
      code: 'alert_in_case',
      details: { alertId: ALERT.id },
    });
  });

  it('lists cases by status', async () => {
    const { calls, client } = recordingClient([jsonResponse(200, { items: [CASE], next: null })]);
    expect((await getAmlCases(client, { status: 'open' })).items).toEqual([CASE]);
    expect(calls[0]?.url).toBe('/v1/ops/aml/cases?status=open&limit=50');
  });

  it('reads a case with its alerts, notes and evidence', async () => {
    const detail = {
      case: { ...CASE, status: 'closed', resolution: 'reported', closedAtMs: 9 },
      alerts: [{ ...ALERT, caseId: 'c1' }],
      notes: [{ seq: 1, authorPhone: '+8613800000003', text: 'looked', createdAtMs: 5 }],
      evidence: [
        { txId: 't1', height: '12', index: 0, blockTimeMs: 6, verified: true, reason: null, receiptUrl: '/r/t1' },
        {
          txId: 't2:1',
          height: null,
          index: null,
          blockTimeMs: null,
          verified: false,
          reason: 'not final on this node',
          receiptUrl: '/r/t2',
        },
      ],
    };
    const { calls, client } = recordingClient([
      jsonResponse(200, detail),
      jsonResponse(200, { ...detail, evidence: [{ ...detail.evidence[0], verified: 'yes' }] }),
    ]);
    const read = await getAmlCase(client, 'c/1');
    expect(calls[0]?.url).toBe('/v1/ops/aml/cases/c%2F1');
    expect(read.case.resolution).toBe('reported');
    expect(read.evidence[0]).toMatchObject({ txId: 't1', height: '12', verified: true });
    expect(read.evidence[1]).toEqual({
      txId: 't2:1',
      height: null,
      index: null,
      blockTimeMs: null,
      verified: false,
      reason: 'not final on this node',
      receiptUrl: '/r/t2',
    });
    expect(read.notes[0]?.text).toBe('looked');
    await expect(getAmlCase(client, 'c1')).rejects.toThrow('evidence[0].verified: expected true or false');
  });

  it('assigns (to me by default), adds notes and closes with a resolution', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { ...CASE, status: 'assigned', assigneePhone: '+8613800000003' }),
      jsonResponse(200, { ...CASE, status: 'assigned', assigneePhone: '+8613800000009' }),
      jsonResponse(201, { seq: 1, authorPhone: '+8613800000003', text: 'n', createdAtMs: 5 }),
      jsonResponse(200, { ...CASE, status: 'closed', resolution: 'false_positive', closedAtMs: 6 }),
      apiErrorResponse(409, 'case_closed'),
    ]);
    expect((await assignAmlCase(client, 'c1')).status).toBe('assigned');
    await assignAmlCase(client, 'c1', '+8613800000009');
    expect((await addAmlCaseNote(client, 'c1', 'n')).seq).toBe(1);
    expect((await closeAmlCase(client, 'c1', 'false_positive')).resolution).toBe('false_positive');
    await expect(addAmlCaseNote(client, 'c1', 'late')).rejects.toMatchObject({ code: 'case_closed', status: 409 });
    expect(calls.map((c) => [c.url, c.body])).toEqual([
      ['/v1/ops/aml/cases/c1/assign', '{}'],
      ['/v1/ops/aml/cases/c1/assign', '{"assigneePhone":"+8613800000009"}'],
      ['/v1/ops/aml/cases/c1/notes', '{"text":"n"}'],
      ['/v1/ops/aml/cases/c1/close', '{"resolution":"false_positive"}'],
      ['/v1/ops/aml/cases/c1/notes', '{"text":"late"}'],
    ]);
  });

  it('downloads the STR of a case and the large-value report of a range', async () => {
    const { calls, client } = recordingClient([new Response('a\n'), new Response('b\n')]);
    expect((await downloadSuspiciousReport(client, 'c1')).fileName).toBe('paychain-str-c1.csv');
    expect((await downloadLargeValueReport(client, { fromMs: 1, toMs: 2 })).fileName).toBe(
      'paychain-large-value-1-2.csv',
    );
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/ops/reports/suspicious.csv?caseId=c1',
      '/v1/ops/reports/large-value.csv?fromMs=1&toMs=2',
    ]);
  });

  it.each([
    ['ab'.repeat(16), 'ab'.repeat(16)],
    [`${'ab'.repeat(16)}:3`, 'ab'.repeat(16)],
  ])('the ledger transaction of row %s is %s', (row, txId) => {
    expect(ledgerTxIdOf(row)).toBe(txId);
  });

  it('knows the patterns of docs/aml-patterns.md', () => {
    expect(AML_PATTERNS).toHaveLength(11);
    expect(isAmlPattern('cycle')).toBe(true);
    expect(isAmlPattern('toString')).toBe(false);
  });
});
