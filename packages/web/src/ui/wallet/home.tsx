/**
 * The wallet's home: balance and available balance (GET /v1/wallet), the actions (scan, pay code, transfer,
 * receive, top-up, withdraw, programs), a warning when this device cannot sign for a browser-key user, and the payment
 * history with search (q) and "more" (cursor pagination). Each history row opens the payment's receipt page.
 */
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment } from '../../api/types';
import { useApp } from '../app-context';
import { ErrorBox, formatTime, MoneyText } from '../common';
import { toShown, useLoad } from '../hooks';
import { KeyStatus } from './key-status';

const HISTORY_PAGE_SIZE = 20;
/** Rows kept on screen; "more" stops there (search narrows instead). */
const HISTORY_ROWS_MAX = 500;
const SEARCH_DEBOUNCE_MS = 300;

export function WalletHome(): ReactNode {
  const { t } = useTranslation();
  const { client, user } = useApp();
  const wallet = useLoad(() => client.wallet(), [client]);

  const actions: ReadonlyArray<readonly [string, string, string]> = [
    ['scan', t('wallet.scan'), 'action-scan'],
    ['pay-code', t('wallet.payCode'), 'action-pay-code'],
    ['transfer', t('wallet.transfer'), 'action-transfer'],
    ['receive', t('wallet.receive'), 'action-receive'],
    ['top-up', t('wallet.topUp'), 'action-top-up'],
    ['withdraw', t('wallet.withdraw'), 'action-withdraw'],
    ['programs', t('wallet.programs'), 'action-programs'],
  ];

  return (
    <div className="stack" data-testid="wallet-home">
      <section className="card balance-card">
        <p className="muted">{t('wallet.balance')}</p>
        {wallet.data !== null ? (
          <>
            <p className="balance">
              <MoneyText money={wallet.data.balance} testId="wallet-balance" />
            </p>
            <p className="muted">
              {t('wallet.available')} <MoneyText money={wallet.data.available} testId="wallet-available" />
            </p>
            {(wallet.data.balances ?? [])
              .filter((b) => b.balance.currency !== wallet.data?.balance.currency)
              .map((b) => (
                <p
                  key={b.balance.currency}
                  className="muted"
                  data-testid="wallet-other-balance"
                  data-currency={b.balance.currency}
                >
                  <MoneyText money={b.balance} testId={`wallet-balance-${b.balance.currency}`} />
                </p>
              ))}
            {wallet.data.frozen && (
              <p className="warning" data-testid="wallet-frozen">
                {t('wallet.frozen')}
              </p>
            )}
          </>
        ) : (
          <p className="balance" aria-busy={wallet.loading}>
            …
          </p>
        )}
        <ErrorBox error={wallet.error} />
        <button type="button" className="link" onClick={wallet.reload} data-testid="wallet-refresh">
          {t('common.refresh')}
        </button>
      </section>
      {user !== null && user.keyMode === 'browser' && <KeyStatus />}
      <nav className="action-grid" aria-label={t('wallet.actions')}>
        {actions.map(([route, label, testId]) => (
          <a key={route} className="action" href={`#/wallet/${route}`} data-testid={testId}>
            {label}
          </a>
        ))}
      </nav>
      <History />
    </div>
  );
}

function History(): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<readonly Payment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ReturnType<typeof toShown> | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    client.walletPayments({ limit: HISTORY_PAGE_SIZE, q: query }).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(toShown(failure));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [client, query]);

  const more = async (): Promise<void> => {
    if (next === null || items.length >= HISTORY_ROWS_MAX) return;
    setLoading(true);
    try {
      const page = await client.walletPayments({ limit: HISTORY_PAGE_SIZE, q: query, before: next });
      setItems((old) => [...old, ...page.items].slice(0, HISTORY_ROWS_MAX));
      setNext(page.next);
    } catch (failure: unknown) {
      setError(toShown(failure));
    } finally {
      setLoading(false);
    }
  };

  return (
    <section className="card" data-testid="history">
      <h2>{t('history.title')}</h2>
      <input
        type="search"
        className="search"
        placeholder={t('history.search')}
        aria-label={t('history.search')}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        data-testid="history-search"
      />
      <ErrorBox error={error} />
      {items.length === 0 && !loading && (
        <p className="muted" data-testid="history-empty">
          {t('history.empty')}
        </p>
      )}
      <ul className="list" aria-busy={loading}>
        {items.map((p) => (
          <li key={p.txId}>
            <a
              className="list-row"
              href={`#/wallet/payments/${p.txId}`}
              data-testid="history-item"
              data-txid={p.txId}
              data-kind={p.kind}
              data-status={p.status}
              data-program-id={p.programId ?? ''}
            >
              <span>
                <strong>{p.counterparty.name}</strong>
                <small>
                  {t(`kind.${p.kind}`)} · {formatTime(p.createdAtMs, locale)}
                  {p.memo !== null && p.memo !== '' ? ` · ${p.memo}` : ''}
                </small>
              </span>
              <span className={p.direction === 'in' ? 'amount-in' : 'amount-out'}>
                {p.direction === 'in' ? '+' : '−'}
                {/* Paid in another currency: what left the wallet, then what the payee got. */}
                <MoneyText money={p.direction === 'out' && p.fx !== null ? p.fx.paid : p.amount} />
                {p.direction === 'out' && p.fx !== null && (
                  <small data-testid="history-fx-received">
                    → <MoneyText money={p.amount} />
                  </small>
                )}
                <small>{t(`payment.status.${p.status}`)}</small>
              </span>
            </a>
          </li>
        ))}
      </ul>
      {next !== null && items.length < HISTORY_ROWS_MAX && (
        <button
          type="button"
          className="button button-secondary"
          disabled={loading}
          onClick={() => void more()}
          data-testid="history-more"
        >
          {t('history.more')}
        </button>
      )}
    </section>
  );
}
