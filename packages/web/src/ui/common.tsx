/**
 * Shared pieces of the screens: the error element every failed call shows (data-testid="error"), the language
 * switch that sits on every screen, a QR image rendered from a payload (with an optional PNG download), amounts
 * formatted in the user's locale, and the form field layout. Plain elements and one stylesheet, no UI framework.
 */
import QRCode from 'qrcode';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDecimal } from '../api/money';
import type { Money } from '../api/types';
import { LANGUAGES, type Language, setLanguage } from '../i18n/i18n';
import { useApp } from './app-context';
import type { Shown } from './hooks';

/** The API's message, shown where the call was made; one per screen section. */
export function ErrorBox({ error }: { readonly error: Shown | null }): ReactNode {
  if (error === null) return null;
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code}>
      {error.message}
    </div>
  );
}

export function Notice({ children, testId }: { readonly children: ReactNode; readonly testId: string }): ReactNode {
  return (
    <div className="notice" role="status" data-testid={testId}>
      {children}
    </div>
  );
}

export function LanguageSwitch(): ReactNode {
  const { t, i18n } = useTranslation();
  const current = i18n.language;
  const label: Record<Language, string> = { 'zh-CN': '中文', en: 'EN' };
  return (
    <fieldset className="language-switch" data-testid="language-switch" aria-label={t('app.language')}>
      {LANGUAGES.map((lng) => (
        <button
          key={lng}
          type="button"
          className={current === lng ? 'chip chip-active' : 'chip'}
          aria-pressed={current === lng}
          data-testid={lng === 'en' ? 'lang-en' : 'lang-zh'}
          onClick={() => setLanguage(lng)}
        >
          {label[lng]}
        </button>
      ))}
    </fieldset>
  );
}

export function MoneyText({ money, testId }: { readonly money: Money; readonly testId?: string }): ReactNode {
  const { locale } = useApp();
  return (
    <span className="money" data-testid={testId} data-amount={money.amount} data-currency={money.currency}>
      {formatDecimal(money.amount, money.currency, locale)}
    </span>
  );
}

export function Field({ label, children }: { readonly label: string; readonly children: ReactNode }): ReactNode {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is `children`, nested in the label, which associates it.
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
    </label>
  );
}

export function Row({
  label,
  children,
  testId,
}: {
  readonly label: string;
  readonly children: ReactNode;
  readonly testId?: string;
}): ReactNode {
  return (
    <div className="row">
      <span className="row-label">{label}</span>
      <span className="row-value" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

/** The QR image of a payload; the payload text under it, and a PNG download link when `downloadName` is given. */
export function QrImage({
  payload,
  testId,
  downloadName,
}: {
  readonly payload: string;
  readonly testId: string;
  readonly downloadName?: string;
}): ReactNode {
  const { t } = useTranslation();
  const [dataUrl, setDataUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setDataUrl(null);
    QRCode.toDataURL(payload, { errorCorrectionLevel: 'M', margin: 4, width: 320 }).then(
      (url) => {
        if (live) setDataUrl(url);
      },
      (error: unknown) => {
        if (live) setFailed(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      live = false;
    };
  }, [payload]);
  return (
    <figure className="qr">
      {dataUrl === null ? (
        <div className="qr-placeholder" aria-busy="true" />
      ) : (
        <img src={dataUrl} alt={t('qr.alt')} width={240} height={240} data-testid={testId} data-payload={payload} />
      )}
      {failed !== null && <ErrorBox error={{ message: failed, code: 'qr_render' }} />}
      <figcaption>
        <code className="payload" data-testid={`${testId}-payload`}>
          {payload}
        </code>
      </figcaption>
      {downloadName !== undefined && dataUrl !== null && (
        <a
          className="button button-secondary"
          href={dataUrl}
          download={downloadName}
          data-testid={`${testId}-download`}
        >
          {t('qr.download')}
        </a>
      )}
    </figure>
  );
}

/** A date and time in the user's locale (ms since the epoch; times are not money, so a number is right). */
export function formatTime(ms: number | bigint, locale: string): string {
  const value = typeof ms === 'bigint' ? Number(ms) : ms;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(value);
}

export function shortHex(hex: string, keep = 8): string {
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-keep)}`;
}
