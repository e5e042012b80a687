/**
 * Interbank settlement and FX (`#/ops/settlement`), read from the node's public peer routes (api/settlement.ts), so
 * no log-in is needed. For a currency (default CNY): each bank's pledged liquidity (its net debit cap), what it owes
 * in closed windows, its net in the open window, its exposure and headroom, with a bar of exposure against the cap;
 * the open window; the latest windows with status, payments, gross, each bank's net, close and settle times, a CSV
 * report link and the positions on expansion. FX quotes: the latest quotes of any pair (pair, provider, rate in major
 * units, limits, capacity used, conversions, expiry, status at the node's clock); a quote chosen in the table, or
 * looked up by id, shows its details and the conversions applied against it (newest first). The scheme and the
 * quotes refresh every 5 seconds while the tab is open and visible.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type Asset,
  CURRENCY_PATTERN,
  decimalsOf,
  exposureBasisPoints,
  type FxConversion,
  type FxQuote,
  formatAssetMinor,
  formatAssetUnits,
  getAssets,
  getQuote,
  getQuoteConversions,
  getQuotes,
  getScheme,
  type ListedQuote,
  netOf,
  type Participant,
  QUOTE_ID_PATTERN,
  type QuoteConversions,
  type QuoteListStatus,
  quoteRateText,
  quoteStatus,
  type Scheme,
  SETTLEMENT_CURRENCY_DEFAULT,
  type SettlementWindow,
  schemeOrgs,
  type WindowStatus,
  windowReportCsvUrl,
  windowReportFileName,
} from '../../api/settlement';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, Notice, Row, shortHex } from '../common';
import { type Shown, useLoad } from '../hooks';

/** Near real time: the scheme is read again this often while the tab is open. */
export const SETTLEMENT_REFRESH_MS = 5_000;
/** Exposure at or above this share of the cap (basis points) is shown as a warning. */
const EXPOSURE_WARN_BP = 8_000;

export function SettlementScreen(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [draft, setDraft] = useState(SETTLEMENT_CURRENCY_DEFAULT);
  const [currency, setCurrency] = useState(SETTLEMENT_CURRENCY_DEFAULT);
  const [tick, setTick] = useState(0);
  const scheme = useLoad(() => getScheme(client, currency), [client, currency, tick]);
  const assets = useLoad(() => getAssets(client), [client]);

  useEffect(() => {
    const timer = setInterval(() => {
      // A hidden tab is not looked at: no need to ask the node.
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') setTick((n) => n + 1);
    }, SETTLEMENT_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const onCurrency = (value: string): void => {
    const upper = value
      .toUpperCase()
      .replace(/[^A-Z]/g, '')
      .slice(0, 3);
    setDraft(upper);
    if (CURRENCY_PATTERN.test(upper)) setCurrency(upper);
  };
  const refresh = (): void => {
    setTick((n) => n + 1);
    assets.reload();
  };
  const result = scheme.data;
  // A late answer for the previous currency is not shown under the new one.
  const shown = result !== null && (result.kind === 'missing' ? result.currency : result.scheme.currency) === currency;
  return (
    <div className="stack" data-testid="settlement-screen">
      <section className="card">
        <h2>{t('settlement.title')}</h2>
        <p className="hint">{t('settlement.hint')}</p>
        <div className="filters">
          <Field label={t('settlement.currency')}>
            <input
              value={draft}
              onChange={(e) => onCurrency(e.target.value)}
              maxLength={3}
              autoCapitalize="characters"
              spellCheck={false}
              pattern="[A-Z]{3}"
              data-testid="settlement-currency"
            />
          </Field>
          <button
            type="button"
            className="button button-secondary"
            onClick={refresh}
            data-testid="settlement-refresh"
            data-loading={scheme.loading}
          >
            {t('common.refresh')}
          </button>
        </div>
        {draft !== currency && <p className="warning">{t('settlement.currencyInvalid')}</p>}
        <p className="muted">{t('settlement.autoRefresh', { seconds: SETTLEMENT_REFRESH_MS / 1000 })}</p>
        <ErrorBox error={scheme.error ?? assets.error} />
        {shown && result.kind === 'missing' && (
          <Notice testId="settlement-missing">{t('settlement.missing', { currency: result.currency })}</Notice>
        )}
      </section>
      {shown && result.kind === 'found' && <SchemeView scheme={result.scheme} assets={assets.data} />}
      <FxQuotes tick={tick} assets={assets.data} />
    </div>
  );
}

interface AmountProps {
  readonly scheme: Scheme;
  readonly decimals: number | null;
}

function SchemeView({ scheme, assets }: { readonly scheme: Scheme; readonly assets: readonly Asset[] | null }) {
  const { t } = useTranslation();
  const decimals = decimalsOf(assets, scheme.settlementAsset);
  const props: AmountProps = { scheme, decimals };
  return (
    <>
      <section className="card" data-testid="settlement-scheme" data-currency={scheme.currency}>
        <h2>{t('settlement.participants')}</h2>
        <div className="rows">
          <Row label={t('settlement.settlementOrg')}>{scheme.settlementOrg}</Row>
          <Row label={t('settlement.settlementAsset')}>{scheme.settlementAsset}</Row>
          <Row label={t('settlement.openWindow')} testId="settlement-open-window">
            #{scheme.openWindow}
          </Row>
          <Row label={t('settlement.nextToSettle')}>#{scheme.nextToSettle}</Row>
        </div>
        {scheme.participants.length === 0 ? (
          <p className="muted">{t('settlement.noParticipants')}</p>
        ) : (
          <>
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('settlement.bank')}</th>
                    <th>{t('settlement.depositAsset')}</th>
                    <th>{t('settlement.pledged')}</th>
                    <th>{t('settlement.owed')}</th>
                    <th>{t('settlement.openNet')}</th>
                    <th>{t('settlement.exposure')}</th>
                    <th>{t('settlement.headroom')}</th>
                  </tr>
                </thead>
                <tbody>
                  {scheme.participants.map((p) => (
                    <ParticipantRow key={p.org} participant={p} {...props} />
                  ))}
                </tbody>
              </table>
            </div>
            <h3>{t('settlement.exposureChart')}</h3>
            <ul className="cap-bars">
              {scheme.participants.map((p) => (
                <CapBar key={p.org} participant={p} {...props} />
              ))}
            </ul>
          </>
        )}
      </section>
      <WindowHistory {...props} />
    </>
  );
}

/** An amount of the scheme's settlement asset in major units. */
function Amount({
  minor,
  scheme,
  decimals,
  signed = false,
}: AmountProps & { readonly minor: bigint; readonly signed?: boolean }): ReactNode {
  const { locale } = useApp();
  const tone = !signed || minor === 0n ? undefined : minor > 0n ? 'amount-in' : 'amount-out';
  return (
    <span className={tone === undefined ? 'money' : `money ${tone}`} data-minor={minor.toString()}>
      {signed && minor > 0n ? '+' : ''}
      {formatAssetMinor(minor, decimals, scheme.currency, locale, scheme.settlementAsset)}
    </span>
  );
}

function ParticipantRow({ participant: p, ...props }: AmountProps & { readonly participant: Participant }) {
  return (
    <tr data-testid="settlement-participant" data-org={p.org} data-headroom={p.headroom.toString()}>
      <td>
        <strong>{p.org}</strong>
      </td>
      <td>{p.depositAsset}</td>
      <td>
        <Amount minor={p.pledged} {...props} />
      </td>
      <td>
        <Amount minor={p.owed} {...props} />
      </td>
      <td data-testid="settlement-open-net">
        <Amount minor={p.openNet} signed {...props} />
      </td>
      <td>
        <Amount minor={p.exposure} {...props} />
      </td>
      <td>
        <Amount minor={p.headroom} {...props} />
      </td>
    </tr>
  );
}

/** A bank's exposure against its cap, as a plain bar: readable at any width, no chart library needed. */
function CapBar({ participant: p, ...props }: AmountProps & { readonly participant: Participant }) {
  const { t } = useTranslation();
  const bp = exposureBasisPoints(p.exposure, p.pledged);
  const tone = bp >= 10_000 ? 'cap-bar-full' : bp >= EXPOSURE_WARN_BP ? 'cap-bar-warn' : 'cap-bar-ok';
  const percent = `${(bp / 100).toFixed(1)}%`;
  return (
    <li className="cap-bar-item" data-testid="settlement-cap-bar" data-org={p.org} data-basis-points={bp}>
      <div className="cap-bar-label">
        <strong>{p.org}</strong>
        <small>
          <Amount minor={p.exposure} {...props} /> / <Amount minor={p.pledged} {...props} /> ({percent})
        </small>
      </div>
      <div className="cap-bar-track" aria-hidden="true" title={t('settlement.exposureOf', { org: p.org })}>
        <div className={`cap-bar-fill ${tone}`} style={{ width: `${Math.min(100, bp / 100)}%` }} />
      </div>
    </li>
  );
}

function WindowStatusBadge({ status }: { readonly status: WindowStatus }): ReactNode {
  const { t } = useTranslation();
  const style =
    status === 'open' ? 'badge badge-warn' : status === 'closed' ? 'badge badge-closed' : 'badge badge-open';
  return (
    <span className={style} data-testid="settlement-window-status" data-status={status}>
      {t(`settlement.status.${status}`)}
    </span>
  );
}

function WindowHistory(props: AmountProps): ReactNode {
  const { t } = useTranslation();
  const { scheme } = props;
  const orgs = schemeOrgs(scheme);
  const [expanded, setExpanded] = useState<string | null>(null);
  return (
    <section className="card" data-testid="settlement-windows">
      <h2>{t('settlement.windows')}</h2>
      {scheme.windows.length === 0 ? (
        <p className="muted">{t('settlement.noWindows')}</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th>{t('settlement.seq')}</th>
                <th>{t('ops.status')}</th>
                <th>{t('settlement.payments')}</th>
                <th>{t('settlement.gross')}</th>
                {orgs.map((org) => (
                  <th key={org}>{t('settlement.netOf', { org })}</th>
                ))}
                <th>{t('settlement.closedAt')}</th>
                <th>{t('settlement.settledAt')}</th>
                <th>{t('settlement.report')}</th>
              </tr>
            </thead>
            <tbody>
              {scheme.windows.map((w) => (
                <WindowRows
                  key={w.seq}
                  window={w}
                  orgs={orgs}
                  expanded={expanded === w.seq}
                  onToggle={() => setExpanded((open) => (open === w.seq ? null : w.seq))}
                  {...props}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WindowRows({
  window: w,
  orgs,
  expanded,
  onToggle,
  ...props
}: AmountProps & {
  readonly window: SettlementWindow;
  readonly orgs: readonly string[];
  readonly expanded: boolean;
  readonly onToggle: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const { scheme } = props;
  const columns = 7 + orgs.length;
  return (
    <>
      <tr data-testid="settlement-window" data-seq={w.seq} data-status={w.status}>
        <td className="nowrap">
          <button
            type="button"
            className="link"
            onClick={onToggle}
            aria-expanded={expanded}
            data-testid="settlement-window-toggle"
          >
            {expanded ? '▾' : '▸'} #{w.seq}
          </button>
        </td>
        <td className="nowrap">
          <WindowStatusBadge status={w.status} />
        </td>
        <td>{w.payments.toString()}</td>
        <td>
          <Amount minor={w.gross} {...props} />
        </td>
        {orgs.map((org) => (
          <td key={org}>
            <Amount minor={netOf(w, org)} signed {...props} />
          </td>
        ))}
        <td>{w.closed === null ? '—' : formatTime(w.closed.timeMs, locale)}</td>
        <td>{w.settledAtMs === null ? '—' : formatTime(w.settledAtMs, locale)}</td>
        <td>
          {w.status === 'open' ? (
            '—'
          ) : (
            <a
              href={windowReportCsvUrl(scheme.currency, w.seq)}
              download={windowReportFileName(scheme.currency, w.seq)}
              data-testid="settlement-report-link"
              data-seq={w.seq}
            >
              {t('settlement.reportCsv')}
            </a>
          )}
        </td>
      </tr>
      {expanded && (
        <tr data-testid="settlement-window-detail" data-seq={w.seq}>
          <td colSpan={columns}>
            <div className="window-detail">
              <p className="muted">
                {t('settlement.openedAt', {
                  height: w.opened.height,
                  index: w.opened.index,
                  time: formatTime(w.opened.timeMs, locale),
                })}
                {w.closed !== null &&
                  ` · ${t('settlement.closedAtBlock', {
                    height: w.closed.height,
                    index: w.closed.index,
                    time: formatTime(w.closed.timeMs, locale),
                  })}`}
                {w.settled !== null && (
                  <>
                    {' · '}
                    <a
                      href={`/v1/blocks/${w.settled.height}`}
                      target="_blank"
                      rel="noreferrer"
                      data-testid="settlement-window-settle-tx"
                    >
                      {t('settlement.settledAtBlock', {
                        height: w.settled.height,
                        index: w.settled.index,
                        time: formatTime(w.settled.timeMs, locale),
                      })}
                    </a>
                  </>
                )}
              </p>
              {w.positions.length === 0 ? (
                <p className="muted">{t('settlement.noPositions')}</p>
              ) : (
                <ul className="positions">
                  {w.positions.map((p) => (
                    <li
                      key={p.org}
                      className="position-item"
                      data-testid="settlement-position"
                      data-org={p.org}
                      data-net={p.net.toString()}
                    >
                      <span>{p.org}</span>
                      <Amount minor={p.net} signed {...props} />
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

/** Conversions listed per quote, newest first (the peer API answers the latest 1000). */
const CONVERSIONS_SHOWN = 1_000;

/** The FX quotes section: the quotes table, a lookup by id, and the chosen quote with its conversions. */
function FxQuotes({ tick, assets }: { readonly tick: number; readonly assets: readonly Asset[] | null }): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const quotes = useLoad(() => getQuotes(client), [client, tick]);
  const [selected, setSelected] = useState<string | null>(null);
  const [id, setId] = useState('');
  const [idError, setIdError] = useState<Shown | null>(null);
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    const wanted = id.trim().toLowerCase();
    if (!QUOTE_ID_PATTERN.test(wanted)) {
      setIdError({ message: t('settlement.quoteIdInvalid'), code: 'quote_id_invalid' });
      return;
    }
    setIdError(null);
    setSelected(wanted);
  };
  const toggle = (quote: string): void => setSelected((open) => (open === quote ? null : quote));
  const list = quotes.data;
  return (
    <section className="card" data-testid="settlement-quotes">
      <h2>{t('settlement.quotesTitle')}</h2>
      <p className="hint">{t('settlement.quotesHint')}</p>
      <ErrorBox error={quotes.error} />
      {list !== null &&
        (list.items.length === 0 ? (
          <p className="muted" data-testid="settlement-no-quotes">
            {t('settlement.noQuotes')}
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('settlement.pair')}</th>
                  <th>{t('settlement.provider')}</th>
                  <th>{t('settlement.rate')}</th>
                  <th>{t('settlement.limits')}</th>
                  <th>{t('settlement.capacityUsed')}</th>
                  <th>{t('settlement.conversionsColumn')}</th>
                  <th>{t('settlement.expiresAt')}</th>
                  <th>{t('ops.status')}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((q) => (
                  <QuoteRow
                    key={q.id}
                    quote={q}
                    assets={assets}
                    selected={selected === q.id}
                    onToggle={() => toggle(q.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <form onSubmit={onSubmit} className="filters">
        <Field label={t('settlement.quoteId')}>
          <input
            value={id}
            onChange={(e) => setId(e.target.value)}
            spellCheck={false}
            placeholder="9f00…0001"
            data-testid="settlement-quote-id"
          />
        </Field>
        <button type="submit" className="button button-secondary" data-testid="settlement-quote-submit">
          {t('settlement.quoteLookup')}
        </button>
      </form>
      <ErrorBox error={idError} />
      {selected !== null && (
        <QuoteDetail key={selected} id={selected} tick={tick} assets={assets} onClose={() => setSelected(null)} />
      )}
    </section>
  );
}

function QuoteRow({
  quote: q,
  assets,
  selected,
  onToggle,
}: {
  readonly quote: ListedQuote;
  readonly assets: readonly Asset[] | null;
  readonly selected: boolean;
  readonly onToggle: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const baseDecimals = decimalsOf(assets, q.baseAsset);
  const base = (minor: bigint): string => formatAssetUnits(minor, baseDecimals, q.baseAsset);
  const usedBp = exposureBasisPoints(q.used, q.capacity);
  return (
    <tr data-testid="settlement-quote-row" data-quote-id={q.id} data-status={q.status}>
      <td className="nowrap">
        <button
          type="button"
          className="link"
          onClick={onToggle}
          aria-expanded={selected}
          title={t('settlement.quoteShow')}
          data-testid="settlement-quote-toggle"
        >
          {selected ? '▾' : '▸'} {q.baseAsset} → {q.quoteAsset}
        </button>
        <br />
        <small>
          <code>{shortHex(q.id, 4)}</code>
        </small>
      </td>
      <td>{q.provider}</td>
      <td className="nowrap">
        <QuoteRate quote={q} assets={assets} />
      </td>
      <td className="nowrap">
        {base(q.minBase)} – {base(q.maxBase)}
      </td>
      <td className="nowrap">
        {base(q.used)} / {base(q.capacity)} ({(usedBp / 100).toFixed(1)}%)
      </td>
      <td>{q.conversions.toString()}</td>
      <td className="nowrap">{formatTime(q.expiresAtMs, locale)}</td>
      <td className="nowrap">
        <QuoteListStatusBadge status={q.status} />
      </td>
    </tr>
  );
}

function QuoteListStatusBadge({ status }: { readonly status: QuoteListStatus }): ReactNode {
  const { t } = useTranslation();
  const style =
    status === 'live' ? 'badge badge-open' : status === 'expired' ? 'badge badge-closed' : 'badge badge-error';
  return (
    <span className={style} data-testid="settlement-quote-row-status" data-status={status}>
      {t(`settlement.quoteListStatus.${status}`)}
    </span>
  );
}

/** A quote's rate in major units ("1 HKD = 0.9213 ICBC-CNY"), or its minor-unit ratio when decimals are unknown. */
function QuoteRate({
  quote,
  assets,
}: {
  readonly quote: FxQuote;
  readonly assets: readonly Asset[] | null;
}): ReactNode {
  const { t } = useTranslation();
  const rate = quoteRateText(quote, assets);
  if (rate === null) return t('settlement.rateMinor', { num: quote.rateNum.toString(), den: quote.rateDen.toString() });
  return <span data-rate={rate.rate}>{rate.text}</span>;
}

/** One quote, read again with the tab: its details and the conversions applied against it. */
function QuoteDetail({
  id,
  tick,
  assets,
  onClose,
}: {
  readonly id: string;
  readonly tick: number;
  readonly assets: readonly Asset[] | null;
  readonly onClose: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const quote = useLoad(() => getQuote(client, id), [client, id, tick]);
  const conversions = useLoad(() => getQuoteConversions(client, id), [client, id, tick]);
  return (
    <div className="stack" data-testid="settlement-quote-detail" data-quote-id={id}>
      <div className="filters">
        <h3>
          {t('settlement.quoteTitle')} <code>{shortHex(id, 6)}</code>
        </h3>
        <button
          type="button"
          className="button button-secondary"
          onClick={onClose}
          data-testid="settlement-quote-close"
        >
          {t('settlement.quoteClose')}
        </button>
      </div>
      <ErrorBox error={quote.error ?? conversions.error} />
      {quote.data !== null && <QuoteView quote={quote.data} assets={assets} />}
      {quote.data !== null && conversions.data !== null && (
        <ConversionsTable quote={quote.data} conversions={conversions.data} assets={assets} />
      )}
    </div>
  );
}

function ConversionsTable({
  quote,
  conversions,
  assets,
}: {
  readonly quote: FxQuote;
  readonly conversions: QuoteConversions;
  readonly assets: readonly Asset[] | null;
}): ReactNode {
  const { t } = useTranslation();
  const { locale } = useApp();
  const baseDecimals = decimalsOf(assets, quote.baseAsset);
  const quoteDecimals = decimalsOf(assets, quote.quoteAsset);
  // The API answers in chain order, newest last; the table shows the newest first.
  const rows: FxConversion[] = conversions.items.slice(-CONVERSIONS_SHOWN).reverse();
  return (
    <div data-testid="settlement-conversions" data-total={conversions.total.toString()}>
      <h3>{t('settlement.conversionsTitle', { n: conversions.total.toString() })}</h3>
      {conversions.truncated && (
        <p className="muted">
          {t('settlement.conversionsTruncated', {
            shown: conversions.items.length,
            total: conversions.total.toString(),
          })}
        </p>
      )}
      {rows.length === 0 ? (
        <p className="muted">{t('settlement.noConversions')}</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th>{t('settlement.conversionTime')}</th>
                <th>{t('settlement.conversionTx')}</th>
                <th>{t('settlement.conversionBase', { asset: quote.baseAsset })}</th>
                <th>{t('settlement.conversionQuote', { asset: quote.quoteAsset })}</th>
                <th>{t('settlement.conversionPayer')}</th>
                <th>{t('settlement.conversionTarget')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.txId} data-testid="settlement-conversion" data-tx-id={c.txId} data-height={c.height}>
                  <td className="nowrap">{formatTime(c.timeMs, locale)}</td>
                  <td className="nowrap">
                    <code title={c.txId}>{shortHex(c.txId, 6)}</code>
                  </td>
                  <td className="nowrap">
                    <span className="money" data-minor={c.baseAmount.toString()}>
                      {formatAssetUnits(c.baseAmount, baseDecimals, quote.baseAsset)}
                    </span>
                  </td>
                  <td className="nowrap">
                    <span className="money" data-minor={c.quoteAmount.toString()}>
                      {formatAssetUnits(c.quoteAmount, quoteDecimals, quote.quoteAsset)}
                    </span>
                  </td>
                  <td className="nowrap">
                    <code title={c.source}>{shortHex(c.source, 6)}</code>
                  </td>
                  <td className="nowrap">
                    <code title={c.target}>{shortHex(c.target, 6)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function QuoteView({ quote, assets }: { readonly quote: FxQuote; readonly assets: readonly Asset[] | null }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), SETTLEMENT_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const baseDecimals = decimalsOf(assets, quote.baseAsset);
  const status = quoteStatus(quote, nowMs);
  const base = (minor: bigint): string => formatAssetUnits(minor, baseDecimals, quote.baseAsset);
  const usedBp = exposureBasisPoints(quote.used, quote.capacity);
  return (
    <div className="rows" data-testid="settlement-quote" data-quote-id={quote.id} data-status={status}>
      <Row label={t('settlement.pair')} testId="settlement-quote-pair">
        {quote.baseAsset} → {quote.quoteAsset}
      </Row>
      <Row label={t('settlement.rate')} testId="settlement-quote-rate">
        <QuoteRate quote={quote} assets={assets} />
      </Row>
      <Row label={t('settlement.limits')}>
        {base(quote.minBase)} – {base(quote.maxBase)}
      </Row>
      <Row label={t('settlement.capacityUsed')} testId="settlement-quote-used">
        {base(quote.used)} / {base(quote.capacity)} ({(usedBp / 100).toFixed(1)}%) ·{' '}
        {t('settlement.conversions', { n: quote.conversions.toString() })}
      </Row>
      <Row label={t('settlement.provider')}>
        {quote.provider} · <code>{shortHex(quote.baseAccount, 6)}</code> /{' '}
        <code>{shortHex(quote.quoteAccount, 6)}</code>
      </Row>
      <Row label={t('settlement.expiresAt')}>{formatTime(quote.expiresAtMs, locale)}</Row>
      <Row label={t('ops.status')}>
        <span
          className={status === 'active' ? 'badge badge-open' : 'badge badge-error'}
          data-testid="settlement-quote-status"
          data-status={status}
        >
          {quote.cancelled ? t('settlement.quoteCancelled') : t(`settlement.quoteStatus.${status}`)}
        </span>
      </Row>
    </div>
  );
}
