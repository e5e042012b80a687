/**
 * The wallet's routes under `#/wallet`: log-in and sign-up when no one is logged in, else home, scan, pay code,
 * transfer, receive, top-up, withdraw, my programs and a payment's receipt page.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app-context';
import type { Route } from '../router';
import { AuthScreen } from './auth';
import { FundsScreen } from './funds';
import { WalletHome } from './home';
import { PayCodeScreen } from './pay-code';
import { WalletPrograms } from './programs';
import { ReceiptScreen } from './receipt';
import { ReceiveScreen } from './receive';
import { ScanScreen } from './scan';
import { TransferScreen } from './transfer';

export function WalletScreen({ route }: { readonly route: Route }): ReactNode {
  const { t } = useTranslation();
  const { user } = useApp();
  const [, page, id] = route;
  if (page === 'signup') return <AuthScreen mode="signup" />;
  if (user === null) return <AuthScreen mode="login" />;
  const back = (
    <a className="back-link" href="#/wallet" data-testid="back-home">
      ← {t('common.home')}
    </a>
  );
  const screen = ((): ReactNode => {
    switch (page) {
      case undefined:
      case 'login':
        return null;
      case 'scan':
        return <ScanScreen />;
      case 'pay-code':
        return <PayCodeScreen />;
      case 'transfer':
        return <TransferScreen />;
      case 'receive':
        return <ReceiveScreen />;
      case 'top-up':
        return <FundsScreen direction="top-up" />;
      case 'withdraw':
        return <FundsScreen direction="withdraw" />;
      case 'programs':
        return <WalletPrograms />;
      case 'payments':
        return id === undefined ? null : <ReceiptScreen txId={id} />;
      default:
        return null;
    }
  })();
  if (screen === null) return <WalletHome />;
  return (
    <div className="stack">
      {back}
      {screen}
    </div>
  );
}
