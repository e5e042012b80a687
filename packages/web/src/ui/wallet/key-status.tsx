/**
 * The state of a browser-key user's wallet key on this device: a notice when the browser cannot keep the key
 * non-extractable (software fallback, or SM2), and, when this device has no key (a new phone, cleared storage), the
 * way out: make a new key here and register it with `POST /v1/me/key` (the old key stops signing).
 */
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createWalletKey, loadWalletKey } from '../../keys/wallet-key';
import { useApp } from '../app-context';
import { ErrorBox, Notice } from '../common';
import { useAction, useLoad } from '../hooks';

export function KeyStatus(): ReactNode {
  const { t } = useTranslation();
  const { client, user, setUser, keys, consortium } = useApp();
  const [generation, setGeneration] = useState(0);
  const key = useLoad(async () => (user === null ? null : loadWalletKey(user.phone, keys)), [user, keys, generation]);
  const rotate = useAction(async () => {
    if (user === null) return;
    const { suite } = await consortium();
    const created = await createWalletKey(user.phone, suite, keys);
    setUser(await client.rotateKey({ keyMode: 'browser', publicKey: created.publicKeyHex }));
    setGeneration((g) => g + 1);
  });

  if (key.loading && key.data === null) return null;
  // A key on this device that is not the one the ledger account names cannot sign for it either.
  const registered = user?.publicKey?.toLowerCase();
  const mismatch = key.data !== null && registered !== undefined && registered !== key.data.publicKeyHex;
  if (key.data === null || mismatch) {
    return (
      <section className="card warning-card" data-testid="key-missing" data-reason={mismatch ? 'mismatch' : 'missing'}>
        <p>{mismatch ? t('key.mismatch') : t('key.missing')}</p>
        <ErrorBox error={key.error ?? rotate.error} />
        <button
          type="button"
          className="button"
          disabled={rotate.busy}
          onClick={() => void rotate.run()}
          data-testid="key-rotate"
        >
          {t('key.rotate')}
        </button>
      </section>
    );
  }
  return key.data?.nonExtractable !== false ? null : (
    <Notice testId="key-extractable-warning">{t('key.extractable')}</Notice>
  );
}
