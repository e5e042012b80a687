/**
 * What every screen shares: the API client, the logged-in user, the consortium facts (fetched once, for receipt
 * verification and the key suite) and the key store. A React context, so screens stay plain functions of it.
 */
import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client';
import type { User } from '../api/types';
import type { Consortium } from '../chain/consortium';
import type { WalletKeyDeps } from '../keys/wallet-key';

export interface AppContextValue {
  readonly client: ApiClient;
  readonly user: User | null;
  setUser(user: User | null): void;
  /** GET /v1/consortium, fetched once per page load (a failed fetch is retried on the next call). */
  consortium(): Promise<Consortium>;
  readonly keys: WalletKeyDeps;
  /** The language for Intl formatting ('zh-CN' or 'en'). */
  readonly locale: string;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error('useApp outside <AppContext.Provider>');
  return value;
}
