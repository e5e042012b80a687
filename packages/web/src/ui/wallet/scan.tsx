/**
 * Scan to pay a QR code a merchant or another user presents: read the payload from the camera (getUserMedia +
 * jsQR on frames, when the browser allows it), from an uploaded picture, or pasted as text; `POST /v1/qr/resolve`
 * names the payee (a merchant, or a user by masked phone) and the amount (a static code asks the payer for it);
 * when the payer holds program money (subsidies, benefits) the answer lists those programs, and the payer chooses
 * what to pay from: the ordinary balance or a program, one this merchant may not take shown disabled with the reason
 * before anything is signed. A payer holding another currency (Hong Kong dollars at a yuan QR) may pay in it: the
 * answer's `conversions` give the best live quote per currency, and the wallet shows the rate, who quotes it, until
 * when, and what the payer pays for the amount before anything is signed (docs/settlement.md, "In the wallet").
 * "Pay" sends `POST /v1/qr/pay` (with `programId` for program money, `fx` with the quote and the rate shown), and the
 * payment runs to its receipt (with the signing step for a browser-held key); a `program_ineligible` refusal is said
 * in words.
 */
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { qrPayee } from '../../api/client';
import { decimalsOfMoney, priceTyped, type QrFxOption } from '../../api/fx';
import { parseMoneyInput } from '../../api/money';
import { programIneligibleOf, programRefusalText } from '../../api/programs';
import { rateInMajorUnits } from '../../api/settlement';
import type { Payment, QrProgramOption, QrResolution } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, MoneyText, Row } from '../common';
import { useAction } from '../hooks';
import { PaymentRunner, useStepUp } from '../payment-runner';
import { decodeQrFromFile, decodeQrFromSource } from '../qr-decode';
import { navigate } from '../router';

/** EMVCo payloads are a few hundred characters; anything far longer is not a payment code. */
const PAYLOAD_CHARS_MAX = 1024;
/** Camera frames decoded per second at most: enough to feel instant, light on a phone's CPU. */
const CAMERA_DECODES_PER_S = 8;

export function ScanScreen(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [payload, setPayload] = useState('');
  const [resolved, setResolved] = useState<{ readonly payload: string; readonly qr: QrResolution } | null>(null);
  const [payment, setPayment] = useState<Payment | null>(null);

  const resolve = useAction(async (text: string) => {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.length > PAYLOAD_CHARS_MAX) throw new Error(t('scan.payloadInvalid'));
    setResolved({ payload: trimmed, qr: await client.resolveQr(trimmed) });
  });

  const onFile = async (file: File | undefined): Promise<void> => {
    if (file === undefined) return;
    const decoded = await decodeQrFromFile(file);
    if (!decoded.ok) {
      resolve.setError({ message: t(`scan.${decoded.error}`), code: decoded.error });
      return;
    }
    setPayload(decoded.payload);
    await resolve.run(decoded.payload);
  };

  const onCameraPayload = useCallback(
    (text: string) => {
      setPayload(text);
      void resolve.run(text);
    },
    [resolve.run],
  );

  if (payment !== null) {
    return (
      <PaymentRunner
        payment={payment}
        onSettled={(p) => navigate(`/wallet/payments/${p.txId}`)}
        onCancel={() => setPayment(null)}
      />
    );
  }
  if (resolved !== null) {
    return (
      <ConfirmQrPayment
        payload={resolved.payload}
        qr={resolved.qr}
        onPayment={setPayment}
        onBack={() => setResolved(null)}
      />
    );
  }
  return (
    <section className="card" data-testid="scan-screen">
      <h2>{t('scan.title')}</h2>
      <Camera onPayload={onCameraPayload} />
      <Field label={t('scan.upload')}>
        <input
          type="file"
          accept="image/*"
          onChange={(e) => void onFile(e.target.files?.[0])}
          data-testid="scan-file"
        />
      </Field>
      <Field label={t('scan.paste')}>
        <textarea
          rows={3}
          value={payload}
          onChange={(e) => setPayload(e.target.value)}
          data-testid="scan-payload"
          spellCheck={false}
        />
      </Field>
      <ErrorBox error={resolve.error} />
      <button
        type="button"
        className="button"
        disabled={resolve.busy || payload.trim() === ''}
        onClick={() => void resolve.run(payload)}
        data-testid="scan-submit"
      >
        {resolve.busy ? t('common.working') : t('scan.continue')}
      </button>
    </section>
  );
}

function ConfirmQrPayment({
  payload,
  qr,
  onPayment,
  onBack,
}: {
  readonly payload: string;
  readonly qr: QrResolution;
  readonly onPayment: (payment: Payment) => void;
  readonly onBack: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [amount, setAmount] = useState('');
  const [source, setSource] = useState<PaySource>({ kind: 'balance' });
  const programId = source.kind === 'program' ? source.id : null;
  const fxOption = source.kind === 'fx' ? (qr.conversions.find((c) => c.currency === source.currency) ?? null) : null;
  const [refused, setRefused] = useState<string | null>(null);
  const payee = qrPayee(qr);
  const stepUp = useStepUp();
  const pay = useAction(async () => {
    setRefused(null);
    let body: {
      payload: string;
      amount?: string;
      currency?: string;
      programId?: string;
      fx?: { quoteId: string; rateNum: string; rateDen: string };
    } = { payload, ...(programId === null ? {} : { programId }) };
    if (fxOption !== null) {
      // The quote and the rate this screen shows: the ledger refuses any other.
      const { id, rate } = fxOption.quote;
      body = { ...body, fx: { quoteId: id, rateNum: rate.num.toString(), rateDen: rate.den.toString() } };
    }
    if (qr.amount === null) {
      const parsed = parseMoneyInput(amount);
      if (!parsed.ok) throw new Error(t(`money.${parsed.error}`));
      body = { ...body, amount: parsed.value, currency: 'CNY' };
    }
    try {
      onPayment(await stepUp.send((c) => c.payQr(body)));
    } catch (error: unknown) {
      const ineligible = programIneligibleOf(error);
      if (ineligible === null) throw error;
      setRefused(ineligible.reason);
    }
  });
  return (
    <section className="card" data-testid="qr-confirm">
      <h2>
        {t('scan.confirmTitle', { name: payee.name })}{' '}
        <span className="badge" data-testid="qr-payee-kind" data-kind={payee.kind}>
          {t(`scan.payeeKind.${payee.kind}`)}
        </span>
      </h2>
      <div className="rows">
        <Row label={payee.kind === 'user' ? t('scan.payee') : t('scan.merchant')} testId="qr-merchant-name">
          {payee.name}
        </Row>
        {qr.merchant !== null && <Row label={t('scan.city')}>{qr.merchant.city}</Row>}
        {qr.amount !== null && (
          <Row label={t('scan.amount')}>
            <MoneyText money={qr.amount} testId="qr-amount" />
          </Row>
        )}
        {qr.expiresAtMs !== null && <Row label={t('scan.expires')}>{formatTime(qr.expiresAtMs, locale)}</Row>}
        {qr.oneTime && <Row label={t('scan.oneTime')}>{t('common.yes')}</Row>}
      </div>
      {(qr.programs.length > 0 || qr.conversions.length > 0) && (
        <PaySourceChoice programs={qr.programs} conversions={qr.conversions} chosen={source} onChoose={setSource} />
      )}
      {qr.amount === null && (
        <Field label={t('scan.enterAmount')}>
          <input
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="qr-amount-input"
          />
        </Field>
      )}
      {fxOption !== null && <FxQuotePanel option={fxOption} qrAmount={qr.amount} typed={amount} />}
      <ErrorBox error={pay.error} />
      {refused !== null && (
        <div className="error" role="alert" data-testid="program-ineligible-reason" data-reason={refused}>
          {programRefusalText(refused, t)}
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={pay.busy}
          onClick={() => void pay.run()}
          data-testid="qr-pay"
        >
          {pay.busy ? t('common.working') : t('scan.pay')}
        </button>
        <button type="button" className="button button-secondary" onClick={onBack} data-testid="qr-back">
          {t('common.back')}
        </button>
      </div>
      {stepUp.dialog}
    </section>
  );
}

/** What a QR payment is paid from. */
type PaySource =
  | { readonly kind: 'balance' }
  | { readonly kind: 'program'; readonly id: string }
  | { readonly kind: 'fx'; readonly currency: string };

/**
 * What the payment is paid from: the ordinary balance, one of the payer's programs with its balance, or another
 * currency the payer holds through a quote. A program this merchant (or amount) may not take, or a currency whose
 * quote cannot take the amount, is disabled, with the reason in words, so the payer sees why before paying.
 */
function PaySourceChoice({
  programs,
  conversions,
  chosen,
  onChoose,
}: {
  readonly programs: readonly QrProgramOption[];
  readonly conversions: readonly QrFxOption[];
  readonly chosen: PaySource;
  readonly onChoose: (source: PaySource) => void;
}): ReactNode {
  const { t } = useTranslation();
  return (
    <fieldset className="choice pay-source" data-testid="pay-source">
      <legend>{t('programs.payFrom')}</legend>
      <label className="check">
        <input
          type="radio"
          name="pay-source"
          checked={chosen.kind === 'balance'}
          onChange={() => onChoose({ kind: 'balance' })}
          data-testid="pay-source-balance"
        />
        <span>{t('programs.ordinaryBalance')}</span>
      </label>
      {programs.map((p) => (
        <label
          key={p.id}
          className="check"
          data-testid="pay-source-option"
          data-program-id={p.id}
          data-eligible={String(p.eligible)}
        >
          <input
            type="radio"
            name="pay-source"
            checked={chosen.kind === 'program' && chosen.id === p.id}
            disabled={!p.eligible}
            onChange={() => onChoose({ kind: 'program', id: p.id })}
            data-testid={`pay-source-program-${p.id}`}
          />
          <span>
            {p.name} · <MoneyText money={p.balance} testId={`pay-source-balance-${p.id}`} />
            {!p.eligible && (
              <small className="muted block" data-testid="program-ineligible-reason" data-reason={p.reason ?? ''}>
                {programRefusalText(p.reason ?? 'unknown', t)}
              </small>
            )}
          </span>
        </label>
      ))}
      {conversions.map((c) => (
        <label
          key={c.currency}
          className="check"
          data-testid="pay-source-fx-option"
          data-currency={c.currency}
          data-eligible={String(c.eligible)}
        >
          <input
            type="radio"
            name="pay-source"
            checked={chosen.kind === 'fx' && chosen.currency === c.currency}
            disabled={!c.eligible}
            onChange={() => onChoose({ kind: 'fx', currency: c.currency })}
            data-testid={`pay-source-fx-${c.currency}`}
          />
          <span>
            {t('scan.fx.option', { currency: c.currency })} ·{' '}
            <MoneyText money={c.available} testId={`pay-source-fx-available-${c.currency}`} />
            {!c.eligible && (
              <small className="muted block" data-testid="fx-ineligible-reason" data-reason={c.reason ?? ''}>
                {fxReasonText(c.reason, c.currency, t)}
              </small>
            )}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

const FX_REASONS = [
  'insufficient_funds',
  'amount_outside_quote',
  'quote_exhausted',
  'insufficient_liquidity',
  'quote_expired',
] as const;
type FxReasonKey = `scan.fx.reason.${(typeof FX_REASONS)[number] | 'unknown'}`;

function fxReasonText(
  reason: string | null,
  currency: string,
  t: (key: FxReasonKey, options: { currency: string }) => string,
): string {
  const known = FX_REASONS.find((r) => r === reason);
  return t(`scan.fx.reason.${known ?? 'unknown'}`, { currency });
}

/**
 * The quote a payment in another currency uses, shown before anything is signed: the rate in major units, who quotes
 * it and until when, what the payer pays and what the payee gets (priced as the payer types, for a static QR). Past
 * the quote's expiry it says so; the gateway would refuse it anyway.
 */
function FxQuotePanel({
  option,
  qrAmount,
  typed,
}: {
  readonly option: QrFxOption;
  readonly qrAmount: { readonly amount: string; readonly currency: string } | null;
  readonly typed: string;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const quoteDecimals = qrAmount === null ? 2 : decimalsOfMoney(qrAmount);
  const rate = rateInMajorUnits(
    { rateNum: option.quote.rate.num, rateDen: option.quote.rate.den },
    decimalsOfMoney(option.quote.minBase),
    quoteDecimals,
  );
  const priced =
    qrAmount !== null && option.pay !== null && option.receives !== null
      ? { pay: option.pay, receives: option.receives, reason: option.reason }
      : priceTyped(option, typed, quoteDecimals);
  const expired = nowMs >= option.quote.expiresAtMs;
  return (
    <section className="card fx-quote" data-testid="fx-quote" data-quote-id={option.quote.id}>
      <h3>{t('scan.fx.title', { currency: option.currency })}</h3>
      <div className="rows">
        <Row label={t('scan.fx.rate')} testId="fx-rate">
          <span data-rate={rate.text}>
            1 {option.quote.baseAsset} = {rate.exact ? '' : '≈ '}
            {rate.text} {option.quote.quoteAsset}
          </span>
        </Row>
        <Row label={t('scan.fx.provider')} testId="fx-provider">
          {option.quote.providerName}
        </Row>
        <Row label={t('scan.fx.validUntil')} testId="fx-expiry">
          {formatTime(option.quote.expiresAtMs, locale)}
        </Row>
        {priced === null ? (
          <p className="hint" data-testid="fx-type-amount">
            {t('scan.fx.typeAmount')}
          </p>
        ) : (
          <>
            <Row label={t('scan.fx.youPay')}>
              <MoneyText money={priced.pay} testId="fx-pay" />
            </Row>
            <Row label={t('scan.fx.payeeGets')}>
              <MoneyText money={priced.receives} testId="fx-receives" />
            </Row>
          </>
        )}
      </div>
      <p className="hint">{t('scan.fx.rounding')}</p>
      {priced?.reason != null && (
        <div className="error" role="alert" data-testid="fx-reason" data-reason={priced.reason}>
          {fxReasonText(priced.reason, option.currency, t)}
        </div>
      )}
      {expired && (
        <div className="error" role="alert" data-testid="fx-expired">
          {t('scan.fx.expired')}
        </div>
      )}
    </section>
  );
}

/** The camera scanner: off until asked, since it needs permission; stops its tracks when done or left. */
function Camera({ onPayload }: { readonly onPayload: (payload: string) => void }): ReactNode {
  const { t } = useTranslation();
  const [on, setOn] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    if (!on) return;
    let stream: MediaStream | null = null;
    let frame = 0;
    let lastDecodeMs = 0;
    let live = true;
    const stop = (): void => {
      live = false;
      cancelAnimationFrame(frame);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    const tick = (nowMs: number): void => {
      if (!live) return;
      const element = video.current;
      if (element !== null && element.readyState >= 2 && nowMs - lastDecodeMs >= 1000 / CAMERA_DECODES_PER_S) {
        lastDecodeMs = nowMs;
        const found = decodeQrFromSource(element, element.videoWidth, element.videoHeight);
        if (found !== null) {
          stop();
          setOn(false);
          onPayload(found);
          return;
        }
      }
      frame = requestAnimationFrame(tick);
    };
    if (navigator.mediaDevices?.getUserMedia === undefined) {
      setError(t('scan.cameraUnavailable'));
      setOn(false);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(
      (media) => {
        stream = media;
        if (!live || video.current === null) {
          stop();
          return;
        }
        video.current.srcObject = media;
        void video.current.play();
        frame = requestAnimationFrame(tick);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(`${t('scan.cameraUnavailable')} (${failure instanceof Error ? failure.message : String(failure)})`);
        setOn(false);
      },
    );
    return stop;
  }, [on, onPayload, t]);

  return (
    <div className="camera">
      {on ? (
        <>
          <video ref={video} className="camera-view" muted playsInline data-testid="scan-camera-view" />
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setOn(false)}
            data-testid="scan-camera-stop"
          >
            {t('scan.cameraStop')}
          </button>
        </>
      ) : (
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setError(null);
            setOn(true);
          }}
          data-testid="scan-camera"
        >
          {t('scan.camera')}
        </button>
      )}
      {error !== null && <ErrorBox error={{ message: error, code: 'camera' }} />}
    </div>
  );
}
