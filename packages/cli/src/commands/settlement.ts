/**
 * `paychain settlement windows|close|settle` and `paychain fx quote|convert`: interbank settlement and FX
 * (docs/settlement.md) from an operator's terminal, against a running node's peer API (`--url`). Reading needs no
 * key; acting signs with an organization's admin key from a data directory (`--data`, `--org`) — the settlement
 * institution closes and settles, an operator may close, a liquidity provider quotes, an organization converts from
 * an account its key owns. Amounts and rates are typed in major units and converted exactly with the assets' decimals
 * (`GET /v1/assets`); what is about to be signed is printed first. A ledger refusal exits 1 with its code.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  bytesToHex,
  convertedAmount,
  formatAmount,
  isCurrencyCode,
  isId128,
  parseAmount,
  type Signer,
  signAndEncode,
  type TxBody,
} from '@paychain/core';
import { openDataDir } from '@paychain/node';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { keyPassphrase } from '../options.ts';

/** A transaction made here may wait this long in the node before it is refused as expired. */
const TX_LIFETIME_MS = 120_000;
const SUBMIT_WAIT_MS = 30_000;
const QUOTE_LIFETIME_S_DEFAULT = 300;

interface AssetInfo {
  readonly id: string;
  readonly decimals: number;
}

interface NodeClient {
  get(path: string): Promise<unknown>;
  /** A text answer (a CSV report) as it is. */
  getText(path: string): Promise<string>;
  submit(bytes: Uint8Array): Promise<{ id: string; code: string; message: string; height: string | null }>;
}

function nodeClient(url: string): NodeClient {
  if (!/^https?:\/\/[^\s/]+\/?$/.test(url))
    throw new CliError(`--url: "${url}" is not a node address like http://127.0.0.1:8080`, 2);
  const base = url.replace(/\/$/, '');
  const fetched = async (method: string, path: string, body?: unknown): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new CliError(`no node answers at ${base}: ${(error as Error).message}`);
    }
  };
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetched(method, path, body);
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw new CliError(`${method} ${path}: the node answered ${response.status} with no JSON`);
    }
    return { status: response.status, json };
  };
  const errorOf = (json: unknown): string => {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    return error === undefined ? 'an unexpected answer' : `${error.code}: ${error.message}`;
  };
  return {
    async getText(path) {
      const response = await fetched('GET', path);
      const text = await response.text();
      if (response.status !== 200) throw new CliError(`GET ${path}: ${response.status} ${text.slice(0, 200)}`);
      return text;
    },
    async get(path) {
      const { status, json } = await request('GET', path);
      if (status !== 200) throw new CliError(`GET ${path}: ${errorOf(json)}`);
      return json;
    },
    async submit(bytes) {
      const { status, json } = await request('POST', `/v1/transactions?wait=${SUBMIT_WAIT_MS}`, {
        tx: bytesToHex(bytes),
      });
      if (status === 202)
        throw new CliError('the transaction was taken but is not final yet: look it up later by its id');
      if (status !== 200) throw new CliError(`the node refused the transaction: ${errorOf(json)}`);
      const answer = json as { id: string; height?: string; result: { code: string; message: string } };
      return { id: answer.id, code: answer.result.code, message: answer.result.message, height: answer.height ?? null };
    },
  };
}

async function assetsOf(client: NodeClient): Promise<Map<string, AssetInfo>> {
  const { items } = (await client.get('/v1/assets')) as { items: AssetInfo[] };
  return new Map(items.map((a) => [a.id, a]));
}

function assetOf(assets: Map<string, AssetInfo>, id: string, option: string): AssetInfo {
  const asset = assets.get(id);
  if (asset === undefined) throw new CliError(`${option}: no asset ${id} on this chain`, 2);
  return asset;
}

function minorOf(text: string, asset: AssetInfo, option: string): bigint {
  const parsed = parseAmount(text, asset.decimals);
  if (!parsed.ok || parsed.value <= 0n) {
    throw new CliError(`${option}: "${text}" is not a positive amount of ${asset.id} (${asset.decimals} decimals)`, 2);
  }
  return parsed.value;
}

/**
 * A rate in major units ("0.9213" quote per base) as a reduced fraction of minor units: × 10^quoteDecimals ÷
 * 10^baseDecimals, exactly.
 */
export function minorRateOf(text: string, baseDecimals: number, quoteDecimals: number): { num: bigint; den: bigint } {
  const match = /^([0-9]{1,18})(?:\.([0-9]{1,18}))?$/.exec(text);
  if (match === null) throw new CliError(`--rate: "${text}" is not a decimal rate like 0.9213`, 2);
  const fraction = match[2] ?? '';
  let num = BigInt(`${match[1]}${fraction}`) * 10n ** BigInt(quoteDecimals);
  let den = 10n ** BigInt(fraction.length + baseDecimals);
  if (num === 0n) throw new CliError('--rate: the rate must be above zero', 2);
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const g = gcd(num, den);
  num /= g;
  den /= g;
  return { num, den };
}

function signerOf(
  dataDir: string,
  org: string,
): { signer: Signer; chainId: string; suite: ReturnType<typeof openDataDir>['suite'] } {
  const data = openDataDir(dataDir, keyPassphrase());
  const keys = data.keys.get(org);
  if (keys === undefined) throw new CliError(`${dataDir} holds no keys of ${org}`);
  return {
    signer: { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey },
    chainId: data.genesis.chainId,
    suite: data.suite,
  };
}

async function act(client: NodeClient, key: ReturnType<typeof signerOf>, body: TxBody, json: boolean): Promise<void> {
  const bytes = signAndEncode(
    key.suite,
    { chainId: key.chainId, id: randomBytes(16).toString('hex'), expiresAt: BigInt(Date.now() + TX_LIFETIME_MS), body },
    [key.signer],
  );
  const outcome = await client.submit(bytes);
  if (json) console.log(JSON.stringify(outcome));
  else console.log(`${body.type} ${outcome.id}: ${outcome.code} (${outcome.message}) at height ${outcome.height}`);
  if (outcome.code !== 'ok')
    throw new CliError(`the ledger refused ${body.type}: ${outcome.code} — ${outcome.message}`);
}

function currencyOption(text: string): string {
  if (!isCurrencyCode(text)) throw new CliError(`--currency: "${text}" is not an ISO 4217 code like CNY`, 2);
  return text;
}

function windowOption(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  if (!/^[1-9][0-9]{0,18}$/.test(text)) throw new CliError(`--window: "${text}" is not a window number`, 2);
  return BigInt(text);
}

function idOption(text: string, option: string): string {
  if (!isId128(text)) throw new CliError(`${option}: "${text}" is not a 128-bit id (32 lowercase hex characters)`, 2);
  return text;
}

interface SchemeJson {
  currency: string;
  settlementAsset: string;
  openWindow: string;
  nextToSettle: string;
  participants: Array<{
    org: string;
    pledged: string;
    owed: string;
    openNet: string;
    exposure: string;
    headroom: string;
  }>;
  windows: Array<{
    seq: string;
    status: string;
    payments: string;
    gross: string;
    positions: Array<{ org: string; net: string }>;
  }>;
}

export function registerSettlement(program: Command): void {
  const settlement = program
    .command('settlement')
    .description('interbank settlement: positions, caps and windows of a currency; close and settle windows');

  settlement
    .command('windows')
    .description("a currency's participants (pledged, owed, open net, headroom) and its latest windows")
    .requiredOption('--url <url>', "a node's peer API, e.g. http://127.0.0.1:8080")
    .option('--currency <code>', 'ISO 4217 code', 'CNY')
    .option('--json', 'print the JSON answer')
    .action(async (opts: { url: string; currency: string; json?: boolean }) => {
      const client = nodeClient(opts.url);
      const currency = currencyOption(opts.currency);
      const scheme = (await client.get(`/v1/settlement/${currency}`)) as SchemeJson;
      if (opts.json === true) {
        console.log(JSON.stringify(scheme, null, 2));
        return;
      }
      const assets = await assetsOf(client);
      const decimals = assets.get(scheme.settlementAsset)?.decimals ?? 2;
      const money = (minor: string): string => {
        const value = BigInt(minor);
        return `${value < 0n ? '-' : ''}${formatAmount(value < 0n ? -value : value, decimals)}`;
      };
      console.log(`${currency} scheme, settled in ${scheme.settlementAsset}; window ${scheme.openWindow} open`);
      console.log('participant   pledged        owed          open net       headroom');
      for (const p of scheme.participants) {
        console.log(
          `${p.org.padEnd(13)} ${money(p.pledged).padStart(14)} ${money(p.owed).padStart(13)} ${money(p.openNet).padStart(14)} ${money(p.headroom).padStart(14)}`,
        );
      }
      for (const w of scheme.windows) {
        const nets = w.positions.map((p) => `${p.org} ${money(p.net)}`).join(', ');
        console.log(
          `window ${w.seq} ${w.status.padEnd(8)} ${w.payments} payments, gross ${money(w.gross)}${nets === '' ? '' : `: ${nets}`}`,
        );
      }
    });

  settlement
    .command('report')
    .description(
      "a window's settlement report as CSV: every interbank payment in it, each bank's net summed and as recorded, totals; exit 1 unless they reconcile",
    )
    .requiredOption('--url <url>', "a node's peer API")
    .requiredOption('--window <n>', 'the window')
    .option('--currency <code>', 'ISO 4217 code', 'CNY')
    .option('--out <file>', 'write the CSV there instead of standard output')
    .action(async (opts: { url: string; window: string; currency: string; out?: string }) => {
      const client = nodeClient(opts.url);
      const currency = currencyOption(opts.currency);
      const window = windowOption(opts.window);
      const text = await client.getText(`/v1/settlement/${currency}/windows/${window}/report.csv`);
      if (opts.out === undefined) process.stdout.write(text);
      else writeFileSync(opts.out, text);
      if (!text.trimEnd().endsWith('reconciled,,,,,,1')) {
        throw new CliError(`window ${window} does not reconcile with its payments: see the net and net_recorded lines`);
      }
    });

  for (const action of ['close', 'settle'] as const) {
    settlement
      .command(action)
      .description(
        action === 'close'
          ? 'close the open window (the next one opens in the same transaction); signed by the institution or an operator'
          : 'settle the earliest closed window in the settlement asset; signed by the settlement institution',
      )
      .requiredOption('--url <url>', "a node's peer API")
      .requiredOption('--data <dir>', "a data directory holding the signing organization's keys")
      .requiredOption('--org <id>', 'the signing organization')
      .option('--currency <code>', 'ISO 4217 code', 'CNY')
      .option('--window <n>', `the window (default: the ${action === 'close' ? 'open one' : 'earliest unsettled one'})`)
      .option('--json', 'print the outcome as JSON')
      .action(
        async (opts: { url: string; data: string; org: string; currency: string; window?: string; json?: boolean }) => {
          const client = nodeClient(opts.url);
          const currency = currencyOption(opts.currency);
          let window = windowOption(opts.window);
          if (window === null) {
            const scheme = (await client.get(`/v1/settlement/${currency}`)) as SchemeJson;
            window = BigInt(action === 'close' ? scheme.openWindow : scheme.nextToSettle);
          }
          await act(
            client,
            signerOf(opts.data, opts.org),
            { type: `settlement.${action}`, currency, window },
            opts.json === true,
          );
        },
      );
  }

  const fx = program.command('fx').description('FX: post a quote as a liquidity provider, convert at a quote');
  fx.command('quote')
    .description('post an FX quote (signed by the provider; its quote account must be owned by its key)')
    .requiredOption('--url <url>', "a node's peer API")
    .requiredOption('--data <dir>', "a data directory holding the provider's keys")
    .requiredOption('--org <id>', 'the liquidity provider')
    .requiredOption('--base <asset>', 'the asset the provider takes, e.g. HKD')
    .requiredOption('--quote <asset>', 'the asset the provider pays, e.g. CNY')
    .requiredOption('--rate <decimal>', 'quote-asset units per base-asset unit, e.g. 0.9213')
    .requiredOption('--min <amount>', 'smallest conversion, in the base asset')
    .requiredOption('--max <amount>', 'largest conversion, in the base asset')
    .requiredOption('--capacity <amount>', 'all conversions together, in the base asset')
    .requiredOption('--base-account <id>', "the provider's account that takes the base asset")
    .requiredOption('--quote-account <id>', "the provider's account that pays the quote asset")
    .option('--valid-for <seconds>', 'how long the quote holds', String(QUOTE_LIFETIME_S_DEFAULT))
    .option('--json', 'print the outcome as JSON')
    .action(
      async (opts: {
        url: string;
        data: string;
        org: string;
        base: string;
        quote: string;
        rate: string;
        min: string;
        max: string;
        capacity: string;
        baseAccount: string;
        quoteAccount: string;
        validFor: string;
        json?: boolean;
      }) => {
        const client = nodeClient(opts.url);
        const assets = await assetsOf(client);
        const base = assetOf(assets, opts.base, '--base');
        const quoted = assetOf(assets, opts.quote, '--quote');
        const rate = minorRateOf(opts.rate, base.decimals, quoted.decimals);
        if (!/^[1-9][0-9]{0,5}$/.test(opts.validFor)) throw new CliError('--valid-for: whole seconds, 1..86400', 2);
        const id = randomBytes(16).toString('hex');
        const body: TxBody = {
          type: 'fx.quote',
          quote: id,
          provider: opts.org,
          baseAsset: base.id,
          quoteAsset: quoted.id,
          rateNum: rate.num,
          rateDen: rate.den,
          minBase: minorOf(opts.min, base, '--min'),
          maxBase: minorOf(opts.max, base, '--max'),
          capacity: minorOf(opts.capacity, base, '--capacity'),
          baseAccount: idOption(opts.baseAccount, '--base-account'),
          quoteAccount: idOption(opts.quoteAccount, '--quote-account'),
          expiresAt: BigInt(Date.now() + Number(opts.validFor) * 1000),
        };
        console.error(`quote ${id}: 1 ${base.id} = ${opts.rate} ${quoted.id} (${rate.num}/${rate.den} minor units)`);
        await act(client, signerOf(opts.data, opts.org), body, opts.json === true);
      },
    );

  fx.command('convert')
    .description('convert at a quote, both legs or neither; signed by the organization whose key owns --source')
    .requiredOption('--url <url>', "a node's peer API")
    .requiredOption('--data <dir>', "a data directory holding the organization's keys")
    .requiredOption('--org <id>', 'the organization whose key owns the source account')
    .requiredOption('--quote <id>', 'the quote')
    .requiredOption('--source <id>', 'the account paying the base asset')
    .requiredOption(
      '--target <id>',
      'the account receiving the quote asset (its own, or a merchant: a cross-currency payment)',
    )
    .requiredOption('--amount <amount>', 'in the base asset')
    .option('--json', 'print the outcome as JSON')
    .action(
      async (opts: {
        url: string;
        data: string;
        org: string;
        quote: string;
        source: string;
        target: string;
        amount: string;
        json?: boolean;
      }) => {
        const client = nodeClient(opts.url);
        const quoteId = idOption(opts.quote, '--quote');
        const quote = (await client.get(`/v1/fx/quotes/${quoteId}`)) as {
          baseAsset: string;
          quoteAsset: string;
          rateNum: string;
          rateDen: string;
          expiresAt: string;
        };
        const assets = await assetsOf(client);
        const base = assetOf(assets, quote.baseAsset, 'the quote');
        const quoted = assetOf(assets, quote.quoteAsset, 'the quote');
        const baseAmount = minorOf(opts.amount, base, '--amount');
        const rateNum = BigInt(quote.rateNum);
        const rateDen = BigInt(quote.rateDen);
        // What the payer is shown before signing: the rounding rule of the ledger, ⌊base × num / den⌋.
        const gets = convertedAmount(baseAmount, rateNum, rateDen);
        console.error(
          `convert ${formatAmount(baseAmount, base.decimals)} ${base.id} → ${formatAmount(gets, quoted.decimals)} ${quoted.id} ` +
            `(rate ${rateNum}/${rateDen}, quote valid until ${new Date(Number(quote.expiresAt)).toISOString()})`,
        );
        await act(
          client,
          signerOf(opts.data, opts.org),
          {
            type: 'fx.convert',
            quote: quoteId,
            source: idOption(opts.source, '--source'),
            target: idOption(opts.target, '--target'),
            baseAmount,
            rateNum,
            rateDen,
            memo: '',
          },
          opts.json === true,
        );
      },
    );
}
