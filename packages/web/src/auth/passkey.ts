/**
 * Passkeys (WebAuthn, through @simplewebauthn/browser) for sign-up and log-in, instead of a password.
 *
 * - Availability: the browser must have WebAuthn, and the page must be opened on a host name: WebAuthn refuses an
 *   IP address as relying party (http://localhost:8080 works, http://127.0.0.1:8080 does not). Otherwise the
 *   screens simply do not offer passkeys.
 * - Sign-up: `POST /v1/passkeys/registration-options` → `startRegistration` → `POST /v1/users` with the passkey.
 *   A sign-up left without an answer (network, 5xx) is retried with the same passkey, so the gateway replays its
 *   answer under the same Idempotency-Key instead of the retry finding the phone taken by the first attempt.
 * - Log-in: `POST /v1/passkeys/authentication-options` → `startAuthentication` → `POST /v1/sessions` with it.
 * - Step-up (a payment risk control asked to confirm): the same options and ceremony → `POST /v1/me/step-up`.
 * - A failed ceremony (cancelled, timed out, wrong address, no suitable authenticator) is a `PasskeyError`: a
 *   `PasskeyProblem`, the message the screen gives for it, and `code` `webauthn_<problem>` for the error element.
 *   API errors (`phone_taken`, `passkey_invalid`, `credentials_invalid`, …) pass through as `ApiError`s.
 */
import {
  type AuthenticationResponseJSON,
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { type ApiClient, ApiError, type StepUpToken } from '../api/client';
import type { KeyMode, Session, User } from '../api/types';

/** True for an IPv4 address (as `location.hostname` spells it: dotted decimal) or an IPv6 one (with or without []). */
export function isIpAddress(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host.includes(':')) return true;
  return /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host);
}

/** Whether to offer passkeys: WebAuthn in this browser, and a page opened on a host name, not an IP address. */
export function passkeysAvailable(
  hostname: string = globalThis.location?.hostname ?? '',
  supported: boolean = browserSupportsWebAuthn(),
): boolean {
  return supported && hostname !== '' && !isIpAddress(hostname);
}

/** Why a WebAuthn ceremony failed, as the screen tells it. */
export type PasskeyProblem = 'cancelled' | 'exists' | 'domain' | 'unsupported' | 'failed';

const PROBLEM_OF_LIBRARY_CODE: Readonly<Record<string, PasskeyProblem>> = {
  ERROR_CEREMONY_ABORTED: 'cancelled',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'exists',
  ERROR_INVALID_DOMAIN: 'domain',
  ERROR_INVALID_RP_ID: 'domain',
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT: 'unsupported',
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT: 'unsupported',
  ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG: 'unsupported',
};

/** The DOMException names of navigator.credentials.create() / get() (WebAuthn §5.1.3, §5.1.4). */
const PROBLEM_OF_ERROR_NAME: Readonly<Record<string, PasskeyProblem>> = {
  // The user cancelled, the prompt timed out, or the platform refused without saying why: all look alike.
  NotAllowedError: 'cancelled',
  AbortError: 'cancelled',
  InvalidStateError: 'exists',
  SecurityError: 'domain',
  NotSupportedError: 'unsupported',
  ConstraintError: 'unsupported',
};

/**
 * The problem of an error thrown by `startRegistration` / `startAuthentication`: a `WebAuthnError` (its `code`,
 * else its `name`, which is the DOMException's), a DOMException, or the library's plain "not supported" Error.
 */
export function passkeyProblem(error: unknown): PasskeyProblem {
  if (typeof error !== 'object' || error === null) return 'failed';
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  const byCode = typeof code === 'string' ? PROBLEM_OF_LIBRARY_CODE[code] : undefined;
  if (byCode !== undefined) return byCode;
  const byName = typeof name === 'string' ? PROBLEM_OF_ERROR_NAME[name] : undefined;
  if (byName !== undefined) return byName;
  if (typeof message === 'string' && /not supported/i.test(message)) return 'unsupported';
  return 'failed';
}

export class PasskeyError extends Error {
  override readonly name = 'PasskeyError';
  readonly problem: PasskeyProblem;
  /** `webauthn_<problem>`: the error element's `data-code`. */
  readonly code: string;
  constructor(problem: PasskeyProblem, message: string, cause: unknown) {
    super(message, { cause });
    this.problem = problem;
    this.code = `webauthn_${problem}`;
  }
}

/** The translated text of a problem (`t('passkey.<problem>')` on the screens). */
export type DescribePasskeyProblem = (problem: PasskeyProblem) => string;

/** The two browser ceremonies; the screens use `browserCeremonies`, tests their own. */
export interface PasskeyCeremonies {
  register(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON>;
  authenticate(optionsJSON: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON>;
}

export const browserCeremonies: PasskeyCeremonies = {
  register: (optionsJSON) => startRegistration({ optionsJSON }),
  authenticate: (optionsJSON) => startAuthentication({ optionsJSON }),
};

async function ceremony<T>(run: () => Promise<T>, describe: DescribePasskeyProblem): Promise<T> {
  try {
    return await run();
  } catch (error: unknown) {
    const problem = passkeyProblem(error);
    throw new PasskeyError(problem, describe(problem), error);
  }
}

/** No answer arrived (network) or the gateway failed (5xx): the client keeps the Idempotency-Key for a retry. */
function unanswered(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

export interface PasskeySignUp {
  readonly phone: string;
  readonly keyMode: KeyMode;
  readonly publicKey?: string;
}

export interface PasskeyLogIn {
  readonly phone: string;
  readonly deviceId: string;
  readonly deviceLabel?: string;
}

export interface PasskeyFlows {
  /** Registration options → `startRegistration` → `POST /v1/users` with the passkey (no password). */
  signUp(body: PasskeySignUp, describe: DescribePasskeyProblem): Promise<User>;
  /** Authentication options → `startAuthentication` → `POST /v1/sessions` with the assertion; keeps the token. */
  logIn(body: PasskeyLogIn, describe: DescribePasskeyProblem): Promise<Session>;
  /** Authentication options → `startAuthentication` → `POST /v1/me/step-up`: a one-time token for one payment. */
  stepUp(phone: string, describe: DescribePasskeyProblem): Promise<StepUpToken>;
}

export function createPasskeyFlows(client: ApiClient, ceremonies: PasskeyCeremonies = browserCeremonies): PasskeyFlows {
  /** A sign-up sent without an answer: the same account details and the passkey made for them. */
  let unansweredSignUp: { readonly details: string; readonly passkey: RegistrationResponseJSON } | null = null;

  return {
    async signUp(body, describe) {
      const details = JSON.stringify([body.phone, body.keyMode, body.publicKey ?? null]);
      let passkey: RegistrationResponseJSON;
      if (unansweredSignUp !== null && unansweredSignUp.details === details) {
        passkey = unansweredSignUp.passkey;
      } else {
        unansweredSignUp = null;
        const optionsJSON = await client.passkeyRegistrationOptions(body.phone);
        passkey = await ceremony(() => ceremonies.register(optionsJSON), describe);
      }
      try {
        const user = await client.signUp(
          body.publicKey === undefined
            ? { phone: body.phone, keyMode: body.keyMode, passkey }
            : { phone: body.phone, keyMode: body.keyMode, publicKey: body.publicKey, passkey },
        );
        unansweredSignUp = null;
        return user;
      } catch (error: unknown) {
        unansweredSignUp = unanswered(error) ? { details, passkey } : null;
        throw error;
      }
    },

    async logIn(body, describe) {
      const optionsJSON = await client.passkeyAuthenticationOptions(body.phone);
      const passkey = await ceremony(() => ceremonies.authenticate(optionsJSON), describe);
      return client.logIn(
        body.deviceLabel === undefined
          ? { phone: body.phone, deviceId: body.deviceId, passkey }
          : { phone: body.phone, deviceId: body.deviceId, deviceLabel: body.deviceLabel, passkey },
      );
    },

    async stepUp(phone, describe) {
      const optionsJSON = await client.passkeyAuthenticationOptions(phone);
      const passkey = await ceremony(() => ceremonies.authenticate(optionsJSON), describe);
      return client.stepUp({ passkey });
    },
  };
}
