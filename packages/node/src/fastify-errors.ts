/**
 * Fastify's own client errors — a request that failed schema validation, an unknown route, a body too large or of a
 * type no parser takes — as a code, message and details, for both HTTP APIs (the peer API and the gateway), which
 * put them into their one error shape. Their messages are fastify's fixed texts, safe to show.
 */
import type { FastifyRequest } from 'fastify';

export type FastifyClientErrorCode = 'bad_request' | 'not_found' | 'body_too_large' | 'unsupported_media_type';

export interface FastifyClientError {
  readonly code: FastifyClientErrorCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message: string;
  readonly validation?: ReadonlyArray<{
    instancePath?: string;
    keyword?: string;
    params?: Record<string, unknown>;
  }>;
  readonly validationContext?: string;
}

function isFastifyLikeError(error: unknown): error is FastifyLikeError {
  return error instanceof Error && ('statusCode' in error || 'validation' in error);
}

/** Fastify's client errors by status. */
const FASTIFY_STATUS_CODES: Readonly<Record<number, FastifyClientErrorCode>> = {
  404: 'not_found',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

/** The client error fastify raised, or null for anything else (the caller's own errors, or a 5xx). */
export function fastifyClientError(
  error: unknown,
  request: FastifyRequest,
  limits: { readonly bodyBytesMax: number; readonly mediaTypes: readonly string[] },
): FastifyClientError | null {
  if (!isFastifyLikeError(error)) return null;
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const missing = first?.keyword === 'required' ? first.params?.missingProperty : undefined;
    const path = `${first?.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}`;
    return {
      code: 'bad_request',
      message: error.message,
      details: {
        in: error.validationContext ?? null,
        field: path.replace(/^\//, '').replaceAll('/', '.'),
        rule: first?.keyword ?? null,
        params: first?.params ?? {},
      },
    };
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status < 400 || status >= 500) return null;
  const code = FASTIFY_STATUS_CODES[status] ?? 'bad_request';
  const fromFastify = typeof error.code === 'string' && error.code.startsWith('FST_');
  const details: Record<string, unknown> =
    code === 'body_too_large'
      ? { limitBytes: limits.bodyBytesMax }
      : code === 'unsupported_media_type'
        ? { contentType: request.headers['content-type'] ?? null, accepted: limits.mediaTypes }
        : {};
  return { code, message: fromFastify ? error.message : 'the request could not be read', details };
}
