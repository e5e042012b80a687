/**
 * `paychain generate --submit URL --data DIR`: the generated activity replayed on a running network as signed
 * payments, so the AML detectors and the warehouse can be measured on a real chain against the labels.
 *
 * What happens, in order (nothing is submitted before every check has passed):
 *   1. checks: the data directory holds the keys of the organization that issues CNY (2 decimals), the node at
 *      URL answers and serves that directory's chain;
 *   2. one pass over `transfers.csv`: its SHA-256 (the data set's fingerprint), each account's funding (what it
 *      sends beyond what it received before, over the whole file), and the first `limit` transfers to replay;
 *   3. the users and merchants those transfers touch are opened by the issuer (tier 1); banks (`BANK-…`) stand for
 *      the money outside the ledger and have no account;
 *   4. each paying account gets one mint of its funding;
 *   5. the transfers are replayed in time order: `topup` → mint by the issuer, `withdrawal` and `payout` → burn signed
 *      by the owner and the issuer, everything else → `transfer` signed by the payer with memo = the generated id;
 *   6. `submitted.csv` (`id,tx_id,code`) and `submitted-accounts.csv` are written.
 *
 * Ids and keys are derived, never drawn, so a retry or a rerun is idempotent: the ledger answers a consumed id with
 * its first outcome. Account ids and transaction ids are the first 128 bits of SHA-256 over the chain id, the data
 * set's fingerprint and the generated name or id; owner keys are an HMAC of the same under the issuer's admin key,
 * so only whoever holds the issuer's keys can sign for the generated accounts. The fingerprint (rather than the seed
 * alone) keeps two data sets apart: the same seed with other options, or another generator version, makes other
 * accounts and other ids, never a clash with the first outcome of a different payment.
 *
 * Funding is computed over the whole file, not only the transfers submitted, so it does not depend on `--limit`:
 * a rerun with a larger limit finds the same funding mint (same id, same amount) and goes on. Transfers run with
 * bounded concurrency; a debit waits until every earlier credit of its account is final, so the funding suffices
 * whatever order the blocks take them in (the balance before a debit at position m is at least funding + credits
 * before m − debits up to m, which the funding makes non-negative).
 */
import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import {
  assert,
  assertNever,
  bytesToHex,
  type CryptoSuite,
  formatAmount,
  type Genesis,
  type KycTier,
  MEMO_BYTES_MAX,
  type Signer,
  signAndEncode,
  type TxBody,
  utf8ToBytes,
} from '@paychain/core';
import { openDataDir } from '@paychain/node';
import { CsvRecordWriter, csvField, DATASET_FILES, readTransfersCsv, type TransferRecord } from '@paychain/risk';
import { CliError } from './errors.ts';
import { keyPassphrase } from './options.ts';
import { PAYMENT_EXPIRY_MS } from './workload.ts';

export const SUBMIT_CONCURRENCY_DEFAULT = 64;
export const SUBMIT_CONCURRENCY_MAX = 1024;
/** Transfers replayed in one run: the plan holds about 100 bytes each in memory (200 MB at the maximum). */
export const SUBMIT_TRANSFERS_MAX = 2_000_000;
/** How long one POST waits for finality before the node answers 202 (the node's default and well under its max). */
export const SUBMIT_WAIT_MS = 10_000;
/** A request with no answer by then is a network failure and is retried. */
export const REQUEST_TIMEOUT_MS = SUBMIT_WAIT_MS + 15_000;
/** Tries of one request through network errors, 5xx and 409 before the run stops (about 25 s of backoff). */
export const REQUEST_ATTEMPTS_MAX = 10;
export const RETRY_DELAY_MS_FIRST = 100;
export const RETRY_DELAY_MS_MAX = 5_000;
/** 202 answers for one transaction: with SUBMIT_WAIT_MS each, longer than its expiry. */
export const PENDING_ROUNDS_MAX = 70;
export const PROGRESS_INTERVAL_MS = 5_000;
/** The only currency the generator writes, and its minor units. */
export const SUBMIT_ASSET = 'CNY';
const SUBMIT_ASSET_DECIMALS = 2;
/** The highest KYC class: unlimited under the default chain parameters. */
const SUBMIT_TIER: KycTier = 1;
const DERIVATION_DOMAIN = 'paychain:generate-submit:v1';
/** The SM2 group order n (GB/T 32918.5): a `gm` private key is a scalar in [1, n − 2]. */
const SM2_ORDER = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
/** Draws of an owner key before giving up; one `gm` draw in about 2³² is out of range. */
const OWNER_KEY_DRAWS_MAX = 8;

export const SUBMIT_FILES = {
  transfers: 'submitted.csv',
  accounts: 'submitted-accounts.csv',
} as const;

/** A network or protocol failure talking to the node, after the retries this module allows. */
export class LedgerHttpError extends Error {
  override readonly name = 'LedgerHttpError';
  readonly code: 'unreachable' | 'bad_answer';
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: LedgerHttpError['code'],
    message: string,
    details: Readonly<Record<string, unknown>> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}

// ---- derivations ----

/** What derived ids and keys are scoped by: one data set on one chain. */
export interface DerivationScope {
  readonly chainId: string;
  /** SHA-256 of `transfers.csv`, hex. */
  readonly fingerprint: string;
}

function derivationMessage(scope: DerivationScope, kind: string, name: string): string {
  const parts = [DERIVATION_DOMAIN, scope.chainId, scope.fingerprint, kind, name];
  // Newline-separated parts are unambiguous only if no part holds a newline.
  assert(
    parts.every((p) => !p.includes('\n')),
    'derivation parts hold no newline',
  );
  return parts.join('\n');
}

function id128Of(message: string): string {
  return createHash('sha256').update(message).digest('hex').slice(0, 32);
}

/** The ledger account of a generated user or merchant. */
export function ledgerAccountIdOf(scope: DerivationScope, name: string): string {
  return id128Of(derivationMessage(scope, 'account', name));
}

/** The ledger transaction id of an account's opening, its funding mint, or a generated transfer. */
export function ledgerTxIdOf(scope: DerivationScope, kind: 'open' | 'fund' | 'transfer', name: string): string {
  return id128Of(derivationMessage(scope, kind, name));
}

/** The owner key of a generated account: an HMAC under the issuer's admin key, so only the issuer can derive it. */
export function ownerKeyOf(suite: CryptoSuite, issuerSecret: Uint8Array, scope: DerivationScope, name: string): Signer {
  for (let draw = 0; draw < OWNER_KEY_DRAWS_MAX; draw++) {
    const privateKey = new Uint8Array(
      createHmac('sha256', issuerSecret)
        .update(derivationMessage(scope, `owner-key/${draw}`, name))
        .digest(),
    );
    if (suite.name === 'gm') {
      const d = BigInt(`0x${bytesToHex(privateKey)}`);
      if (d < 1n || d > SM2_ORDER - 2n) continue;
    }
    return { privateKey, publicKey: suite.publicKeyFromPrivate(privateKey) };
  }
  assert(false, `an owner key within ${OWNER_KEY_DRAWS_MAX} draws`);
}

/** SHA-256 of the file's bytes, hex. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    assert(chunk instanceof Uint8Array, 'a file stream without an encoding gives bytes');
    hash.update(chunk);
  }
  return hash.digest('hex');
}

// ---- the node's HTTP API ----

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryDelayMs(failures: number): number {
  return Math.min(RETRY_DELAY_MS_MAX, RETRY_DELAY_MS_FIRST * 2 ** Math.max(0, failures - 1));
}

/** The ledger's answer for one transaction: its result code and height, or a refusal before ordering (no height). */
export interface LedgerAnswer {
  readonly code: string;
  readonly height: bigint | null;
}

interface HttpAnswer {
  readonly status: number;
  /** The parsed JSON body; null when the body is not JSON (a proxy's error page, another server). */
  readonly body: unknown;
  readonly isJson: boolean;
}

function finalAnswerOf(body: unknown): LedgerAnswer | null {
  if (!isRecord(body) || body.status !== 'final' || !isRecord(body.result)) return null;
  const { code } = body.result;
  const { height } = body;
  if (typeof code !== 'string' || typeof height !== 'string' || !/^\d{1,20}$/.test(height)) return null;
  return { code, height: BigInt(height) };
}

function errorCodeOf(body: unknown): string | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  return typeof body.error.code === 'string' ? body.error.code : null;
}

/** The peer HTTP API of `paychain start`, as this command uses it. */
export class LedgerHttpClient {
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  /** One request; a network failure (no answer, a timeout, a cut body) throws. */
  private async request(method: 'GET' | 'POST', path: string, body?: Uint8Array): Promise<HttpAnswer> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/octet-stream' },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text), isJson: true };
    } catch {
      // Not JSON: the caller retries a 5xx and refuses anything else as not a paychain node's answer.
      return { status: response.status, body: null, isJson: false };
    }
  }

  private notJson(method: string, path: string, status: number): LedgerHttpError {
    return new LedgerHttpError(
      'bad_answer',
      `${method} ${this.base}${path} answered ${status} with a body that is not JSON; is this a paychain node?`,
      { status },
    );
  }

  /** A request retried through network errors, 5xx and 409 (an id in flight), with backoff. */
  private async requestRetried(method: 'GET' | 'POST', path: string, body?: Uint8Array): Promise<HttpAnswer> {
    for (let attempt = 1; ; attempt++) {
      let answer: HttpAnswer | null = null;
      let failure: unknown = null;
      try {
        answer = await this.request(method, path, body);
      } catch (error) {
        failure = error;
      }
      if (answer !== null && answer.status !== 409 && answer.status < 500) {
        if (!answer.isJson) throw this.notJson(method, path, answer.status);
        return answer;
      }
      if (attempt >= REQUEST_ATTEMPTS_MAX) {
        const why = answer === null ? describeFailure(failure) : `HTTP ${answer.status} ${errorCodeOf(answer.body)}`;
        throw new LedgerHttpError(
          'unreachable',
          `${method} ${this.base}${path} failed ${attempt} times (last: ${why})`,
          { attempts: attempt },
          failure ?? undefined,
        );
      }
      await sleep(retryDelayMs(attempt));
    }
  }

  /** The head, tried once: the first contact, where a wrong URL should fail at once. */
  async head(): Promise<{ readonly chainId: string; readonly suite: string; readonly height: bigint }> {
    let answer: HttpAnswer;
    try {
      answer = await this.request('GET', '/v1/chain/head');
    } catch (error) {
      throw new LedgerHttpError('unreachable', `cannot reach ${this.base}: ${describeFailure(error)}`, {}, error);
    }
    if (!answer.isJson) throw this.notJson('GET', '/v1/chain/head', answer.status);
    const { body } = answer;
    if (
      answer.status !== 200 ||
      !isRecord(body) ||
      typeof body.chainId !== 'string' ||
      typeof body.suite !== 'string' ||
      typeof body.height !== 'string' ||
      !/^\d{1,20}$/.test(body.height)
    ) {
      throw new LedgerHttpError(
        'bad_answer',
        `${this.base}/v1/chain/head answered ${answer.status} without a chain head; is this a paychain node?`,
        { status: answer.status },
      );
    }
    return { chainId: body.chainId, suite: body.suite, height: BigInt(body.height) };
  }

  /** An account's owners (hex) and threshold, or null when the ledger has no such account. */
  async accountOwners(id: string): Promise<{ readonly owners: readonly string[]; readonly threshold: number } | null> {
    const answer = await this.requestRetried('GET', `/v1/accounts/${id}`);
    if (answer.status === 404) return null;
    const { body } = answer;
    if (answer.status !== 200 || !isRecord(body) || !Array.isArray(body.owners) || typeof body.threshold !== 'number') {
      throw new LedgerHttpError('bad_answer', `GET /v1/accounts/${id} answered ${answer.status} without an account`);
    }
    return { owners: body.owners.filter((o): o is string => typeof o === 'string'), threshold: body.threshold };
  }

  /** The first outcome of a final transaction, or null when it is not final (yet) or unknown. */
  async finalOutcome(id: string): Promise<LedgerAnswer | null> {
    const answer = await this.requestRetried('GET', `/v1/transactions/${id}`);
    return answer.status === 200 ? finalAnswerOf(answer.body) : null;
  }

  /**
   * Submits signed bytes until the ledger decides: the final outcome (resending the same bytes while the node
   * answers 202 joins the submission in flight), or a refusal before ordering (its API error code, no height).
   */
  async submitFinal(id: string, bytes: Uint8Array): Promise<LedgerAnswer> {
    for (let round = 1; ; round++) {
      const answer = await this.requestRetried('POST', `/v1/transactions?wait=${SUBMIT_WAIT_MS}`, bytes);
      if (answer.status === 202) {
        if (round >= PENDING_ROUNDS_MAX) {
          throw new LedgerHttpError('unreachable', `transaction ${id} is still pending after ${round} tries`, { id });
        }
        continue;
      }
      if (answer.status === 200) {
        const final = finalAnswerOf(answer.body);
        if (final === null) throw new LedgerHttpError('bad_answer', `the answer for ${id} has no final result`, { id });
        if (final.code !== 'duplicate_id') return final;
        // The id was consumed by a block not yet certified when this copy arrived: its first outcome stands.
        return (await this.finalOutcome(id)) ?? final;
      }
      const code = errorCodeOf(answer.body);
      if (code === null) {
        throw new LedgerHttpError('bad_answer', `the answer ${answer.status} for ${id} has no error code`, { id });
      }
      return { code, height: null };
    }
  }
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const causeCode = isRecord(cause) && typeof cause.code === 'string' ? cause.code : null;
  return causeCode === null ? error.message : `${error.message} (${causeCode})`;
}

// ---- the target network ----

/** A running network and the issuer's keys to act on it, checked before anything is generated or submitted. */
export interface SubmitTarget {
  readonly client: LedgerHttpClient;
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly issuerOrg: string;
  readonly issuer: Signer;
  /** Remarks for the summary, such as limits that tier 1 has on this chain. */
  readonly notes: readonly string[];
}

/**
 * Opens the data directory and reaches the node: a directory without the CNY issuer's keys, a chain without CNY in
 * fen, an unreachable URL, or a node of another chain are each a `CliError` here.
 */
export async function openSubmitTarget(options: {
  readonly url: string;
  readonly dataDir: string;
}): Promise<SubmitTarget> {
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(options.url)) {
    throw new CliError(`--submit: "${options.url}" is not an http(s) URL such as http://127.0.0.1:8080`, 2);
  }
  const data = openDataDir(options.dataDir, keyPassphrase());
  const { genesis } = data;
  const asset = genesis.assets.find((a) => a.id === SUBMIT_ASSET);
  if (asset === undefined) {
    const assets = genesis.assets.map((a) => a.id).join(', ') || 'none';
    throw new CliError(
      `chain ${genesis.chainId} (${options.dataDir}) has no ${SUBMIT_ASSET} asset (its assets: ${assets}); the generated transfers are in ${SUBMIT_ASSET}`,
    );
  }
  if (asset.decimals !== SUBMIT_ASSET_DECIMALS) {
    throw new CliError(
      `chain ${genesis.chainId}: ${SUBMIT_ASSET} has ${asset.decimals} decimals; the generated amounts are in fen (${SUBMIT_ASSET_DECIMALS})`,
    );
  }
  const keys = data.keys.get(asset.issuer);
  if (keys === undefined) {
    throw new CliError(
      `${options.dataDir} holds no keys of ${asset.issuer}, the organization that issues ${SUBMIT_ASSET} on chain ${genesis.chainId} (it holds: ${data.orgs.join(', ')}); accounts are opened and funded by the issuer`,
    );
  }
  const client = new LedgerHttpClient(options.url);
  let head: Awaited<ReturnType<LedgerHttpClient['head']>>;
  try {
    head = await client.head();
  } catch (error) {
    if (!(error instanceof LedgerHttpError)) throw error;
    throw new CliError(`--submit: ${error.message} (is "paychain start --data ${options.dataDir}" running there?)`);
  }
  if (head.chainId !== genesis.chainId || head.suite !== genesis.suite) {
    throw new CliError(
      `--submit: ${options.url} serves chain ${head.chainId} (${head.suite}), but ${options.dataDir} is chain ${genesis.chainId} (${genesis.suite})`,
    );
  }
  const notes: string[] = [];
  const limit = genesis.params.tierLimits[SUBMIT_TIER];
  if (limit !== null) {
    notes.push(
      `tier ${SUBMIT_TIER} on this chain allows ${formatAmount(limit.perPaymentMax, SUBMIT_ASSET_DECIMALS)} a payment and ${formatAmount(limit.perDayMax, SUBMIT_ASSET_DECIMALS)} a day: larger transfers are refused`,
    );
  }
  return {
    client,
    genesis,
    suite: data.suite,
    issuerOrg: asset.issuer,
    issuer: { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey },
    notes,
  };
}

// ---- the replay plan ----

type ReplayOp = 'transfer' | 'mint' | 'burn';

/** One generated transfer to replay; accounts are indexes into the plan's accounts, −1 for a bank. */
interface ReplayItem {
  readonly id: string;
  readonly op: ReplayOp;
  readonly debit: number;
  readonly credit: number;
  readonly amount: bigint;
}

interface PlanAccount {
  readonly name: string;
  /** Balance running through the whole file, starting at zero; its lowest point sets the funding. */
  balance: bigint;
  /** What the account sends beyond what it received before, over the whole file. */
  funding: bigint;
  /** Positions in the plan of the transfers that credit it, ascending. */
  readonly credits: number[];
  /** Takes part in a transfer that is replayed (so it is opened), and pays in one (so it is funded). */
  touched: boolean;
  pays: boolean;
}

interface ReplayPlan {
  readonly fingerprint: string;
  readonly rows: number;
  readonly accounts: readonly PlanAccount[];
  readonly items: readonly ReplayItem[];
}

export function isBankAccount(name: string): boolean {
  return name.startsWith('BANK-');
}

function replayOpOf(record: TransferRecord, path: string): ReplayOp {
  const fromBank = isBankAccount(record.fromAccount);
  const toBank = isBankAccount(record.toAccount);
  let op: ReplayOp;
  let fits: boolean;
  switch (record.channel) {
    case 'topup':
      op = 'mint';
      fits = fromBank && !toBank;
      break;
    case 'withdrawal':
    case 'payout':
      op = 'burn';
      fits = !fromBank && toBank;
      break;
    case 'qr':
    case 'pay_code':
    case 'online':
    case 'transfer':
      op = 'transfer';
      fits = !fromBank && !toBank;
      break;
    default:
      return assertNever(record.channel, 'channel');
  }
  if (!fits) {
    throw new CliError(
      `${path}: ${record.id} is a ${record.channel} from ${record.fromAccount} to ${record.toAccount}; ` +
        'a topup comes from a bank, a withdrawal or payout goes to one, and other channels are between ledger accounts',
    );
  }
  if (record.currency !== SUBMIT_ASSET) {
    throw new CliError(`${path}: ${record.id} is in ${record.currency}; only ${SUBMIT_ASSET} can be submitted`);
  }
  if (utf8ToBytes(record.id).length > MEMO_BYTES_MAX) {
    throw new CliError(`${path}: the id ${record.id} is longer than a memo (${MEMO_BYTES_MAX} bytes)`);
  }
  return op;
}

/** One pass over the file: fingerprint, funding over every row, and the first `limit` rows to replay. */
async function readReplayPlan(path: string, limit: number | undefined): Promise<ReplayPlan> {
  const fingerprint = await fileSha256(path);
  const accounts: PlanAccount[] = [];
  const indexByName = new Map<string, number>();
  const indexOf = (name: string): number => {
    const known = indexByName.get(name);
    if (known !== undefined) return known;
    accounts.push({ name, balance: 0n, funding: 0n, credits: [], touched: false, pays: false });
    indexByName.set(name, accounts.length - 1);
    return accounts.length - 1;
  };
  assert(limit === undefined || (limit >= 1 && limit <= SUBMIT_TRANSFERS_MAX), 'the command checks --limit');
  const items: ReplayItem[] = [];
  const ids = new Set<string>();
  const replayMax = limit ?? SUBMIT_TRANSFERS_MAX;
  let rows = 0;
  for await (const record of readTransfersCsv(path)) {
    rows += 1;
    const op = replayOpOf(record, path);
    const debit = op === 'mint' ? -1 : indexOf(record.fromAccount);
    const credit = op === 'burn' ? -1 : indexOf(record.toAccount);
    const payer = debit < 0 ? undefined : accounts[debit];
    if (payer !== undefined) {
      payer.balance -= record.amount;
      if (-payer.balance > payer.funding) payer.funding = -payer.balance;
    }
    const payee = credit < 0 ? undefined : accounts[credit];
    if (payee !== undefined) payee.balance += record.amount;
    if (items.length >= replayMax) {
      if (limit === undefined) {
        throw new CliError(
          `${path} holds more than ${SUBMIT_TRANSFERS_MAX} transfers, more than one run submits: pass --limit N (a rerun with a larger limit goes on where this one stopped)`,
          2,
        );
      }
      continue;
    }
    // Each id becomes one ledger transaction id: a repeated row would only get the first one's outcome.
    if (ids.has(record.id)) throw new CliError(`${path}: the id ${record.id} appears twice`);
    ids.add(record.id);
    if (payer !== undefined) {
      payer.touched = true;
      payer.pays = true;
    }
    if (payee !== undefined) {
      payee.touched = true;
      payee.credits.push(items.length);
    }
    items.push({ id: record.id, op, debit, credit, amount: record.amount });
  }
  return { fingerprint, rows, accounts, items };
}

// ---- running it ----

/**
 * Runs `work(0..count−1)` in order with at most `concurrency` at once. The first failure stops new work, calls
 * `onFailure` (to release anything waiting), and is thrown once every lane has stopped.
 */
async function runLanes(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
  onFailure: () => void = () => {},
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async () => {
    while (failures.length === 0 && next < count) {
      const i = next;
      next += 1;
      try {
        await work(i);
      } catch (error) {
        failures.push(error);
        onFailure();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failures.length > 0) throw failures[0];
}

/**
 * Holds a debit back until every credit of its account at an earlier position is final. Lanes take positions in
 * order, so the earliest unfinished position never waits and the replay cannot deadlock.
 */
export class CreditGate {
  private readonly credits: readonly (readonly number[])[];
  private readonly cursor: number[];
  private readonly done: Uint8Array;
  private readonly waiting = new Map<number, Array<{ readonly position: number; readonly resolve: () => void }>>();
  private released = false;

  /** `credits[a]`: the ascending positions that credit account `a`; `positions`: how many there are in all. */
  constructor(credits: readonly (readonly number[])[], positions: number) {
    this.credits = credits;
    this.cursor = credits.map(() => 0);
    this.done = new Uint8Array(positions);
  }

  /** Whether every credit of `account` before `position` is final. */
  isClear(account: number, position: number): boolean {
    const list = this.credits[account];
    assert(list !== undefined, 'a debit names a planned account');
    let c = this.cursor[account] ?? 0;
    while (c < list.length && this.done[list[c] ?? 0] === 1) c++;
    this.cursor[account] = c;
    const first = list[c];
    return first === undefined || first >= position;
  }

  /** Resolves when the debit of `account` at `position` may go (at once if it may now), or when released. */
  wait(account: number, position: number): Promise<void> | null {
    if (this.released || this.isClear(account, position)) return null;
    return new Promise((resolve) => {
      const list = this.waiting.get(account) ?? [];
      list.push({ position, resolve });
      this.waiting.set(account, list);
    });
  }

  /** The transfer at `position` is final; `credited` is the account it credits (−1 for none). */
  finish(position: number, credited: number): void {
    assert(this.done[position] === 0, 'a position finishes once');
    this.done[position] = 1;
    const list = this.waiting.get(credited);
    if (list === undefined) return;
    const still = list.filter((w) => !this.isClear(credited, w.position));
    for (const w of list) if (!still.includes(w)) w.resolve();
    if (still.length === 0) this.waiting.delete(credited);
    else this.waiting.set(credited, still);
  }

  /** Lets every waiting debit go (the run is stopping). */
  release(): void {
    this.released = true;
    for (const list of this.waiting.values()) for (const w of list) w.resolve();
    this.waiting.clear();
  }
}

export interface SubmitOptions {
  /** The directory `paychain generate` wrote; `transfers.csv` is read from it and the results written to it. */
  readonly out: string;
  /** Submit at most the first `limit` transfers in time order; default all. */
  readonly limit?: number;
  readonly concurrency: number;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** What was submitted; plain JSON (amounts as decimal strings). */
export interface SubmitSummary {
  readonly url: string;
  readonly chainId: string;
  /** SHA-256 of transfers.csv: the scope of every derived id and key. */
  readonly fingerprint: string;
  /** Ledger height when the run began: outcomes at or below it were final before this run. */
  readonly startHeight: string;
  readonly accounts: { readonly opened: number; readonly alreadyOpen: number };
  readonly funding: { readonly mints: number; readonly alreadyFinal: number; readonly totalCny: string };
  readonly transfers: {
    readonly inFile: number;
    readonly submitted: number;
    readonly newlyFinal: number;
    readonly alreadyFinal: number;
    readonly accepted: number;
    readonly refused: Readonly<Record<string, number>>;
  };
  readonly notes: readonly string[];
  readonly files: readonly string[];
  readonly elapsedMs: number;
  /** The replay of the transfers alone, after accounts and funding. */
  readonly replayMs: number;
  readonly transfersPerSec: number;
}

/**
 * One run against the target: the plan, the derivations scoped to its data set, and the height the run began at
 * (an outcome at or below it was final before this run).
 */
class ReplaySession {
  private readonly target: SubmitTarget;
  private readonly plan: ReplayPlan;
  private readonly scope: DerivationScope;
  private readonly concurrency: number;
  private readonly startHeight: bigint;
  private readonly owners = new Map<number, Signer>();

  constructor(target: SubmitTarget, plan: ReplayPlan, concurrency: number, startHeight: bigint) {
    this.target = target;
    this.plan = plan;
    this.scope = { chainId: target.genesis.chainId, fingerprint: plan.fingerprint };
    this.concurrency = concurrency;
    this.startHeight = startHeight;
  }

  isNew(answer: LedgerAnswer | undefined): boolean {
    return answer?.height != null && answer.height > this.startHeight;
  }

  private account(index: number): PlanAccount {
    const account = this.plan.accounts[index];
    assert(account !== undefined, 'an index of the plan');
    return account;
  }

  ledgerIdOf(index: number): string {
    return ledgerAccountIdOf(this.scope, this.account(index).name);
  }

  ownerOf(index: number): Signer {
    const known = this.owners.get(index);
    if (known !== undefined) return known;
    const key = ownerKeyOf(this.target.suite, this.target.issuer.privateKey, this.scope, this.account(index).name);
    this.owners.set(index, key);
    return key;
  }

  transferTxIdOf(item: ReplayItem): string {
    return ledgerTxIdOf(this.scope, 'transfer', item.id);
  }

  /** Signs with a fresh expiry; a retry resends these bytes, a rerun signs again under the same id. */
  private submit(id: string, body: TxBody, signers: readonly Signer[]): Promise<LedgerAnswer> {
    const { suite, genesis, client } = this.target;
    const expiresAt = BigInt(Date.now()) + PAYMENT_EXPIRY_MS;
    return client.submitFinal(id, signAndEncode(suite, { chainId: genesis.chainId, id, expiresAt, body }, signers));
  }

  /**
   * Opens the accounts by the issuer, tier 1. One open before (by this id, or by another: `account_exists`) must have
   * our key as its only owner, or nothing could be signed for it. Returns each answer and how many were there before.
   */
  async openAccounts(accounts: readonly number[]): Promise<{ answers: LedgerAnswer[]; alreadyOpen: number }> {
    const { issuer, issuerOrg, client } = this.target;
    const answers: LedgerAnswer[] = new Array(accounts.length);
    await runLanes(accounts.length, this.concurrency, async (i) => {
      const index = accounts[i];
      assert(index !== undefined, 'i < accounts.length');
      const body: TxBody = {
        type: 'account.open',
        account: this.ledgerIdOf(index),
        issuer: issuerOrg,
        owners: [this.ownerOf(index).publicKey],
        threshold: 1,
        tier: SUBMIT_TIER,
        flags: { allowNegative: false },
      };
      answers[i] = await this.submit(ledgerTxIdOf(this.scope, 'open', this.account(index).name), body, [issuer]);
    });
    const failures = countBy(
      answers.filter((a) => a.code !== 'ok' && a.code !== 'account_exists'),
      (a) => a.code,
    );
    if (Object.keys(failures).length > 0) {
      throw new CliError(
        `opening the accounts failed (${formatCounts(failures)}): nothing was replayed; does ${issuerOrg}'s key in the data directory still sign for it?`,
      );
    }
    const existing = accounts.filter((_, i) => !(answers[i]?.code === 'ok' && this.isNew(answers[i])));
    await runLanes(existing.length, this.concurrency, async (i) => {
      const index = existing[i];
      assert(index !== undefined, 'i < existing.length');
      const found = await client.accountOwners(this.ledgerIdOf(index));
      const ours = bytesToHex(this.ownerOf(index).publicKey);
      if (found === null || found.threshold !== 1 || found.owners.length !== 1 || found.owners[0] !== ours) {
        throw new CliError(
          `ledger account ${this.ledgerIdOf(index)} (${this.account(index).name}) exists with other owners: it was not opened for this data set with these issuer keys`,
        );
      }
    });
    return { answers, alreadyOpen: existing.length };
  }

  /** One mint per account of its funding; anything but `ok` stops the run before the replay. */
  async fund(accounts: readonly number[]): Promise<LedgerAnswer[]> {
    const { issuer } = this.target;
    const answers: LedgerAnswer[] = new Array(accounts.length);
    await runLanes(accounts.length, this.concurrency, async (i) => {
      const index = accounts[i];
      assert(index !== undefined, 'i < accounts.length');
      const account = this.account(index);
      const body: TxBody = {
        type: 'mint',
        asset: SUBMIT_ASSET,
        account: this.ledgerIdOf(index),
        amount: account.funding,
      };
      answers[i] = await this.submit(ledgerTxIdOf(this.scope, 'fund', account.name), body, [issuer]);
    });
    const failures = countBy(
      answers.filter((a) => a.code !== 'ok'),
      (a) => a.code,
    );
    if (Object.keys(failures).length > 0) {
      throw new CliError(`funding the paying accounts failed (${formatCounts(failures)}): nothing was replayed`);
    }
    return answers;
  }

  /** The transfers in time order, each debit after the earlier credits of its account; an answer per transfer. */
  async replay(log: (line: string) => void): Promise<LedgerAnswer[]> {
    const { items } = this.plan;
    const began = performance.now();
    const gate = new CreditGate(
      this.plan.accounts.map((a) => a.credits),
      items.length,
    );
    const answers: LedgerAnswer[] = new Array(items.length);
    let finished = 0;
    let progressAt = began;
    let stopping = false;
    await runLanes(
      items.length,
      this.concurrency,
      async (position) => {
        const item = items[position];
        assert(item !== undefined, 'position < items.length');
        if (item.debit >= 0) await gate.wait(item.debit, position);
        // Released because another lane failed: submit nothing more.
        if (stopping) return;
        answers[position] = await this.submit(this.transferTxIdOf(item), ...this.replayTx(item));
        gate.finish(position, item.credit);
        finished += 1;
        const now = performance.now();
        if (now - progressAt >= PROGRESS_INTERVAL_MS) {
          progressAt = now;
          log(`submitted ${finished}/${items.length} transfers (${Math.round((finished * 1000) / (now - began))}/s)`);
        }
      },
      () => {
        stopping = true;
        gate.release();
      },
    );
    return answers;
  }

  /** The body and signers of a replayed transfer. */
  private replayTx(item: ReplayItem): [TxBody, Signer[]] {
    const { issuer } = this.target;
    switch (item.op) {
      case 'mint':
        return [
          { type: 'mint', asset: SUBMIT_ASSET, account: this.ledgerIdOf(item.credit), amount: item.amount },
          [issuer],
        ];
      case 'burn':
        // The owner authorizes the debit and the issuer the destruction, as the gateway's withdrawals and payouts.
        return [
          { type: 'burn', asset: SUBMIT_ASSET, account: this.ledgerIdOf(item.debit), amount: item.amount },
          [this.ownerOf(item.debit), issuer],
        ];
      case 'transfer':
        return [
          {
            type: 'transfer',
            source: this.ledgerIdOf(item.debit),
            target: this.ledgerIdOf(item.credit),
            asset: SUBMIT_ASSET,
            amount: item.amount,
            memo: item.id,
          },
          [this.ownerOf(item.debit)],
        ];
      default:
        return assertNever(item.op, 'replay op');
    }
  }
}

/** Replays `out/transfers.csv` on the target (see the module comment); `CliError` when accounts or funding fail. */
export async function submitGeneratedTransfers(target: SubmitTarget, options: SubmitOptions): Promise<SubmitSummary> {
  assert(
    Number.isSafeInteger(options.concurrency) &&
      options.concurrency >= 1 &&
      options.concurrency <= SUBMIT_CONCURRENCY_MAX,
    'concurrency in range',
  );
  const began = performance.now();
  const startHeight = (await target.client.head()).height;
  const plan = await readReplayPlan(join(options.out, DATASET_FILES.transfers), options.limit);
  const session = new ReplaySession(target, plan, options.concurrency, startHeight);

  const touched = plan.accounts.flatMap((account, index) => (account.touched ? [index] : []));
  const opened = await session.openAccounts(touched);
  const funded = touched.filter((index) => {
    const account = plan.accounts[index];
    return account?.pays === true && account.funding > 0n;
  });
  const funding = await session.fund(funded);
  const replayBegan = performance.now();
  const answers = await session.replay(options.log ?? (() => {}));
  const replayMs = performance.now() - replayBegan;

  // The results, each file whole or not at all.
  const fundingCodes = new Map(funded.map((index, i) => [index, funding[i]?.code ?? ''] as const));
  const files = [join(options.out, SUBMIT_FILES.transfers), join(options.out, SUBMIT_FILES.accounts)] as const;
  await writeCsv(files[0], ['id', 'tx_id', 'code'], plan.items, (item, position) => {
    const answer = answers[position];
    assert(answer !== undefined, 'an answer per replayed transfer');
    return `${csvField(item.id)},${session.transferTxIdOf(item)},${answer.code}`;
  });
  await writeCsv(
    files[1],
    ['account_id', 'ledger_account', 'open_code', 'funded', 'funding_code'],
    touched,
    (index, i) => {
      const account = plan.accounts[index];
      const open = opened.answers[i];
      assert(account !== undefined && open !== undefined, 'an answer per opened account');
      const fundingCode = fundingCodes.get(index);
      const amount = formatAmount(fundingCode === undefined ? 0n : account.funding, SUBMIT_ASSET_DECIMALS);
      return `${csvField(account.name)},${session.ledgerIdOf(index)},${open.code},${amount},${fundingCode ?? ''}`;
    },
  );

  const newlyFinal = answers.filter((a) => session.isNew(a)).length;
  return {
    url: target.client.base,
    chainId: target.genesis.chainId,
    fingerprint: plan.fingerprint,
    startHeight: startHeight.toString(),
    accounts: { opened: touched.length - opened.alreadyOpen, alreadyOpen: opened.alreadyOpen },
    funding: {
      mints: funded.length,
      alreadyFinal: funding.filter((a) => !session.isNew(a)).length,
      totalCny: formatAmount(
        funded.reduce((sum, index) => sum + (plan.accounts[index]?.funding ?? 0n), 0n),
        SUBMIT_ASSET_DECIMALS,
      ),
    },
    transfers: {
      inFile: plan.rows,
      submitted: plan.items.length,
      newlyFinal,
      alreadyFinal: answers.length - newlyFinal,
      accepted: answers.filter((a) => a.code === 'ok').length,
      refused: countBy(
        answers.filter((a) => a.code !== 'ok'),
        (a) => a.code,
      ),
    },
    notes: target.notes,
    files,
    elapsedMs: Math.round(performance.now() - began),
    replayMs: Math.round(replayMs),
    transfersPerSec: replayMs === 0 ? 0 : Math.round((plan.items.length * 1000) / replayMs),
  };
}

async function writeCsv<T>(
  path: string,
  header: readonly string[],
  rows: readonly T[],
  toLine: (row: T, index: number) => string,
): Promise<void> {
  let index = 0;
  const writer = new CsvRecordWriter<T>(path, header, (row) => toLine(row, index++));
  try {
    await writer.writeBatch(rows);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function countBy<T>(values: readonly T[], key: (value: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[key(value)] = (counts[key(value)] ?? 0) + 1;
  return counts;
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
}
