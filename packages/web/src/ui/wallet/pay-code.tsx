/**
 * The consumer-presented pay code: `POST /v1/pay-codes` gives a one-time code valid 60 s; the screen shows it as a
 * QR (and its digits, for a merchant to type), counts down, and fetches a fresh one every 50 s so the code shown
 * is never about to lapse. Each refresh is a new action with its own idempotency key. For a browser-held key, a
 * merchant's charge of the code waits for this device to sign: the screen polls `GET /v1/me/confirmations` and
 * shows the signing step when one arrives.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PayCode, Payment } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, QrImage } from '../common';
import { toShown } from '../hooks';
import { PaymentRunner } from '../payment-runner';
import { navigate } from '../router';

export const PAY_CODE_REFRESH_MS = 50_000;
const COUNTDOWN_TICK_MS = 1000;
/** How often a browser-key wallet asks whether a merchant charged its code and waits for its signature. */
const CONFIRMATIONS_POLL_MS = 2000;

export function PayCodeScreen(): ReactNode {
  const { t } = useTranslation();
  const { client, user } = useApp();
  const [code, setCode] = useState<PayCode | null>(null);
  const [charge, setCharge] = useState<Payment | null>(null);
  const signsHere = user?.keyMode === 'browser';
  /** Charges the user chose not to sign now; not offered again on this screen. */
  const dismissed = useRef(new Set<string>());
  const [error, setError] = useState<ReturnType<typeof toShown> | null>(null);
  const [generation, setGeneration] = useState(0);
  const [nowMs, setNowMs] = useState(() => Date.now());

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the manual refresh trigger.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchCode = (): void => {
      client.createPayCode().then(
        (fresh) => {
          if (!live) return;
          setCode(fresh);
          setNowMs(Date.now());
          setError(null);
          timer = setTimeout(fetchCode, PAY_CODE_REFRESH_MS);
        },
        (failure: unknown) => {
          if (live) setError(toShown(failure));
        },
      );
    };
    fetchCode();
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client, generation]);

  useEffect(() => {
    const tick = setInterval(() => setNowMs(Date.now()), COUNTDOWN_TICK_MS);
    return () => clearInterval(tick);
  }, []);

  useEffect(() => {
    if (!signsHere || charge !== null) return;
    let live = true;
    const poll = setInterval(() => {
      client.confirmations().then(
        (answer) => {
          const waiting = answer.items.find((p) => p.status === 'awaiting_signature' && !dismissed.current.has(p.txId));
          if (live && waiting !== undefined) setCharge(waiting);
        },
        (failure: unknown) => {
          if (live) setError(toShown(failure));
        },
      );
    }, CONFIRMATIONS_POLL_MS);
    return () => {
      live = false;
      clearInterval(poll);
    };
  }, [client, signsHere, charge]);

  if (charge !== null) {
    return (
      <PaymentRunner
        payment={charge}
        onSettled={(p) => navigate(`/wallet/payments/${p.txId}`)}
        onCancel={() => {
          dismissed.current.add(charge.txId);
          setCharge(null);
        }}
      />
    );
  }

  const secondsLeft = code === null ? 0 : Math.max(0, Math.ceil((code.expiresAtMs - nowMs) / 1000));
  return (
    <section className="card center" data-testid="pay-code-screen">
      <h2>{t('payCode.title')}</h2>
      <p className="hint">{t('payCode.hint')}</p>
      {code !== null && (
        <>
          <QrImage payload={code.payload} testId="pay-code-qr" />
          <p className="code-digits" data-testid="pay-code-value">
            {code.code}
          </p>
          <p
            className={secondsLeft > 0 ? 'muted' : 'warning'}
            data-testid="pay-code-countdown"
            data-seconds={secondsLeft}
          >
            {secondsLeft > 0 ? t('payCode.expiresIn', { seconds: secondsLeft }) : t('payCode.expired')}
          </p>
        </>
      )}
      <ErrorBox error={error} />
      <button
        type="button"
        className="button button-secondary"
        onClick={() => setGeneration((g) => g + 1)}
        data-testid="pay-code-refresh"
      >
        {t('payCode.refresh')}
      </button>
    </section>
  );
}
