/**
 * The gateway API's one error shape, `{"error": {"code", "message", "details"}}`, and the one table that maps each
 * code to its HTTP status (`GATEWAY_API_ERROR_STATUS`), as in the peer API (`node/src/http-api.ts`). Every thrown
 * value — ours, fastify's, the database's — goes through `errorResponse`; only expected errors show their message,
 * anything else is logged and answered 500 `internal` (or 503 `unavailable`) with no message, stack or cause.
 */
import { assertNever } from '@paychain/core';
import { fastifyClientError } from '@paychain/node';
import type { FastifyRequest } from 'fastify';
import type { PasswordProblem } from '../auth/password.ts';
import { GatewayDbError, type GatewayDbErrorCode } from '../db/gateway-db.ts';

export type GatewayApiErrorCode =
  | 'bad_request'
  | 'interbank_cap_exceeded'
  | 'fx_quote_unavailable'
  | 'program_not_found'
  | 'program_ineligible'
  | 'program_refused'
  | 'beneficiary_unknown'
  | 'cosignature_invalid'
  | 'analytics_unavailable'
  | 'case_closed'
  | 'alert_in_case'
  | 'case_not_found'
  | 'alert_not_found'
  | 'rules_version_stale'
  | 'rules_invalid'
  | 'password_invalid'
  | 'amount_invalid'
  | 'currency_unknown'
  | 'public_key_invalid'
  | 'qr_invalid'
  | 'signature_invalid'
  | 'intent_invalid'
  | 'passkey_invalid'
  | 'unauthenticated'
  | 'credentials_invalid'
  | 'user_frozen'
  | 'account_frozen'
  | 'risk_refused'
  | 'step_up_required'
  | 'step_up_failed'
  | 'forbidden'
  | 'not_found'
  | 'device_not_found'
  | 'payee_not_found'
  | 'merchant_not_found'
  | 'payment_not_found'
  | 'pay_code_not_found'
  | 'phone_taken'
  | 'idempotency_conflict'
  | 'idempotency_in_progress'
  | 'pay_code_used'
  | 'qr_already_paid'
  | 'qr_expired'
  | 'pay_code_expired'
  | 'intent_expired'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'insufficient_funds'
  | 'kyc_limit_exceeded'
  | 'kyc_daily_limit_exceeded'
  | 'refund_exceeds_paid'
  | 'payment_not_refundable'
  | 'authorization_not_open'
  | 'bank_refused'
  | 'payment_refused'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

/** Every error code of the gateway API and its HTTP status: the one table (a missing or extra row does not compile). */
export const GATEWAY_API_ERROR_STATUS = {
  bad_request: 400,
  interbank_cap_exceeded: 422,
  fx_quote_unavailable: 409,
  program_not_found: 404,
  program_ineligible: 422,
  program_refused: 422,
  beneficiary_unknown: 400,
  cosignature_invalid: 400,
  analytics_unavailable: 503,
  case_closed: 409,
  alert_in_case: 409,
  case_not_found: 404,
  alert_not_found: 404,
  rules_version_stale: 409,
  rules_invalid: 400,
  password_invalid: 400,
  amount_invalid: 400,
  currency_unknown: 400,
  public_key_invalid: 400,
  qr_invalid: 400,
  signature_invalid: 400,
  intent_invalid: 400,
  passkey_invalid: 400,
  unauthenticated: 401,
  credentials_invalid: 401,
  user_frozen: 403,
  account_frozen: 403,
  risk_refused: 403,
  step_up_required: 403,
  step_up_failed: 403,
  forbidden: 403,
  not_found: 404,
  device_not_found: 404,
  payee_not_found: 404,
  merchant_not_found: 404,
  payment_not_found: 404,
  pay_code_not_found: 404,
  phone_taken: 409,
  idempotency_conflict: 409,
  idempotency_in_progress: 409,
  pay_code_used: 409,
  qr_already_paid: 409,
  qr_expired: 410,
  pay_code_expired: 410,
  intent_expired: 410,
  body_too_large: 413,
  unsupported_media_type: 415,
  insufficient_funds: 422,
  kyc_limit_exceeded: 422,
  kyc_daily_limit_exceeded: 422,
  refund_exceeds_paid: 422,
  payment_not_refundable: 422,
  authorization_not_open: 422,
  bank_refused: 422,
  payment_refused: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<GatewayApiErrorCode, number>;

export const GATEWAY_API_ERROR_CODES = Object.keys(GATEWAY_API_ERROR_STATUS) as readonly GatewayApiErrorCode[];

export const MEDIA_TYPES_ACCEPTED = ['application/json'] as const;

/** An expected error with a code from the table; its message and details go to the client. */
export class GatewayApiError extends Error {
  override readonly name = 'GatewayApiError';
  readonly code: GatewayApiErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: GatewayApiErrorCode,
    message: string,
    details: Readonly<Record<string, unknown>> = {},
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export interface GatewayApiErrorBody {
  readonly error: {
    readonly code: GatewayApiErrorCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

export interface ErrorResponse {
  readonly status: number;
  readonly body: GatewayApiErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

export function errorBody(
  code: GatewayApiErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): GatewayApiErrorBody {
  return { error: { code, message, details } };
}

/** The message a refused new password gets (exhaustive over `checkNewPassword`'s answers). */
export function passwordProblemMessage(problem: PasswordProblem): string {
  switch (problem) {
    case 'too_short':
      return 'the password is too short';
    case 'too_long':
      return 'the password is too long';
    case 'control_characters':
      return 'the password contains control characters';
    default:
      return assertNever(problem, 'password problem');
  }
}

/** Storage failures a client may retry (503) versus bugs or damage (500). */
function dbErrorToApiCode(code: GatewayDbErrorCode): GatewayApiErrorCode {
  switch (code) {
    case 'db_unavailable':
    case 'db_conflict':
      return 'unavailable';
    case 'db_phone_taken':
      return 'phone_taken';
    case 'db_schema':
    case 'db_corrupt':
    case 'db_duplicate':
    case 'db_reference':
    case 'db_constraint':
    case 'db_config':
    case 'db_io':
      return 'internal';
    default:
      return assertNever(code, 'database error code');
  }
}

/** Maps any thrown value to the error shape. */
export function errorResponse(error: unknown, request: FastifyRequest, bodyBytesMax: number): ErrorResponse {
  const respond = (
    code: GatewayApiErrorCode,
    message: string,
    details: Readonly<Record<string, unknown>> = {},
    headers: Readonly<Record<string, string>> = {},
  ): ErrorResponse => ({ status: GATEWAY_API_ERROR_STATUS[code], body: errorBody(code, message, details), headers });
  if (error instanceof GatewayApiError) return respond(error.code, error.message, error.details, error.headers);
  if (error instanceof GatewayDbError) {
    const code = dbErrorToApiCode(error.code);
    if (code === 'phone_taken') return respond(code, 'a user with this phone number exists');
    request.log.error({ err: error }, 'database error in the gateway API');
    return code === 'unavailable'
      ? respond(code, 'the service is unavailable, retry later', { requestId: request.id })
      : respond('internal', 'internal error', { requestId: request.id });
  }
  const client = fastifyClientError(error, request, { bodyBytesMax, mediaTypes: MEDIA_TYPES_ACCEPTED });
  if (client !== null) return respond(client.code, client.message, client.details);
  request.log.error({ err: error }, 'unexpected error in the gateway API');
  return respond('internal', 'internal error', { requestId: request.id });
}
