/**
 * JSON schemas of the gateway API's routes. Fastify validates requests with them (no type coercion, unknown body
 * fields refused) and serializes responses with them; @fastify/swagger turns the same objects into the OpenAPI 3.1
 * document at `/v1/openapi.json`, so the document cannot drift from what the server does.
 */
import type { FastifySchema } from 'fastify';
import { PASSWORD_CHARS_MAX } from '../auth/password.ts';
import {
  DEVICE_LABEL_CHARS_MAX,
  IDEMPOTENCY_KEY_CHARS_MAX,
  KEY_MODES,
  KYC_TIERS,
  USER_ROLES,
  USER_STATUSES,
} from '../db/gateway-db.ts';
import { GATEWAY_API_ERROR_CODES } from './api-errors.ts';

export const OPENAPI_VERSION = '3.1.0';
/** E.164: `+`, then 2–15 digits, the first not 0 (the database checks the same). */
export const PHONE_PATTERN = '^\\+[1-9][0-9]{1,14}$';
export const ID_PATTERN = '^[0-9a-f]{32}$';
/** 1..255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = `^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_CHARS_MAX}}$`;
/** No control characters (a device label, a memo, a reason). */
export const TEXT_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
/** A password's text is bounded here too, so a huge one is refused before scrypt sees it. */
const PASSWORD_SCHEMA_CHARS_MAX = PASSWORD_CHARS_MAX * 2;

export const phoneSchema = {
  type: 'string',
  pattern: PHONE_PATTERN,
  description: 'E.164 phone number, e.g. +8613800138000',
};
export const idSchema = { type: 'string', pattern: ID_PATTERN, description: '128-bit id: 32 lowercase hex characters' };
/** An answer whose shape the route's documentation describes in prose (rule sets, dashboards). */
export const anyObjectSchema = { type: 'object', additionalProperties: true } as const;
export const timeMsSchema = { type: 'integer', minimum: 0, description: 'ms since the Unix epoch' };

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: GATEWAY_API_ERROR_CODES },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

export const moneySchema = {
  type: 'object',
  required: ['amount', 'currency'],
  additionalProperties: false,
  properties: {
    amount: { type: 'string', maxLength: 40, description: 'decimal string in major units, e.g. "12.34"' },
    currency: { type: 'string', maxLength: 16, description: 'asset id, e.g. CNY' },
  },
} as const;

export const nullableMoney = { anyOf: [moneySchema, { type: 'null' }] } as const;

export const userViewSchema = {
  type: 'object',
  required: [
    'id',
    'phone',
    'kycTier',
    'keyMode',
    'publicKey',
    'ledgerAccountId',
    'status',
    'role',
    'createdAtMs',
    'limits',
  ],
  additionalProperties: false,
  properties: {
    id: idSchema,
    phone: phoneSchema,
    kycTier: { type: 'integer', enum: KYC_TIERS, description: 'KYC class I, II or III' },
    keyMode: { type: 'string', enum: KEY_MODES },
    publicKey: { type: 'string', description: 'the wallet key that owns the ledger account, hex' },
    ledgerAccountId: idSchema,
    status: { type: 'string', enum: USER_STATUSES },
    role: { type: 'string', enum: USER_ROLES },
    createdAtMs: timeMsSchema,
    limits: {
      type: 'object',
      required: ['perPayment', 'perDay'],
      additionalProperties: false,
      properties: { perPayment: nullableMoney, perDay: nullableMoney },
    },
  },
} as const;

const deviceSchema = {
  type: 'object',
  required: ['deviceId', 'label', 'boundAtMs', 'revokedAtMs'],
  additionalProperties: false,
  properties: {
    deviceId: idSchema,
    label: { type: 'string' },
    boundAtMs: timeMsSchema,
    revokedAtMs: { type: ['integer', 'null'], minimum: 0 },
  },
} as const;

export const idempotencyHeaders = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': {
      type: 'string',
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description: 'same key and body: the first response again; same key, other body: 409',
    },
  },
} as const;

export const bearer = [{ bearer: [] }];

export function errors(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema]));
}

export const signUpSchema = {
  tags: ['users'],
  summary: 'sign up by phone number, with a password or a passkey; opens the wallet account on the ledger',
  headers: idempotencyHeaders,
  body: {
    type: 'object',
    required: ['phone'],
    additionalProperties: false,
    properties: {
      phone: phoneSchema,
      password: { type: 'string', maxLength: PASSWORD_SCHEMA_CHARS_MAX },
      passkey: {
        type: 'object',
        additionalProperties: true,
        description: 'the RegistrationResponseJSON of navigator.credentials.create with the registration options',
      },
      keyMode: {
        type: 'string',
        enum: KEY_MODES,
        description: 'custodial (default): the gateway keeps the wallet key sealed; browser: the device keeps it',
      },
      publicKey: { type: 'string', maxLength: 200, description: 'with keyMode browser: the public key, hex' },
    },
  },
  response: { 201: userViewSchema, ...errors(400, 409, 413, 415, 500, 503) },
} as const satisfies FastifySchema;

export const logInSchema = {
  tags: ['sessions'],
  summary: 'log in: binds the device if new and returns a session token, shown once',
  body: {
    type: 'object',
    required: ['phone', 'deviceId'],
    additionalProperties: false,
    properties: {
      phone: phoneSchema,
      password: { type: 'string', maxLength: PASSWORD_SCHEMA_CHARS_MAX },
      passkey: {
        type: 'object',
        required: ['id'],
        additionalProperties: true,
        properties: { id: { type: 'string', minLength: 1, maxLength: 1366 } },
        description: 'the AuthenticationResponseJSON of navigator.credentials.get with the authentication options',
      },
      deviceId: idSchema,
      deviceLabel: { type: 'string', minLength: 1, maxLength: DEVICE_LABEL_CHARS_MAX, pattern: TEXT_PATTERN },
    },
  },
  response: {
    201: {
      type: 'object',
      required: ['token', 'tokenType', 'expiresAtMs', 'user', 'deviceNewlyBound'],
      additionalProperties: false,
      properties: {
        token: { type: 'string', description: 'the bearer token; shown only here' },
        tokenType: { type: 'string', const: 'Bearer' },
        expiresAtMs: timeMsSchema,
        user: userViewSchema,
        deviceNewlyBound: { type: 'boolean' },
      },
    },
    ...errors(400, 401, 403, 413, 415, 429, 500, 503),
  },
} as const satisfies FastifySchema;

export const stepUpSchema = {
  tags: ['sessions'],
  summary: 'prove again it is you (password or passkey) before a payment risk control asked a step-up for',
  description:
    'Answers a one-time token, good for 5 minutes: send the payment again with it in the X-Paychain-Step-Up header.',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      password: { type: 'string', maxLength: PASSWORD_SCHEMA_CHARS_MAX },
      passkey: logInSchema.body.properties.passkey,
    },
  },
  response: {
    201: {
      type: 'object',
      required: ['stepUpToken', 'expiresAtMs'],
      additionalProperties: false,
      properties: { stepUpToken: { type: 'string' }, expiresAtMs: timeMsSchema },
    },
    ...errors(400, 401, 403, 413, 415, 429, 500, 503),
  },
} as const satisfies FastifySchema;

export const logOutSchema = {
  tags: ['sessions'],
  summary: 'log out: revokes the current session',
  security: bearer,
  response: { 204: { type: 'null', description: 'logged out' }, ...errors(401, 500, 503) },
} as const satisfies FastifySchema;

export const getMeSchema = {
  tags: ['users'],
  summary: 'the current user',
  security: bearer,
  response: { 200: userViewSchema, ...errors(401, 403, 500, 503) },
} as const satisfies FastifySchema;

export const listDevicesSchema = {
  tags: ['devices'],
  summary: "the current user's devices, bound and revoked, oldest first",
  security: bearer,
  response: {
    200: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: { items: { type: 'array', items: deviceSchema } },
    },
    ...errors(401, 403, 500, 503),
  },
} as const satisfies FastifySchema;

export const revokeDeviceSchema = {
  tags: ['devices'],
  summary: 'revokes a bound device and ends its sessions',
  security: bearer,
  params: {
    type: 'object',
    required: ['deviceId'],
    additionalProperties: false,
    properties: { deviceId: idSchema },
  },
  response: { 204: { type: 'null', description: 'revoked' }, ...errors(400, 401, 403, 404, 500, 503) },
} as const satisfies FastifySchema;

export const passkeyOptionsSchema = (summary: string) =>
  ({
    tags: ['sessions'],
    summary,
    headers: idempotencyHeaders,
    body: { type: 'object', required: ['phone'], additionalProperties: false, properties: { phone: phoneSchema } },
    response: {
      200: { type: 'object', additionalProperties: true, description: 'WebAuthn options JSON (SimpleWebAuthn)' },
      ...errors(400, 409, 429),
    },
  }) as const satisfies FastifySchema;

export const openApiSchema = {
  tags: ['meta'],
  summary: 'this OpenAPI document',
  response: { 200: { type: 'object', additionalProperties: true } },
} as const satisfies FastifySchema;

export function openApiDocument() {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Paychain gateway API',
      version: '1',
      description:
        'Users, sessions and devices of the Paychain wallet gateway. Every error has the shape ' +
        '{"error": {"code", "message", "details"}}. Every POST but log-in takes an Idempotency-Key header.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http' as const, scheme: 'bearer', description: 'the token from POST /v1/sessions' },
      },
    },
    tags: [
      { name: 'users', description: 'sign-up and the current user' },
      { name: 'sessions', description: 'log in and log out' },
      { name: 'devices', description: 'bound devices' },
      { name: 'meta', description: 'this document' },
    ],
  };
}
