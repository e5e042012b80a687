/**
 * A recording fetch for the API client's tests (Node only, never bundled): the platform's boundary, not one of our
 * modules, answering canned responses in order and keeping every request made.
 */
import { type ApiClient, createApiClient, createMemoryTokenStore, type TokenStore } from '../api/client';

export interface RecordedCall {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function apiErrorResponse(status: number, code: string, details: Record<string, unknown> = {}): Response {
  return jsonResponse(status, { error: { code, message: `${code} message`, details } });
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export function recordingClient(answers: Array<Response | Error>): {
  readonly calls: RecordedCall[];
  readonly client: ApiClient;
  readonly tokens: TokenStore;
} {
  const calls: RecordedCall[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: headersOf(init),
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no canned answer left');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  let n = 0;
  const tokens = createMemoryTokenStore();
  tokens.set('tok');
  const client = createApiClient({ fetch, tokens, newIdempotencyKey: () => `key-${++n}` });
  return { calls, client, tokens };
}
