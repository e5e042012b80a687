/**
 * The ops console's risk control routes: the rule set in force and its versions, replacing it (after a dry run
 * against recent traffic), the model's facts, the review queue (payments let through under 'review') and the
 * refusals (blocked, or held for a step-up that never came).
 *
 *   GET  /v1/ops/risk/rules            the rule set in force, its versions, the model
 *   PUT  /v1/ops/risk/rules            a new version {ruleSet, note}: 400 rules_invalid (paths), 409 rules_version_stale
 *   POST /v1/ops/risk/rules/dry-run    {ruleSet}: decisions of recent traffic now and under it; nothing changes
 *   GET  /v1/ops/risk/reviews          the review queue, newest first
 *   GET  /v1/ops/risk/refusals         refusals, newest first
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PAGE_ITEMS_MAX, RISK_RULE_SET_NOTE_CHARS_MAX, type RiskRefusalCursor, type User } from '../db/gateway-db.ts';
import type { EngineRiskControl } from '../service/engine-risk-control.ts';
import {
  authenticateOps,
  cursorText,
  pageLimit,
  parseCursor,
  phoneOfUser,
  type RouteContext,
} from './payment-routes.ts';
import { pageQuery } from './payment-schemas.ts';
import { anyObjectSchema, bearer, errors, TEXT_PATTERN } from './schemas.ts';
import { paymentToJson } from './views.ts';

const ruleSetBody = { ...anyObjectSchema, description: 'a rule set: {version, scoreThresholds, rules}' } as const;

export function registerRiskRoutes(scope: FastifyInstance, ctx: RouteContext, risk: EngineRiskControl): void {
  const { db, payments } = ctx;

  const opsUser = (request: FastifyRequest): Promise<User> => authenticateOps(ctx, request);

  const phoneOf = (userId: string | null): Promise<string | null> => phoneOfUser(db, userId);

  scope.get(
    '/v1/ops/risk/rules',
    {
      schema: {
        tags: ['risk'],
        summary: 'the rule set in force, its versions and the model',
        security: bearer,
        response: { 200: anyObjectSchema, ...errors(401, 403) },
      },
    },
    async (request) => {
      await opsUser(request);
      await risk.refresh();
      const { stored, ruleSet } = risk.active;
      const versions = await db.listRuleSets(PAGE_ITEMS_MAX);
      const model = risk.engine.model;
      return {
        active: {
          version: ruleSet.version,
          ruleSet,
          note: stored.note,
          createdAtMs: stored.createdAtMs,
          authorPhone: await phoneOf(stored.authorUserId),
        },
        versions: await Promise.all(
          versions.map(async (v) => ({
            version: v.version,
            note: v.note,
            createdAtMs: v.createdAtMs,
            authorPhone: await phoneOf(v.authorUserId),
          })),
        ),
        model:
          model === null
            ? null
            : { version: model.version, kind: model.kind, features: model.features, metrics: model.metrics },
      };
    },
  );

  scope.put<{ Body: { ruleSet: unknown; note?: string } }>(
    '/v1/ops/risk/rules',
    {
      schema: {
        tags: ['risk'],
        summary: 'put a new version of the rules in force (its version above the one in force)',
        security: bearer,
        body: {
          type: 'object',
          required: ['ruleSet'],
          additionalProperties: false,
          properties: {
            ruleSet: ruleSetBody,
            note: { type: 'string', maxLength: RISK_RULE_SET_NOTE_CHARS_MAX, pattern: TEXT_PATTERN },
          },
        },
        response: { 201: anyObjectSchema, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await opsUser(request);
      ctx.limitUserPost(user.id);
      const active = await risk.replaceRuleSet(request.body.ruleSet, user.id, request.body.note ?? '', ctx.now());
      reply.code(201);
      return {
        version: active.ruleSet.version,
        ruleSet: active.ruleSet,
        note: active.stored.note,
        createdAtMs: active.stored.createdAtMs,
        authorPhone: user.phone,
      };
    },
  );

  scope.post<{ Body: { ruleSet: unknown } }>(
    '/v1/ops/risk/rules/dry-run',
    {
      schema: {
        tags: ['risk'],
        summary: 'decide the recent traffic again under a proposed rule set; changes nothing',
        security: bearer,
        body: {
          type: 'object',
          required: ['ruleSet'],
          additionalProperties: false,
          properties: { ruleSet: ruleSetBody },
        },
        response: { 200: anyObjectSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user = await opsUser(request);
      ctx.limitUserPost(user.id);
      const report = risk.dryRun(request.body.ruleSet);
      return {
        evaluated: report.evaluated,
        currentVersion: report.currentVersion,
        proposedVersion: report.proposedVersion,
        current: report.byDecision.current,
        proposed: report.byDecision.proposed,
        changedCount: report.changedCount,
        changed: report.changed,
      };
    },
  );

  scope.get<{ Querystring: { limit?: string; before?: string } }>(
    '/v1/ops/risk/reviews',
    {
      schema: {
        tags: ['risk'],
        summary: 'payments let through under review, newest first',
        security: bearer,
        querystring: pageQuery,
        response: { 200: anyObjectSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      await opsUser(request);
      const page = await db.listReviewPayments(pageLimit(request.query.limit), parseCursor(request.query.before));
      return {
        items: await Promise.all(
          page.items.map(async (p) => ({
            ...paymentToJson({ ...p, receipt: null }, payments, []),
            payerPhone: await phoneOf(p.payerUserId),
            risk: p.risk === null ? null : riskJson(p.risk),
          })),
        ),
        next: page.next === null ? null : cursorText(page.next),
      };
    },
  );

  scope.get<{ Querystring: { limit?: string; before?: string } }>(
    '/v1/ops/risk/refusals',
    {
      schema: {
        tags: ['risk'],
        summary: 'payments risk control refused (block) or held for a step-up that did not come, newest first',
        security: bearer,
        querystring: pageQuery,
        response: { 200: anyObjectSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      await opsUser(request);
      const limit = pageLimit(request.query.limit);
      const before = parseCursor(request.query.before);
      const cursor: RiskRefusalCursor | null =
        before === null ? null : { createdAtMs: before.createdAtMs, id: before.txId };
      const items = await db.listRiskRefusals(limit, cursor);
      const last = items.at(-1);
      return {
        items: await Promise.all(
          items.map(async (r) => ({
            id: r.id,
            userPhone: await phoneOf(r.userId),
            kind: r.kind,
            decision: r.decision,
            amount: payments.formatMoney(r.amount, r.currency).amount,
            currency: r.currency,
            merchantId: r.merchantId,
            score: r.scorePpm / 1_000_000,
            reasons: r.reasons,
            ruleSetVersion: r.ruleSetVersion,
            createdAtMs: r.createdAtMs,
          })),
        ),
        next:
          items.length === limit && last !== undefined
            ? cursorText({ createdAtMs: last.createdAtMs, txId: last.id })
            : null,
      };
    },
  );
}

export function riskJson(risk: {
  decision: string;
  scorePpm: number;
  reasons: readonly string[];
  ruleSetVersion: number;
}) {
  return {
    decision: risk.decision,
    score: risk.scorePpm / 1_000_000,
    reasons: risk.reasons,
    ruleSetVersion: risk.ruleSetVersion,
  };
}
