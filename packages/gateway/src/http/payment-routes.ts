/**
 * The wallet, merchant and ops routes of the gateway API (users and sessions are in `gateway-app.ts`). Each route
 * authenticates, checks that the resource is the caller's (another user's id answers 404, never its data), hands
 * the work to the `PaymentService` and shows the answer with `views.ts`. Every POST runs under its Idempotency-Key.
 */
import { assert } from '@paychain/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type GatewayDb,
  type KeyMode,
  type KycTier,
  type Merchant,
  PAGE_ITEMS_MAX,
  type PaymentCursor,
  type User,
} from '../db/gateway-db.ts';
import {
  DYNAMIC_QR_LIFETIME_MS_DEFAULT,
  type FxChoice,
  type MoneyJson,
  maskedPhone,
  type PaymentService,
  PRE_AUTH_LIFETIME_MS_DEFAULT,
} from '../service/payment-service.ts';
import type { ProgramService } from '../service/program-service.ts';
import type { PaymentContext } from '../service/risk-control.ts';
import { encodeWebhookSecret } from '../webhooks/webhook-signature.ts';
import { GatewayApiError } from './api-errors.ts';
import { type LiveFeed, registerLiveFeedRoute } from './live-feed.ts';
import {
  captureSchema,
  chargeSchema,
  confirmationsSchema,
  consortiumSchema,
  createMerchantSchema,
  deleteWebhookSchema,
  dynamicQrSchema,
  freezeSchema,
  getMerchantSchema,
  getPaymentSchema,
  getWebhookSchema,
  historySchema,
  kycSchema,
  listMerchantsSchema,
  merchantPaymentsSchema,
  merchantSummarySchema,
  moneyMoveSchema,
  payCodeSchema,
  payoutSchema,
  payQrSchema,
  peersSchema,
  personalQrSchema,
  putWebhookSchema,
  refundSchema,
  requestMoneySchema,
  resolveQrSchema,
  rotateKeySchema,
  signatureSchema,
  transferSchema,
  voidSchema,
  walletSchema,
} from './payment-schemas.ts';
import { merchantToJson, outcomeStatus, outcomeToJson, paymentToJson, userToJson } from './views.ts';

const DAY_MS = 86_400_000;

export interface Authenticated {
  readonly user: User;
  readonly session: { readonly deviceId: string | null };
}

/** A region code as the edge proxy sets it: ISO 3166-1 alpha-2, optionally with a subdivision (`CN`, `CN-BJ`). */
const REGION_HEADER_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
/** `lat,lon` in decimal degrees. */
const GEO_HEADER_PATTERN = /^(-?\d{1,2}(?:\.\d{1,7})?),(-?\d{1,3}(?:\.\d{1,7})?)$/;
const STEP_UP_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Where a payer's request comes from, for risk control: the session's device, and the region and location the edge
 * proxy resolved (`X-Paychain-Region`, `X-Paychain-Geo`; the proxy must overwrite whatever a client sent), plus a
 * step-up token (`X-Paychain-Step-Up`). A malformed header is a 400 naming it.
 */
export function paymentContextOf(request: FastifyRequest, auth: Authenticated): PaymentContext {
  const header = (name: string): string | null => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : null;
  };
  const bad = (name: string, what: string): GatewayApiError =>
    new GatewayApiError('bad_request', `the ${name} header must be ${what}`, { in: 'headers', field: name });
  const region = header('x-paychain-region');
  if (region !== null && !REGION_HEADER_PATTERN.test(region)) throw bad('x-paychain-region', 'a region such as CN-BJ');
  const geo = header('x-paychain-geo');
  let lat: number | null = null;
  let lon: number | null = null;
  if (geo !== null) {
    const match = GEO_HEADER_PATTERN.exec(geo);
    lat = match === null ? Number.NaN : Number(match[1]);
    lon = match === null ? Number.NaN : Number(match[2]);
    if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) throw bad('x-paychain-geo', '"lat,lon" in decimal degrees');
  }
  const stepUpToken = header('x-paychain-step-up');
  if (stepUpToken !== null && !STEP_UP_TOKEN_PATTERN.test(stepUpToken)) {
    throw bad('x-paychain-step-up', 'a token from POST /v1/me/step-up');
  }
  return { deviceId: auth.session.deviceId, ipRegion: region, lat, lon, stepUpToken };
}

export interface HandlerResult {
  readonly status: number;
  readonly body: unknown;
}

/** What the routes need from the app around them. */
export interface RouteContext {
  readonly db: GatewayDb;
  readonly payments: PaymentService;
  now(): number;
  authenticate(request: FastifyRequest): Promise<Authenticated>;
  /** For the event stream, whose browser client (EventSource) can send no header: `?access_token=`. */
  authenticateToken(token: string | undefined): Promise<Authenticated>;
  readonly feed: LiveFeed | null;
  /** Purpose-bound programs, when the gateway runs them: the QR answer lists the payer's program balances. */
  readonly programs: ProgramService | null;
  /** Counts a POST of the user; throws 429 `rate_limited` past the limit. */
  limitUserPost(userId: string): void;
  /** Pay codes a merchant tried that matched nothing: checked before a charge, counted after a miss. */
  readonly payCodeMisses: { check(merchantId: string): void; hit(merchantId: string): void };
  idempotent(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    handler: () => Promise<HandlerResult>,
  ): Promise<FastifyReply>;
}

type MoneyBody = MoneyJson;

export function registerPaymentRoutes(scope: FastifyInstance, ctx: RouteContext): void {
  const { db, payments } = ctx;

  /** The caller's own merchant, or 404 (also for another user's merchant). */
  async function ownMerchant(user: User, merchantId: string): Promise<Merchant> {
    const merchant = await db.getMerchant(merchantId);
    if (merchant === null || merchant.ownerUserId !== user.id) {
      throw new GatewayApiError('merchant_not_found', 'no merchant of yours with this id', { merchantId });
    }
    return merchant;
  }

  /** The merchant of one of the caller's merchants' payments, or 404. */
  async function merchantOfPayment(user: User, txId: string): Promise<Merchant> {
    const payment = await db.getPayment(txId);
    const merchant = payment?.merchantId == null ? null : await db.getMerchant(payment.merchantId);
    if (merchant === null || merchant.ownerUserId !== user.id) {
      throw new GatewayApiError('payment_not_found', 'no payment of your merchants with this id', { txId });
    }
    return merchant;
  }

  /** The ledger accounts a user sees payments of: the wallet and the settlement accounts of their merchants. */
  async function accountsOf(user: User): Promise<string[]> {
    const merchants = await db.listMerchantsByOwner(user.id);
    return [user.ledgerAccountId, ...merchants.map((m) => m.settlementAccountId)];
  }

  const post = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    run: () => Promise<HandlerResult>,
  ): Promise<FastifyReply> => {
    ctx.limitUserPost(user.id);
    return ctx.idempotent(request, reply, `user:${user.id}`, run);
  };

  const paymentAnswer = async (user: User, outcome: Awaited<ReturnType<PaymentService['topUp']>>) => ({
    status: outcomeStatus(outcome),
    body: outcomeToJson(outcome, payments, await accountsOf(user)),
  });

  scope.get('/v1/consortium', { schema: consortiumSchema }, async () => payments.ledger.consortiumInfo());

  scope.post<{ Body: { keyMode: KeyMode; publicKey?: string } }>(
    '/v1/me/key',
    { schema: rotateKeySchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      return post(request, reply, user, async () => {
        const rotated = await payments.rotateKey(user, request.body.keyMode, request.body.publicKey);
        return { status: 200, body: userToJson(rotated, payments) };
      });
    },
  );

  scope.get('/v1/wallet', { schema: walletSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    const currency = payments.ledger.currency;
    const balance = payments.ledger.balance(user.ledgerAccountId, currency, ctx.now());
    const account = payments.ledger.account(user.ledgerAccountId);
    const limits = userToJson(user, payments).limits;
    return {
      accountId: user.ledgerAccountId,
      balance: payments.formatMoney(balance.posted, currency),
      available: payments.formatMoney(balance.available, currency),
      frozen: account?.frozen ?? false,
      kycTier: account?.tier ?? user.kycTier,
      limits,
      spentToday: payments.formatMoney(balance.spentToday, currency),
      // Every asset of this bank the wallet holds (the main currency always), e.g. Hong Kong dollars beside yuan.
      balances: payments.ledger
        .issuedAssets()
        .map((asset) => ({
          id: asset.asset.id,
          held: payments.ledger.balance(user.ledgerAccountId, asset.asset.id, ctx.now()),
        }))
        .filter(({ id, held }) => id === currency || held.posted !== 0n || held.available !== 0n)
        .map(({ id, held }) => ({
          balance: payments.formatMoney(held.posted, id),
          available: payments.formatMoney(held.available, id),
        })),
    };
  });

  scope.get<{ Querystring: { limit?: string; before?: string; q?: string } }>(
    '/v1/wallet/payments',
    { schema: historySchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const page = await db.listUserPayments(
        { userId: user.id, accountId: user.ledgerAccountId, search: request.query.q ?? null },
        pageLimit(request.query.limit),
        parseCursor(request.query.before),
      );
      const accounts = [user.ledgerAccountId];
      return {
        items: page.items.map((p) => paymentToJson(payments.viewOf(p), payments, accounts)),
        next: page.next === null ? null : cursorText(page.next),
      };
    },
  );

  scope.post<{ Body: MoneyBody }>(
    '/v1/wallet/top-ups',
    { schema: moneyMoveSchema('top up from the linked bank account: the bank debits, the issuer mints') },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      return post(request, reply, user, async () => paymentAnswer(user, await payments.topUp(user, request.body)));
    },
  );

  scope.post<{ Body: MoneyBody }>(
    '/v1/wallet/withdrawals',
    { schema: moneyMoveSchema('withdraw to the linked bank account: burned on the ledger, then paid out') },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      const { user } = auth;
      const context = paymentContextOf(request, auth);
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.withdraw(user, request.body, context)),
      );
    },
  );

  scope.post<{ Body: MoneyBody & { toPhone: string; memo?: string } }>(
    '/v1/transfers',
    { schema: transferSchema },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      const { user } = auth;
      const context = paymentContextOf(request, auth);
      const { toPhone, amount, currency, memo } = request.body;
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.transfer(user, toPhone, { amount, currency }, memo ?? '', context)),
      );
    },
  );

  scope.post('/v1/pay-codes', { schema: payCodeSchema }, async (request, reply) => {
    const { user } = await ctx.authenticate(request);
    ctx.limitUserPost(user.id);
    // The answer holds a live code: it is not stored for replay; a retry makes another code.
    if (typeof request.headers['idempotency-key'] !== 'string') {
      throw new GatewayApiError('bad_request', 'an Idempotency-Key header is required', { field: 'idempotency-key' });
    }
    const made = await payments.createPayCode(user);
    reply.code(201).header('cache-control', 'no-store');
    return { code: made.code, payload: made.code, expiresAtMs: made.expiresAtMs };
  });

  scope.post<{ Body: { payload: string } }>('/v1/qr/resolve', { schema: resolveQrSchema }, async (request, reply) => {
    const { user } = await ctx.authenticate(request);
    return post(request, reply, user, async () => {
      const resolved = await payments.resolveQr(request.body.payload);
      const { payee } = resolved;
      return {
        status: 200,
        body: {
          payee:
            payee.kind === 'merchant'
              ? { kind: 'merchant', name: payee.merchant.name }
              : payee.kind === 'user'
                ? { kind: 'user', name: maskedPhone(payee.user.phone) }
                : { kind: 'bank_merchant', name: payee.name, bank: payee.bank },
          merchant:
            payee.kind === 'merchant'
              ? { id: payee.merchant.id, name: payee.merchant.name, mcc: payee.merchant.mcc, city: payee.merchant.city }
              : null,
          amount: resolved.money === null ? null : payments.formatMoney(resolved.money.amount, resolved.money.currency),
          currency: resolved.qr.currency,
          requestId: resolved.request?.id ?? null,
          oneTime: resolved.request?.oneTime ?? false,
          expiresAtMs: resolved.request?.expiresAtMs ?? null,
          programs:
            ctx.programs === null || payee.kind !== 'merchant'
              ? []
              : (
                  await ctx.programs.optionsAtMerchant(
                    user,
                    payee.merchant,
                    resolved.qr.currency,
                    resolved.money?.amount ?? null,
                  )
                ).map((option) => ({
                  id: option.view.record.id,
                  name: option.view.record.name,
                  balance: payments.formatMoney(option.balance, option.view.entry.asset),
                  eligible: option.reason === null,
                  reason: option.reason,
                })),
          conversions: payments.fxOptions(user, resolved).map((option) => ({
            currency: option.currency,
            available: payments.formatMoney(option.available, option.currency),
            quote: {
              id: option.quote.id,
              provider: option.quote.provider,
              providerName: option.providerName,
              baseAsset: option.quote.baseAsset,
              quoteAsset: option.quote.quoteAsset,
              rate: { num: option.quote.rateNum.toString(), den: option.quote.rateDen.toString() },
              minBase: payments.formatMoney(option.quote.minBase, option.quote.baseAsset),
              maxBase: payments.formatMoney(option.quote.maxBase, option.quote.baseAsset),
              expiresAtMs: Number(option.quote.expiresAt),
            },
            pay: option.pay === null ? null : payments.formatMoney(option.pay, option.currency),
            receives: option.receives === null ? null : payments.formatMoney(option.receives, resolved.qr.currency),
            eligible: option.reason === null,
            reason: option.reason,
          })),
        },
      };
    });
  });

  scope.post<{
    Body: {
      payload: string;
      amount?: string;
      currency?: string;
      programId?: string;
      fx?: { quoteId: string; rateNum: string; rateDen: string };
    };
  }>('/v1/qr/pay', { schema: payQrSchema }, async (request, reply) => {
    const auth = await ctx.authenticate(request);
    const { user } = auth;
    const context = paymentContextOf(request, auth);
    const { payload, amount, currency } = request.body;
    if ((amount === undefined) !== (currency === undefined)) {
      throw new GatewayApiError('bad_request', 'send amount and currency together, or neither', {
        field: amount === undefined ? 'amount' : 'currency',
      });
    }
    const money = amount === undefined || currency === undefined ? null : { amount, currency };
    return post(request, reply, user, async () =>
      paymentAnswer(
        user,
        await payments.payQr(
          user,
          payload,
          money,
          context,
          request.body.programId ?? null,
          fxChoiceOf(request.body.fx),
        ),
      ),
    );
  });

  scope.get<{ Params: { txId: string } }>('/v1/payments/:txId', { schema: getPaymentSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    const payment = await db.getPayment(request.params.txId);
    const accounts = await accountsOf(user);
    const merchant = payment?.merchantId == null ? null : await db.getMerchant(payment.merchantId);
    const visible =
      payment !== null &&
      (payment.payerUserId === user.id ||
        accounts.includes(payment.payeeAccountId) ||
        merchant?.ownerUserId === user.id);
    if (!visible) throw new GatewayApiError('payment_not_found', 'no payment of yours with this id');
    return paymentToJson(payments.viewOf(payment), payments, accounts);
  });

  scope.post<{ Params: { txId: string }; Body: { intent: string; signature: string } }>(
    '/v1/payments/:txId/signature',
    { schema: signatureSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      return post(request, reply, user, async () =>
        paymentAnswer(
          user,
          await payments.submitSignature(user, request.params.txId, request.body.intent, request.body.signature),
        ),
      );
    },
  );

  scope.get('/v1/me/qr', { schema: personalQrSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    return { payload: payments.personalQr(user) };
  });

  scope.post<{ Body: MoneyBody & { expiresInS?: number; memo?: string } }>(
    '/v1/me/payment-requests',
    { schema: requestMoneySchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const { amount, currency, expiresInS, memo } = request.body;
      return post(request, reply, user, async () => {
        const lifetimeMs = expiresInS === undefined ? DYNAMIC_QR_LIFETIME_MS_DEFAULT : expiresInS * 1000;
        const made = await payments.requestMoney(user, { amount, currency }, lifetimeMs, memo ?? '');
        return {
          status: 201,
          body: {
            requestId: made.request.id,
            payload: made.payload,
            amount: payments.formatMoney(made.request.amount, made.request.currency),
            oneTime: true,
            expiresAtMs: made.request.expiresAtMs,
          },
        };
      });
    },
  );

  scope.get('/v1/me/confirmations', { schema: confirmationsSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    const accounts = await accountsOf(user);
    return { items: payments.confirmationsFor(user.id).map((o) => outcomeToJson(o, payments, accounts)) };
  });

  // ---- merchants ----

  scope.post<{ Body: { name: string; mcc: string; city: string; region: string; bankAccount: string } }>(
    '/v1/merchants',
    { schema: createMerchantSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      return post(request, reply, user, async () => ({
        status: 201,
        body: merchantToJson(await payments.openMerchant(user, request.body), payments),
      }));
    },
  );

  scope.get('/v1/merchants', { schema: listMerchantsSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    return { items: (await db.listMerchantsByOwner(user.id)).map((m) => merchantToJson(m, payments)) };
  });

  scope.get<{ Params: { merchantId: string } }>(
    '/v1/merchants/:merchantId',
    { schema: getMerchantSchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      return merchantToJson(await ownMerchant(user, request.params.merchantId), payments);
    },
  );

  scope.post<{
    Params: { merchantId: string };
    Body: MoneyBody & { oneTime?: boolean; expiresInS?: number };
  }>('/v1/merchants/:merchantId/qr', { schema: dynamicQrSchema }, async (request, reply) => {
    const { user } = await ctx.authenticate(request);
    const merchant = await ownMerchant(user, request.params.merchantId);
    const { amount, currency, oneTime, expiresInS } = request.body;
    return post(request, reply, user, async () => {
      const lifetimeMs = expiresInS === undefined ? DYNAMIC_QR_LIFETIME_MS_DEFAULT : expiresInS * 1000;
      const made = await payments.createDynamicQr(merchant, { amount, currency }, oneTime ?? true, lifetimeMs);
      return {
        status: 201,
        body: {
          requestId: made.request.id,
          payload: made.payload,
          amount: payments.formatMoney(made.request.amount, made.request.currency),
          oneTime: made.request.oneTime,
          expiresAtMs: made.request.expiresAtMs,
        },
      };
    });
  });

  for (const hold of [false, true]) {
    scope.post<{ Params: { merchantId: string }; Body: MoneyBody & { payCode: string; expiresInS?: number } }>(
      hold ? '/v1/merchants/:merchantId/authorizations' : '/v1/merchants/:merchantId/charges',
      {
        schema: chargeSchema(
          hold
            ? "pre-authorize an amount on a customer's pay code (a hold on the ledger)"
            : "charge a customer's pay code",
          hold,
        ),
      },
      async (request, reply) => {
        const auth = await ctx.authenticate(request);
        const { user } = auth;
        const context = paymentContextOf(request, auth);
        const merchant = await ownMerchant(user, request.params.merchantId);
        const { payCode, amount, currency, expiresInS } = request.body;
        ctx.payCodeMisses.check(merchant.id);
        return post(request, reply, user, async () => {
          const lifetimeMs = expiresInS === undefined ? PRE_AUTH_LIFETIME_MS_DEFAULT : expiresInS * 1000;
          let outcome: Awaited<ReturnType<PaymentService['chargePayCode']>>;
          try {
            outcome = await payments.chargePayCode(
              merchant,
              payCode,
              { amount, currency },
              hold ? { lifetimeMs } : null,
              context,
            );
          } catch (error: unknown) {
            if (error instanceof GatewayApiError && error.code === 'pay_code_not_found') {
              ctx.payCodeMisses.hit(merchant.id);
            }
            throw error;
          }
          // The merchant sees the payment; a browser-held payer key signs in the payer's wallet, not here.
          return {
            status: outcomeStatus(outcome),
            body: outcomeToJson({ ...outcome, signing: null }, payments, await accountsOf(user)),
          };
        });
      },
    );
  }

  scope.post<{ Params: { merchantId: string }; Body: MoneyBody }>(
    '/v1/merchants/:merchantId/payouts',
    { schema: payoutSchema },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      const { user } = auth;
      const merchant = await ownMerchant(user, request.params.merchantId);
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.payout(user, merchant, request.body, paymentContextOf(request, auth))),
      );
    },
  );

  scope.post<{ Params: { txId: string }; Body: MoneyBody }>(
    '/v1/payments/:txId/capture',
    { schema: captureSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await merchantOfPayment(user, request.params.txId);
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.capture(user, merchant, request.params.txId, request.body)),
      );
    },
  );

  scope.post<{ Params: { txId: string } }>(
    '/v1/payments/:txId/void',
    { schema: voidSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await merchantOfPayment(user, request.params.txId);
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.voidAuthorization(user, merchant, request.params.txId)),
      );
    },
  );

  scope.post<{ Params: { txId: string }; Body: MoneyBody }>(
    '/v1/payments/:txId/refunds',
    { schema: refundSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await merchantOfPayment(user, request.params.txId);
      return post(request, reply, user, async () =>
        paymentAnswer(user, await payments.refund(user, merchant, request.params.txId, request.body)),
      );
    },
  );

  scope.get<{ Params: { merchantId: string }; Querystring: { limit?: string; before?: string } }>(
    '/v1/merchants/:merchantId/payments',
    { schema: merchantPaymentsSchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      const page = await db.listPayments(
        { merchantId: merchant.id },
        pageLimit(request.query.limit),
        parseCursor(request.query.before),
      );
      const accounts = [merchant.settlementAccountId];
      return {
        items: page.items.map((p) => paymentToJson(payments.viewOf(p), payments, accounts)),
        next: page.next === null ? null : cursorText(page.next),
      };
    },
  );

  scope.get<{ Params: { merchantId: string } }>(
    '/v1/merchants/:merchantId/summary',
    { schema: merchantSummarySchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      const offset = Number(payments.ledger.genesis.params.dayOffsetMs);
      const nowMs = ctx.now();
      const dayStart = Math.floor((nowMs + offset) / DAY_MS) * DAY_MS - offset;
      const currency = payments.ledger.currency;
      let count = 0;
      let gross = 0n;
      let refunded = 0n;
      let before: PaymentCursor | null = null;
      // Newest first: stop at the first payment before today.
      for (;;) {
        const page = await db.listPayments({ merchantId: merchant.id }, PAGE_ITEMS_MAX, before);
        for (const p of page.items) {
          if (p.createdAtMs < dayStart) {
            before = null;
            break;
          }
          if (p.status !== 'final' || p.currency !== currency) continue;
          if (p.kind === 'refund') refunded += p.amount;
          else if (p.kind === 'qr' || p.kind === 'paycode' || p.kind === 'capture') {
            gross += p.amount;
            count++;
          }
        }
        const last = page.items[page.items.length - 1];
        if (page.next === null || last === undefined || last.createdAtMs < dayStart) break;
        before = page.next;
      }
      return {
        day: new Date(dayStart + offset).toISOString().slice(0, 10),
        count,
        gross: payments.formatMoney(gross, currency),
        refunded: payments.formatMoney(refunded, currency),
        net: payments.formatMoney(gross - refunded, currency),
      };
    },
  );

  scope.put<{ Params: { merchantId: string }; Body: { url: string } }>(
    '/v1/merchants/:merchantId/webhook',
    { schema: putWebhookSchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      const secret = await payments.setWebhook(merchant, request.body.url);
      return { url: request.body.url, secret: encodeWebhookSecret(secret) };
    },
  );

  scope.get<{ Params: { merchantId: string } }>(
    '/v1/merchants/:merchantId/webhook',
    { schema: getWebhookSchema },
    async (request) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      const endpoint = await db.getWebhookEndpoint(merchant.id);
      if (endpoint === null) throw new GatewayApiError('not_found', 'this merchant has no webhook');
      return { url: endpoint.url, updatedAtMs: endpoint.updatedAtMs };
    },
  );

  scope.delete<{ Params: { merchantId: string } }>(
    '/v1/merchants/:merchantId/webhook',
    { schema: deleteWebhookSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      const merchant = await ownMerchant(user, request.params.merchantId);
      if (!(await db.deleteWebhookEndpoint(merchant.id))) {
        throw new GatewayApiError('not_found', 'this merchant has no webhook');
      }
      return reply.code(204).send();
    },
  );

  const feed = ctx.feed;
  if (feed !== null) {
    registerLiveFeedRoute(scope, {
      path: '/v1/merchants/:merchantId/events',
      feed,
      authorize: async (request) => {
        const query = request.query as { access_token?: unknown };
        const header = request.headers.authorization;
        const fromHeader = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header)?.[1] : undefined;
        const token = fromHeader ?? (typeof query.access_token === 'string' ? query.access_token : undefined);
        const { user } = await ctx.authenticateToken(token);
        const { merchantId } = request.params as { merchantId?: unknown };
        if (typeof merchantId !== 'string' || !/^[0-9a-f]{32}$/.test(merchantId)) {
          throw new GatewayApiError('merchant_not_found', 'no merchant of yours with this id');
        }
        return merchantChannel((await ownMerchant(user, merchantId)).id);
      },
    });
  }

  // ---- ops ----

  for (const frozen of [true, false]) {
    scope.post<{ Params: { accountId: string }; Body: { reason: string } }>(
      `/v1/ops/accounts/:accountId/${frozen ? 'freeze' : 'unfreeze'}`,
      {
        schema: freezeSchema(
          frozen
            ? 'freeze a ledger account, with a reason, signed by the issuer on chain'
            : 'unfreeze a ledger account, with a reason, on chain',
        ),
      },
      async (request, reply) => {
        const { user } = await ctx.authenticate(request);
        requireOps(user);
        return post(request, reply, user, async () => {
          const { txId } = await payments.setFrozen(request.params.accountId, frozen, request.body.reason);
          return { status: 200, body: { accountId: request.params.accountId, frozen, txId } };
        });
      },
    );
  }

  scope.post<{ Body: { phone: string; tier: KycTier } }>(
    '/v1/ops/users/kyc',
    { schema: kycSchema },
    async (request, reply) => {
      const { user } = await ctx.authenticate(request);
      requireOps(user);
      return post(request, reply, user, async () => {
        const changed = await payments.setKycTier(request.body.phone, request.body.tier);
        return { status: 200, body: userToJson(changed, payments) };
      });
    },
  );

  scope.get('/v1/ops/peers', { schema: peersSchema }, async (request) => {
    const { user } = await ctx.authenticate(request);
    requireOps(user);
    return {
      items: payments.ledger.node.peers.map((peer) => ({
        org: peer.orgId,
        height: peer.tip.height.toString(),
        certifiedHeight: peer.certifiedHeight.toString(),
        headHash: Buffer.from(peer.tip.hash).toString('hex'),
      })),
    };
  });
}

/** The live-feed channel of a merchant's payments. */
export function merchantChannel(merchantId: string): string {
  return `merchant:${merchantId}`;
}

export function requireOps(user: User): void {
  if (user.role !== 'ops') throw new GatewayApiError('forbidden', 'this needs the ops role');
}

/** The request's user, who must have the ops role (403 `forbidden` otherwise). */
export async function authenticateOps(ctx: RouteContext, request: FastifyRequest): Promise<User> {
  const { user } = await ctx.authenticate(request);
  requireOps(user);
  return user;
}

/** How the consoles name a user: the phone number (null for no user, or one since removed). */
export async function phoneOfUser(db: GatewayDb, userId: string | null): Promise<string | null> {
  return userId === null ? null : ((await db.getUserById(userId))?.phone ?? null);
}

export function pageLimit(text: string | undefined): number {
  const limit = text === undefined ? 20 : Number(text);
  if (limit > PAGE_ITEMS_MAX) {
    throw new GatewayApiError('bad_request', `limit is at most ${PAGE_ITEMS_MAX}`, { field: 'limit' });
  }
  return limit;
}

export function cursorText(cursor: PaymentCursor): string {
  return `${cursor.createdAtMs}-${cursor.txId}`;
}

export function parseCursor(text: string | undefined): PaymentCursor | null {
  if (text === undefined) return null;
  const [ms, txId] = text.split('-');
  const createdAtMs = Number(ms);
  assert(txId !== undefined, 'the schema checked the cursor');
  if (!Number.isSafeInteger(createdAtMs)) throw new GatewayApiError('bad_request', 'before is not a cursor');
  return { createdAtMs, txId };
}

/** The quote a payer chose, as the schema let it through (positive integers of at most 20 digits). */
function fxChoiceOf(fx: { quoteId: string; rateNum: string; rateDen: string } | undefined): FxChoice | null {
  if (fx === undefined) return null;
  return { quoteId: fx.quoteId, rateNum: BigInt(fx.rateNum), rateDen: BigInt(fx.rateDen) };
}
