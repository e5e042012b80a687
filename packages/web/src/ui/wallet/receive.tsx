/**
 * Receive: for now the payer transfers to this user's phone number, so the screen shows it large (a static P2P
 * QR code comes later, with its payload format in the contract), and the ledger account id under it.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app-context';

export function ReceiveScreen(): ReactNode {
  const { t } = useTranslation();
  const { user } = useApp();
  return (
    <section className="card center" data-testid="receive-screen">
      <h2>{t('receive.title')}</h2>
      <p className="hint">{t('receive.hint')}</p>
      <p className="code-digits" data-testid="receive-phone">
        {user?.phone ?? '—'}
      </p>
      <p className="muted">
        {t('receive.account')} <code data-testid="receive-account">{user?.ledgerAccountId ?? '—'}</code>
      </p>
    </section>
  );
}
