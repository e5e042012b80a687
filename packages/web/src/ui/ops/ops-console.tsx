/**
 * The ops console (`#/ops`). For a user with the `ops` role it opens on the dashboard (dashboard.tsx: warehouse
 * charts and exports), next to risk control (risk-screen.tsx: rules, dry run, review queue, refusals) and AML
 * (aml-screen.tsx: scans, alerts, cases, reports) and purpose-bound programs (programs-screen.tsx: create, fund,
 * disburse, suspend, claw back, trace) and interbank settlement (settlement-screen.tsx: banks' liquidity and caps,
 * windows and their reports, FX quotes; public peer routes, no log-in); for anyone else on the explorer. The explorer is a block explorer
 * over the peer API — the head, recent blocks (walking
 * `/v1/blocks/{h}` down from the head, refreshed by `/v1/events/blocks`), a block's header, certificate and
 * transactions, a transaction with its receipt and "proof verified" computed in the browser, an account and its
 * balances — plus the peers of the consortium (`/v1/ops/peers`), freezing or unfreezing an account with a reason,
 * and setting a customer's KYC class (`/v1/ops/users/kyc`, class I/II/III, recorded on chain) with its new limits.
 * The explorer reads public peer routes; peers, freezes and KYC need a session of a user with the `ops` role.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BlockJson, FreezeResult, KycTier, Money, User } from '../../api/types';
import { verifyReceiptInBrowser } from '../../chain/verify-receipt';
import { useApp } from '../app-context';
import { ErrorBox, Field, formatTime, MoneyText, Row, shortHex } from '../common';
import { useAction, useLoad } from '../hooks';
import { navigate, type Route } from '../router';
import { AuthScreen, normalizePhone, PHONE_PATTERN } from '../wallet/auth';
import { AmlScreen, CaseDetailView } from './aml-screen';
import { Dashboard } from './dashboard';
import { ProgramDetail, ProgramsScreen } from './programs-screen';
import { RiskScreen } from './risk-screen';
import { SettlementScreen } from './settlement-screen';

/** Blocks listed under the head. */
const RECENT_BLOCKS = 10;
const ID_PATTERN = /^[0-9a-f]{32}$/;
const HEIGHT_PATTERN = /^(0|[1-9][0-9]{0,19})$/;
const REASON_CHARS_MAX = 200;
/** KYC classes, from class I (fully verified, highest limits) to class III (a new wallet). */
const KYC_TIERS: readonly KycTier[] = [1, 2, 3];

export function OpsConsole({ route }: { readonly route: Route }): ReactNode {
  const { t } = useTranslation();
  const { user } = useApp();
  const [, page, id, subId] = route;
  const isOps = user?.role === 'ops';
  /** `#/ops` itself: the dashboard for ops users, the public explorer for anyone else. */
  const home = isOps ? 'dashboard' : 'explorer';
  const shown = page ?? home;
  const tabs: ReadonlyArray<readonly [string, string, string]> = [
    ['dashboard', t('ops.dashboard'), 'ops-tab-dashboard'],
    ['risk', t('ops.risk'), 'ops-tab-risk'],
    ['aml', t('ops.aml'), 'ops-tab-aml'],
    ['programs', t('ops.programs'), 'programs-tab'],
    ['settlement', t('ops.settlement'), 'settlement-tab'],
    ['explorer', t('ops.explorer'), 'ops-tab-explorer'],
    ['peers', t('ops.peers'), 'ops-tab-peers'],
    ['freeze', t('ops.freeze'), 'ops-tab-freeze'],
    ['kyc', t('ops.kyc'), 'ops-tab-kyc'],
  ];
  const signedIn = (after: string, screen: ReactNode): ReactNode =>
    user === null ? <AuthScreen mode="login" after={after} /> : screen;
  const screen = ((): ReactNode => {
    switch (shown) {
      case 'dashboard':
        return signedIn('/ops/dashboard', <Dashboard />);
      case 'risk':
        return signedIn('/ops/risk', <RiskScreen />);
      case 'aml':
        if (id === 'cases' && subId !== undefined) {
          return signedIn(`/ops/aml/cases/${subId}`, <CaseDetailView caseId={subId} />);
        }
        return signedIn('/ops/aml', <AmlScreen />);
      case 'programs':
        if (id !== undefined) return signedIn(`/ops/programs/${id}`, <ProgramDetail programId={id} />);
        return signedIn('/ops/programs', <ProgramsScreen />);
      case 'settlement':
        // Public peer routes: no log-in needed.
        return <SettlementScreen />;
      case 'blocks':
        return id === undefined ? <Explorer /> : <BlockView height={id} />;
      case 'tx':
        return id === undefined ? <Explorer /> : <TxView txId={id} />;
      case 'accounts':
        return id === undefined ? <Explorer /> : <AccountView accountId={id} />;
      case 'peers':
        return user === null ? <AuthScreen mode="login" after="/ops/peers" /> : <Peers />;
      case 'freeze':
        return user === null ? <AuthScreen mode="login" after="/ops/freeze" /> : <FreezeForm accountId="" />;
      case 'kyc':
        return user === null ? <AuthScreen mode="login" after="/ops/kyc" /> : <KycForm />;
      default:
        return <Explorer />;
    }
  })();
  return (
    <div className="stack" data-testid="ops-console">
      <nav className="tabs tabs-scroll">
        {tabs.map(([key, label, testId]) => (
          <a
            key={key}
            href={`#/ops/${key}`}
            className={key === shown || (key === 'explorer' && isExplorerPage(shown)) ? 'tab tab-active' : 'tab'}
            aria-current={key === shown ? 'page' : undefined}
            data-testid={testId}
          >
            {label}
          </a>
        ))}
      </nav>
      {screen}
    </div>
  );
}

/** Pages of the explorer tab: its home and the block, transaction and account views. */
function isExplorerPage(page: string): boolean {
  return page === 'explorer' || page === 'blocks' || page === 'tx' || page === 'accounts';
}

function Explorer(): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const [tick, setTick] = useState(0);
  const head = useLoad(() => client.chainHead(), [client, tick]);
  const headHeight = head.data?.height;
  const recent = useLoad(async () => {
    if (headHeight === undefined) return [];
    const top = BigInt(headHeight);
    const heights: bigint[] = [];
    for (let h = top; h >= 1n && heights.length < RECENT_BLOCKS; h--) heights.push(h);
    return Promise.all(heights.map((h) => client.block(h.toString())));
  }, [client, headHeight]);

  useEffect(() => {
    const source = new EventSource(client.blockEventsUrl());
    source.addEventListener('block', () => setTick((n) => n + 1));
    return () => source.close();
  }, [client]);

  return (
    <>
      <section className="card" data-testid="ops-head">
        <h2>{t('ops.head')}</h2>
        <ErrorBox error={head.error} />
        {head.data !== null && (
          <div className="rows">
            <Row label={t('ops.chain')} testId="ops-chain-id">
              {head.data.chainId} ({head.data.suite})
            </Row>
            <Row label={t('ops.height')} testId="ops-head-height">
              {head.data.height}
            </Row>
            <Row label={t('ops.certifiedHeight')} testId="ops-certified-height">
              {head.data.certifiedHeight}
            </Row>
            <Row label={t('ops.hash')}>
              <code>{shortHex(head.data.hash)}</code>
            </Row>
            <Row label={t('ops.time')}>{formatTime(Number(head.data.time), locale)}</Row>
          </div>
        )}
      </section>
      <Lookup />
      <section className="card" data-testid="ops-recent-blocks">
        <h2>{t('ops.recentBlocks')}</h2>
        <ErrorBox error={recent.error} />
        <ul className="list">
          {recent.data?.map((b) => (
            <li key={b.height}>
              <a
                className="list-row"
                href={`#/ops/blocks/${b.height}`}
                data-testid="ops-block-item"
                data-height={b.height}
              >
                <span>
                  <strong>#{b.height}</strong>
                  <small>
                    {formatTime(Number(b.time), locale)} · {t('ops.txCount', { n: b.txCount })}
                  </small>
                </span>
                <span className={b.certificate === null ? 'badge badge-connecting' : 'badge badge-open'}>
                  {b.certificate === null ? t('ops.notFinal') : t('ops.final')}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** One box for a height, a transaction id or an account id: a height is digits, the others 32 hex characters. */
function Lookup(): ReactNode {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const go = (kind: 'block' | 'tx' | 'account'): void => {
    const value = text.trim().toLowerCase();
    if (kind === 'block' ? !HEIGHT_PATTERN.test(value) : !ID_PATTERN.test(value)) {
      setError(kind === 'block' ? t('ops.heightInvalid') : t('ops.idInvalid'));
      return;
    }
    setError(null);
    navigate(kind === 'block' ? `/ops/blocks/${value}` : kind === 'tx' ? `/ops/tx/${value}` : `/ops/accounts/${value}`);
  };
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    go(HEIGHT_PATTERN.test(text.trim()) ? 'block' : 'tx');
  };
  return (
    <section className="card" data-testid="ops-lookup">
      <form onSubmit={onSubmit}>
        <Field label={t('ops.lookup')}>
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={t('ops.lookupPlaceholder')}
            data-testid="ops-lookup-input"
            spellCheck={false}
          />
        </Field>
        {error !== null && <ErrorBox error={{ message: error, code: 'lookup' }} />}
        <div className="actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => go('block')}
            data-testid="ops-lookup-block"
          >
            {t('ops.block')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => go('tx')}
            data-testid="ops-lookup-tx"
          >
            {t('ops.transaction')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => go('account')}
            data-testid="ops-lookup-account"
          >
            {t('ops.account')}
          </button>
        </div>
      </form>
    </section>
  );
}

function BlockView({ height }: { readonly height: string }): ReactNode {
  const { t } = useTranslation();
  const { client, locale } = useApp();
  const block = useLoad(() => client.block(height), [client, height]);
  const b: BlockJson | null = block.data;
  return (
    <section className="card" data-testid="ops-block" data-height={height}>
      <h2>
        {t('ops.block')} #{height}
      </h2>
      <ErrorBox error={block.error} />
      {b !== null && (
        <>
          <div className="rows">
            <Row label={t('ops.hash')} testId="ops-block-hash">
              <code>{b.hash}</code>
            </Row>
            <Row label={t('ops.prevHash')}>
              {b.height === '0' ? (
                <code>{shortHex(b.prevHash)}</code>
              ) : (
                <a href={`#/ops/blocks/${BigInt(b.height) - 1n}`}>
                  <code>{shortHex(b.prevHash)}</code>
                </a>
              )}
            </Row>
            <Row label={t('ops.time')}>{formatTime(Number(b.time), locale)}</Row>
            <Row label={t('ops.txRoot')}>
              <code>{shortHex(b.txRoot)}</code>
            </Row>
            <Row label={t('ops.resultRoot')}>
              <code>{shortHex(b.resultRoot)}</code>
            </Row>
            <Row label={t('ops.stateCommitment')}>
              <code>{shortHex(b.stateCommitment)}</code>
            </Row>
            <Row label={t('ops.certificate')} testId="ops-block-signers">
              {b.certificate === null ? t('ops.notFinal') : b.certificate.signatures.map((s) => s.org).join(', ')}
            </Row>
          </div>
          <h3>{t('ops.transactions')}</h3>
          {b.transactions.length === 0 && <p className="muted">{t('ops.noTransactions')}</p>}
          <ul className="list">
            {b.transactions.map((tx) => (
              <li key={tx.id}>
                <a className="list-row" href={`#/ops/tx/${tx.id}`} data-testid="ops-block-tx" data-txid={tx.id}>
                  <span>
                    <code>{shortHex(tx.id)}</code>
                    <small>
                      {tx.index} · {tx.type ?? '?'}
                    </small>
                  </span>
                  <span className={tx.code === 'ok' ? 'badge badge-open' : 'badge badge-error'}>{tx.code}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function TxView({ txId }: { readonly txId: string }): ReactNode {
  const { t } = useTranslation();
  const { client, consortium } = useApp();
  const tx = useLoad(() => client.transaction(txId), [client, txId]);
  const chain = useLoad(() => consortium(), [consortium]);
  const data = tx.data;
  const verdict =
    data?.receipt === undefined || chain.data === null
      ? null
      : verifyReceiptInBrowser(data.receipt, chain.data, { expectedTxId: txId });
  return (
    <section className="card" data-testid="ops-tx" data-txid={txId}>
      <h2>{t('ops.transaction')}</h2>
      <ErrorBox error={tx.error ?? chain.error} />
      {data !== null && (
        <>
          <div className="rows">
            <Row label={t('ops.txId')}>
              <code>{data.id}</code>
            </Row>
            <Row label={t('ops.status')} testId="ops-tx-status">
              {data.status}
            </Row>
            {data.height !== undefined && (
              <Row label={t('ops.block')}>
                <a href={`#/ops/blocks/${data.height}`} data-testid="ops-tx-block">
                  #{data.height} / {data.index}
                </a>
              </Row>
            )}
            {data.result !== undefined && (
              <Row label={t('ops.result')} testId="ops-tx-result">
                {data.result.code} — {data.result.message}
              </Row>
            )}
            {data.tx?.decoded != null && (
              <Row label={t('ops.type')} testId="ops-tx-type">
                {data.tx.decoded.type}
              </Row>
            )}
          </div>
          {data.tx?.decoded != null && (
            <pre className="json" data-testid="ops-tx-body">
              {JSON.stringify(data.tx.decoded.body, null, 2)}
            </pre>
          )}
          {verdict === null ? (
            <p className="verify verify-none" data-testid="tx-proof-none">
              {data.status === 'final' ? '…' : t('ops.noProofYet')}
            </p>
          ) : verdict.ok ? (
            <p className="verify verify-ok" data-testid="tx-proof-verified" data-verified="true">
              <strong>{t('ops.proofVerified')}</strong>{' '}
              {t('receipt.verifiedDetail', {
                height: verdict.height.toString(),
                hash: shortHex(verdict.headerHash),
                signers: verdict.signers.join(', '),
              })}
            </p>
          ) : (
            <p className="verify verify-bad" data-testid="tx-proof-failed" data-verified="false">
              {t('ops.proofFailed', { reason: verdict.reason })}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function AccountView({ accountId }: { readonly accountId: string }): ReactNode {
  const { t } = useTranslation();
  const { client, user } = useApp();
  const [changes, setChanges] = useState(0);
  const account = useLoad(() => client.account(accountId), [client, accountId, changes]);
  const a = account.data;
  return (
    <>
      <section className="card" data-testid="ops-account" data-account-id={accountId}>
        <h2>{t('ops.account')}</h2>
        <ErrorBox error={account.error} />
        {a !== null && (
          <div className="rows">
            <Row label={t('ops.accountId')}>
              <code>{a.id}</code>
            </Row>
            <Row label={t('ops.issuer')}>{a.issuer}</Row>
            <Row label={t('ops.tier')}>{a.tier}</Row>
            <Row label={t('ops.frozen')} testId="ops-account-frozen">
              {a.frozen ? t('common.yes') : t('common.no')}
            </Row>
            <Row label={t('ops.closed')}>{a.closed ? t('common.yes') : t('common.no')}</Row>
            {a.balances.map((balance) => (
              <Row
                key={balance.asset}
                label={`${t('ops.balance')} ${balance.asset}`}
                testId={`ops-account-balance-${balance.asset}`}
              >
                {balance.decimal} ({t('ops.availableShort')} {balance.availableDecimal})
              </Row>
            ))}
          </div>
        )}
      </section>
      {user !== null && <FreezeForm accountId={accountId} onDone={() => setChanges((n) => n + 1)} />}
    </>
  );
}

function Peers(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const peers = useLoad(() => client.peers(), [client]);
  return (
    <section className="card" data-testid="ops-peers">
      <h2>{t('ops.peers')}</h2>
      <ErrorBox error={peers.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('ops.org')}</th>
            <th>{t('ops.height')}</th>
            <th>{t('ops.hash')}</th>
            <th>{t('ops.certifiedHeight')}</th>
          </tr>
        </thead>
        <tbody>
          {peers.data?.items.map((p) => (
            <tr key={p.org} data-testid="ops-peer" data-org={p.org}>
              <td>{p.org}</td>
              <td>{String(p.height)}</td>
              <td>
                <code>{shortHex(p.headHash, 6)}</code>
              </td>
              <td data-testid="ops-peer-certified">
                {p.certifiedHeight ?? (p.certified === undefined ? '—' : p.certified ? '✓' : '✗')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="link" onClick={peers.reload} data-testid="ops-peers-refresh">
        {t('common.refresh')}
      </button>
    </section>
  );
}

function FreezeForm({ accountId, onDone }: { readonly accountId: string; readonly onDone?: () => void }): ReactNode {
  const { t } = useTranslation();
  const { client, consortium } = useApp();
  const [account, setAccount] = useState(accountId);
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<FreezeResult | null>(null);
  const [verified, setVerified] = useState<string | null>(null);
  const act = useAction(async (freeze: boolean) => {
    const id = account.trim().toLowerCase();
    if (!ID_PATTERN.test(id)) throw new Error(t('ops.idInvalid'));
    if (reason.trim() === '') throw new Error(t('ops.reasonRequired'));
    const answer = freeze
      ? await client.freezeAccount(id, reason.trim())
      : await client.unfreezeAccount(id, reason.trim());
    setResult(answer);
    const receipt = answer.receipt ?? (await client.transaction(answer.txId)).receipt ?? null;
    const verdict = verifyReceiptInBrowser(receipt, await consortium(), { expectedTxId: answer.txId });
    setVerified(verdict.ok ? t('ops.proofVerified') : t('ops.proofFailed', { reason: verdict.reason }));
    onDone?.();
  });
  return (
    <section className="card" data-testid="ops-freeze">
      <h2>{t('ops.freezeTitle')}</h2>
      <Field label={t('ops.accountId')}>
        <input
          value={account}
          onChange={(e) => setAccount(e.target.value)}
          data-testid="freeze-account"
          spellCheck={false}
        />
      </Field>
      <Field label={t('ops.reason')}>
        <input
          value={reason}
          maxLength={REASON_CHARS_MAX}
          onChange={(e) => setReason(e.target.value)}
          data-testid="freeze-reason"
        />
      </Field>
      <ErrorBox error={act.error} />
      <div className="actions">
        <button
          type="button"
          className="button button-danger"
          disabled={act.busy}
          onClick={() => void act.run(true)}
          data-testid="freeze-submit"
        >
          {t('ops.freezeAction')}
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={act.busy}
          onClick={() => void act.run(false)}
          data-testid="unfreeze-submit"
        >
          {t('ops.unfreezeAction')}
        </button>
      </div>
      {result !== null && (
        <div className="rows" data-testid="freeze-result" data-frozen={String(result.frozen)} data-txid={result.txId}>
          <Row label={t('ops.frozen')}>{result.frozen ? t('common.yes') : t('common.no')}</Row>
          <Row label={t('ops.txId')}>
            <a href={`#/ops/tx/${result.txId}`}>
              <code>{shortHex(result.txId)}</code>
            </a>
          </Row>
          {verified !== null && <p data-testid="freeze-proof">{verified}</p>}
        </div>
      )}
    </section>
  );
}

function KycForm(): ReactNode {
  const { t } = useTranslation();
  const { client } = useApp();
  const [phone, setPhone] = useState('');
  const [tier, setTier] = useState<KycTier>(1);
  const [result, setResult] = useState<User | null>(null);
  const submit = useAction(async () => {
    const normalized = normalizePhone(phone.trim());
    if (!PHONE_PATTERN.test(normalized)) throw new Error(t('auth.phoneInvalid'));
    setResult(null);
    setResult(await client.setKycTier({ phone: normalized, tier }));
  });
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void submit.run();
  };
  const onTier = (value: string): void => {
    const chosen = KYC_TIERS.find((n) => String(n) === value);
    if (chosen !== undefined) setTier(chosen);
  };
  return (
    <section className="card" data-testid="ops-kyc">
      <h2>{t('ops.kycTitle')}</h2>
      <p className="hint">{t('ops.kycHint')}</p>
      <form onSubmit={onSubmit}>
        <Field label={t('ops.kycPhone')}>
          <input
            type="tel"
            inputMode="tel"
            placeholder="+8613800138000"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            data-testid="kyc-phone"
            required
          />
        </Field>
        <Field label={t('ops.kycTier')}>
          <select value={String(tier)} onChange={(e) => onTier(e.target.value)} data-testid="kyc-tier">
            {KYC_TIERS.map((n) => (
              <option key={n} value={String(n)}>
                {t(`ops.kycClass.tier${n}`)}
              </option>
            ))}
          </select>
        </Field>
        <ErrorBox error={submit.error} />
        <button type="submit" className="button" disabled={submit.busy} data-testid="kyc-submit">
          {submit.busy ? t('common.working') : t('ops.kycSubmit')}
        </button>
      </form>
      {result !== null && (
        <div className="rows" data-testid="kyc-result" data-tier={result.kycTier} data-user-id={result.id}>
          <p className="verify verify-ok">{t('ops.kycDone')}</p>
          <Row label={t('auth.phone')} testId="kyc-result-phone">
            {result.phone}
          </Row>
          <Row label={t('ops.kycTier')} testId="kyc-result-tier">
            {t(`ops.kycClass.tier${result.kycTier}`)}
          </Row>
          {result.limits === undefined ? (
            <p className="muted">{t('ops.limitsUnknown')}</p>
          ) : (
            <>
              <Row label={t('ops.kycPerPayment')}>
                <Limit money={result.limits.perPayment} testId="kyc-result-per-payment" />
              </Row>
              <Row label={t('ops.kycPerDay')}>
                <Limit money={result.limits.perDay} testId="kyc-result-per-day" />
              </Row>
            </>
          )}
          <Row label={t('ops.account')}>
            <a href={`#/ops/accounts/${result.ledgerAccountId}`} data-testid="kyc-result-account">
              <code>{shortHex(result.ledgerAccountId)}</code>
            </a>
          </Row>
        </div>
      )}
    </section>
  );
}

/** A limit: its amount, or "no limit" for null (`data-amount` is empty then). */
function Limit({ money, testId }: { readonly money: Money | null; readonly testId: string }): ReactNode {
  const { t } = useTranslation();
  if (money === null) {
    return (
      <span data-testid={testId} data-amount="">
        {t('ops.noLimit')}
      </span>
    );
  }
  return <MoneyText money={money} testId={testId} />;
}
