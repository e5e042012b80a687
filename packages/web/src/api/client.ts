/**
 * The typed client of the gateway API (docs/gateway-api.md) and of the peer API routes the ops console reads, on
 * the app's own origin (relative `/v1/...` URLs). It owns the three cross-cutting rules of the contract:
 *
 * - Authentication: the session token from `POST /v1/sessions` is kept in sessionStorage (gone with the tab) and
 *   sent as `Authorization: Bearer`; a 401 forgets it and tells the app to show the log-in screen.
 * - Idempotency: every POST but log-in carries an `Idempotency-Key` from `crypto.randomUUID()`, one per user
 *   action. A retry of the same action (same route and body) after a network failure or a 5xx reuses the key, so
 *   the gateway answers the first outcome instead of paying twice; any definitive answer (2xx or 4xx) retires it,
 *   so the next action — even an identical second transfer — gets a fresh key.
 * - Errors: every failure is an `ApiError` with the API's `{code, message}` (and details), or `network` /
 *   `bad_response` codes of our own when no API answer arrived.
 */
import type { ReceiptJson } from '@paychain/core/browser';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { type Consortium, parseConsortium } from '../chain/consortium';
import { paymentFxOf, qrFxOptionsOf } from './fx';
import type {
  AccountJson,
  BlockJson,
  ChainHead,
  Device,
  DynamicQr,
  FreezeResult,
  KeyMode,
  KycTier,
  Merchant,
  MerchantSummary,
  Money,
  Page,
  PayCode,
  Payment,
  PaymentRequest,
  PeerStatus,
  PersonalQr,
  QrPayee,
  QrProgramOption,
  QrResolution,
  Session,
  TransactionJson,
  User,
  Wallet,
  Webhook,
} from './types';

/** Unfinished actions whose keys are remembered for a retry; more than a user can have open at once. */
const PENDING_ACTIONS_MAX = 64;
const TOKEN_STORAGE_KEY = 'paychain.session';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The API's error code (`amount_invalid`, `insufficient_funds`, …), or `network` / `bad_response`. */
  readonly code: string;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, status: number, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

/** The session token in sessionStorage: it survives a reload, not the tab. */
export function createSessionTokenStore(storage: Storage = sessionStorage): TokenStore {
  return {
    get: () => storage.getItem(TOKEN_STORAGE_KEY),
    set: (token) => storage.setItem(TOKEN_STORAGE_KEY, token),
    clear: () => storage.removeItem(TOKEN_STORAGE_KEY),
  };
}

export function createMemoryTokenStore(): TokenStore {
  let token: string | null = null;
  return {
    get: () => token,
    set: (value) => {
      token = value;
    },
    clear: () => {
      token = null;
    },
  };
}

/**
 * A fresh Idempotency-Key: `crypto.randomUUID()`, which only secure contexts (https, localhost) have; on a plain-http
 * origin (a phone on the LAN during a demo) the same 122 random bits come from getRandomValues, which exists there.
 */
export function randomIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ApiClientOptions {
  readonly tokens: TokenStore;
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Default `crypto.randomUUID()`. */
  readonly newIdempotencyKey?: () => string;
  /** Called when the API answers 401: the session is gone. */
  readonly onUnauthenticated?: () => void;
  /** Prefix of every URL; '' for the app's own origin. */
  readonly baseUrl?: string;
  /** A step-up token sent as `X-Paychain-Step-Up` on every request (`withStepUp`). */
  readonly stepUpToken?: string;
}

export type Query = Readonly<Record<string, string | number | undefined>>;

interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Query;
  /** False for sign-up, log-in and the passkey options; default true. */
  readonly auth?: boolean;
  /** False only for log-in (its answer is a secret the gateway does not store); default true for POST. */
  readonly idempotent?: boolean;
}

export function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The API's error body, or null when the answer is not one. */
function apiErrorOf(json: unknown, status: number): ApiError | null {
  if (!isRecord(json) || !isRecord(json.error)) return null;
  const { code, message, details } = json.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return new ApiError(code, message, status, isRecord(details) ? details : {});
}

/** A URL path with each interpolated id percent-encoded: apiPath`/v1/ops/aml/cases/${id}`. */
export function apiPath(strings: TemplateStringsArray, ...ids: readonly string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(ids[i] ?? '') : ''), '');
}
const path = apiPath;

/** File names longer than this from a server header are not used (the default is). */
const FILE_NAME_CHARS_MAX = 128;

/**
 * The file name of a `Content-Disposition` header (`attachment; filename="x.csv"` or `filename*=UTF-8''x.csv`),
 * reduced to its last path segment; null when there is none or it is not a plain name.
 */
export function fileNameOfDisposition(header: string | null): string | null {
  if (header === null) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  let name: string | null = null;
  if (extended?.[1] !== undefined) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch (error: unknown) {
      if (!(error instanceof URIError)) throw error;
    }
  }
  if (name === null) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(header);
    name = plain?.[1] ?? plain?.[2] ?? null;
  }
  if (name === null) return null;
  const base = name.split(/[\\/]/).pop()?.trim() ?? '';
  return base === '' || base.length > FILE_NAME_CHARS_MAX || base.startsWith('.') ? null : base;
}

/**
 * `POST /v1/users`: a password, or instead the passkey made by `startRegistration` with the options of
 * `passkeyRegistrationOptions` for the same phone (never both).
 */
export type SignUpBody = {
  readonly phone: string;
  readonly keyMode: KeyMode;
  readonly publicKey?: string;
} & (
  | { readonly password: string; readonly passkey?: never }
  | { readonly passkey: RegistrationResponseJSON; readonly password?: never }
);

/**
 * `POST /v1/sessions`: a password, or instead the assertion made by `startAuthentication` with the options of
 * `passkeyAuthenticationOptions` for the same phone (never both).
 */
export type LogInBody = {
  readonly phone: string;
  readonly deviceId: string;
  readonly deviceLabel?: string;
} & (
  | { readonly password: string; readonly passkey?: never }
  | { readonly passkey: AuthenticationResponseJSON; readonly password?: never }
);

/** `POST /v1/me/step-up`: the password, or instead a passkey assertion (never both). */
export type StepUpBody =
  | { readonly password: string; readonly passkey?: never }
  | { readonly passkey: AuthenticationResponseJSON; readonly password?: never };

/** A one-time proof for one payment that risk control asked a step-up for (5 minutes). */
export interface StepUpToken {
  readonly stepUpToken: string;
  readonly expiresAtMs: number;
}

/** A file the API answered (CSV, Parquet): its bytes and the name to save it under. */
export interface Download {
  readonly blob: Blob;
  /** From `Content-Disposition`, else the caller's default. */
  readonly fileName: string;
}

export interface ApiClient {
  readonly tokens: TokenStore;
  isLoggedIn(): boolean;
  /**
   * Any JSON route, with the same authentication, idempotency and errors as the named methods: the route modules
   * (analytics.ts, risk.ts, aml.ts) are built on it. `urlPath` is already encoded (`apiPath`).
   */
  send<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    urlPath: string,
    opts?: { body?: unknown; query?: Query },
  ): Promise<T>;
  /** A GET that answers a file: fetched with the Authorization header (a plain link cannot send it). */
  download(urlPath: string, query: Query, fileNameDefault: string): Promise<Download>;
  /** This client, sending a step-up token with every request (`X-Paychain-Step-Up`): to resend one payment. */
  withStepUp(stepUpToken: string): ApiClient;
  /** Proves again it is the user (password or passkey) for a payment answered 403 `step_up_required`. */
  stepUp(body: StepUpBody): Promise<StepUpToken>;
  // users, sessions, devices
  signUp(body: SignUpBody): Promise<User>;
  logIn(body: LogInBody): Promise<Session>;
  /** The options of a passkey registration for a new user's phone (409 `phone_taken` when it has a user). */
  passkeyRegistrationOptions(phone: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** The options of a passkey log-in for a phone. */
  passkeyAuthenticationOptions(phone: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  logOut(): Promise<void>;
  me(): Promise<User>;
  devices(): Promise<{ items: Device[] }>;
  revokeDevice(deviceId: string): Promise<void>;
  rotateKey(body: { keyMode: KeyMode; publicKey?: string }): Promise<User>;
  consortium(): Promise<Consortium>;
  /** This user's static collection QR (no amount). */
  myQr(): Promise<PersonalQr>;
  /** A one-time QR asking for an amount, paid to this user (expiresInS 1..86400, default 300; memo ≤ 140). */
  createPaymentRequest(body: {
    amount: string;
    currency: string;
    expiresInS?: number;
    memo?: string;
  }): Promise<PaymentRequest>;
  // wallet
  wallet(): Promise<Wallet>;
  walletPayments(query: { limit?: number; before?: string; q?: string }): Promise<Page<Payment>>;
  topUp(money: Money): Promise<Payment>;
  withdraw(money: Money): Promise<Payment>;
  transfer(body: { toPhone: string; amount: string; currency: string; memo?: string }): Promise<Payment>;
  createPayCode(): Promise<PayCode>;
  resolveQr(payload: string): Promise<QrResolution>;
  /** `programId`: pay from that program's balance (`program.spend`) instead of the ordinary balance. */
  payQr(body: {
    payload: string;
    amount?: string;
    currency?: string;
    programId?: string;
    fx?: { quoteId: string; rateNum: string; rateDen: string };
  }): Promise<Payment>;
  payment(txId: string): Promise<Payment>;
  /** `intent` is sent when the payment's signing request carried one (the gateway needs it). */
  submitSignature(txId: string, signature: string, intent?: string): Promise<Payment>;
  /** Merchant charges of this user's pay codes that wait for the browser-held key (gateway route, not in the contract). */
  confirmations(): Promise<{ items: Payment[] }>;
  // merchants
  /** `bankAccount`: where payouts go, 6..34 letters, digits, spaces or dashes (`parseBankAccount`). */
  createMerchant(body: {
    name: string;
    mcc: string;
    city: string;
    region: string;
    bankAccount: string;
  }): Promise<Merchant>;
  merchants(): Promise<{ items: Merchant[] }>;
  merchant(id: string): Promise<Merchant>;
  createDynamicQr(
    id: string,
    body: { amount: string; currency: string; oneTime?: boolean; expiresInS?: number },
  ): Promise<DynamicQr>;
  charge(id: string, body: { payCode: string; amount: string; currency: string }): Promise<Payment>;
  authorize(
    id: string,
    body: { payCode: string; amount: string; currency: string; expiresInS?: number },
  ): Promise<Payment>;
  /** Captures up to the authorized amount of an authorization (`txId`); the rest of the hold is released. */
  capture(txId: string, money: Money): Promise<Payment>;
  /** Releases an authorization's hold. The route takes no body, so none is sent (nor a Content-Type). */
  voidPayment(txId: string): Promise<Payment>;
  /**
   * Pays money out of the merchant's settlement account to its bank account (kind "payout"): final, pending, or
   * `awaiting_signature` for the owner's browser-held key.
   */
  payout(id: string, money: Money): Promise<Payment>;
  refund(txId: string, money: Money): Promise<Payment>;
  merchantPayments(id: string, query: { limit?: number; before?: string }): Promise<Page<Payment>>;
  merchantSummary(id: string): Promise<MerchantSummary>;
  setWebhook(id: string, url: string): Promise<Webhook>;
  /** The SSE URL of a merchant's live feed: EventSource sends no header, so the token rides in the query. */
  merchantEventsUrl(id: string): string;
  // ops
  freezeAccount(accountId: string, reason: string): Promise<FreezeResult>;
  unfreezeAccount(accountId: string, reason: string): Promise<FreezeResult>;
  peers(): Promise<{ items: PeerStatus[] }>;
  /** Sets a user's KYC class after verification (recorded on chain); answers the User with its new limits. */
  setKycTier(body: { phone: string; tier: KycTier }): Promise<User>;
  // peer API
  chainHead(): Promise<ChainHead>;
  block(height: string): Promise<BlockJson>;
  transaction(id: string): Promise<TransactionJson>;
  receipt(id: string): Promise<ReceiptJson>;
  account(id: string): Promise<AccountJson>;
  blockEventsUrl(): string;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { tokens } = options;
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const newKey = options.newIdempotencyKey ?? randomIdempotencyKey;
  /** Open actions: route → the body sent and its key, kept until a definitive answer. */
  const pendingKeys = new Map<string, { readonly bodyText: string; readonly key: string }>();

  function idempotencyKeyFor(route: string, bodyText: string): string {
    const pending = pendingKeys.get(route);
    if (pending !== undefined && pending.bodyText === bodyText) return pending.key;
    if (pendingKeys.size >= PENDING_ACTIONS_MAX) pendingKeys.clear();
    const key = newKey();
    pendingKeys.set(route, { bodyText, key });
    return key;
  }

  async function request<T>(method: string, urlPath: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bodyText = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (bodyText !== undefined) headers['content-type'] = 'application/json';
    if (opts.auth ?? true) {
      const token = tokens.get();
      if (token !== null) headers.authorization = `Bearer ${token}`;
    }
    if (options.stepUpToken !== undefined) headers['x-paychain-step-up'] = options.stepUpToken;
    const route = `${method} ${urlPath}`;
    const idempotent = method === 'POST' && (opts.idempotent ?? true);
    if (idempotent) headers['idempotency-key'] = idempotencyKeyFor(route, bodyText ?? '');
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (bodyText !== undefined) init.body = bodyText;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${urlPath}${queryString(opts.query)}`, init);
    } catch (error: unknown) {
      // No answer: the action may or may not have happened, so its key stays for the retry.
      throw new ApiError('network', error instanceof Error ? error.message : 'the network request failed', 0);
    }
    if (idempotent && response.status < 500) pendingKeys.delete(route);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch (error: unknown) {
        throw new ApiError(
          'bad_response',
          `the server answered ${response.status} with no JSON (${error instanceof Error ? error.message : 'parse error'})`,
          response.status,
        );
      }
    }
    if (!response.ok) {
      const failure =
        apiErrorOf(json, response.status) ??
        new ApiError(`http_${response.status}`, response.statusText || `HTTP ${response.status}`, response.status);
      // A 401 ends the session (a failed step-up is a 403 `step_up_failed`: the session stays).
      if (response.status === 401 && (opts.auth ?? true)) {
        tokens.clear();
        options.onUnauthenticated?.();
      }
      throw failure;
    }
    if (json === null || typeof json !== 'object') {
      throw new ApiError(
        'bad_response',
        `the server answered ${response.status} without a JSON object`,
        response.status,
      );
    }
    // The shape is the contract's (types.ts); what matters for money is re-checked in the browser where it is used.
    return json as T;
  }

  const post = <T>(urlPath: string, body?: unknown, auth = true): Promise<T> =>
    request<T>('POST', urlPath, body === undefined ? { auth } : { body, auth });
  const get = <T>(urlPath: string, query?: Query): Promise<T> =>
    request<T>('GET', urlPath, query === undefined ? {} : { query });
  const accessQuery = (): string => {
    const token = tokens.get();
    return token === null ? '' : `?access_token=${encodeURIComponent(token)}`;
  };

  async function download(urlPath: string, query: Query, fileNameDefault: string): Promise<Download> {
    const headers: Record<string, string> = {};
    const token = tokens.get();
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${urlPath}${queryString(query)}`, {
        method: 'GET',
        headers,
        credentials: 'same-origin',
      });
    } catch (error: unknown) {
      throw new ApiError('network', error instanceof Error ? error.message : 'the network request failed', 0);
    }
    if (!response.ok) {
      if (response.status === 401) {
        tokens.clear();
        options.onUnauthenticated?.();
      }
      const text = await response.text();
      let json: unknown = null;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch (error: unknown) {
        if (!(error instanceof SyntaxError)) throw error;
      }
      throw (
        apiErrorOf(json, response.status) ??
        new ApiError(`http_${response.status}`, response.statusText || `HTTP ${response.status}`, response.status)
      );
    }
    const fileName = fileNameOfDisposition(response.headers.get('content-disposition')) ?? fileNameDefault;
    return { blob: await response.blob(), fileName };
  }

  return {
    tokens,
    isLoggedIn: () => tokens.get() !== null,
    send: <T>(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      urlPath: string,
      opts: { body?: unknown; query?: Query } = {},
    ) => request<T>(method, urlPath, opts),
    download,
    withStepUp: (stepUpToken) => createApiClient({ ...options, stepUpToken }),
    // Not idempotent by key, like log-in: the answer is a secret the gateway must not store to replay.
    stepUp: (body) => request<StepUpToken>('POST', '/v1/me/step-up', { body, idempotent: false }),

    signUp: (body) => post<User>('/v1/users', body, false),
    async logIn(body) {
      const session = await request<Session>('POST', '/v1/sessions', { body, auth: false, idempotent: false });
      if (typeof session.token !== 'string') throw new ApiError('bad_response', 'the session has no token', 201);
      tokens.set(session.token);
      return session;
    },
    passkeyRegistrationOptions: (phone) =>
      post<PublicKeyCredentialCreationOptionsJSON>('/v1/passkeys/registration-options', { phone }, false),
    passkeyAuthenticationOptions: (phone) =>
      post<PublicKeyCredentialRequestOptionsJSON>('/v1/passkeys/authentication-options', { phone }, false),
    async logOut() {
      try {
        await request<void>('DELETE', '/v1/sessions/current');
      } finally {
        tokens.clear();
      }
    },
    me: () => get<User>('/v1/me'),
    devices: () => get<{ items: Device[] }>('/v1/me/devices'),
    revokeDevice: (deviceId) => request<void>('DELETE', path`/v1/me/devices/${deviceId}`),
    rotateKey: (body) => post<User>('/v1/me/key', body),
    async consortium() {
      const parsed = parseConsortium(await get<unknown>('/v1/consortium'));
      if (!parsed.ok) throw new ApiError('bad_response', `consortium: ${parsed.error}`, 200);
      return parsed.value;
    },
    myQr: () => get<PersonalQr>('/v1/me/qr'),
    createPaymentRequest: (body) => post<PaymentRequest>('/v1/me/payment-requests', body),

    wallet: () => get<Wallet>('/v1/wallet'),
    walletPayments: async (query) => paymentPageOf(await get<Page<Payment>>('/v1/wallet/payments', query)),
    topUp: async (money) => paymentOf(await post<Payment>('/v1/wallet/top-ups', money)),
    withdraw: async (money) => paymentOf(await post<Payment>('/v1/wallet/withdrawals', money)),
    transfer: async (body) => paymentOf(await post<Payment>('/v1/transfers', body)),
    createPayCode: () => post<PayCode>('/v1/pay-codes'),
    resolveQr: async (payload) => qrResolutionOf(await post<QrResolution>('/v1/qr/resolve', { payload })),
    payQr: async (body) => paymentOf(await post<Payment>('/v1/qr/pay', body)),
    payment: async (txId) => paymentOf(await get<Payment>(path`/v1/payments/${txId}`)),
    submitSignature: async (txId, signature, intent) =>
      paymentOf(
        await post<Payment>(
          path`/v1/payments/${txId}/signature`,
          intent === undefined ? { signature } : { intent, signature },
        ),
      ),
    confirmations: async () => paymentPageOf(await get<{ items: Payment[] }>('/v1/me/confirmations')),

    createMerchant: (body) => post<Merchant>('/v1/merchants', body),
    merchants: () => get<{ items: Merchant[] }>('/v1/merchants'),
    merchant: (id) => get<Merchant>(path`/v1/merchants/${id}`),
    createDynamicQr: (id, body) => post<DynamicQr>(path`/v1/merchants/${id}/qr`, body),
    charge: async (id, body) => paymentOf(await post<Payment>(path`/v1/merchants/${id}/charges`, body)),
    authorize: async (id, body) => paymentOf(await post<Payment>(path`/v1/merchants/${id}/authorizations`, body)),
    capture: async (txId, money) => paymentOf(await post<Payment>(path`/v1/payments/${txId}/capture`, money)),
    voidPayment: async (txId) => paymentOf(await post<Payment>(path`/v1/payments/${txId}/void`)),
    payout: async (id, money) => paymentOf(await post<Payment>(path`/v1/merchants/${id}/payouts`, money)),
    refund: async (txId, money) => paymentOf(await post<Payment>(path`/v1/payments/${txId}/refunds`, money)),
    merchantPayments: async (id, query) =>
      paymentPageOf(await get<Page<Payment>>(path`/v1/merchants/${id}/payments`, query)),
    merchantSummary: (id) => get<MerchantSummary>(path`/v1/merchants/${id}/summary`),
    setWebhook: (id, url) => request<Webhook>('PUT', path`/v1/merchants/${id}/webhook`, { body: { url } }),
    merchantEventsUrl: (id) => `${baseUrl}${path`/v1/merchants/${id}/events`}${accessQuery()}`,

    freezeAccount: (accountId, reason) => post<FreezeResult>(path`/v1/ops/accounts/${accountId}/freeze`, { reason }),
    unfreezeAccount: (accountId, reason) =>
      post<FreezeResult>(path`/v1/ops/accounts/${accountId}/unfreeze`, { reason }),
    peers: () => get<{ items: PeerStatus[] }>('/v1/ops/peers'),
    setKycTier: (body) => post<User>('/v1/ops/users/kyc', body),

    chainHead: () => get<ChainHead>('/v1/chain/head'),
    block: (height) => get<BlockJson>(path`/v1/blocks/${height}`),
    transaction: (id) => get<TransactionJson>(path`/v1/transactions/${id}`),
    receipt: (id) => get<ReceiptJson>(path`/v1/transactions/${id}/receipt`),
    account: (id) => get<AccountJson>(path`/v1/accounts/${id}`),
    blockEventsUrl: () => `${baseUrl}/v1/events/blocks`,
  };
}

/**
 * A Payment as the contract answers it, with `programId` made explicit: a payment of program money names its
 * program; an answer without the field (an older gateway, or ordinary money) is null. Any other value is refused.
 */
export function paymentOf(payment: Payment): Payment {
  const programId: unknown = (payment as { readonly programId?: unknown }).programId;
  if (programId !== undefined && programId !== null && typeof programId !== 'string') {
    throw new ApiError('bad_response', 'programId: expected a string or null', 200);
  }
  return { ...payment, programId: programId ?? null, fx: paymentFxOf((payment as { readonly fx?: unknown }).fx) };
}

/** A page (or list) of payments, each through `paymentOf`. */
export function paymentPageOf<P extends { readonly items: readonly Payment[] }>(page: P): P {
  if (!Array.isArray(page.items)) throw new ApiError('bad_response', 'items: expected an array', 200);
  return { ...page, items: page.items.map(paymentOf) };
}

function qrProgramOf(value: unknown, where: string): QrProgramOption {
  const bad = (field: string, expected: string): never => {
    throw new ApiError('bad_response', `${where}.${field}: expected ${expected}`, 200);
  };
  if (!isRecord(value)) return bad('', 'an object');
  const { id, name, balance, eligible, reason } = value;
  if (typeof id !== 'string') return bad('id', 'a string');
  if (typeof name !== 'string') return bad('name', 'a string');
  if (
    !isRecord(balance) ||
    typeof balance.amount !== 'string' ||
    !/^[0-9]{1,40}(\.[0-9]{1,18})?$/.test(balance.amount) ||
    typeof balance.currency !== 'string'
  ) {
    return bad('balance', 'Money');
  }
  if (typeof eligible !== 'boolean') return bad('eligible', 'true or false');
  if (reason !== null && reason !== undefined && typeof reason !== 'string') return bad('reason', 'a string or null');
  return {
    id,
    name,
    balance: { amount: balance.amount, currency: balance.currency },
    eligible,
    reason: eligible ? null : (reason ?? null),
  };
}

/**
 * A resolved QR with its `programs` checked: the payer's program balances it may be paid from. An answer of a
 * gateway from before programs has none: `[]`, the ordinary balance only.
 */
export function qrResolutionOf(qr: QrResolution): QrResolution {
  const programs: unknown = (qr as { readonly programs?: unknown }).programs;
  const conversions = qrFxOptionsOf((qr as { readonly conversions?: unknown }).conversions);
  if (programs === undefined || programs === null) return { ...qr, programs: [], conversions };
  if (!Array.isArray(programs)) throw new ApiError('bad_response', 'programs: expected an array', 200);
  return { ...qr, programs: programs.map((p: unknown, i) => qrProgramOf(p, `programs[${i}]`)), conversions };
}

/**
 * Who a resolved QR pays. The contract always answers `payee`; should an answer lack it (a gateway from before
 * personal QR codes), the merchant stands in, so the confirm screen never names no one.
 */
export function qrPayee(qr: QrResolution): QrPayee {
  const payee: unknown = qr.payee;
  if (isRecord(payee) && (payee.kind === 'merchant' || payee.kind === 'user') && typeof payee.name === 'string') {
    return { kind: payee.kind, name: payee.name };
  }
  if (
    isRecord(payee) &&
    payee.kind === 'bank_merchant' &&
    typeof payee.name === 'string' &&
    typeof payee.bank === 'string'
  ) {
    return { kind: 'bank_merchant', name: payee.name, bank: payee.bank };
  }
  return qr.merchant === null ? { kind: 'user', name: '—' } : { kind: 'merchant', name: qr.merchant.name };
}

/** A payment is settled when the ledger has decided: final (with its receipt) or refused. */
export function isSettled(payment: Payment): boolean {
  return payment.status === 'final' || payment.status === 'refused';
}

export interface WaitOptions {
  readonly intervalMs?: number;
  readonly attemptsMax?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A payment this client must wait on: the ledger deciding, or another party's key (a pay code's payer) signing. */
export function isWaiting(payment: Payment): boolean {
  return payment.status === 'pending' || (payment.status === 'awaiting_signature' && payment.signing === undefined);
}

/**
 * Polls a payment while it `isWaiting`; bounded, then answers the last state seen. It stops as soon as the
 * payment is settled or asks this client to sign.
 */
export async function waitForSettled(client: ApiClient, payment: Payment, options: WaitOptions = {}): Promise<Payment> {
  const intervalMs = options.intervalMs ?? 1000;
  const attemptsMax = options.attemptsMax ?? 30;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let current = payment;
  for (let attempt = 0; attempt < attemptsMax && isWaiting(current); attempt++) {
    await sleep(intervalMs);
    try {
      current = await client.payment(current.txId);
    } catch (error: unknown) {
      // Until the payer signs, the gateway shows the payment to the payer only (the merchant gets 404): keep waiting.
      const unsignedElsewhere =
        current.status === 'awaiting_signature' && error instanceof ApiError && error.status === 404;
      if (!unsignedElsewhere) throw error;
    }
  }
  return current;
}
