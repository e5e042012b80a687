/**
 * The merchant console (`#/merchant`): onboarding (name, MCC, city, region and the bank account payouts go to →
 * `POST /v1/merchants`) and the list of
 * the user's merchants; `#/merchant/<id>` opens one merchant's console (merchant-detail.tsx).
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseBankAccount } from '../../api/merchant';
import { useApp } from '../app-context';
import { ErrorBox, Field } from '../common';
import { useAction, useLoad } from '../hooks';
import type { Route } from '../router';
import { navigate } from '../router';
import { AuthScreen } from '../wallet/auth';
import { MerchantDetail } from './merchant-detail';

const MCC_PATTERN = /^[0-9]{4}$/;

export function MerchantConsole({ route }: { readonly route: Route }): ReactNode {
  const { user } = useApp();
  const [, id] = route;
  if (user === null) return <AuthScreen mode="login" after={id === undefined ? '/merchant' : `/merchant/${id}`} />;
  return id === undefined ? <MerchantList /> : <MerchantDetail merchantId={id} />;
}

function MerchantList(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const merchants = useLoad(() => client.merchants(), [client]);
  return (
    <div className="stack" data-testid="merchant-home">
      <section className="card">
        <h2>{t('merchant.mine')}</h2>
        <ErrorBox error={merchants.error} />
        {merchants.data !== null && merchants.data.items.length === 0 && (
          <p className="muted" data-testid="merchant-none">
            {t('merchant.none')}
          </p>
        )}
        <ul className="list">
          {merchants.data?.items.map((m) => (
            <li key={m.id}>
              <a className="list-row" href={`#/merchant/${m.id}`} data-testid="merchant-item" data-merchant-id={m.id}>
                <span>
                  <strong>{m.name}</strong>
                  <small>
                    {m.mcc} · {m.city} · {m.region}
                  </small>
                </span>
                <span aria-hidden="true">›</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <Onboarding />
    </div>
  );
}

function Onboarding(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [name, setName] = useState('');
  const [mcc, setMcc] = useState('5812');
  const [city, setCity] = useState('');
  const [region, setRegion] = useState('');
  const [bankAccount, setBankAccount] = useState('');
  const create = useAction(async () => {
    if (!MCC_PATTERN.test(mcc)) throw new Error(t('merchant.mccInvalid'));
    const bank = parseBankAccount(bankAccount);
    if (!bank.ok) throw new Error(t('merchant.bankAccountInvalid'));
    const merchant = await client.createMerchant({
      name: name.trim(),
      mcc,
      city: city.trim(),
      region: region.trim(),
      bankAccount: bank.value,
    });
    navigate(`/merchant/${merchant.id}`);
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void create.run();
  };
  return (
    <section className="card" data-testid="merchant-onboarding">
      <h2>{t('merchant.onboard')}</h2>
      <form onSubmit={onSubmit}>
        <Field label={t('merchant.name')}>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="merchant-name" required />
        </Field>
        <Field label={t('merchant.mcc')}>
          <input
            inputMode="numeric"
            maxLength={4}
            value={mcc}
            onChange={(e) => setMcc(e.target.value)}
            data-testid="merchant-mcc"
            required
          />
        </Field>
        <Field label={t('merchant.city')}>
          <input value={city} onChange={(e) => setCity(e.target.value)} data-testid="merchant-city" required />
        </Field>
        <Field label={t('merchant.region')}>
          <input value={region} onChange={(e) => setRegion(e.target.value)} data-testid="merchant-region" required />
        </Field>
        <Field label={t('merchant.bankAccount')}>
          <input
            autoComplete="off"
            maxLength={40}
            placeholder="6222 0210 0112 3456"
            value={bankAccount}
            onChange={(e) => setBankAccount(e.target.value)}
            data-testid="merchant-bank-account"
            required
          />
        </Field>
        <p className="hint">{t('merchant.bankAccountHint')}</p>
        <ErrorBox error={create.error} />
        <button type="submit" className="button" disabled={create.busy} data-testid="merchant-submit">
          {create.busy ? t('common.working') : t('merchant.create')}
        </button>
      </form>
    </section>
  );
}
