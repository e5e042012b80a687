/**
 * JSON schemas of the wallet, merchant and ops routes (the users/sessions ones are in `schemas.ts`): fastify
 * validates requests with them and @fastify/swagger documents them at `/v1/openapi.json`. Amounts are decimal
 * strings validated by the service (so "1.234" gets `amount_invalid` with the asset's precision, not a pattern
 * error); everything else is checked here, unknown fields refused.
 */
import type { FastifySchema } from 'fastify';
import {
  KEY_MODES,
  MERCHANT_BANK_ACCOUNT_PATTERN,
  MERCHANT_CITY_CHARS_MAX,
  MERCHANT_NAME_CHARS_MAX,
  MERCHANT_REGION_CHARS_MAX,
  PAGE_ITEMS_MAX,
  PAYMENT_KINDS,
  PAYMENT_MEMO_CHARS_MAX,
  PAYMENT_SEARCH_CHARS_MAX,
  WEBHOOK_URL_CHARS_MAX,
} from '../db/gateway-db.ts';
import { QR_PAYLOAD_CHARS_MAX } from '../qr/emvco.ts';
import { DYNAMIC_QR_LIFETIME_MS_MAX } from '../service/payment-service.ts';
import {
  bearer,
  errors,
  idempotencyHeaders,
  idSchema,
  moneySchema,
  nullableMoney,
  phoneSchema,
  TEXT_PATTERN,
  timeMsSchema,
  userViewSchema,
} from './schemas.ts';

const signingSchema = {
  type: 'object',
  required: ['intent', 'unsignedTx', 'signingBytes', 'expiresAtMs'],
  additionalProperties: false,
  description: 'present while a browser-held key must sign: sign signingBytes, send the signature with the intent',
  properties: {
    intent: { type: 'string' },
    unsignedTx: { type: 'string', description: 'the transaction without signatures, hex' },
    signingBytes: { type: 'string', description: 'what the key signs, hex' },
    expiresAtMs: timeMsSchema,
  },
} as const;

/** A rate as the ledger keeps it: quote-asset minor units per base-asset minor unit, num/den in decimal. */
const rationalRate = {
  type: 'object',
  required: ['num', 'den'],
  additionalProperties: false,
  properties: { num: { type: 'string' }, den: { type: 'string' } },
} as const;

export const paymentSchema = {
  type: 'object',
  required: [
    'txId',
    'kind',
    'status',
    'amount',
    'refunded',
    'direction',
    'counterparty',
    'merchantId',
    'refundOf',
    'authorizationOf',
    'memo',
    'code',
    'createdAtMs',
    'ledger',
    'receipt',
    'programId',
    'fx',
  ],
  additionalProperties: false,
  properties: {
    txId: idSchema,
    kind: { type: 'string', enum: PAYMENT_KINDS },
    status: { type: 'string', enum: ['awaiting_signature', 'pending', 'final', 'refused'] },
    amount: moneySchema,
    refunded: moneySchema,
    direction: { type: 'string', enum: ['in', 'out'] },
    counterparty: {
      type: 'object',
      required: ['kind', 'name'],
      additionalProperties: false,
      properties: { kind: { type: 'string', enum: ['user', 'merchant', 'bank'] }, name: { type: 'string' } },
    },
    merchantId: { type: ['string', 'null'] },
    refundOf: { type: ['string', 'null'] },
    authorizationOf: { type: ['string', 'null'] },
    memo: { type: 'string' },
    code: { type: ['string', 'null'], description: "the ledger's result code: ok, or why it was refused" },
    createdAtMs: timeMsSchema,
    ledger: {
      anyOf: [
        {
          type: 'object',
          required: ['height', 'index'],
          additionalProperties: false,
          properties: { height: { type: 'string' }, index: { type: 'integer' } },
        },
        { type: 'null' },
      ],
    },
    receipt: {
      anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }],
      description: 'the receipt of a final payment: transaction, result, Merkle proofs, header and certificate',
    },
    signing: signingSchema,
    programId: { type: ['string', 'null'], description: 'the program whose money paid it (program.spend)' },
    fx: {
      description:
        'paid in another currency through a quote (fx.convert): what left the payer, and the rate, quote-asset minor units per base-asset minor unit; amount is what the payee got',
      anyOf: [
        {
          type: 'object',
          required: ['quoteId', 'paid', 'rate'],
          additionalProperties: false,
          properties: { quoteId: idSchema, paid: moneySchema, rate: rationalRate },
        },
        { type: 'null' },
      ],
    },
  },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: `1..${PAGE_ITEMS_MAX}` },
    before: { type: 'string', pattern: '^[0-9]{1,16}-[0-9a-f]{32}$', description: 'the next cursor of a page' },
  },
} as const;

const paymentPage = {
  type: 'object',
  required: ['items', 'next'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: paymentSchema }, next: { type: ['string', 'null'] } },
} as const;

const moneyBody = moneySchema;

const paymentAnswers = { 201: paymentSchema, 202: paymentSchema, ...errors(400, 401, 403, 404, 409, 410, 422, 503) };

export const consortiumSchema = {
  tags: ['chain'],
  summary: 'the chain facts a browser needs to verify a receipt by itself',
  response: {
    200: {
      type: 'object',
      required: ['chainId', 'suite', 'genesisHash', 'validators', 'assets'],
      additionalProperties: false,
      properties: {
        chainId: { type: 'string' },
        suite: { type: 'string', enum: ['intl', 'gm'] },
        genesisHash: { type: 'string' },
        validators: {
          type: 'array',
          items: {
            type: 'object',
            required: ['org', 'publicKey', 'activeFrom', 'removedFrom'],
            additionalProperties: false,
            properties: {
              org: { type: 'string' },
              publicKey: { type: 'string' },
              activeFrom: { type: 'string', description: 'first height it signs' },
              removedFrom: { type: ['string', 'null'] },
            },
          },
        },
        assets: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'name', 'decimals'],
            additionalProperties: false,
            properties: { id: { type: 'string' }, name: { type: 'string' }, decimals: { type: 'integer' } },
          },
        },
      },
    },
  },
} as const satisfies FastifySchema;

export const rotateKeySchema = {
  tags: ['users'],
  summary: 'issuer-assisted recovery: the wallet (and the merchants it owns) gets a new key; the old one stops',
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['keyMode'],
    additionalProperties: false,
    properties: { keyMode: { type: 'string', enum: KEY_MODES }, publicKey: { type: 'string', maxLength: 200 } },
  },
  response: { 200: userViewSchema, ...errors(400, 401, 403, 409, 503) },
} as const satisfies FastifySchema;

export const walletSchema = {
  tags: ['wallet'],
  summary: "the user's balance, limits and today's spending",
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['accountId', 'balance', 'available', 'frozen', 'kycTier', 'limits', 'spentToday', 'balances'],
      additionalProperties: false,
      properties: {
        accountId: idSchema,
        balance: moneySchema,
        available: moneySchema,
        frozen: { type: 'boolean' },
        kycTier: { type: 'integer' },
        limits: userViewSchema.properties.limits,
        spentToday: moneySchema,
        balances: {
          type: 'array',
          description:
            "every asset of this bank the wallet holds, the main currency first when it is this bank's first",
          items: {
            type: 'object',
            required: ['balance', 'available'],
            additionalProperties: false,
            properties: { balance: moneySchema, available: moneySchema },
          },
        },
      },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;

export const historySchema = {
  tags: ['wallet'],
  summary: "the user's payments, newest first, optionally searched",
  security: bearer,
  querystring: {
    ...pageQuery,
    properties: {
      ...pageQuery.properties,
      q: { type: 'string', minLength: 1, maxLength: PAYMENT_SEARCH_CHARS_MAX, pattern: TEXT_PATTERN },
    },
  },
  response: { 200: paymentPage, ...errors(400, 401, 403) },
} as const satisfies FastifySchema;

export const moneyMoveSchema = (summary: string) =>
  ({
    tags: ['wallet'],
    summary,
    headers: idempotencyHeaders,
    security: bearer,
    body: moneyBody,
    response: paymentAnswers,
  }) as const satisfies FastifySchema;

export const transferSchema = {
  tags: ['wallet'],
  summary: 'pay another wallet by phone number',
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['toPhone', 'amount', 'currency'],
    additionalProperties: false,
    properties: {
      toPhone: phoneSchema,
      ...moneySchema.properties,
      memo: { type: 'string', maxLength: PAYMENT_MEMO_CHARS_MAX, pattern: TEXT_PATTERN },
    },
  },
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const payCodeSchema = {
  tags: ['wallet'],
  summary: 'a one-time pay code for a merchant to scan, valid 60 s',
  headers: idempotencyHeaders,
  security: bearer,
  response: {
    201: {
      type: 'object',
      required: ['code', 'payload', 'expiresAtMs'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, payload: { type: 'string' }, expiresAtMs: timeMsSchema },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;

const qrPayload = { type: 'string', minLength: 1, maxLength: QR_PAYLOAD_CHARS_MAX } as const;

/** A positive integer in decimal, at most 20 digits (a rate's numerator or denominator). */
const rateTerm = { type: 'string', pattern: '^[1-9][0-9]{0,19}$' } as const;

export const resolveQrSchema = {
  tags: ['wallet'],
  summary: 'what a merchant QR pays, before paying it',
  headers: idempotencyHeaders,
  security: bearer,
  body: { type: 'object', required: ['payload'], additionalProperties: false, properties: { payload: qrPayload } },
  response: {
    200: {
      type: 'object',
      required: ['payee', 'merchant', 'amount', 'requestId', 'oneTime', 'expiresAtMs'],
      additionalProperties: false,
      properties: {
        payee: {
          type: 'object',
          required: ['kind', 'name'],
          additionalProperties: false,
          description:
            "who is paid: a merchant by name, a user by masked phone number, or another bank's merchant (paid by an interbank transfer) with its bank",
          properties: {
            kind: { type: 'string', enum: ['merchant', 'user', 'bank_merchant'] },
            name: { type: 'string' },
            bank: { type: 'string' },
          },
        },
        merchant: {
          anyOf: [
            {
              type: 'object',
              required: ['id', 'name', 'mcc', 'city'],
              additionalProperties: false,
              properties: {
                id: idSchema,
                name: { type: 'string' },
                mcc: { type: 'string' },
                city: { type: 'string' },
              },
            },
            { type: 'null' },
          ],
        },
        amount: nullableMoney,
        currency: { type: 'string' },
        requestId: { type: ['string', 'null'] },
        oneTime: { type: 'boolean' },
        expiresAtMs: { type: ['integer', 'null'] },
        programs: {
          type: 'array',
          description:
            "the payer's programs with money in this currency, and whether this merchant (and amount) may take it",
          items: {
            type: 'object',
            required: ['id', 'name', 'balance', 'eligible', 'reason'],
            additionalProperties: false,
            properties: {
              id: idSchema,
              name: { type: 'string' },
              balance: moneySchema,
              eligible: { type: 'boolean' },
              reason: { type: ['string', 'null'], description: "the ledger's code when not eligible" },
            },
          },
        },
        conversions: {
          type: 'array',
          description:
            "paying in another of the payer's currencies: per currency, the best live quote into what the payee receives, the price for this QR's amount (null for a static QR), and why it cannot pay (null when it can)",
          items: {
            type: 'object',
            required: ['currency', 'available', 'quote', 'pay', 'receives', 'eligible', 'reason'],
            additionalProperties: false,
            properties: {
              currency: { type: 'string' },
              available: moneySchema,
              quote: {
                type: 'object',
                required: [
                  'id',
                  'provider',
                  'providerName',
                  'baseAsset',
                  'quoteAsset',
                  'rate',
                  'minBase',
                  'maxBase',
                  'expiresAtMs',
                ],
                additionalProperties: false,
                properties: {
                  id: idSchema,
                  provider: { type: 'string' },
                  providerName: { type: 'string' },
                  baseAsset: { type: 'string' },
                  quoteAsset: { type: 'string' },
                  rate: rationalRate,
                  minBase: moneySchema,
                  maxBase: moneySchema,
                  expiresAtMs: timeMsSchema,
                },
              },
              pay: nullableMoney,
              receives: nullableMoney,
              eligible: { type: 'boolean' },
              reason: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    ...errors(400, 401, 403, 404, 409, 410),
  },
} as const satisfies FastifySchema;

export const payQrSchema = {
  tags: ['wallet'],
  summary: 'pay a merchant-presented QR (static: with amount; dynamic: its own amount)',
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['payload'],
    additionalProperties: false,
    properties: {
      payload: qrPayload,
      ...moneySchema.properties,
      programId: { ...idSchema, description: "pay from this program's money (program.spend)" },
      fx: {
        type: 'object',
        required: ['quoteId', 'rateNum', 'rateDen'],
        additionalProperties: false,
        description:
          'pay in another currency through this quote (from /v1/qr/resolve conversions), at the rate the payer was shown; amount stays in the QR currency',
        properties: { quoteId: idSchema, rateNum: rateTerm, rateDen: rateTerm },
      },
    },
  },
  response: paymentAnswers,
} as const satisfies FastifySchema;

const txParams = {
  type: 'object',
  required: ['txId'],
  additionalProperties: false,
  properties: { txId: idSchema },
} as const;

export const getPaymentSchema = {
  tags: ['wallet'],
  summary: 'one payment (its payer, payee or merchant owner only), with its receipt when final',
  security: bearer,
  params: txParams,
  response: { 200: paymentSchema, ...errors(400, 401, 403, 404) },
} as const satisfies FastifySchema;

export const signatureSchema = {
  tags: ['wallet'],
  summary: "a browser-held key's signature over a payment it was asked to sign",
  headers: idempotencyHeaders,
  security: bearer,
  params: txParams,
  body: {
    type: 'object',
    required: ['intent', 'signature'],
    additionalProperties: false,
    properties: {
      intent: { type: 'string', maxLength: 8192 },
      signature: { type: 'string', pattern: '^[0-9a-f]{128}$' },
    },
  },
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const personalQrSchema = {
  tags: ['wallet'],
  summary: "the user's personal collection QR (static: the payer enters the amount)",
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['payload'],
      additionalProperties: false,
      properties: { payload: { type: 'string' } },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;

export const requestMoneySchema = {
  tags: ['wallet'],
  summary: 'request money: a one-time QR for an amount that pays this user',
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['amount', 'currency'],
    additionalProperties: false,
    properties: {
      ...moneySchema.properties,
      expiresInS: { type: 'integer', minimum: 1, maximum: DYNAMIC_QR_LIFETIME_MS_MAX / 1000 },
      memo: { type: 'string', maxLength: PAYMENT_MEMO_CHARS_MAX, pattern: TEXT_PATTERN },
    },
  },
  response: {
    201: {
      type: 'object',
      required: ['requestId', 'payload', 'amount', 'oneTime', 'expiresAtMs'],
      additionalProperties: false,
      properties: {
        requestId: idSchema,
        payload: { type: 'string' },
        amount: moneySchema,
        oneTime: { type: 'boolean' },
        expiresAtMs: timeMsSchema,
      },
    },
    ...errors(400, 401, 403),
  },
} as const satisfies FastifySchema;

export const confirmationsSchema = {
  tags: ['wallet'],
  summary: "merchant charges of the user's pay codes waiting for the browser-held key to sign",
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: { items: { type: 'array', items: paymentSchema } },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;

// ---- merchants ----

const merchantSchema = {
  type: 'object',
  required: ['id', 'name', 'mcc', 'city', 'region', 'settlementAccountId', 'bankAccount', 'staticQr', 'createdAtMs'],
  additionalProperties: false,
  properties: {
    id: idSchema,
    name: { type: 'string' },
    mcc: { type: 'string' },
    city: { type: 'string' },
    region: { type: 'string' },
    settlementAccountId: idSchema,
    bankAccount: { type: 'string', description: "the merchant's account at its bank, where payouts go" },
    staticQr: { type: 'string', description: 'EMVCo payload of the printed QR (payer enters the amount)' },
    createdAtMs: timeMsSchema,
  },
} as const;

const merchantParams = {
  type: 'object',
  required: ['merchantId'],
  additionalProperties: false,
  properties: { merchantId: idSchema },
} as const;

const nameText = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: TEXT_PATTERN }) as const;

export const createMerchantSchema = {
  tags: ['merchants'],
  summary: 'onboard a merchant: opens its settlement account on the ledger',
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['name', 'mcc', 'city', 'region', 'bankAccount'],
    additionalProperties: false,
    properties: {
      bankAccount: {
        type: 'string',
        pattern: MERCHANT_BANK_ACCOUNT_PATTERN.source,
        description: "the merchant's account at its bank (6..34 letters, digits, spaces or dashes)",
      },
      name: nameText(MERCHANT_NAME_CHARS_MAX),
      mcc: { type: 'string', pattern: '^[0-9]{4}$', description: 'ISO 18245 merchant category code' },
      city: nameText(MERCHANT_CITY_CHARS_MAX),
      region: nameText(MERCHANT_REGION_CHARS_MAX),
    },
  },
  response: { 201: merchantSchema, ...errors(400, 401, 403, 409, 503) },
} as const satisfies FastifySchema;

export const listMerchantsSchema = {
  tags: ['merchants'],
  summary: "the current user's merchants",
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: { items: { type: 'array', items: merchantSchema } },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;

export const getMerchantSchema = {
  tags: ['merchants'],
  summary: 'one of my merchants',
  security: bearer,
  params: merchantParams,
  response: { 200: merchantSchema, ...errors(400, 401, 403, 404) },
} as const satisfies FastifySchema;

export const dynamicQrSchema = {
  tags: ['merchants'],
  summary: 'a dynamic QR for one amount, optionally one-time, expiring',
  headers: idempotencyHeaders,
  security: bearer,
  params: merchantParams,
  body: {
    type: 'object',
    required: ['amount', 'currency'],
    additionalProperties: false,
    properties: {
      ...moneySchema.properties,
      oneTime: { type: 'boolean' },
      expiresInS: { type: 'integer', minimum: 1, maximum: DYNAMIC_QR_LIFETIME_MS_MAX / 1000 },
    },
  },
  response: {
    201: {
      type: 'object',
      required: ['requestId', 'payload', 'amount', 'oneTime', 'expiresAtMs'],
      additionalProperties: false,
      properties: {
        requestId: idSchema,
        payload: { type: 'string' },
        amount: moneySchema,
        oneTime: { type: 'boolean' },
        expiresAtMs: timeMsSchema,
      },
    },
    ...errors(400, 401, 403, 404),
  },
} as const satisfies FastifySchema;

export const chargeSchema = (summary: string, hold: boolean) =>
  ({
    tags: ['merchants'],
    summary,
    headers: idempotencyHeaders,
    security: bearer,
    params: merchantParams,
    body: {
      type: 'object',
      required: ['payCode', 'amount', 'currency'],
      additionalProperties: false,
      properties: {
        payCode: { type: 'string', maxLength: 64 },
        ...moneySchema.properties,
        ...(hold ? { expiresInS: { type: 'integer', minimum: 60, maximum: 30 * 24 * 3600 } } : {}),
      },
    },
    response: paymentAnswers,
  }) as const satisfies FastifySchema;

export const payoutSchema = {
  tags: ['merchants'],
  summary: "pay the merchant's settlement balance out to its bank account (burned on the ledger, credited by the bank)",
  headers: idempotencyHeaders,
  security: bearer,
  params: merchantParams,
  body: moneyBody,
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const captureSchema = {
  tags: ['merchants'],
  summary: 'capture up to the authorized amount',
  headers: idempotencyHeaders,
  security: bearer,
  params: txParams,
  body: moneyBody,
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const voidSchema = {
  tags: ['merchants'],
  summary: 'release an authorization',
  headers: idempotencyHeaders,
  security: bearer,
  params: txParams,
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const refundSchema = {
  tags: ['merchants'],
  summary: 'refund a payment, fully or partly; never above what was paid over all refunds',
  headers: idempotencyHeaders,
  security: bearer,
  params: txParams,
  body: moneyBody,
  response: paymentAnswers,
} as const satisfies FastifySchema;

export const merchantPaymentsSchema = {
  tags: ['merchants'],
  summary: "a merchant's payments, newest first",
  security: bearer,
  params: merchantParams,
  querystring: pageQuery,
  response: { 200: paymentPage, ...errors(400, 401, 403, 404) },
} as const satisfies FastifySchema;

export const merchantSummarySchema = {
  tags: ['merchants'],
  summary: "today's takings (the ledger's day)",
  security: bearer,
  params: merchantParams,
  response: {
    200: {
      type: 'object',
      required: ['day', 'count', 'gross', 'refunded', 'net'],
      additionalProperties: false,
      properties: {
        day: { type: 'string' },
        count: { type: 'integer' },
        gross: moneySchema,
        refunded: moneySchema,
        net: moneySchema,
      },
    },
    ...errors(400, 401, 403, 404),
  },
} as const satisfies FastifySchema;

export const putWebhookSchema = {
  tags: ['merchants'],
  summary: "set the merchant's webhook URL; answers a new signing secret, shown only here",
  security: bearer,
  params: merchantParams,
  body: {
    type: 'object',
    required: ['url'],
    additionalProperties: false,
    properties: {
      url: { type: 'string', minLength: 8, maxLength: WEBHOOK_URL_CHARS_MAX, pattern: '^https?://[^\\s]+$' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['url', 'secret'],
      additionalProperties: false,
      properties: {
        url: { type: 'string' },
        secret: { type: 'string', description: 'HMAC-SHA256 key of Paychain-Signature, base64url' },
      },
    },
    ...errors(400, 401, 403, 404),
  },
} as const satisfies FastifySchema;

export const getWebhookSchema = {
  tags: ['merchants'],
  summary: "the merchant's webhook URL (never its secret)",
  security: bearer,
  params: merchantParams,
  response: {
    200: {
      type: 'object',
      required: ['url', 'updatedAtMs'],
      additionalProperties: false,
      properties: { url: { type: 'string' }, updatedAtMs: timeMsSchema },
    },
    ...errors(400, 401, 403, 404),
  },
} as const satisfies FastifySchema;

export const deleteWebhookSchema = {
  tags: ['merchants'],
  summary: "remove the merchant's webhook",
  security: bearer,
  params: merchantParams,
  response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) },
} as const satisfies FastifySchema;

// ---- ops ----

export const freezeSchema = (summary: string) =>
  ({
    tags: ['ops'],
    summary,
    headers: idempotencyHeaders,
    security: bearer,
    params: {
      type: 'object',
      required: ['accountId'],
      additionalProperties: false,
      properties: { accountId: idSchema },
    },
    body: {
      type: 'object',
      required: ['reason'],
      additionalProperties: false,
      properties: { reason: { type: 'string', minLength: 1, maxLength: 200, pattern: TEXT_PATTERN } },
    },
    response: {
      200: {
        type: 'object',
        required: ['accountId', 'frozen', 'txId'],
        additionalProperties: false,
        properties: { accountId: idSchema, frozen: { type: 'boolean' }, txId: idSchema },
      },
      ...errors(400, 401, 403, 404, 422, 503),
    },
  }) as const satisfies FastifySchema;

export const kycSchema = {
  tags: ['ops'],
  summary: "set a user's KYC class after verification (I, II or III): on chain, signed by the issuer",
  headers: idempotencyHeaders,
  security: bearer,
  body: {
    type: 'object',
    required: ['phone', 'tier'],
    additionalProperties: false,
    properties: { phone: phoneSchema, tier: { type: 'integer', enum: [1, 2, 3] } },
  },
  response: { 200: userViewSchema, ...errors(400, 401, 403, 404, 422, 503) },
} as const satisfies FastifySchema;

export const peersSchema = {
  tags: ['ops'],
  summary: 'the peers this node runs, with heights and certificates',
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['org', 'height', 'certifiedHeight', 'headHash'],
            additionalProperties: false,
            properties: {
              org: { type: 'string' },
              height: { type: 'string' },
              certifiedHeight: { type: 'string' },
              headHash: { type: 'string' },
            },
          },
        },
      },
    },
    ...errors(401, 403),
  },
} as const satisfies FastifySchema;
