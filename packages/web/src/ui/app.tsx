/**
 * The app shell: header (brand, the three areas, language switch, log-out), hash routing to the wallet, the
 * merchant console and the ops console, and the shared context (API client, user, consortium facts, key store).
 * A session token left in sessionStorage is resumed with `GET /v1/me` after a reload.
 */
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type ApiClient, createApiClient, createSessionTokenStore } from '../api/client';
import type { User } from '../api/types';
import type { Consortium } from '../chain/consortium';
import { createIndexedDbKeyStore } from '../keys/key-store';
import { AppContext, type AppContextValue } from './app-context';
import { LanguageSwitch } from './common';
import { MerchantConsole } from './merchant/merchant-console';
import { OpsConsole } from './ops/ops-console';
import { navigate, useRoute } from './router';
import { WalletScreen } from './wallet/wallet-screen';

export function App(): ReactNode {
  const { t, i18n } = useTranslation();
  const route = useRoute();
  const [user, setUser] = useState<User | null>(null);
  const [restoring, setRestoring] = useState(true);
  const client: ApiClient = useMemo(
    () => createApiClient({ tokens: createSessionTokenStore(), onUnauthenticated: () => setUser(null) }),
    [],
  );
  const keys = useMemo(() => ({ store: createIndexedDbKeyStore() }), []);
  const consortiumPromise = useRef<Promise<Consortium> | null>(null);
  const consortium = useCallback((): Promise<Consortium> => {
    if (consortiumPromise.current === null) {
      const pending = client.consortium();
      consortiumPromise.current = pending;
      // A failure is not cached: the next screen that needs the facts asks again.
      pending.catch(() => {
        if (consortiumPromise.current === pending) consortiumPromise.current = null;
      });
    }
    return consortiumPromise.current;
  }, [client]);

  useEffect(() => {
    if (!client.isLoggedIn()) {
      setRestoring(false);
      return;
    }
    let live = true;
    client.me().then(
      (me) => {
        if (!live) return;
        setUser(me);
        setRestoring(false);
      },
      () => {
        // An expired or revoked session: the log-in screen is shown (a 401 has already cleared the token).
        if (!live) return;
        setUser(null);
        setRestoring(false);
      },
    );
    return () => {
      live = false;
    };
  }, [client]);

  const context: AppContextValue = useMemo(
    () => ({ client, user, setUser, consortium, keys, locale: i18n.language }),
    [client, user, consortium, keys, i18n.language],
  );

  const logOut = async (): Promise<void> => {
    try {
      await client.logOut();
    } finally {
      setUser(null);
      navigate('/wallet/login');
    }
  };

  const area = route[0] ?? 'wallet';
  const areas: ReadonlyArray<readonly [string, string]> = [
    ['wallet', t('nav.wallet')],
    ['merchant', t('nav.merchant')],
    ['ops', t('nav.ops')],
  ];
  const main = ((): ReactNode => {
    if (restoring) return <p className="muted">{t('common.loading')}</p>;
    switch (area) {
      case 'merchant':
        return <MerchantConsole route={route} />;
      case 'ops':
        return <OpsConsole route={route} />;
      default:
        return <WalletScreen route={route} />;
    }
  })();

  return (
    <AppContext.Provider value={context}>
      <header className="top-bar">
        <a className="brand" href="#/wallet" data-testid="brand">
          {t('app.name')}
        </a>
        <LanguageSwitch />
        {user !== null && (
          <button type="button" className="link" onClick={() => void logOut()} data-testid="logout">
            {t('nav.logOut')}
          </button>
        )}
      </header>
      <nav className="area-nav" aria-label={t('nav.areas')}>
        {areas.map(([key, label]) => (
          <a
            key={key}
            href={`#/${key}`}
            className={area === key ? 'area area-active' : 'area'}
            aria-current={area === key ? 'page' : undefined}
            data-testid={`nav-${key}`}
          >
            {label}
          </a>
        ))}
      </nav>
      <main className="main" data-testid="main" data-area={area}>
        {user !== null && (
          <p className="whoami muted" data-testid="whoami">
            {user.phone}
          </p>
        )}
        {main}
      </main>
    </AppContext.Provider>
  );
}
