/**
 * Purpose-bound programs over HTTP (docs/gateway-api.md, "Programs"): the funder's operators (ops role) create,
 * fund, disburse, suspend and resume programs, propose clawbacks and submit them with the auditor's signature, and
 * read a program's trace and a beneficiary's statement; anyone reads the public list and the transparency report (no
 * personal data); a wallet reads its program balances and statements; a merchant reads its receivables and redeems
 * them. What the service does is in `service/program-service.ts`; this file translates JSON.
 */
import {
  PROGRAM_EXPIRY_ACTIONS,
  type ProgramExpiryAction,
  type ProgramRules,
  type ProgramStatus,
  programBalanceOf,
  programReceivableOf,
} from '@paychain/core';
import {
  type BeneficiaryStatement,
  type ProgramTrace,
  TRACE_EVIDENCE_MAX,
  type TraceEdge,
  transparencyReportToCsv,
  transparencyReportToJson,
} from '@paychain/node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MERCHANT_BANK_ACCOUNT_PATTERN,
  type Merchant,
  PROGRAM_NAME_CHARS_MAX,
  PROGRAM_PURPOSE_CHARS_MAX,
  type User,
} from '../db/gateway-db.ts';
import type { MoneyJson, PaymentService } from '../service/payment-service.ts';
import {
  type AllocationInput,
  type BeneficiaryRef,
  PROGRAM_REASON_CHARS_MAX,
  type ProgramService,
  type ProgramView,
} from '../service/program-service.ts';
import { GatewayApiError } from './api-errors.ts';
import { authenticateOps, type RouteContext } from './payment-routes.ts';
import {
  anyObjectSchema,
  bearer,
  errors,
  idempotencyHeaders,
  idSchema,
  moneySchema,
  PHONE_PATTERN,
  phoneSchema,
  TEXT_PATTERN,
  timeMsSchema,
} from './schemas.ts';

/** A disbursement of 20,000 beneficiaries as JSON is about 1.2 MB; its CSV about 0.6 MB. */
export const DISBURSE_BODY_BYTES_MAX = 2 * 1024 * 1024;
/** CSV text of a disbursement, at most. */
const DISBURSE_CSV_CHARS_MAX = 1_500_000;
const ALLOCATIONS_MAX = 20_000;

const programParams = {
  type: 'object',
  required: ['programId'],
  additionalProperties: false,
  properties: { programId: idSchema },
} as const;
const merchantProgramParams = {
  type: 'object',
  required: ['merchantId', 'programId'],
  additionalProperties: false,
  properties: { merchantId: idSchema, programId: idSchema },
} as const;
const reasonText = { type: 'string', minLength: 1, maxLength: PROGRAM_REASON_CHARS_MAX, pattern: TEXT_PATTERN };
const amountText = { type: 'string', maxLength: 40, description: 'decimal string in major units' } as const;
const beneficiarySchema = {
  type: 'string',
  maxLength: 32,
  description: 'a phone number (E.164) of a wallet of this gateway, or a ledger account id',
} as const;
const answer = (status: number, description: string, ...errorStatuses: number[]) => ({
  [status]: { ...anyObjectSchema, description },
  ...errors(...errorStatuses),
});

interface CreateBody {
  name: string;
  purpose?: string;
  budget: MoneyJson;
  auditor: string;
  rules: {
    mccs?: string[];
    regions?: string[];
    merchantIds?: string[];
    perPaymentMax?: string;
    perBeneficiaryMax: string;
    validFromMs?: number;
    validUntilMs: number;
    atExpiry?: ProgramExpiryAction;
  };
}

interface DisburseBody {
  allocations?: Array<{ phone?: string; accountId?: string; amount: string }>;
  csv?: string;
}

export function registerProgramRoutes(scope: FastifyInstance, ctx: RouteContext, programs: ProgramService): void {
  const { db, payments } = ctx;

  const opsPost = async (
    request: FastifyRequest,
    reply: FastifyReply,
    run: (user: User) => Promise<{ status: number; body: unknown }>,
  ): Promise<FastifyReply> => {
    const user = await authenticateOps(ctx, request);
    ctx.limitUserPost(user.id);
    return ctx.idempotent(request, reply, `user:${user.id}`, () => run(user));
  };

  const ownMerchant = async (user: User, merchantId: string): Promise<Merchant> => {
    const merchant = await db.getMerchant(merchantId);
    if (merchant === null || merchant.ownerUserId !== user.id) {
      throw new GatewayApiError('merchant_not_found', 'no merchant of yours with this id', { merchantId });
    }
    return merchant;
  };

  // ---- the funder's operators ----

  scope.get(
    '/v1/ops/programs',
    {
      schema: {
        tags: ['programs'],
        summary: "this gateway's programs",
        security: bearer,
        response: answer(200, '{items: Program[]}', 401, 403),
      },
    },
    async (request) => {
      await authenticateOps(ctx, request);
      return { items: (await programs.list()).map((view) => programToJson(view, payments)) };
    },
  );

  scope.post<{ Body: CreateBody }>(
    '/v1/ops/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'create a program: its funding account and program.create, signed by this organization as funder',
        headers: idempotencyHeaders,
        security: bearer,
        body: {
          type: 'object',
          required: ['name', 'budget', 'auditor', 'rules'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: PROGRAM_NAME_CHARS_MAX, pattern: TEXT_PATTERN },
            purpose: { type: 'string', maxLength: PROGRAM_PURPOSE_CHARS_MAX, pattern: TEXT_PATTERN },
            budget: moneySchema,
            auditor: { type: 'string', minLength: 1, maxLength: 32, description: 'the auditor organization id' },
            rules: {
              type: 'object',
              required: ['perBeneficiaryMax', 'validUntilMs'],
              additionalProperties: false,
              properties: {
                mccs: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 4 } },
                regions: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 16 } },
                merchantIds: { type: 'array', maxItems: 256, items: idSchema },
                perPaymentMax: amountText,
                perBeneficiaryMax: amountText,
                validFromMs: timeMsSchema,
                validUntilMs: timeMsSchema,
                atExpiry: {
                  type: 'string',
                  enum: PROGRAM_EXPIRY_ACTIONS,
                  description:
                    "beneficiaries' unspent money at the end: return (to the funder, default) or release (to them)",
                },
              },
            },
          },
        },
        response: answer(201, 'Program', 400, 401, 403, 404, 409, 422, 503),
      },
    },
    async (request, reply) =>
      opsPost(request, reply, async (user) => {
        const { name, purpose, budget, auditor, rules } = request.body;
        const view = await programs.create(user, { name, purpose: purpose ?? '', budget, auditor, rules });
        return { status: 201, body: programToJson(view, payments) };
      }),
  );

  scope.get<{ Params: { programId: string } }>(
    '/v1/ops/programs/:programId',
    {
      schema: {
        tags: ['programs'],
        summary: 'one program',
        security: bearer,
        params: programParams,
        response: answer(200, 'Program', 401, 403, 404),
      },
    },
    async (request) => {
      await authenticateOps(ctx, request);
      return programToJson(await programs.get(request.params.programId), payments);
    },
  );

  scope.post<{ Params: { programId: string }; Body: MoneyJson & { bankAccount?: string } }>(
    '/v1/ops/programs/:programId/funding',
    {
      schema: {
        tags: ['programs'],
        summary: 'fund the pool from the funding account; with bankAccount, the bank pays it in first',
        headers: idempotencyHeaders,
        security: bearer,
        params: programParams,
        body: {
          type: 'object',
          required: ['amount', 'currency'],
          additionalProperties: false,
          properties: {
            ...moneySchema.properties,
            bankAccount: { type: 'string', pattern: MERCHANT_BANK_ACCOUNT_PATTERN.source },
          },
        },
        response: answer(200, '{program, txIds}', 400, 401, 403, 404, 422, 503),
      },
    },
    async (request, reply) =>
      opsPost(request, reply, async (user) => {
        const funded = await programs.fund(user, request.params.programId, request.body);
        return { status: 200, body: { program: programToJson(funded.view, payments), txIds: funded.txIds } };
      }),
  );

  scope.post<{ Params: { programId: string }; Body: DisburseBody }>(
    '/v1/ops/programs/:programId/disbursements',
    {
      bodyLimit: DISBURSE_BODY_BYTES_MAX,
      schema: {
        tags: ['programs'],
        summary: 'one program.disburse to up to 20,000 beneficiaries, all or nothing',
        headers: idempotencyHeaders,
        security: bearer,
        params: programParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            allocations: {
              type: 'array',
              minItems: 1,
              maxItems: ALLOCATIONS_MAX,
              items: {
                type: 'object',
                required: ['amount'],
                additionalProperties: false,
                properties: { phone: phoneSchema, accountId: idSchema, amount: amountText },
              },
            },
            csv: {
              type: 'string',
              minLength: 1,
              maxLength: DISBURSE_CSV_CHARS_MAX,
              description: 'beneficiary,amount lines',
            },
          },
        },
        response: answer(200, '{txId, count, total, receipt}', 400, 401, 403, 404, 413, 422, 503),
      },
    },
    async (request, reply) =>
      opsPost(request, reply, async () => {
        const done = await programs.disburse(request.params.programId, allocationsOf(request.body));
        const asset = (await programs.get(request.params.programId)).entry.asset;
        return {
          status: 200,
          body: {
            txId: done.txId,
            count: done.count,
            total: payments.formatMoney(done.total, asset),
            receipt: done.receipt,
          },
        };
      }),
  );

  for (const action of ['suspend', 'resume'] as const) {
    scope.post<{ Params: { programId: string }; Body: { reason: string } }>(
      `/v1/ops/programs/:programId/${action}`,
      {
        schema: {
          tags: ['programs'],
          summary: `${action} the program (program.${action}, with the reason on chain)`,
          headers: idempotencyHeaders,
          security: bearer,
          params: programParams,
          body: {
            type: 'object',
            required: ['reason'],
            additionalProperties: false,
            properties: { reason: reasonText },
          },
          response: answer(200, 'Program', 400, 401, 403, 404, 422, 503),
        },
      },
      async (request, reply) =>
        opsPost(request, reply, async () => {
          const view = await programs.setSuspended(request.params.programId, action === 'suspend', request.body.reason);
          return { status: 200, body: programToJson(view, payments) };
        }),
    );
  }

  scope.post<{ Params: { programId: string }; Body: { beneficiary: string; amount: string; reason: string } }>(
    '/v1/ops/programs/:programId/clawbacks',
    {
      schema: {
        tags: ['programs'],
        summary: 'propose a clawback: signed by the funder, for the auditor to co-sign within 24 h',
        headers: idempotencyHeaders,
        security: bearer,
        params: programParams,
        body: {
          type: 'object',
          required: ['beneficiary', 'amount', 'reason'],
          additionalProperties: false,
          properties: { beneficiary: beneficiarySchema, amount: amountText, reason: reasonText },
        },
        response: answer(
          201,
          '{proposal, txId, unsignedTx, signingBytes, expiresAtMs, cosigners}',
          400,
          401,
          403,
          404,
          422,
        ),
      },
    },
    async (request, reply) =>
      opsPost(request, reply, async () => {
        const { beneficiary, amount, reason } = request.body;
        const proposal = await programs.proposeClawback(request.params.programId, {
          beneficiary: beneficiaryRef(beneficiary),
          amount,
          reason,
        });
        return { status: 201, body: proposal };
      }),
  );

  scope.post<{
    Params: { programId: string };
    Body: { proposal: string; signatures: Array<{ publicKey: string; signature: string }> };
  }>(
    '/v1/ops/programs/:programId/clawbacks/submit',
    {
      schema: {
        tags: ['programs'],
        summary: "submit a proposed clawback with the auditor's signatures",
        headers: idempotencyHeaders,
        security: bearer,
        params: programParams,
        body: {
          type: 'object',
          required: ['proposal', 'signatures'],
          additionalProperties: false,
          properties: {
            proposal: { type: 'string', minLength: 1, maxLength: 8192 },
            signatures: {
              type: 'array',
              minItems: 1,
              maxItems: 8,
              items: {
                type: 'object',
                required: ['publicKey', 'signature'],
                additionalProperties: false,
                properties: {
                  publicKey: { type: 'string', maxLength: 200 },
                  signature: { type: 'string', maxLength: 300 },
                },
              },
            },
          },
        },
        response: answer(200, '{txId, receipt}', 400, 401, 403, 404, 410, 422, 503),
      },
    },
    async (request, reply) =>
      opsPost(request, reply, async () => ({
        status: 200,
        body: await programs.submitClawback(request.params.programId, request.body.proposal, request.body.signatures),
      })),
  );

  scope.get<{ Params: { programId: string } }>(
    '/v1/ops/programs/:programId/trace',
    {
      schema: {
        tags: ['programs'],
        summary:
          'funder → program → beneficiaries → merchants → deposits, from the chain, with the transactions behind each edge',
        security: bearer,
        params: programParams,
        response: answer(200, '{program, totals, nodes, edges, …}', 401, 403, 404),
      },
    },
    async (request) => {
      await authenticateOps(ctx, request);
      const view = await programs.get(request.params.programId);
      const trace = programs.trace(view.entry.id);
      return traceToJson(trace, view, payments, await merchantNames(ctx, trace));
    },
  );

  scope.get<{ Params: { programId: string }; Querystring: { beneficiary: string } }>(
    '/v1/ops/programs/:programId/statement',
    {
      schema: {
        tags: ['programs'],
        summary: "a beneficiary's statement in the program",
        security: bearer,
        params: programParams,
        querystring: {
          type: 'object',
          required: ['beneficiary'],
          additionalProperties: false,
          properties: { beneficiary: beneficiarySchema },
        },
        response: answer(200, 'Statement', 400, 401, 403, 404),
      },
    },
    async (request) => {
      await authenticateOps(ctx, request);
      const view = await programs.get(request.params.programId);
      const account = await programs.accountOf(beneficiaryRef(request.query.beneficiary), { field: 'beneficiary' });
      return statementToJson(programs.statement(view.entry.id, account), view, ctx);
    },
  );

  // ---- public ----

  scope.get(
    '/v1/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'the programs of this gateway (public)',
        response: answer(200, '{items}'),
      },
    },
    async () => ({
      items: (await programs.list()).map((view) => ({
        id: view.record.id,
        name: view.record.name,
        purpose: view.record.purpose,
        funder: view.entry.funder,
        currency: view.entry.asset,
        budget: payments.formatMoney(view.entry.budget, view.entry.asset),
        status: statusAt(view, ctx.now()),
        validFromMs: Number(view.entry.rules.validFromMs),
        validUntilMs: Number(view.entry.rules.validUntilMs),
      })),
    }),
  );

  scope.get<{ Params: { programId: string } }>(
    '/v1/programs/:programId/report',
    {
      schema: {
        tags: ['programs'],
        summary: 'the transparency report: totals, spending by region and by MCC; no personal data (public)',
        params: programParams,
        response: answer(200, 'TransparencyReport', 404),
      },
    },
    async (request) => {
      const view = await programs.get(request.params.programId);
      return { ...transparencyReportToJson(programs.report(view.entry.id)), name: view.record.name };
    },
  );

  scope.get<{ Params: { programId: string } }>(
    '/v1/programs/:programId/report.csv',
    {
      schema: {
        tags: ['programs'],
        summary: 'the transparency report as CSV (public)',
        params: programParams,
        response: { 200: { type: 'string', description: 'section,key,merchants,spends,amount_minor' }, ...errors(404) },
      },
    },
    async (request, reply) => {
      const view = await programs.get(request.params.programId);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="program-${view.entry.id}-report.csv"`)
        .send(transparencyReportToCsv(programs.report(view.entry.id)));
    },
  );

  // ---- wallets ----

  scope.get(
    '/v1/me/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'my program balances, with their rules',
        security: bearer,
        response: answer(200, '{items}', 401),
      },
    },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const mine = await programs.ofBeneficiary(user.ledgerAccountId);
      return {
        items: mine.map(({ view, balance }) => ({
          program: programToJson(view, payments),
          balance: payments.formatMoney(programBalanceOf(balance), view.entry.asset),
          allocated: payments.formatMoney(balance.allocated, view.entry.asset),
          spent: payments.formatMoney(balance.spent, view.entry.asset),
        })),
      };
    },
  );

  scope.get<{ Params: { programId: string } }>(
    '/v1/me/programs/:programId/statement',
    {
      schema: {
        tags: ['programs'],
        summary: 'my statement in a program',
        security: bearer,
        params: programParams,
        response: answer(200, 'Statement', 401, 404),
      },
    },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const view = await programs.get(request.params.programId);
      return statementToJson(programs.statement(view.entry.id, user.ledgerAccountId), view, ctx);
    },
  );

  // ---- merchants ----

  scope.get<{ Params: { merchantId: string } }>(
    '/v1/merchants/:merchantId/programs',
    {
      schema: {
        tags: ['programs'],
        summary: "the merchant's program receivables",
        security: bearer,
        params: {
          type: 'object',
          required: ['merchantId'],
          additionalProperties: false,
          properties: { merchantId: idSchema },
        },
        response: answer(200, '{items}', 401, 404),
      },
    },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      return {
        items: (await programs.ofMerchant(merchant.settlementAccountId)).map(({ view, balance }) => ({
          programId: view.record.id,
          name: view.record.name,
          receivable: payments.formatMoney(programReceivableOf(balance), view.entry.asset),
          received: payments.formatMoney(balance.received, view.entry.asset),
          redeemed: payments.formatMoney(balance.redeemed, view.entry.asset),
        })),
      };
    },
  );

  scope.post<{ Params: { merchantId: string; programId: string }; Body: { amount?: string; currency?: string } }>(
    '/v1/merchants/:merchantId/programs/:programId/redemptions',
    {
      schema: {
        tags: ['programs'],
        summary: "redeem the merchant's program receivable into an ordinary deposit (program.redeem)",
        headers: idempotencyHeaders,
        security: bearer,
        params: merchantProgramParams,
        body: { type: 'object', additionalProperties: false, properties: moneySchema.properties },
        response: answer(200, '{txId, amount, receipt} or 202 {signing}', 400, 401, 404, 422, 503),
      },
    },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      ctx.limitUserPost(user.id);
      return ctx.idempotent(request, reply, `user:${user.id}`, async () => {
        const { amount, currency } = request.body;
        if ((amount === undefined) !== (currency === undefined)) {
          throw new GatewayApiError('bad_request', 'send amount and currency together, or neither (all of it)', {
            field: amount === undefined ? 'amount' : 'currency',
          });
        }
        const view = await programs.get(request.params.programId);
        const money = amount === undefined || currency === undefined ? null : payments.money({ amount, currency });
        if (money !== null && money.currency !== view.entry.asset) {
          throw new GatewayApiError('currency_unknown', `this program is in ${view.entry.asset}`, { currency });
        }
        const result = await programs.redeem(user, merchant, view.entry.id, money?.amount ?? null);
        if ('signing' in result) return { status: 202, body: { signing: result.signing } };
        return {
          status: 200,
          body: {
            txId: result.done.txId,
            amount: payments.formatMoney(result.done.amount, view.entry.asset),
            receipt: result.done.receipt,
          },
        };
      });
    },
  );

  scope.post<{ Params: { merchantId: string; programId: string }; Body: { intent: string; signature: string } }>(
    '/v1/merchants/:merchantId/programs/:programId/redemptions/signature',
    {
      schema: {
        tags: ['programs'],
        summary: "a browser-held key's signature over a redemption it was given",
        headers: idempotencyHeaders,
        security: bearer,
        params: merchantProgramParams,
        body: {
          type: 'object',
          required: ['intent', 'signature'],
          additionalProperties: false,
          properties: { intent: { type: 'string', maxLength: 8192 }, signature: { type: 'string', maxLength: 300 } },
        },
        response: answer(200, '{txId, amount, receipt}', 400, 401, 404, 410, 422, 503),
      },
    },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      ctx.limitUserPost(user.id);
      return ctx.idempotent(request, reply, `user:${user.id}`, async () => {
        const view = await programs.get(request.params.programId);
        const done = await programs.submitRedemptionSignature(
          user,
          merchant,
          view.entry.id,
          request.body.intent,
          request.body.signature,
        );
        return {
          status: 200,
          body: { txId: done.txId, amount: payments.formatMoney(done.amount, view.entry.asset), receipt: done.receipt },
        };
      });
    },
  );
}

/** A phone number or a ledger account id, as the CSV and the query give it. */
function beneficiaryRef(text: string): BeneficiaryRef {
  const trimmed = text.trim();
  return new RegExp(PHONE_PATTERN).test(trimmed) ? { phone: trimmed } : { accountId: trimmed.toLowerCase() };
}

function allocationsOf(body: DisburseBody): AllocationInput[] {
  if ((body.allocations === undefined) === (body.csv === undefined)) {
    throw new GatewayApiError('bad_request', 'send allocations or csv: exactly one of them', { field: 'allocations' });
  }
  if (body.allocations !== undefined) {
    return body.allocations.map((allocation, index) => {
      if ((allocation.phone === undefined) === (allocation.accountId === undefined)) {
        throw new GatewayApiError('bad_request', 'each allocation names a phone or an accountId: exactly one', {
          index,
        });
      }
      const beneficiary: BeneficiaryRef =
        allocation.phone === undefined ? { accountId: allocation.accountId ?? '' } : { phone: allocation.phone };
      return { beneficiary, amount: allocation.amount };
    });
  }
  const allocations: AllocationInput[] = [];
  const lines = (body.csv ?? '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const text = raw.trim();
    if (text === '') continue;
    const fields = text.split(',').map((field) => field.trim());
    if (line === 1 && fields[0]?.toLowerCase() === 'beneficiary') continue;
    const [who, amount, ...extra] = fields;
    if (who === undefined || who === '' || amount === undefined || amount === '' || extra.length > 0) {
      throw new GatewayApiError('bad_request', `line ${line}: expected "beneficiary,amount"`, { line });
    }
    allocations.push({ beneficiary: beneficiaryRef(who), amount, line });
  }
  if (allocations.length === 0) throw new GatewayApiError('bad_request', 'the CSV has no allocation', { field: 'csv' });
  if (allocations.length > ALLOCATIONS_MAX) {
    throw new GatewayApiError('bad_request', `at most ${ALLOCATIONS_MAX} allocations in one disbursement`, {
      field: 'csv',
    });
  }
  return allocations;
}

/** `expired` as soon as the window has closed, before the sweep has run. */
function statusAt(view: ProgramView, nowMs: number): ProgramStatus {
  return view.entry.status === 'active' && BigInt(nowMs) >= view.entry.rules.validUntilMs
    ? 'expired'
    : view.entry.status;
}

export function programToJson(view: ProgramView, payments: PaymentService) {
  const { entry, record } = view;
  const money = (amount: bigint) => payments.formatMoney(amount, entry.asset);
  const rules: ProgramRules = entry.rules;
  return {
    id: record.id,
    name: record.name,
    purpose: record.purpose,
    funder: entry.funder,
    auditor: entry.auditor,
    currency: entry.asset,
    budget: money(entry.budget),
    status: statusAt(view, payments.now()),
    rules: {
      mccs: rules.mccs,
      regions: rules.regions,
      merchants: rules.merchants.map((accountId) => ({ accountId, name: view.merchantNames.get(accountId) ?? null })),
      perPaymentMax: rules.perPaymentMax === 0n ? null : money(rules.perPaymentMax),
      perBeneficiaryMax: money(rules.perBeneficiaryMax),
      validFromMs: Number(rules.validFromMs),
      validUntilMs: Number(rules.validUntilMs),
      atExpiry: rules.atExpiry,
    },
    fundingAccountId: record.fundingAccountId,
    createdAtMs: record.createdAtMs,
    totals: {
      funded: money(entry.funded),
      pool: money(entry.pool),
      disbursed: money(entry.disbursed),
      heldByBeneficiaries: money(view.heldByBeneficiaries),
      spent: money(entry.spent),
      merchantReceivables: money(view.merchantReceivables),
      redeemed: money(entry.redeemed),
      returned: money(entry.returned),
      clawedBack: money(entry.clawedBack),
      released: money(entry.released),
    },
  };
}

async function merchantNames(ctx: RouteContext, trace: ProgramTrace): Promise<Map<string, string>> {
  const accounts = new Set<string>();
  for (const edge of trace.edges) {
    for (const node of [edge.source, edge.target]) {
      const [kind, account] = node.split(':');
      if ((kind === 'merchant' || kind === 'deposits') && account !== undefined) accounts.add(account);
    }
  }
  const names = new Map<string, string>();
  const ids = [...accounts];
  for (let i = 0; i < ids.length; i += 1_000) {
    for (const merchant of await ctx.db.getMerchantsBySettlementAccounts(ids.slice(i, i + 1_000))) {
      names.set(merchant.settlementAccountId, merchant.name);
    }
  }
  return names;
}

/**
 * The trace with people's labels. The Sankey it feeds must be acyclic, so money going back to the funder (expiry,
 * clawback) flows into a node of its own, `returned:<funder>`.
 */
function traceToJson(trace: ProgramTrace, view: ProgramView, payments: PaymentService, names: Map<string, string>) {
  const money = (amount: bigint) => payments.formatMoney(amount, trace.program.asset);
  const nodes = new Map<string, { id: string; kind: string; label: string }>();
  const node = (id: string): string => {
    if (nodes.has(id)) return id;
    const [kind = id, ref = ''] = id.split(':');
    const label =
      kind === 'funder'
        ? ref
        : kind === 'returned'
          ? `${ref} (returned)`
          : kind === 'released'
            ? "beneficiaries' own balances"
            : kind === 'program'
              ? view.record.name
              : kind === 'beneficiaries'
                ? `${trace.beneficiaries} beneficiaries`
                : kind === 'merchant'
                  ? (names.get(ref) ?? `merchant ${ref.slice(0, 8)}`)
                  : kind === 'deposits'
                    ? `${names.get(ref) ?? ref.slice(0, 8)} deposits`
                    : id;
    nodes.set(id, { id, kind, label });
    return id;
  };
  const edges = trace.edges.map((edge: TraceEdge) => {
    const returning = edge.kind === 'expiry_return' || edge.kind === 'clawback';
    const target = returning && edge.target.startsWith('funder:') ? `returned:${edge.target.slice(7)}` : edge.target;
    return {
      kind: edge.kind,
      source: node(edge.source),
      target: node(target),
      amount: money(edge.amount),
      count: edge.count,
      evidence: edge.evidence.map((e) => ({ height: e.height.toString(), txId: e.txId })),
      evidenceTruncated: edge.evidence.length >= TRACE_EVIDENCE_MAX,
    };
  });
  return {
    program: programToJson(view, payments),
    totals: Object.fromEntries(Object.entries(trace.totals).map(([key, value]) => [key, money(value)])),
    beneficiaries: trace.beneficiaries,
    merchants: trace.merchants,
    height: trace.height.toString(),
    nodes: [...nodes.values()],
    edges,
  };
}

async function statementToJson(statement: BeneficiaryStatement, view: ProgramView, ctx: RouteContext) {
  const asset = view.entry.asset;
  const user = await ctx.db.getUserByLedgerAccount(statement.account);
  const merchants = [...new Set(statement.rows.flatMap((row) => (row.merchant === undefined ? [] : [row.merchant])))];
  const names = new Map<string, string>();
  for (let i = 0; i < merchants.length; i += 1_000) {
    for (const merchant of await ctx.db.getMerchantsBySettlementAccounts(merchants.slice(i, i + 1_000))) {
      names.set(merchant.settlementAccountId, merchant.name);
    }
  }
  const signed = (amount: bigint) => {
    const formatted = ctx.payments.formatMoney(amount < 0n ? -amount : amount, asset);
    return amount < 0n ? { ...formatted, amount: `-${formatted.amount}` } : formatted;
  };
  return {
    program: view.record.id,
    name: view.record.name,
    accountId: statement.account,
    phone: user?.phone ?? null,
    balance: ctx.payments.formatMoney(statement.balance, asset),
    truncated: statement.truncated,
    height: statement.height.toString(),
    rows: statement.rows.map((row) => ({
      kind: row.kind,
      height: row.height.toString(),
      timeMs: Number(row.timeMs),
      txId: row.txId,
      amount: signed(row.amount),
      balance: ctx.payments.formatMoney(row.balance, asset),
      // A spend names its merchant; the other movements are with the funder, except a release (to the person).
      counterparty:
        row.merchant !== undefined
          ? (names.get(row.merchant) ?? row.merchant)
          : row.kind === 'expiry_release'
            ? null
            : view.entry.funder,
      reason: row.reason ?? null,
    })),
  };
}
