/**
 * Sign-up and log-in. Sign-up with a browser-held key first makes the key on this device (WebCrypto Ed25519,
 * non-extractable, or the suite's software key) and sends only its public key; a custodial sign-up lets the
 * gateway make and seal the key. Log-in sends this browser's device id (made once, kept in localStorage), and a
 * sign-up logs in straight away.
 *
 * Instead of a password, a user may sign up and log in with a passkey (auth/passkey.ts): offered only where
 * WebAuthn works (the browser has it, and the page is opened on a host name, not an IP address). A passkey sign-up
 * registers the passkey, then logs in with it (a second prompt). When the sign-up went through but the log-in did
 * not (a cancelled prompt), submitting again only logs in.
 */
import { type FormEvent, type ReactNode, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyMode } from '../../api/types';
import { createPasskeyFlows, type DescribePasskeyProblem, passkeysAvailable } from '../../auth/passkey';
import { deviceId, deviceLabel } from '../../device';
import { createWalletKey, loadWalletKey } from '../../keys/wallet-key';
import { useApp } from '../app-context';
import { ErrorBox, Field } from '../common';
import { useAction } from '../hooks';
import { navigate } from '../router';

type AuthMethod = 'password' | 'passkey';

export const PHONE_PATTERN = /^\+[1-9][0-9]{1,14}$/;

/** "13800138000" → "+8613800138000": a Chinese mobile number without its country code is the common case. */
export function normalizePhone(text: string): string {
  const compact = text.replace(/[\s-]/g, '');
  if (/^1[3-9][0-9]{9}$/.test(compact)) return `+86${compact}`;
  return compact;
}

export function AuthScreen({
  mode,
  after = '/wallet',
}: {
  readonly mode: 'login' | 'signup';
  /** Where to go once logged in: the wallet, or the console that asked for a log-in. */
  readonly after?: string;
}): ReactNode {
  const { t } = useTranslation();
  const { client, setUser, consortium, keys } = useApp();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [keyMode, setKeyMode] = useState<KeyMode>('browser');
  const [signUpMethod, setSignUpMethod] = useState<AuthMethod>('password');
  /** The method of the action running (or last run): its button shows the progress. */
  const [runningMethod, setRunningMethod] = useState<AuthMethod>('password');
  const passkeys = useMemo(() => passkeysAvailable(), []);
  const passkeyFlows = useMemo(() => createPasskeyFlows(client), [client]);
  /** "method phone" of an account this screen created whose log-in has not succeeded yet. */
  const created = useRef<string | null>(null);
  const describe: DescribePasskeyProblem = (problem) => t(`passkey.${problem}`);

  const submit = useAction(async (method: AuthMethod) => {
    setRunningMethod(method);
    const normalized = normalizePhone(phone);
    if (!PHONE_PATTERN.test(normalized)) throw new Error(t('auth.phoneInvalid'));
    const account = `${method} ${normalized}`;
    if (mode === 'signup' && created.current !== account) {
      let publicKey: string | undefined;
      if (keyMode === 'browser') {
        const { suite } = await consortium();
        // A retry after a failed sign-up reuses the key made for it, so the request (and its idempotency key) match.
        const existing = await loadWalletKey(normalized, keys);
        const key = existing?.suite === suite ? existing : await createWalletKey(normalized, suite, keys);
        publicKey = key.publicKeyHex;
      }
      if (method === 'passkey') {
        await passkeyFlows.signUp(
          publicKey === undefined ? { phone: normalized, keyMode } : { phone: normalized, keyMode, publicKey },
          describe,
        );
      } else {
        await client.signUp(
          publicKey === undefined
            ? { phone: normalized, password, keyMode }
            : { phone: normalized, password, keyMode, publicKey },
        );
      }
      created.current = account;
    }
    const device = { phone: normalized, deviceId: deviceId(), deviceLabel: deviceLabel() };
    const session =
      method === 'passkey' ? await passkeyFlows.logIn(device, describe) : await client.logIn({ ...device, password });
    created.current = null;
    setUser(session.user);
    navigate(after);
  });

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void submit.run(mode === 'signup' && passkeys ? signUpMethod : 'password');
  };
  const prefix = mode === 'signup' ? 'signup' : 'login';
  const withPassword = mode === 'login' || !passkeys || signUpMethod === 'password';

  return (
    <section className="card auth" data-testid={`${prefix}-screen`}>
      <h2>{mode === 'signup' ? t('auth.signUpTitle') : t('auth.logInTitle')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('auth.phone')}>
          <input
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            placeholder="+8613800138000"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            data-testid={`${prefix}-phone`}
            required
          />
        </Field>
        {mode === 'signup' && passkeys && (
          <fieldset className="choice">
            <legend>{t('auth.method')}</legend>
            <label>
              <input
                type="radio"
                name="authMethod"
                checked={signUpMethod === 'password'}
                onChange={() => setSignUpMethod('password')}
                data-testid="signup-auth-password"
              />
              <span>
                <strong>{t('auth.methodPassword')}</strong>
                <small>{t('auth.methodPasswordHint')}</small>
              </span>
            </label>
            <label>
              <input
                type="radio"
                name="authMethod"
                checked={signUpMethod === 'passkey'}
                onChange={() => setSignUpMethod('passkey')}
                data-testid="signup-auth-passkey"
              />
              <span>
                <strong>{t('auth.methodPasskey')}</strong>
                <small>{t('auth.methodPasskeyHint')}</small>
              </span>
            </label>
          </fieldset>
        )}
        {withPassword && (
          <Field label={t('auth.password')}>
            <input
              type="password"
              autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid={`${prefix}-password`}
              required
            />
          </Field>
        )}
        {mode === 'signup' && (
          <fieldset className="choice">
            <legend>{t('auth.keyMode')}</legend>
            <label>
              <input
                type="radio"
                name="keyMode"
                checked={keyMode === 'browser'}
                onChange={() => setKeyMode('browser')}
                data-testid="signup-keymode-browser"
              />
              <span>
                <strong>{t('auth.keyModeBrowser')}</strong>
                <small>{t('auth.keyModeBrowserHint')}</small>
              </span>
            </label>
            <label>
              <input
                type="radio"
                name="keyMode"
                checked={keyMode === 'custodial'}
                onChange={() => setKeyMode('custodial')}
                data-testid="signup-keymode-custodial"
              />
              <span>
                <strong>{t('auth.keyModeCustodial')}</strong>
                <small>{t('auth.keyModeCustodialHint')}</small>
              </span>
            </label>
          </fieldset>
        )}
        <ErrorBox error={submit.error} />
        <button type="submit" className="button" disabled={submit.busy} data-testid={`${prefix}-submit`}>
          {submit.busy && (mode === 'signup' || runningMethod === 'password')
            ? t('common.working')
            : mode === 'signup'
              ? t('auth.signUp')
              : t('auth.logIn')}
        </button>
        {mode === 'login' && passkeys && (
          <button
            type="button"
            className="button button-secondary"
            disabled={submit.busy}
            onClick={() => void submit.run('passkey')}
            data-testid="login-passkey"
          >
            {submit.busy && runningMethod === 'passkey' ? t('common.working') : t('auth.logInWithPasskey')}
          </button>
        )}
      </form>
      <p className="switch-auth">
        {mode === 'signup' ? (
          <a href="#/wallet/login" data-testid="goto-login">
            {t('auth.haveAccount')}
          </a>
        ) : (
          <a href="#/wallet/signup" data-testid="goto-signup">
            {t('auth.noAccount')}
          </a>
        )}
      </p>
    </section>
  );
}
