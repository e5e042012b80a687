/**
 * The gateway's HTTP API under `/v1` (fastify): users, sessions and devices here; wallet, merchant and ops routes in
 * `payment-routes.ts` (the whole list: docs/gateway-api.md).
 *
 *   POST   /v1/users                   sign up (phone + password + key mode); opens the wallet's ledger account
 *   POST   /v1/sessions                log in (phone + password + deviceId); returns the token once
 *   DELETE /v1/sessions/current        log out
 *   GET    /v1/me                      the current user
 *   GET    /v1/me/devices              the current user's devices
 *   DELETE /v1/me/devices/:deviceId    revoke a device and its sessions
 *   GET    /v1/openapi.json            the OpenAPI document, generated from the route schemas
 *
 * Errors have one shape and one status table (`api-errors.ts`); fastify's own errors (404, 413, 415, validation)
 * are mapped into it, and nothing of an unexpected error's message or stack reaches a client. Time comes from the
 * injected `clock`; the app reads no other clock. The database belongs to the caller, who closes it.
 */
import { randomBytes } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import { assert } from '@paychain/core';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, fastify } from 'fastify';
import type { GatewayAnalytics } from '../analytics/gateway-analytics.ts';
import { type NewPasskey, PasskeyCeremonies, type PasskeyConfig } from '../auth/passkeys.ts';
import { checkNewPassword, hashPassword, verifyPassword } from '../auth/password.ts';
import { createSessionToken, isSessionToken, sessionTokenHash } from '../auth/tokens.ts';
import {
  DEVICE_LABEL_CHARS_MAX,
  type GatewayDb,
  GatewayDbError,
  type KeyMode,
  type Session,
  type User,
} from '../db/gateway-db.ts';
import type { EngineRiskControl } from '../service/engine-risk-control.ts';
import type { PaymentService } from '../service/payment-service.ts';
import type { ProgramService } from '../service/program-service.ts';
import { registerAnalyticsRoutes } from './analytics-routes.ts';
import {
  type ErrorResponse,
  errorBody,
  errorResponse,
  GATEWAY_API_ERROR_STATUS,
  GatewayApiError,
  passwordProblemMessage,
} from './api-errors.ts';
import type { LiveFeed } from './live-feed.ts';
import { type RouteContext, registerPaymentRoutes } from './payment-routes.ts';
import { registerProgramRoutes } from './program-routes.ts';
import { FixedWindowLimiter } from './rate-limiter.ts';
import { REQUEST_HASH_SECRET_BYTES, requestHash } from './request-hash.ts';
import { registerRiskRoutes } from './risk-routes.ts';
import {
  getMeSchema,
  IDEMPOTENCY_KEY_PATTERN,
  listDevicesSchema,
  logInSchema,
  logOutSchema,
  openApiDocument,
  openApiSchema,
  passkeyOptionsSchema,
  revokeDeviceSchema,
  signUpSchema,
  stepUpSchema,
} from './schemas.ts';
import { deviceToJson, userToJson } from './views.ts';

/** Request bodies are small JSON objects; anything larger is refused with 413 before it is parsed. */
export const BODY_BYTES_MAX = 16 * 1024;
/** A session lives 30 days from log-in (or until logout or device revocation). */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
export const RATE_WINDOW_MS_DEFAULT = 15 * 60 * 1000;
/** Failed log-ins per phone number per window (counted for unknown numbers too, so nothing is revealed). */
export const LOGIN_FAILURES_PER_PHONE_MAX_DEFAULT = 10;
/** Log-in attempts, failed or not, per client IP per window. */
export const LOGIN_ATTEMPTS_PER_IP_MAX_DEFAULT = 100;
/** Money-moving and other POSTs per user per window (a phone's worth of taps; a merchant's till is faster). */
export const POSTS_PER_USER_MAX_DEFAULT = 600;
/** Pay codes a merchant may try that match nothing, per window: guessing codes is refused long before it could pay. */
export const PAY_CODE_MISSES_PER_MERCHANT_MAX_DEFAULT = 30;
/** The window of the two limits above. */
export const USER_RATE_WINDOW_MS_DEFAULT = 60_000;
/** Phones and IPs tracked by each limiter at most. */
export const RATE_KEYS_MAX_DEFAULT = 100_000;
/** A device bound at log-in without a label gets this one. */
const DEVICE_LABEL_DEFAULT = 'unnamed device';

export interface GatewayRateLimitOptions {
  readonly windowMs?: number;
  readonly loginFailuresPerPhoneMax?: number;
  readonly loginAttemptsPerIpMax?: number;
  readonly keysMax?: number;
  /** POSTs per user per `userWindowMs`. */
  readonly postsPerUserMax?: number;
  /** Pay codes that match nothing, per merchant per `userWindowMs`. */
  readonly payCodeMissesPerMerchantMax?: number;
  readonly userWindowMs?: number;
}

export interface GatewayAppOptions {
  readonly db: GatewayDb;
  /** The money side: the ledger, the bank, keys. Its clock should be the app's. */
  readonly payments: PaymentService;
  /** ms since the epoch; default `Date.now`. */
  readonly clock?: () => number;
  readonly rateLimit?: GatewayRateLimitOptions;
  /**
   * Key of the idempotency request hash (REQUEST_HASH_SECRET_BYTES bytes). Every replica and restart must use the
   * same one, or a retry after a restart is answered 409 instead of replayed; default: random per app.
   */
  readonly requestHashSecret?: Uint8Array;
  /** Log requests and unexpected errors with fastify's logger (pino). Default false. */
  readonly logger?: boolean;
  /** Passkeys' relying party; without it, sign-up and log-in are by password only. */
  readonly passkeys?: PasskeyConfig;
  /** Merchants' live payment feeds (SSE); without it the events route is not served. */
  readonly feed?: LiveFeed;
  /** Risk control's rules and queues for the ops console; without it those routes are not served. */
  readonly risk?: EngineRiskControl;
  /** The warehouse's dashboards, AML cases and reports; without it those routes are not served. */
  readonly analytics?: GatewayAnalytics;
  /** Purpose-bound programs this gateway funds; without it those routes are not served. */
  readonly programs?: ProgramService;
}

interface Authenticated {
  readonly user: User;
  readonly session: Session;
}

/** What a handler answers: the status and the JSON value of the body. */
interface HandlerResult {
  readonly status: number;
  readonly body: unknown;
}

/** The gateway on a server of its own (tests, or a gateway apart from the peers). */
export function createGatewayApp(options: GatewayAppOptions): FastifyInstance {
  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_BYTES_MAX,
    // No coercion: `{"phone": 86138…}` is a type error, not a string. Unknown body fields are refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply
      .code(GATEWAY_API_ERROR_STATUS.not_found)
      .send(errorBody('not_found', `no route ${request.method} ${path}`, { method: request.method, path }));
  });
  app.register(fastifySwagger, { openapi: openApiDocument() });
  app.register(gatewayPlugin(options));
  app.register(async (scope) => {
    scope.get('/v1/openapi.json', { schema: openApiSchema }, async () => scope.swagger());
  });
  return app;
}

/**
 * The gateway's routes as a fastify plugin with its own error handler and body limit, for a server that also
 * serves other routes (the peer API on the same port, `paychain start`). The host server must not coerce types.
 */
export function gatewayPlugin(options: GatewayAppOptions): (app: FastifyInstance) => Promise<void> {
  const { db, payments } = options;
  const passkeys = options.passkeys === undefined ? null : new PasskeyCeremonies(options.passkeys);
  const clock = options.clock ?? Date.now;
  const secret = options.requestHashSecret ?? randomBytes(REQUEST_HASH_SECRET_BYTES);
  assert(secret.length === REQUEST_HASH_SECRET_BYTES, `requestHashSecret is ${REQUEST_HASH_SECRET_BYTES} bytes`);
  const windowMs = options.rateLimit?.windowMs ?? RATE_WINDOW_MS_DEFAULT;
  const keysMax = options.rateLimit?.keysMax ?? RATE_KEYS_MAX_DEFAULT;
  const phoneFailures = new FixedWindowLimiter({
    hitsMax: options.rateLimit?.loginFailuresPerPhoneMax ?? LOGIN_FAILURES_PER_PHONE_MAX_DEFAULT,
    windowMs,
    keysMax,
  });
  const ipAttempts = new FixedWindowLimiter({
    hitsMax: options.rateLimit?.loginAttemptsPerIpMax ?? LOGIN_ATTEMPTS_PER_IP_MAX_DEFAULT,
    windowMs,
    keysMax,
  });
  const userWindowMs = options.rateLimit?.userWindowMs ?? USER_RATE_WINDOW_MS_DEFAULT;
  const userPosts = new FixedWindowLimiter({
    hitsMax: options.rateLimit?.postsPerUserMax ?? POSTS_PER_USER_MAX_DEFAULT,
    windowMs: userWindowMs,
    keysMax,
  });
  const payCodeMisses = new FixedWindowLimiter({
    hitsMax: options.rateLimit?.payCodeMissesPerMerchantMax ?? PAY_CODE_MISSES_PER_MERCHANT_MAX_DEFAULT,
    windowMs: userWindowMs,
    keysMax,
  });
  const now = (): number => {
    const ms = clock();
    assert(Number.isSafeInteger(ms) && ms >= 0, 'the clock gives whole ms since the epoch');
    return ms;
  };

  // Verifying against this hash when the phone is unknown costs the same scrypt work as a real check.
  let decoyHash: Promise<string> | null = null;
  const decoyPasswordHash = (): Promise<string> => {
    decoyHash ??= hashPassword(randomBytes(18).toString('base64url'));
    return decoyHash;
  };

  /** The session and user of the request's bearer token, or 401 `unauthenticated` (403 for a frozen user). */
  async function authenticate(request: FastifyRequest, allowFrozen = false): Promise<Authenticated> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
    return authenticateToken(match?.[1], allowFrozen);
  }

  async function authenticateToken(token: string | undefined, allowFrozen = false): Promise<Authenticated> {
    const refuse = (): GatewayApiError =>
      new GatewayApiError('unauthenticated', 'a valid session token is required (Authorization: Bearer <token>)');
    if (token === undefined || !isSessionToken(token)) throw refuse();
    const session = await db.findSession(sessionTokenHash(token), now());
    if (session === null) throw refuse();
    const user = await db.getUserById(session.userId);
    if (user === null) throw refuse();
    if (user.status === 'frozen' && !allowFrozen) throw new GatewayApiError('user_frozen', 'this user is frozen');
    return { user, session };
  }

  /**
   * Runs an effectful POST at most once per (scope, Idempotency-Key): the first answer (a 2xx or 4xx) is stored and
   * sent again byte for byte to a retry with the same body; another body gets 409 `idempotency_conflict`, a retry
   * while the first is running 409 `idempotency_in_progress`. A 5xx releases the key so a retry runs anew.
   */
  async function idempotent(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    handler: () => Promise<HandlerResult>,
  ): Promise<FastifyReply> {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !new RegExp(IDEMPOTENCY_KEY_PATTERN).test(key)) {
      throw new GatewayApiError('bad_request', 'an Idempotency-Key header of 1..255 printable ASCII is required', {
        in: 'headers',
        field: 'idempotency-key',
      });
    }
    const path = request.url.split('?')[0] ?? '';
    const hash = requestHash(secret, request.method, path, request.body);
    const claim = await db.claimIdempotencyKey(scope, key, hash, now());
    if (claim === 'conflict') {
      throw new GatewayApiError('idempotency_conflict', 'this Idempotency-Key was used with another request');
    }
    if (claim === 'in_progress') {
      throw new GatewayApiError('idempotency_in_progress', 'a request with this Idempotency-Key is still running');
    }
    if (claim !== 'new') return sendJsonText(reply, claim.replay.httpStatus, claim.replay.body, { replayed: true });
    let result: { readonly status: number; readonly text: string; readonly headers: Readonly<Record<string, string>> };
    try {
      const answered = await handler();
      result = { status: answered.status, text: JSON.stringify(answered.body), headers: {} };
    } catch (error: unknown) {
      if (error instanceof GatewayApiError && error.code === 'step_up_required') {
        // Not a final answer: the same request, retried with a step-up token, must run rather than replay this.
        await db.releaseIdempotencyKey(scope, key, hash);
        throw error;
      }
      const failed = errorResponse(error, request, BODY_BYTES_MAX);
      result = { status: failed.status, text: JSON.stringify(failed.body), headers: failed.headers };
    }
    if (result.status >= 500) {
      await db.releaseIdempotencyKey(scope, key, hash);
    } else {
      const stored = await db.completeIdempotencyKey(
        scope,
        key,
        hash,
        { httpStatus: result.status, body: result.text },
        now(),
      );
      assert(stored, 'a claimed idempotency key is completed once');
    }
    return sendJsonText(reply, result.status, result.text, { replayed: false, headers: result.headers });
  }

  return async (app) => {
    app.setErrorHandler((error: unknown, request, reply) =>
      sendError(reply, errorResponse(error, request, BODY_BYTES_MAX)),
    );
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= BODY_BYTES_MAX;
    });
    app.register(async (scope) => {
      scope.post<{
        Body: {
          phone: string;
          password?: string;
          passkey?: RegistrationResponseJSON;
          keyMode?: KeyMode;
          publicKey?: string;
        };
      }>('/v1/users', { schema: signUpSchema }, async (request, reply) => {
        const { phone, password, passkey, publicKey } = request.body;
        const keyMode = request.body.keyMode ?? 'custodial';
        if ((password === undefined) === (passkey === undefined)) {
          throw new GatewayApiError('bad_request', 'sign up with a password or with a passkey: exactly one of them', {
            in: 'body',
            field: password === undefined ? 'password' : 'passkey',
          });
        }
        return idempotent(request, reply, `phone:${phone}`, async () => {
          let passwordHash: string | null = null;
          let newPasskey: NewPasskey | null = null;
          if (password !== undefined) {
            const problem = checkNewPassword(password);
            if (problem !== null) {
              throw new GatewayApiError('password_invalid', passwordProblemMessage(problem), { reason: problem });
            }
          }
          // Checked first only to spare the scrypt work; the unique constraint below decides a race.
          if ((await db.getUserByPhone(phone)) !== null) throw phoneTaken();
          if (password !== undefined) passwordHash = await hashPassword(password);
          if (passkey !== undefined) {
            newPasskey = passkeys === null ? null : await passkeys.verifyRegistration(phone, passkey, now());
            if (newPasskey === null) throw passkeyInvalid(passkeys === null);
          }
          let user: User;
          try {
            user = await payments.openWallet({ phone, passwordHash, keyMode, publicKey });
          } catch (error: unknown) {
            if (error instanceof GatewayDbError && error.code === 'db_phone_taken') throw phoneTaken();
            throw error;
          }
          if (newPasskey !== null) await db.addPasskey({ ...newPasskey, userId: user.id, createdAtMs: now() });
          return { status: 201, body: userToJson(user, payments) };
        });
      });

      scope.post<{ Body: { phone: string } }>(
        '/v1/passkeys/registration-options',
        { schema: passkeyOptionsSchema('the options to create a passkey for signing up with this phone number') },
        async (request, reply) => {
          const { phone } = request.body;
          if (passkeys === null) throw passkeyInvalid(true);
          refuseIfLimited(ipAttempts.hit(`ip:${request.ip}`, now()));
          if ((await db.getUserByPhone(phone)) !== null) throw phoneTaken();
          reply.header('cache-control', 'no-store');
          return passkeys.registrationOptions(phone, now());
        },
      );

      scope.post<{ Body: { phone: string } }>(
        '/v1/passkeys/authentication-options',
        { schema: passkeyOptionsSchema("the options to sign in with one of this phone number's passkeys") },
        async (request, reply) => {
          const { phone } = request.body;
          if (passkeys === null) throw passkeyInvalid(true);
          refuseIfLimited(ipAttempts.hit(`ip:${request.ip}`, now()));
          const user = await db.getUserByPhone(phone);
          reply.header('cache-control', 'no-store');
          return passkeys.authenticationOptions(phone, user === null ? [] : await db.listPasskeys(user.id), now());
        },
      );

      scope.post<{
        Body: {
          phone: string;
          password?: string;
          passkey?: AuthenticationResponseJSON;
          deviceId: string;
          deviceLabel?: string;
        };
      }>(
        '/v1/sessions',
        { schema: logInSchema },
        // Not idempotent by key: its answer is a secret token, which must not be stored to be replayed. A retry opens
        // another session.
        async (request, reply) => {
          const { phone, password, passkey, deviceId } = request.body;
          if ((password === undefined) === (passkey === undefined)) {
            throw new GatewayApiError('bad_request', 'log in with a password or with a passkey: exactly one of them', {
              in: 'body',
              field: password === undefined ? 'password' : 'passkey',
            });
          }
          const label = request.body.deviceLabel ?? DEVICE_LABEL_DEFAULT;
          if (label.length > DEVICE_LABEL_CHARS_MAX) {
            throw new GatewayApiError('bad_request', `deviceLabel is at most ${DEVICE_LABEL_CHARS_MAX} UTF-16 units`, {
              in: 'body',
              field: 'deviceLabel',
            });
          }
          const startMs = now();
          refuseIfLimited(ipAttempts.hit(`ip:${request.ip}`, startMs));
          refuseIfLimited(phoneFailures.check(phone, startMs));
          const user = await db.getUserByPhone(phone);
          let verified = false;
          if (password !== undefined) {
            verified = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
          } else if (passkey !== undefined && passkeys !== null && user !== null) {
            const stored = await db.getPasskey(passkey.id.slice(0, 1366));
            const counter =
              stored === null || stored.userId !== user.id
                ? null
                : await passkeys.verifyAuthentication(phone, stored, passkey, now());
            if (stored !== null && counter !== null) {
              await db.setPasskeyCounter(stored.credentialId, counter);
              verified = true;
            }
          }
          if (user === null || !verified) {
            phoneFailures.hit(phone, now());
            throw new GatewayApiError('credentials_invalid', 'the phone number or the password is wrong');
          }
          phoneFailures.reset(phone);
          if (user.status === 'frozen') throw new GatewayApiError('user_frozen', 'this user is frozen');
          const nowMs = now();
          const { token, tokenHash } = createSessionToken();
          const expiresAtMs = nowMs + SESSION_LIFETIME_MS;
          const bound = await db.transaction(async (tx) => {
            const binding = await tx.bindDevice({
              userId: user.id,
              deviceId,
              label,
              publicKey: null,
              boundAtMs: nowMs,
            });
            await tx.createSession({ tokenHash, userId: user.id, deviceId, createdAtMs: nowMs, expiresAtMs });
            return binding;
          });
          reply.code(201).header('cache-control', 'no-store');
          return {
            token,
            tokenType: 'Bearer',
            expiresAtMs,
            user: userToJson(user, payments),
            deviceNewlyBound: bound === 'bound',
          };
        },
      );

      scope.delete('/v1/sessions/current', { schema: logOutSchema }, async (request, reply) => {
        const { session } = await authenticate(request, true);
        await db.revokeSession(session.tokenHash, now());
        return reply.code(204).send();
      });

      scope.get('/v1/me', { schema: getMeSchema }, async (request) => {
        const { user } = await authenticate(request);
        return userToJson(user, payments);
      });

      scope.post<{ Body: { password?: string; passkey?: AuthenticationResponseJSON } }>(
        '/v1/me/step-up',
        { schema: stepUpSchema },
        async (request, reply) => {
          const { user } = await authenticate(request);
          const { password, passkey } = request.body;
          if ((password === undefined) === (passkey === undefined)) {
            throw new GatewayApiError('bad_request', 'step up with a password or with a passkey: exactly one of them', {
              in: 'body',
              field: password === undefined ? 'password' : 'passkey',
            });
          }
          // The same failure limit as log-in: a stolen session must not become a password oracle.
          refuseIfLimited(phoneFailures.check(user.phone, now()));
          let verified = false;
          if (password !== undefined) {
            verified = await verifyPassword(password, user.passwordHash ?? (await decoyPasswordHash()));
          } else if (passkey !== undefined && passkeys !== null) {
            const stored = await db.getPasskey(passkey.id.slice(0, 1366));
            const counter =
              stored === null || stored.userId !== user.id
                ? null
                : await passkeys.verifyAuthentication(user.phone, stored, passkey, now());
            if (stored !== null && counter !== null) {
              await db.setPasskeyCounter(stored.credentialId, counter);
              verified = true;
            }
          }
          if (!verified) {
            phoneFailures.hit(user.phone, now());
            // 403, not 401: the session is still good, only this proof failed.
            throw new GatewayApiError('step_up_failed', 'the password or passkey did not verify');
          }
          phoneFailures.reset(user.phone);
          const { token, expiresAtMs } = payments.stepUps.issue(user.id, now());
          reply.code(201).header('cache-control', 'no-store');
          return { stepUpToken: token, expiresAtMs };
        },
      );

      scope.get('/v1/me/devices', { schema: listDevicesSchema }, async (request) => {
        const { user } = await authenticate(request);
        return { items: (await db.listDevices(user.id)).map(deviceToJson) };
      });

      scope.delete<{ Params: { deviceId: string } }>(
        '/v1/me/devices/:deviceId',
        { schema: revokeDeviceSchema },
        async (request, reply) => {
          const { user } = await authenticate(request);
          const { deviceId } = request.params;
          if (!(await db.revokeDevice(user.id, deviceId, now()))) {
            throw new GatewayApiError('device_not_found', 'no bound device with this id', { deviceId });
          }
          return reply.code(204).send();
        },
      );

      const routeContext: RouteContext = {
        db,
        payments,
        now,
        authenticate: (request) => authenticate(request),
        authenticateToken: (token) => authenticateToken(token),
        idempotent,
        feed: options.feed ?? null,
        programs: options.programs ?? null,
        limitUserPost: (userId) => refuseIfLimited(userPosts.hit(userId, now()), 'too many requests, retry later'),
        payCodeMisses: {
          check: (merchantId) =>
            refuseIfLimited(payCodeMisses.check(merchantId, now()), 'too many unknown pay codes, retry later'),
          hit: (merchantId) => {
            payCodeMisses.hit(merchantId, now());
          },
        },
      };
      registerPaymentRoutes(scope, routeContext);
      if (options.risk !== undefined) registerRiskRoutes(scope, routeContext, options.risk);
      if (options.analytics !== undefined) registerAnalyticsRoutes(scope, routeContext, options.analytics);
      if (options.programs !== undefined) registerProgramRoutes(scope, routeContext, options.programs);
    });
  };
}

function passkeyInvalid(notConfigured: boolean): GatewayApiError {
  return notConfigured
    ? new GatewayApiError('passkey_invalid', 'passkeys are not set up on this server (it needs a public host name)')
    : new GatewayApiError('passkey_invalid', 'the passkey did not verify, or its ceremony expired: start again');
}

function phoneTaken(): GatewayApiError {
  return new GatewayApiError('phone_taken', 'a user with this phone number exists');
}

function refuseIfLimited(
  check: { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number },
  message = 'too many log-in attempts, retry later',
): void {
  if (check.ok) return;
  const retryAfterS = Math.max(1, Math.ceil(check.retryAfterMs / 1000));
  throw new GatewayApiError('rate_limited', message, { retryAfterS }, { 'retry-after': String(retryAfterS) });
}

function sendError(reply: FastifyReply, response: ErrorResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** Sends JSON text as is: what is stored for a replay is exactly what went out. */
function sendJsonText(
  reply: FastifyReply,
  status: number,
  text: string,
  options: { readonly replayed: boolean; readonly headers?: Readonly<Record<string, string>> },
): FastifyReply {
  return reply
    .code(status)
    .headers(options.headers ?? {})
    .header('idempotent-replayed', String(options.replayed))
    .type('application/json; charset=utf-8')
    .send(text);
}
