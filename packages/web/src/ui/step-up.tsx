/**
 * The step-up every payment goes through (payment-runner.tsx): `useStepUp().send(c => c.transfer(body))` sends the
 * payment's first request; when risk control answers 403 `step_up_required`, a dialog shows its reasons and asks the
 * payer to confirm it is them — the password, or a passkey where the browser and the page's address allow one —
 * and the same request is sent again with the one-time token (`X-Paychain-Step-Up`). The gateway releases the
 * Idempotency-Key of a step-up answer, so the resend runs rather than replays it. Cancelling rejects with
 * `StepUpCancelled`: nothing was paid.
 */
import { type FormEvent, type ReactNode, useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiClient, StepUpToken } from '../api/client';
import { type StepUpAsk, StepUpCancelled, stepUpAskOf } from '../api/step-up';
import { createPasskeyFlows, type DescribePasskeyProblem, passkeysAvailable } from '../auth/passkey';
import { useApp } from './app-context';
import { ErrorBox, Field } from './common';
import { useAction } from './hooks';

/** Step-ups asked for one payment before giving up (a token that lapsed while the payer typed is asked once more). */
const STEP_UPS_PER_PAYMENT_MAX = 2;

interface Asking {
  readonly ask: StepUpAsk;
  resolve(token: string): void;
  reject(error: Error): void;
}

export interface StepUpGate {
  /** Sends a payment's request; when a step-up is asked, asks the payer and sends it again with the token. */
  send<T>(request: (client: ApiClient) => Promise<T>): Promise<T>;
  /** The dialog while a step-up is asked, else null: render it where the payment's form is. */
  readonly dialog: ReactNode;
}

export function useStepUp(): StepUpGate {
  const { t } = useTranslation();
  const { client } = useApp();
  const [asking, setAsking] = useState<Asking | null>(null);
  const tRef = useRef(t);
  tRef.current = t;

  const send = useCallback(
    async <T,>(request: (client: ApiClient) => Promise<T>): Promise<T> => {
      let sender = client;
      for (let attempt = 0; ; attempt++) {
        try {
          return await request(sender);
        } catch (error: unknown) {
          const ask = stepUpAskOf(error);
          if (ask === null || attempt >= STEP_UPS_PER_PAYMENT_MAX) throw error;
          const token = await new Promise<string>((resolve, reject) => setAsking({ ask, resolve, reject }));
          sender = client.withStepUp(token);
        }
      }
    },
    [client],
  );

  const dialog =
    asking === null ? null : (
      <StepUpDialog
        ask={asking.ask}
        onToken={(token) => {
          setAsking(null);
          asking.resolve(token.stepUpToken);
        }}
        onCancel={() => {
          setAsking(null);
          asking.reject(new StepUpCancelled(tRef.current('stepUp.cancelled')));
        }}
      />
    );
  return { send, dialog };
}

function StepUpDialog({
  ask,
  onToken,
  onCancel,
}: {
  readonly ask: StepUpAsk;
  readonly onToken: (token: StepUpToken) => void;
  readonly onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client, user } = useApp();
  const [password, setPassword] = useState('');
  const passkeys = useMemo(() => ask.methods.includes('passkey') && passkeysAvailable(), [ask.methods]);
  const passkeyFlows = useMemo(() => createPasskeyFlows(client), [client]);
  const describe: DescribePasskeyProblem = (problem) => t(`passkey.${problem}`);
  const withPassword = ask.methods.includes('password');
  const confirm = useAction(async (method: 'password' | 'passkey') => {
    if (method === 'passkey') {
      if (user === null) throw new Error(t('stepUp.loggedOut'));
      onToken(await passkeyFlows.stepUp(user.phone, describe));
      return;
    }
    if (password === '') throw new Error(t('stepUp.passwordRequired'));
    onToken(await client.stepUp({ password }));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void confirm.run('password');
  };
  return (
    <div className="modal-backdrop">
      <section
        className="card modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="step-up-title"
        data-testid="step-up-dialog"
      >
        <h2 id="step-up-title">{t('stepUp.title')}</h2>
        <p className="hint">{t('stepUp.hint')}</p>
        {ask.reasons.length > 0 && (
          <ul className="reasons" data-testid="step-up-reasons">
            {ask.reasons.map((reason, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the reasons of one answer, in their order.
              <li key={i}>{reason}</li>
            ))}
          </ul>
        )}
        {withPassword && (
          <form onSubmit={onSubmit}>
            <Field label={t('auth.password')}>
              <input
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                data-testid="step-up-password"
                // biome-ignore lint/a11y/noAutofocus: the dialog asks for this one thing.
                autoFocus
              />
            </Field>
            <button type="submit" className="button" disabled={confirm.busy} data-testid="step-up-submit">
              {confirm.busy ? t('common.working') : t('stepUp.confirm')}
            </button>
          </form>
        )}
        {passkeys && (
          <button
            type="button"
            className="button button-secondary"
            disabled={confirm.busy}
            onClick={() => void confirm.run('passkey')}
            data-testid="step-up-passkey"
          >
            {t('stepUp.passkey')}
          </button>
        )}
        {!withPassword && !passkeys && <p className="error">{t('stepUp.noMethod')}</p>}
        <ErrorBox error={confirm.error} />
        <button type="button" className="button button-secondary" onClick={onCancel} data-testid="step-up-cancel">
          {t('common.cancel')}
        </button>
      </section>
    </div>
  );
}
