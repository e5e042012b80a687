/**
 * The demo's interbank settlement (docs/settlement.md, "In the demo"): a settlement institution `cb`, a second bank
 * `icbc` with a tea house and a few customers, and an FX desk `fxlp` quoting HKD→CNY, set up once per data directory
 * through the running consortium with the organizations' admin keys; then a live quote refreshed every 5 minutes and
 * interbank payments both ways among the workload's traffic, so the windows `cb` closes every 60 s have positions.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccountId,
  formatAmount,
  type KycTier,
  type LedgerState,
  type Signer,
  signAndEncode,
  type TxBody,
} from '@paychain/core';
import { encodeMerchantQr } from '@paychain/gateway';
import type { DataDir, LedgerNode, OrgSpec } from '@paychain/node';
import { CliError } from './errors.ts';
import type { Workload } from './workload.ts';

/** The organizations a fresh demo directory has besides DEFAULT_ORGS (none of them validators). */
export const DEMO_BANK_ORGS: readonly OrgSpec[] = [
  { id: 'cb', name: 'People’s Bank (settlement)', roles: ['issuer', 'settlement'] },
  { id: 'icbc', name: 'Second Bank', roles: ['issuer'] },
  { id: 'fxlp', name: 'FX desk', roles: ['liquidity'] },
];

/** The demo's fixed accounts: the same ids in every demo, so the tea house's printed QR is too. */
export const DEMO_ACCOUNTS = {
  /** Settlement accounts at `cb`, owned by each bank's admin key. */
  bankSettlement: '5e770000000000000000000000000001',
  icbcSettlement: '5e770000000000000000000000000002',
  /** 演示茶馆, a merchant of `icbc`. */
  teaHouse: '7ea00000000000000000000000000001',
  /** The FX desk's accounts at `bank`: it takes HKD in one and pays CNY from the other. */
  fxHkd: 'fe000000000000000000000000000001',
  fxCny: 'fe000000000000000000000000000002',
  /** Customers of `icbc` (held by its key, as a custodial app would). */
  icbcCustomers: [
    'c1b10000000000000000000000000001',
    'c1b20000000000000000000000000002',
    'c1b30000000000000000000000000003',
    'c1b40000000000000000000000000004',
  ],
} as const;

/** Major units of a 2-decimal asset, in minor units. */
const yuan = (major: number): bigint => BigInt(major) * 100n;
/** ¥12,345.67 */
const yuanText = (minor: bigint): string => {
  const [whole = '0', fraction = '00'] = formatAmount(minor, 2).split('.');
  return `¥${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${fraction}`;
};

const TEA_HOUSE = { name: '演示茶馆 Demo Tea House', mcc: '5814', region: 'SH' } as const;

/** The tea house's static EMVCo QR: the payer types the amount; any bank of the CNY scheme can pay it. */
export function teaHouseQr(): string {
  const encoded = encodeMerchantQr({
    kind: 'static',
    accountId: DEMO_ACCOUNTS.teaHouse,
    merchantName: 'DEMO TEA HOUSE',
    merchantCity: 'SHANGHAI',
    mcc: TEA_HOUSE.mcc,
    currency: 'CNY',
    country: 'CN',
    alternateLanguage: { language: 'ZH', merchantName: '演示茶馆', merchantCity: '上海' },
  });
  if (!encoded.ok) throw new CliError(`the tea house's QR does not encode: ${encoded.message}`);
  return encoded.value;
}

const TX_LIFETIME_MS = 600_000n;
/** A quote is posted at start and then every so often, and lives twice as long: one is always live. */
const QUOTE_EVERY_MS = 5 * 60_000;
const QUOTE_LIFETIME_MS = 10 * 60_000;
/** Each bank's pledge (its net debit cap); settling its debts takes from it, so the refresher tops it back up. */
const PLEDGES = [
  { org: 'bank', amount: 200_000_00n },
  { org: 'icbc', amount: 50_000_00n },
] as const;
/** 0.9213 CNY per HKD, in minor units of each (both have 2 decimals). */
const QUOTE_RATE = { num: 9213n, den: 10_000n } as const;

/** One step of the setup: skipped when the ledger shows it done, so a run cut short carries on where it stopped. */
interface Step {
  readonly done: (ledger: LedgerState) => boolean;
  readonly body: TxBody;
  readonly signers: readonly Signer[];
}

export class DemoBanks {
  private readonly node: LedgerNode;
  private readonly signers: ReadonlyMap<string, Signer>;
  private quoteTimer: NodeJS.Timeout | null = null;
  private quoting: Promise<void> | null = null;
  private turn = 0;

  private constructor(node: LedgerNode, signers: ReadonlyMap<string, Signer>) {
    this.node = node;
    this.signers = signers;
  }

  /**
   * Sets the banks up on the ledger (once per data directory) and prints them and the tea house's QR. Null, with one
   * printed line, for an older demo directory made without the settlement institution.
   */
  static async open(node: LedgerNode, data: DataDir): Promise<DemoBanks | null> {
    const signers = new Map<string, Signer>();
    for (const org of ['bank', ...DEMO_BANK_ORGS.map((o) => o.id)]) {
      const keys = data.keys.get(org);
      if (keys === undefined || !data.genesis.orgs.some((o) => o.id === org)) {
        console.log(
          `no interbank settlement in this demo: ${data.dir} was made before the demo had several banks (delete it to get them)`,
        );
        return null;
      }
      signers.set(org, { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey });
    }
    const banks = new DemoBanks(node, signers);
    const submitted = await banks.setUp();
    if (submitted > 0) console.log(`set up interbank settlement on the ledger (${submitted} transactions)`);
    console.log(
      'demo banks: bank (Commercial Bank, CNY, the gateway) and icbc (Second Bank, ICBC-CNY) settle CNY in RES-CNY ' +
        'at cb (People’s Bank); fxlp (FX desk) quotes HKD→CNY at 0.9213',
    );
    console.log(`demo other-bank merchant QR: ${teaHouseQr()}`);
    return banks;
  }

  private signer(org: string): Signer {
    const signer = this.signers.get(org);
    if (signer === undefined) throw new CliError(`the demo holds no keys of ${org}`);
    return signer;
  }

  private tx(body: TxBody, signers: readonly Signer[]): Uint8Array {
    return signAndEncode(
      this.node.suite,
      {
        chainId: this.node.genesis.chainId,
        id: randomBytes(16).toString('hex'),
        expiresAt: BigInt(Date.now()) + TX_LIFETIME_MS,
        body,
      },
      signers,
    );
  }

  /** Submits each step not done yet, a phase at a time (a phase's steps in parallel); any other code than ok throws. */
  private async setUp(): Promise<number> {
    let submitted = 0;
    for (const phase of this.phases()) {
      const ledger = this.node.primary.ledger;
      const todo = phase.filter((step) => !step.done(ledger));
      const outcomes = await Promise.all(todo.map((step) => this.node.submit(this.tx(step.body, step.signers))));
      outcomes.forEach((outcome, i) => {
        if (outcome.code !== 'ok') {
          throw new CliError(`the demo's interbank setup failed: ${todo[i]?.body.type} was refused: ${outcome.code}`);
        }
      });
      submitted += todo.length;
    }
    return submitted;
  }

  private phases(): Step[][] {
    const [bank, cb, icbc, fxlp] = [this.signer('bank'), this.signer('cb'), this.signer('icbc'), this.signer('fxlp')];
    const A = DEMO_ACCOUNTS;
    const asset = (id: string, name: string, issuer: string, signer: Signer): Step => ({
      done: (l) => l.getAsset(id) !== undefined,
      body: { type: 'asset.define', asset: { id, name, issuer, decimals: 2 } },
      signers: [signer],
    });
    const open = (account: AccountId, issuer: string, opener: Signer, owner: Signer, tier: KycTier = 1): Step => ({
      done: (l) => l.getAccount(account) !== undefined,
      body: {
        type: 'account.open',
        account,
        issuer,
        owners: [owner.publicKey],
        threshold: 1,
        tier,
        flags: { allowNegative: false },
      },
      signers: [opener],
    });
    // Minted into a fresh account only: a balance there means this ran before.
    const mint = (assetId: string, account: AccountId, amount: bigint, issuer: Signer): Step => ({
      done: (l) => l.getBalance(account, assetId) !== undefined,
      body: { type: 'mint', asset: assetId, account, amount },
      signers: [issuer],
    });
    const join = (org: string, depositAsset: string, settlementAccount: AccountId, signer: Signer): Step => ({
      done: (l) => l.getParticipant('CNY', org) !== undefined,
      body: { type: 'settlement.join', currency: 'CNY', org, depositAsset, settlementAccount },
      signers: [cb, signer],
    });
    const pledge = (org: string, amount: bigint, signer: Signer): Step => ({
      done: (l) => (l.getParticipant('CNY', org)?.pledged ?? 0n) > 0n,
      body: { type: 'settlement.pledge', currency: 'CNY', org, amount },
      signers: [signer],
    });
    return [
      [
        asset('RES-CNY', 'Reserves in yuan', 'cb', cb),
        asset('ICBC-CNY', 'Second Bank yuan deposit token', 'icbc', icbc),
        asset('HKD', 'Hong Kong dollar deposit token', 'bank', bank),
        open(A.bankSettlement, 'cb', cb, bank),
        open(A.icbcSettlement, 'cb', cb, icbc),
        open(A.teaHouse, 'icbc', icbc, icbc),
        ...A.icbcCustomers.map((id) => open(id, 'icbc', icbc, icbc)),
        open(A.fxHkd, 'bank', bank, fxlp),
        open(A.fxCny, 'bank', bank, fxlp),
      ],
      [
        mint('RES-CNY', A.bankSettlement, yuan(5_000_000), cb),
        mint('RES-CNY', A.icbcSettlement, yuan(5_000_000), cb),
        ...A.icbcCustomers.map((id) => mint('ICBC-CNY', id, yuan(100_000), icbc)),
        mint('CNY', A.fxCny, yuan(1_000_000), bank),
        {
          done: (l) => l.getMerchant(A.teaHouse) !== undefined,
          body: { type: 'account.merchant', account: A.teaHouse, mcc: TEA_HOUSE.mcc, region: TEA_HOUSE.region },
          signers: [icbc],
        },
        {
          done: (l) => l.getScheme('CNY') !== undefined,
          body: { type: 'settlement.scheme', currency: 'CNY', settlementAsset: 'RES-CNY' },
          signers: [cb],
        },
      ],
      [join('bank', 'CNY', A.bankSettlement, bank), join('icbc', 'ICBC-CNY', A.icbcSettlement, icbc)],
      PLEDGES.map(({ org, amount }) => pledge(org, amount, this.signer(org))),
    ];
  }

  /**
   * Posts the FX desk's quote now and then every 5 minutes, each live for 10, until stop(); each time, tops the banks'
   * pledges back up to their caps from their settlement accounts (settled debts are paid out of the pledge).
   */
  start(): void {
    if (this.quoteTimer !== null) return;
    const post = () => {
      if (this.quoting !== null) return;
      this.quoting = Promise.all([this.postQuote(), this.refillPledges()])
        .then(() => undefined)
        .catch((error: unknown) => console.error(`fx quote and pledges: ${(error as Error).message}`))
        .finally(() => {
          this.quoting = null;
        });
    };
    post();
    this.quoteTimer = setInterval(post, QUOTE_EVERY_MS);
    this.quoteTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.quoteTimer !== null) clearInterval(this.quoteTimer);
    this.quoteTimer = null;
    await this.quoting;
  }

  private async refillPledges(): Promise<void> {
    for (const { org, amount } of PLEDGES) {
      const pledged = this.node.primary.ledger.getParticipant('CNY', org)?.pledged;
      if (pledged === undefined || pledged >= amount) continue;
      const outcome = await this.node.submit(
        this.tx({ type: 'settlement.pledge', currency: 'CNY', org, amount: amount - pledged }, [this.signer(org)]),
      );
      if (outcome.code === 'ok')
        console.log(`${org} pledged ${yuanText(amount - pledged)} more (its cap back to ${yuanText(amount)})`);
      else console.error(`${org}'s pledge top-up refused: ${outcome.code}`);
    }
  }

  private async postQuote(): Promise<void> {
    const fxlp = this.signer('fxlp');
    const quote = randomBytes(16).toString('hex');
    const outcome = await this.node.submit(
      this.tx(
        {
          type: 'fx.quote',
          quote,
          provider: 'fxlp',
          baseAsset: 'HKD',
          quoteAsset: 'CNY',
          rateNum: QUOTE_RATE.num,
          rateDen: QUOTE_RATE.den,
          minBase: yuan(1),
          maxBase: yuan(50_000),
          capacity: yuan(1_000_000),
          baseAccount: DEMO_ACCOUNTS.fxHkd,
          quoteAccount: DEMO_ACCOUNTS.fxCny,
          expiresAt: BigInt(Date.now() + QUOTE_LIFETIME_MS),
        },
        // The provider, and the owners of the account it pays from: the desk's own key, for both.
        [fxlp],
      ),
    );
    if (outcome.code === 'ok') console.log(`fx quote ${quote}: 1 HKD = 0.9213 CNY, live for 10 minutes (fxlp)`);
    else console.error(`fx quote ${quote} refused: ${outcome.code}`);
  }

  /**
   * One interbank payment of the background traffic, alternating: an icbc customer pays one of the workload's
   * merchants at `bank`, then a `bank` customer of the workload pays the tea house or an icbc customer.
   */
  payment(workload: Workload): { bytes: Uint8Array; line: string } {
    const pick = <T>(items: readonly T[]): T => {
      const item = items[Math.floor(Math.random() * items.length)];
      if (item === undefined) throw new CliError('the demo has no accounts to pay between');
      return item;
    };
    const amount = BigInt(100 + Math.floor(Math.random() * 30_000));
    const toBank = this.turn++ % 2 === 0;
    let source: AccountId;
    let target: AccountId;
    let signer: Signer;
    if (toBank) {
      source = pick(DEMO_ACCOUNTS.icbcCustomers);
      target = pick(workload.merchants).id;
      signer = this.signer('icbc');
    } else {
      const payer = pick(workload.payers);
      source = payer.id;
      target = Math.random() < 0.5 ? DEMO_ACCOUNTS.teaHouse : pick(DEMO_ACCOUNTS.icbcCustomers);
      signer = { privateKey: payer.key.privateKey, publicKey: payer.key.publicKey };
    }
    const bytes = this.tx({ type: 'interbank.transfer', currency: 'CNY', source, target, amount, memo: '' }, [signer]);
    const route = toBank ? 'icbc→bank' : target === DEMO_ACCOUNTS.teaHouse ? 'bank→icbc tea house' : 'bank→icbc';
    return { bytes, line: `${yuanText(amount)} ${route} ${source.slice(0, 6)}→${target.slice(0, 6)}` };
  }
}
