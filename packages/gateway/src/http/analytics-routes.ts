/**
 * The warehouse's dashboards, the regulator's AML alerts and cases, the regulator's reports (ops role), and a
 * merchant's own sales. Times in the query are ms since the epoch, half-open [fromMs, toMs); default the last 30 days.
 * Values are decimal strings in the ledger currency.
 *
 *   GET  /v1/ops/analytics/status | volume | regions | mccs | issuers | top-merchants | risk | alerts | export
 *   POST /v1/ops/aml/scans                       run the detectors over the committed chain
 *   GET  /v1/ops/aml/alerts                      alerts, newest detection first
 *   POST /v1/ops/aml/cases                       open a case over alerts in no case
 *   GET  /v1/ops/aml/cases, /v1/ops/aml/cases/:caseId (alerts, notes, evidence checked against the chain)
 *   POST /v1/ops/aml/cases/:caseId/assign | notes | close
 *   GET  /v1/ops/reports/large-value.csv, /v1/ops/reports/suspicious.csv?caseId=
 *   GET  /v1/merchants/:merchantId/analytics/sales
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dayStartMs, MERCHANT_PAYMENT_CHANNELS, type TimeRange } from '@paychain/analytics';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type GatewayAnalytics, NETWORK_UTC_OFFSET_MS } from '../analytics/gateway-analytics.ts';
import {
  AML_ALERT_ID_PATTERN,
  AML_CASE_ALERTS_MAX,
  AML_CASE_NOTE_CHARS_MAX,
  AML_CASE_RESOLUTIONS,
  AML_CASE_STATUSES,
  AML_CASE_TITLE_CHARS_MAX,
  type AmlAlert,
  type AmlCase,
  type AmlCaseResolution,
  type AmlCaseStatus,
  type CaseChangeResult,
  PAGE_ITEMS_MAX,
  type User,
} from '../db/gateway-db.ts';
import { GatewayApiError } from './api-errors.ts';
import { authenticateOps, phoneOfUser, type RouteContext } from './payment-routes.ts';
import { anyObjectSchema, bearer, errors, idempotencyHeaders, phoneSchema, TEXT_PATTERN } from './schemas.ts';

const DAY_MS = 86_400_000;
/** A dashboard range spans at most this much. */
export const ANALYTICS_RANGE_MS_MAX = 400 * DAY_MS;
const RANGE_DEFAULT_MS = 30 * DAY_MS;
const TOP_MERCHANTS_DEFAULT = 10;
const TOP_MERCHANTS_MAX = 100;
/** Sales a merchant's console shows: up to this many days back. */
const SALES_DAYS_MAX = 366;

const msText = { type: 'string', pattern: '^[0-9]{1,16}$' } as const;
const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { fromMs: msText, toMs: msText },
} as const;
const caseIdParams = {
  type: 'object',
  required: ['caseId'],
  additionalProperties: false,
  properties: { caseId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
} as const;

const ops = (summary: string, extra: Record<string, unknown> = {}) => ({
  tags: ['analytics'],
  summary,
  security: bearer,
  response: { 200: anyObjectSchema, 201: anyObjectSchema, ...errors(400, 401, 403, 404, 409, 503) },
  ...extra,
});

type RangeQuery = { fromMs?: string; toMs?: string };

export function registerAnalyticsRoutes(scope: FastifyInstance, ctx: RouteContext, analytics: GatewayAnalytics): void {
  const { db, payments } = ctx;
  const warehouse = analytics.warehouse;
  const money = (value: string): string => payments.formatMoney(BigInt(value), analytics.currency).amount;

  const opsUser = (request: FastifyRequest): Promise<User> => authenticateOps(ctx, request);

  function rangeOf(query: RangeQuery): TimeRange {
    const toMs = query.toMs === undefined ? ctx.now() + 1 : Number(query.toMs);
    const fromMs = query.fromMs === undefined ? toMs - RANGE_DEFAULT_MS : Number(query.fromMs);
    if (!(fromMs < toMs)) throw new GatewayApiError('bad_request', 'fromMs must be before toMs', { field: 'fromMs' });
    if (toMs - fromMs > ANALYTICS_RANGE_MS_MAX) {
      throw new GatewayApiError('bad_request', `a range spans at most ${ANALYTICS_RANGE_MS_MAX / DAY_MS} days`, {
        field: 'fromMs',
      });
    }
    return { fromMs, toMs };
  }

  const volumeFilter = (query: RangeQuery) => ({ ...rangeOf(query), currency: analytics.currency });

  // ---- dashboards ----

  scope.get('/v1/ops/analytics/status', { schema: ops('where the warehouse stands against the chain') }, async (r) => {
    await opsUser(r);
    return analytics.status();
  });

  scope.get<{ Querystring: RangeQuery & { granularity?: 'hour' | 'day' } }>(
    '/v1/ops/analytics/volume',
    {
      schema: ops('payments and their value per hour or per day', {
        querystring: {
          ...rangeQuery,
          properties: { ...rangeQuery.properties, granularity: { type: 'string', enum: ['hour', 'day'] } },
        },
      }),
    },
    async (request) => {
      await opsUser(request);
      const filter = volumeFilter(request.query);
      const items =
        request.query.granularity === 'hour'
          ? (await warehouse.volumeByHour(filter)).map((v) => ({
              bucketMs: v.hourMs,
              count: v.count,
              value: money(v.value),
            }))
          : (await warehouse.volumeByDay(filter)).map((v) => ({
              bucketMs: dayStartMs(v.day, NETWORK_UTC_OFFSET_MS),
              count: v.count,
              value: money(v.value),
            }));
      return { currency: analytics.currency, items };
    },
  );

  for (const [path, label, query] of [
    ['regions', 'region', (f: ReturnType<typeof volumeFilter>) => warehouse.volumeByRegion(f)],
    ['mccs', 'mcc', (f: ReturnType<typeof volumeFilter>) => warehouse.volumeByMcc(f)],
    ['issuers', 'issuer', (f: ReturnType<typeof volumeFilter>) => warehouse.volumeByIssuer(f)],
  ] as const) {
    scope.get<{ Querystring: RangeQuery }>(
      `/v1/ops/analytics/${path}`,
      { schema: ops(`payments and their value by ${label}`, { querystring: rangeQuery }) },
      async (request) => {
        await opsUser(request);
        const rows = await query(volumeFilter(request.query));
        return {
          currency: analytics.currency,
          items: rows.map((row) => ({
            [label]: (row as unknown as Record<string, string | null>)[label] ?? 'unknown',
            count: row.count,
            value: money(row.value),
          })),
        };
      },
    );
  }

  scope.get<{ Querystring: RangeQuery & { limit?: string } }>(
    '/v1/ops/analytics/top-merchants',
    {
      schema: ops('merchants by sales', {
        querystring: {
          ...rangeQuery,
          properties: { ...rangeQuery.properties, limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
        },
      }),
    },
    async (request) => {
      await opsUser(request);
      const limit = Math.min(Number(request.query.limit ?? TOP_MERCHANTS_DEFAULT), TOP_MERCHANTS_MAX);
      const rows = await warehouse.topMerchants(volumeFilter(request.query), limit);
      return {
        currency: analytics.currency,
        items: await Promise.all(
          rows.map(async (row) => ({
            merchantId: row.merchantId,
            name: /^[0-9a-f]{32}$/.test(row.merchantId) ? ((await db.getMerchant(row.merchantId))?.name ?? null) : null,
            count: row.count,
            value: money(row.value),
          })),
        ),
      };
    },
  );

  scope.get<{ Querystring: RangeQuery }>(
    '/v1/ops/analytics/risk',
    { schema: ops('risk decisions per day', { querystring: rangeQuery }) },
    async (request) => {
      await opsUser(request);
      await analytics.flushDecisions();
      const rows = await warehouse.riskDecisionsByDay(rangeOf(request.query));
      const byDay = new Map<string, { allow: number; review: number; step_up: number; block: number }>();
      for (const row of rows) {
        const day = byDay.get(row.day) ?? { allow: 0, review: 0, step_up: 0, block: 0 };
        day[row.decision] += row.count;
        byDay.set(row.day, day);
      }
      return {
        items: [...byDay]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([day, counts]) => ({ dayMs: dayStartMs(day, NETWORK_UTC_OFFSET_MS), ...counts })),
      };
    },
  );

  scope.get<{ Querystring: RangeQuery }>(
    '/v1/ops/analytics/alerts',
    { schema: ops('AML alerts per 1,000 payments per day', { querystring: rangeQuery }) },
    async (request) => {
      await opsUser(request);
      const rows = await warehouse.alertRateByDay(rangeOf(request.query));
      return {
        items: rows.map((row) => ({
          dayMs: dayStartMs(row.day, NETWORK_UTC_OFFSET_MS),
          alerts: row.alerts,
          transfers: row.transfers,
          alertsPer1000: row.alertsPerThousand,
        })),
      };
    },
  );

  scope.get<{ Querystring: RangeQuery & { format?: 'csv' | 'parquet' } }>(
    '/v1/ops/analytics/export',
    {
      schema: {
        ...ops('the committed payments of a range as CSV or Parquet', {
          querystring: {
            ...rangeQuery,
            properties: { ...rangeQuery.properties, format: { type: 'string', enum: ['csv', 'parquet'] } },
          },
        }),
        response: errors(400, 401, 403, 503),
      },
    },
    async (request, reply) => {
      await opsUser(request);
      const range = rangeOf(request.query);
      const format = request.query.format ?? 'csv';
      const dir = mkdtempSync(join(tmpdir(), 'paychain-export-'));
      const path = join(dir, `payments.${format}`);
      if (format === 'csv') await warehouse.exportCsv(path, range);
      else await warehouse.exportParquet(path, range);
      const stream = createReadStream(path);
      stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet')
        .header('content-disposition', `attachment; filename="paychain-payments.${format}"`)
        .send(stream);
    },
  );

  // ---- AML ----

  const alertJson = (a: AmlAlert) => ({
    id: a.id,
    pattern: a.pattern,
    score: a.scorePpm / 1_000_000,
    accounts: a.accounts,
    txIds: a.txIds,
    explanation: a.explanation,
    windowStartMs: a.windowStartMs,
    windowEndMs: a.windowEndMs,
    detectedAtMs: a.detectedAtMs,
    caseId: a.caseId,
  });
  const phoneOf = (userId: string | null): Promise<string | null> => phoneOfUser(db, userId);
  const caseJson = async (c: AmlCase) => ({
    id: c.id,
    title: c.title,
    status: c.status,
    assigneePhone: await phoneOf(c.assigneeUserId),
    resolution: c.resolution,
    alertCount: c.alertCount,
    createdAtMs: c.createdAtMs,
    updatedAtMs: c.updatedAtMs,
    closedAtMs: c.closedAtMs,
  });
  const changed = async (result: CaseChangeResult) => {
    if (!result.ok) {
      throw result.reason === 'closed'
        ? new GatewayApiError('case_closed', 'this case is closed')
        : new GatewayApiError('case_not_found', 'no case with this id');
    }
    return { status: 200, body: await caseJson(result.case) };
  };
  const opsPost = async (
    request: FastifyRequest,
    reply: FastifyReply,
    run: (user: User) => Promise<{ status: number; body: unknown }>,
  ) => {
    const user = await opsUser(request);
    ctx.limitUserPost(user.id);
    return ctx.idempotent(request, reply, `user:${user.id}`, () => run(user));
  };

  scope.post<{ Body: { fromMs?: number; toMs?: number } }>(
    '/v1/ops/aml/scans',
    {
      schema: ops('run every laundering detector over the committed chain in a range', {
        headers: idempotencyHeaders,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { fromMs: { type: 'integer', minimum: 0 }, toMs: { type: 'integer', minimum: 1 } },
        },
      }),
    },
    (request, reply) =>
      opsPost(request, reply, async () => {
        const { fromMs, toMs } = request.body;
        const range = rangeOf({
          ...(fromMs === undefined ? {} : { fromMs: String(fromMs) }),
          ...(toMs === undefined ? {} : { toMs: String(toMs) }),
        });
        return { status: 200, body: await analytics.scanAml(range) };
      }),
  );

  scope.get<{ Querystring: { inCase?: 'yes' | 'no' | 'all'; pattern?: string; limit?: string; before?: string } }>(
    '/v1/ops/aml/alerts',
    {
      schema: ops('AML alerts, newest detection first', {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            inCase: { type: 'string', enum: ['yes', 'no', 'all'] },
            pattern: { type: 'string', pattern: '^[a-z_]{1,32}$' },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
            before: { type: 'string', pattern: '^[0-9]{1,16}~[A-Za-z0-9_:-]{1,64}$' },
          },
        },
      }),
    },
    async (request) => {
      await opsUser(request);
      const { inCase, pattern } = request.query;
      const limit = Math.min(Number(request.query.limit ?? 50), PAGE_ITEMS_MAX);
      const [ms, id] = request.query.before?.split('~') ?? [];
      const before = ms === undefined || id === undefined ? null : { detectedAtMs: Number(ms), id };
      const rows = await db.listAlerts(
        {
          ...(inCase === 'no' ? { caseId: null } : {}),
          ...(pattern === undefined ? {} : { pattern }),
        },
        limit,
        before,
      );
      // A full page may be followed by an empty one: cheaper than asking for one more row than the page holds.
      const lastRow = rows.at(-1);
      return {
        items: rows.filter((a) => inCase !== 'yes' || a.caseId !== null).map(alertJson),
        next: rows.length === limit && lastRow !== undefined ? `${lastRow.detectedAtMs}~${lastRow.id}` : null,
      };
    },
  );

  scope.post<{ Body: { title: string; alertIds: string[] } }>(
    '/v1/ops/aml/cases',
    {
      schema: ops('open a case over alerts that are in no case yet', {
        headers: idempotencyHeaders,
        body: {
          type: 'object',
          required: ['title', 'alertIds'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: AML_CASE_TITLE_CHARS_MAX, pattern: TEXT_PATTERN },
            alertIds: {
              type: 'array',
              minItems: 1,
              maxItems: AML_CASE_ALERTS_MAX,
              uniqueItems: true,
              items: { type: 'string', pattern: AML_ALERT_ID_PATTERN.source },
            },
          },
        },
      }),
    },
    (request, reply) =>
      opsPost(request, reply, async (user) => {
        const created = await db.createCase({
          id: randomBytes(16).toString('hex'),
          title: request.body.title,
          createdByUserId: user.id,
          alertIds: request.body.alertIds,
          nowMs: ctx.now(),
        });
        if (!created.ok) {
          throw created.reason === 'alert_in_case'
            ? new GatewayApiError('alert_in_case', 'this alert is in a case already', { alertId: created.alertId })
            : new GatewayApiError('alert_not_found', 'no alert with this id', { alertId: created.alertId });
        }
        return { status: 201, body: await caseJson(created.case) };
      }),
  );

  scope.get<{ Querystring: { status?: AmlCaseStatus; limit?: string; before?: string } }>(
    '/v1/ops/aml/cases',
    {
      schema: ops('cases, most recently updated first', {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...AML_CASE_STATUSES] },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
            before: { type: 'string', pattern: '^[0-9]{1,16}-[0-9a-f]{32}$' },
          },
        },
      }),
    },
    async (request) => {
      await opsUser(request);
      const limit = Math.min(Number(request.query.limit ?? 50), PAGE_ITEMS_MAX);
      const [ms, id] = request.query.before?.split('-') ?? [];
      const before = ms === undefined || id === undefined ? null : { updatedAtMs: Number(ms), id };
      const rows = await db.listCases(
        request.query.status === undefined ? {} : { status: request.query.status },
        limit,
        before,
      );
      const last = rows.at(-1);
      return {
        items: await Promise.all(rows.map(caseJson)),
        next: rows.length === limit && last !== undefined ? `${last.updatedAtMs}-${last.id}` : null,
      };
    },
  );

  scope.get('/v1/ops/aml/cases/summary', { schema: ops('how many cases are open, assigned and closed') }, async (r) => {
    await opsUser(r);
    return db.countCasesByStatus();
  });

  async function caseOrThrow(caseId: string): Promise<AmlCase> {
    const found = await db.getCase(caseId);
    if (found === null) throw new GatewayApiError('case_not_found', 'no case with this id', { caseId });
    return found;
  }

  scope.get<{ Params: { caseId: string } }>(
    '/v1/ops/aml/cases/:caseId',
    { schema: ops('a case with its alerts, notes and evidence checked against the chain', { params: caseIdParams }) },
    async (request) => {
      await opsUser(request);
      const found = await caseOrThrow(request.params.caseId);
      const alerts = await db.listAlerts({ caseId: found.id }, AML_CASE_ALERTS_MAX, null);
      const notes = await db.listCaseNotes(found.id);
      return {
        case: await caseJson(found),
        alerts: alerts.map(alertJson),
        notes: await Promise.all(
          notes.map(async (n) => ({
            seq: n.seq,
            authorPhone: await phoneOf(n.authorUserId),
            text: n.text,
            createdAtMs: n.createdAtMs,
          })),
        ),
        evidence: analytics.evidence(alerts).map((e) => ({
          ...e,
          receiptUrl: `/v1/transactions/${e.txId.split(':')[0] ?? e.txId}/receipt`,
        })),
      };
    },
  );

  scope.post<{ Params: { caseId: string }; Body: { assigneePhone?: string } }>(
    '/v1/ops/aml/cases/:caseId/assign',
    {
      schema: ops('assign a case (default: to yourself)', {
        headers: idempotencyHeaders,
        params: caseIdParams,
        body: { type: 'object', additionalProperties: false, properties: { assigneePhone: phoneSchema } },
      }),
    },
    (request, reply) =>
      opsPost(request, reply, async (user) => {
        let assignee = user;
        if (request.body.assigneePhone !== undefined) {
          const found = await db.getUserByPhone(request.body.assigneePhone);
          if (found === null || found.role !== 'ops') {
            throw new GatewayApiError('bad_request', 'the assignee must be an ops user', { field: 'assigneePhone' });
          }
          assignee = found;
        }
        return changed(await db.assignCase(request.params.caseId, assignee.id, ctx.now()));
      }),
  );

  scope.post<{ Params: { caseId: string }; Body: { text: string } }>(
    '/v1/ops/aml/cases/:caseId/notes',
    {
      schema: ops('add a note to an open case', {
        headers: idempotencyHeaders,
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: { text: { type: 'string', minLength: 1, maxLength: AML_CASE_NOTE_CHARS_MAX } },
        },
      }),
    },
    (request, reply) =>
      opsPost(request, reply, async (user) => {
        const added = await db.addCaseNote(request.params.caseId, user.id, request.body.text, ctx.now());
        if (!added.ok) {
          throw added.reason === 'closed'
            ? new GatewayApiError('case_closed', 'this case is closed')
            : new GatewayApiError('case_not_found', 'no case with this id');
        }
        const n = added.note;
        return {
          status: 201,
          body: { seq: n.seq, authorPhone: user.phone, text: n.text, createdAtMs: n.createdAtMs },
        };
      }),
  );

  scope.post<{ Params: { caseId: string }; Body: { resolution: AmlCaseResolution } }>(
    '/v1/ops/aml/cases/:caseId/close',
    {
      schema: ops('close a case with its resolution', {
        headers: idempotencyHeaders,
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['resolution'],
          additionalProperties: false,
          properties: { resolution: { type: 'string', enum: [...AML_CASE_RESOLUTIONS] } },
        },
      }),
    },
    (request, reply) =>
      opsPost(request, reply, async () =>
        changed(await db.closeCase(request.params.caseId, request.body.resolution, ctx.now())),
      ),
  );

  // ---- reports ----

  const sendCsv = (reply: FastifyReply, name: string, text: string) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(text);

  scope.get<{ Querystring: RangeQuery }>(
    '/v1/ops/reports/large-value.csv',
    {
      schema: {
        ...ops('single payments at or above the large-value threshold, as CSV', { querystring: rangeQuery }),
        response: errors(400, 401, 403, 503),
      },
    },
    async (request, reply) => {
      await opsUser(request);
      return sendCsv(reply, 'large-value-report.csv', await analytics.largeValueCsv(rangeOf(request.query)));
    },
  );

  scope.get<{ Querystring: { caseId: string } }>(
    '/v1/ops/reports/suspicious.csv',
    {
      schema: {
        ...ops("a case's suspicious-transaction report, as CSV", {
          querystring: {
            type: 'object',
            required: ['caseId'],
            additionalProperties: false,
            properties: { caseId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
          },
        }),
        response: errors(400, 401, 403, 404, 503),
      },
    },
    async (request, reply) => {
      await opsUser(request);
      const found = await caseOrThrow(request.query.caseId);
      const alerts = await db.listAlerts({ caseId: found.id }, AML_CASE_ALERTS_MAX, null);
      return sendCsv(reply, `suspicious-transactions-${found.id}.csv`, await analytics.suspiciousCsv(alerts));
    },
  );

  // ---- a merchant's own sales ----

  scope.get<{ Params: { merchantId: string }; Querystring: { days?: string } }>(
    '/v1/merchants/:merchantId/analytics/sales',
    {
      schema: {
        tags: ['merchants'],
        summary: "the merchant's sales per day and per hour of the day",
        security: bearer,
        params: {
          type: 'object',
          required: ['merchantId'],
          additionalProperties: false,
          properties: { merchantId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
        },
        response: { 200: anyObjectSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await db.getMerchant(request.params.merchantId);
      if (merchant === null || merchant.ownerUserId !== user.id) {
        throw new GatewayApiError('merchant_not_found', 'no merchant of yours with this id', {
          merchantId: request.params.merchantId,
        });
      }
      const days = Math.min(Number(request.query.days ?? 30), SALES_DAYS_MAX);
      const toMs = ctx.now() + 1;
      const range = { fromMs: toMs - days * DAY_MS, toMs, currency: analytics.currency };
      const sales = { ...range, merchantId: merchant.id, channels: MERCHANT_PAYMENT_CHANNELS };
      const daily = await warehouse.volumeByDay(sales);
      const hourly = await warehouse.volumeByHour(sales);
      // Refunds leave the settlement account as transfers back to the payer.
      const refunds = await warehouse.volumeByDay({
        ...range,
        fromAccount: merchant.settlementAccountId,
        channels: ['transfer'],
      });
      const refundsByDay = new Map(refunds.map((r) => [r.day, r.value]));
      const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0, value: 0n }));
      for (const h of hourly) {
        // Hour of the day in the network's local time (UTC+8).
        const slot = byHour[new Date(h.hourMs + NETWORK_UTC_OFFSET_MS).getUTCHours()];
        if (slot !== undefined) {
          slot.count += h.count;
          slot.value += BigInt(h.value);
        }
      }
      const total = daily.reduce((sum, d) => ({ count: sum.count + d.count, value: sum.value + BigInt(d.value) }), {
        count: 0,
        value: 0n,
      });
      return {
        currency: analytics.currency,
        daily: daily.map((d) => ({
          dayMs: dayStartMs(d.day, NETWORK_UTC_OFFSET_MS),
          count: d.count,
          value: money(d.value),
          refunds: money(refundsByDay.get(d.day) ?? '0'),
        })),
        hourly: byHour.map((h) => ({ hour: h.hour, count: h.count, value: money(h.value.toString()) })),
        totals: { count: total.count, value: money(total.value.toString()) },
      };
    },
  );
}
