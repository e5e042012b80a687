// Goal: passkeys are offered only where WebAuthn can work, the two ceremonies are chained to the contract's routes
// (options → browser → users / sessions), a failed ceremony becomes a translated PasskeyError that sends nothing
// further, and an unanswered passkey sign-up is retried with the same passkey and key. Method: a recording fetch
// (the platform's boundary) behind the real client, and ceremony stand-ins for the browser's prompts.
import { WebAuthnError } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, createMemoryTokenStore } from '../api/client';
import { toShown } from '../ui/hooks';
import {
  createPasskeyFlows,
  isIpAddress,
  type PasskeyCeremonies,
  PasskeyError,
  type PasskeyProblem,
  passkeyProblem,
  passkeysAvailable,
} from './passkey';

const phone = '+8613800138000';
const creationOptions = {
  rp: { id: 'localhost', name: 'Paychain' },
  user: { id: 'dXNlcg', name: phone, displayName: phone },
  challenge: 'Y2hhbGxlbmdl',
  pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
};
const requestOptions = { challenge: 'c2Vzc2lvbg', rpId: 'localhost' };
const registration = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  response: { clientDataJSON: 'e30', attestationObject: 'o2M' },
  clientExtensionResults: {},
  type: 'public-key' as const,
};
const assertion = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  response: { clientDataJSON: 'e30', authenticatorData: 'YXV0aA', signature: 'c2ln' },
  clientExtensionResults: {},
  type: 'public-key' as const,
};
const user = { id: 'ef'.repeat(16), phone, kycTier: 3, keyMode: 'custodial' };
const session = { token: 'tok', tokenType: 'Bearer', expiresAtMs: 9, user, deviceNewlyBound: true };
const describeProblem = (problem: PasskeyProblem): string => `text of ${problem}`;
const notAllowed = (): DOMException =>
  new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError');

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function setUp(answers: Array<Response | Error>, ceremonies?: Partial<Record<keyof PasskeyCeremonies, unknown>>) {
  const calls: Array<{ route: string; body: unknown; key: string | undefined }> = [];
  const prompts: string[] = [];
  let n = 0;
  const tokens = createMemoryTokenStore();
  const client = createApiClient({
    tokens,
    newIdempotencyKey: () => `key-${++n}`,
    fetch: async (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ route: `${init?.method} ${String(input)}`, body, key: headers['idempotency-key'] });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no canned answer left');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  const outcome = async <T>(value: unknown): Promise<T> => {
    if (value instanceof Error) throw value;
    return value as T;
  };
  const flows = createPasskeyFlows(client, {
    register: async (optionsJSON) => {
      prompts.push(`register ${optionsJSON.challenge}`);
      return outcome(ceremonies?.register ?? registration);
    },
    authenticate: async (optionsJSON) => {
      prompts.push(`authenticate ${optionsJSON.challenge}`);
      return outcome(ceremonies?.authenticate ?? assertion);
    },
  });
  return { calls, prompts, flows, tokens };
}

describe('where passkeys are offered', () => {
  it.each([
    ['localhost', false],
    ['paychain.example', false],
    ['my-laptop.local', false],
    ['127.0.0.1', true],
    ['192.168.1.20', true],
    ['[::1]', true],
    ['fe80::1', true],
  ])('%s is an IP address: %s', (hostname, expected) => {
    expect(isIpAddress(hostname)).toBe(expected);
  });

  it('needs WebAuthn and a host name', () => {
    expect(passkeysAvailable('localhost', true)).toBe(true);
    expect(passkeysAvailable('localhost', false)).toBe(false);
    expect(passkeysAvailable('127.0.0.1', true)).toBe(false);
    expect(passkeysAvailable('[::1]', true)).toBe(false);
    expect(passkeysAvailable('', true)).toBe(false);
  });
});

describe('passkeyProblem', () => {
  const libraryError = (code: ConstructorParameters<typeof WebAuthnError>[0]['code'], cause: Error) =>
    new WebAuthnError({ message: cause.message, code, cause });

  it.each([
    ['a cancelled or timed-out prompt', notAllowed(), 'cancelled'],
    [
      'the library passing NotAllowedError through',
      libraryError('ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY', notAllowed()),
      'cancelled',
    ],
    ['an aborted ceremony', libraryError('ERROR_CEREMONY_ABORTED', new DOMException('x', 'AbortError')), 'cancelled'],
    [
      'a passkey already registered',
      libraryError('ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED', new DOMException('x', 'InvalidStateError')),
      'exists',
    ],
    [
      'an IP address as relying party',
      libraryError('ERROR_INVALID_DOMAIN', new DOMException('x', 'SecurityError')),
      'domain',
    ],
    ['another relying party id', libraryError('ERROR_INVALID_RP_ID', new DOMException('x', 'SecurityError')), 'domain'],
    [
      'no authenticator with user verification',
      libraryError('ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT', new DOMException('x', 'ConstraintError')),
      'unsupported',
    ],
    ['a browser without WebAuthn', new Error('WebAuthn is not supported in this browser'), 'unsupported'],
    [
      'an authenticator failure',
      libraryError('ERROR_AUTHENTICATOR_GENERAL_ERROR', new DOMException('x', 'UnknownError')),
      'failed',
    ],
    ['anything else', 'boom', 'failed'],
  ] as const)('%s → %s', (_what, error, expected) => {
    expect(passkeyProblem(error)).toBe(expected);
  });

  it('shows a PasskeyError with its translated message and a webauthn_ code', () => {
    const error = new PasskeyError('cancelled', 'cancelled, try again', notAllowed());
    expect(toShown(error)).toEqual({ message: 'cancelled, try again', code: 'webauthn_cancelled' });
  });
});

describe('passkey sign-up', () => {
  it('gets the options, registers, and creates the user with the passkey instead of a password', async () => {
    const { calls, prompts, flows } = setUp([json(200, creationOptions), json(201, user)]);
    const publicKey = '0a'.repeat(32);
    expect(await flows.signUp({ phone, keyMode: 'browser', publicKey }, describeProblem)).toMatchObject(user);
    expect(prompts).toEqual(['register Y2hhbGxlbmdl']);
    expect(calls).toEqual([
      { route: 'POST /v1/passkeys/registration-options', body: { phone }, key: 'key-1' },
      { route: 'POST /v1/users', body: { phone, keyMode: 'browser', publicKey, passkey: registration }, key: 'key-2' },
    ]);
  });

  it('stops at a cancelled prompt with the translated message, and sends no user', async () => {
    const { calls, flows } = setUp([json(200, creationOptions)], { register: notAllowed() });
    const failure = flows.signUp({ phone, keyMode: 'custodial' }, describeProblem);
    await expect(failure).rejects.toBeInstanceOf(PasskeyError);
    await expect(failure).rejects.toMatchObject({
      problem: 'cancelled',
      code: 'webauthn_cancelled',
      message: 'text of cancelled',
    });
    expect(calls.map((c) => c.route)).toEqual(['POST /v1/passkeys/registration-options']);
  });

  it('does not prompt when the phone is taken', async () => {
    const { prompts, flows } = setUp([
      json(409, { error: { code: 'phone_taken', message: 'this phone has a wallet', details: {} } }),
    ]);
    await expect(flows.signUp({ phone, keyMode: 'custodial' }, describeProblem)).rejects.toMatchObject({
      code: 'phone_taken',
    });
    expect(prompts).toEqual([]);
  });

  it('retries an unanswered sign-up with the same passkey and key; after a refusal it starts over', async () => {
    const { calls, prompts, flows } = setUp([
      json(200, creationOptions),
      new TypeError('Failed to fetch'),
      json(400, { error: { code: 'passkey_invalid', message: 'verification failed', details: {} } }),
      json(200, creationOptions),
      json(201, user),
    ]);
    const body = { phone, keyMode: 'custodial' as const };
    await expect(flows.signUp(body, describeProblem)).rejects.toMatchObject({ code: 'network' });
    await expect(flows.signUp(body, describeProblem)).rejects.toMatchObject({ code: 'passkey_invalid' });
    expect(await flows.signUp(body, describeProblem)).toMatchObject(user);
    expect(prompts).toHaveLength(2);
    expect(calls.map((c) => [c.route, c.key])).toEqual([
      ['POST /v1/passkeys/registration-options', 'key-1'],
      ['POST /v1/users', 'key-2'],
      ['POST /v1/users', 'key-2'],
      ['POST /v1/passkeys/registration-options', 'key-3'],
      ['POST /v1/users', 'key-4'],
    ]);
    expect(calls[2]?.body).toEqual(calls[1]?.body);
  });

  it('turns a browser without WebAuthn (the real library, in Node) into the unsupported problem', async () => {
    const tokens = createMemoryTokenStore();
    const client = createApiClient({ tokens, fetch: async () => json(200, creationOptions) });
    await expect(
      createPasskeyFlows(client).signUp({ phone, keyMode: 'custodial' }, describeProblem),
    ).rejects.toMatchObject({
      problem: 'unsupported',
      message: 'text of unsupported',
    });
  });
});

describe('passkey log-in', () => {
  it('gets the options, authenticates, and opens a session with the assertion', async () => {
    const { calls, prompts, flows, tokens } = setUp([json(200, requestOptions), json(201, session)]);
    const device = { phone, deviceId: '0'.repeat(32), deviceLabel: 'Safari on iOS' };
    expect((await flows.logIn(device, describeProblem)).token).toBe('tok');
    expect(tokens.get()).toBe('tok');
    expect(prompts).toEqual(['authenticate c2Vzc2lvbg']);
    expect(calls).toEqual([
      { route: 'POST /v1/passkeys/authentication-options', body: { phone }, key: 'key-1' },
      { route: 'POST /v1/sessions', body: { ...device, passkey: assertion }, key: undefined },
    ]);
  });

  it('sends no session request when the prompt is cancelled, and passes credentials_invalid through', async () => {
    const cancelled = setUp([json(200, requestOptions)], { authenticate: notAllowed() });
    await expect(cancelled.flows.logIn({ phone, deviceId: '0'.repeat(32) }, describeProblem)).rejects.toMatchObject({
      code: 'webauthn_cancelled',
    });
    expect(cancelled.calls).toHaveLength(1);

    const refused = setUp([
      json(200, requestOptions),
      json(401, { error: { code: 'credentials_invalid', message: 'wrong phone or passkey', details: {} } }),
    ]);
    const failure = refused.flows.logIn({ phone, deviceId: '0'.repeat(32) }, describeProblem);
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'credentials_invalid', status: 401 });
    expect(refused.tokens.get()).toBeNull();
  });
});
