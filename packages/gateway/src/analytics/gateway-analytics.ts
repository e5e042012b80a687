/**
 * The gateway's big-data side on one node: the warehouse fed with committed blocks as they become final (enriched
 * with what the gateway's database knows: merchants, channels, risk decisions), risk decisions recorded as facts
 * (blocked payments never reach the ledger), AML scans over the committed chain whose alerts become the regulator's
 * cases, case evidence checked against the chain, and the regulator's reports.
 */
import {
  type AlertFact,
  type BlockFollower,
  BlockLoader,
  type RiskDecisionFact,
  type TimeRange,
  type Warehouse,
  type WarehouseTransfer,
} from '@paychain/analytics';
import {
  type AmlAlert,
  LARGE_VALUE_THRESHOLD_DEFAULT,
  largeValueReport,
  largeValueReportToCsv,
  scanTransferBatches,
  suspiciousTransactionReport,
  suspiciousTransactionReportToCsv,
  type TransferRecord,
} from '@paychain/risk';
import {
  AML_ALERT_ACCOUNTS_MAX,
  AML_ALERT_TXS_MAX,
  AML_ALERTS_BATCH_MAX,
  AML_EXPLANATION_CHARS_MAX,
  type GatewayDb,
  type NewAmlAlert,
  type AmlAlert as StoredAlert,
} from '../db/gateway-db.ts';
import type { GatewayLedger } from '../ledger/gateway-ledger.ts';
import { GatewayAccountDirectory, GatewayPaymentDirectory } from './gateway-directories.ts';

/** The network's local time (China, UTC+8): the warehouse cuts days and hours in it. */
export const NETWORK_UTC_OFFSET_MS = 8 * 3_600_000;
/** How often the warehouse looks for new final blocks. */
export const WAREHOUSE_FOLLOW_INTERVAL_MS = 1_000;
/** Risk decisions wait at most this long (or this many) before they are written to the warehouse together. */
export const DECISION_FLUSH_INTERVAL_MS = 2_000;
export const DECISIONS_PENDING_MAX = 10_000;
/** An AML scan reads at most this window of the chain (the detectors' own windows are days to months). */
export const AML_SCAN_RANGE_MS_MAX = 400 * 86_400_000;

export interface GatewayAnalyticsOptions {
  readonly warehouse: Warehouse;
  readonly db: GatewayDb;
  readonly ledger: GatewayLedger;
  readonly clock?: () => number;
  readonly onError: (error: unknown, context: string) => void;
  readonly followIntervalMs?: number;
  /** The large-value reporting threshold in minor units; default 50,000 CNY. */
  readonly thresholdMinor?: bigint;
}

export interface AmlScanSummary {
  readonly scanned: number;
  readonly alertsFound: number;
  readonly alertsNew: number;
  readonly elapsedMs: number;
}

export interface EvidenceItem {
  readonly txId: string;
  readonly height: string | null;
  readonly index: number | null;
  readonly blockTimeMs: number | null;
  readonly verified: boolean;
  readonly reason: string | null;
}

/** A warehouse row as the import format's record (what the detectors and reports read). */
export function recordOfRow(row: WarehouseTransfer): TransferRecord {
  return {
    id: row.id,
    timestampMs: row.timestampMs,
    fromAccount: row.fromAccount,
    toAccount: row.toAccount,
    amount: row.amount,
    currency: row.currency,
    channel: row.channel,
    mcc: row.mcc,
    merchantId: row.merchantId,
    deviceId: null,
    ipRegion: row.region,
    lat: null,
    lon: null,
  };
}

export class GatewayAnalytics {
  readonly warehouse: Warehouse;
  readonly thresholdMinor: bigint;
  private readonly db: GatewayDb;
  private readonly ledger: GatewayLedger;
  private readonly clock: () => number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly followIntervalMs: number;
  private readonly loader: BlockLoader;
  private follower: BlockFollower | null = null;
  private decisions: RiskDecisionFact[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(options: GatewayAnalyticsOptions) {
    this.warehouse = options.warehouse;
    this.db = options.db;
    this.ledger = options.ledger;
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError;
    this.followIntervalMs = options.followIntervalMs ?? WAREHOUSE_FOLLOW_INTERVAL_MS;
    this.thresholdMinor = options.thresholdMinor ?? LARGE_VALUE_THRESHOLD_DEFAULT;
    this.loader = new BlockLoader(this.warehouse, {
      accounts: new GatewayAccountDirectory(this.db),
      payments: new GatewayPaymentDirectory(this.db),
    });
  }

  get currency(): string {
    return this.ledger.currency;
  }

  /** Follows the chain: every final block is loaded (after downtime, from the warehouse's checkpoint on). */
  start(): void {
    if (this.follower !== null) return;
    this.follower = this.loader.follow(this.ledger.node.primary.store, {
      intervalMs: this.followIntervalMs,
      onError: (error) => this.onError(error, 'loading blocks into the warehouse'),
    });
    this.flushTimer = setInterval(() => {
      void this.flushDecisions();
    }, DECISION_FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  /** Loads what is final now and waits for it (tests, and before a scan). */
  async catchUp(): Promise<void> {
    await this.loader.load(this.ledger.node.primary.store);
    await this.flushDecisions();
  }

  /** A risk decision as a warehouse fact; written in batches. */
  recordDecision(fact: RiskDecisionFact): void {
    this.decisions.push(fact);
    if (this.decisions.length >= DECISIONS_PENDING_MAX) void this.flushDecisions();
  }

  flushDecisions(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.decisions.length === 0) return;
      const batch = this.decisions;
      this.decisions = [];
      try {
        await this.warehouse.appendRiskDecisions(batch);
      } catch (error) {
        // Kept for the next flush: a decision is counted once (the warehouse dedupes by payment id).
        this.decisions = [...batch, ...this.decisions].slice(-DECISIONS_PENDING_MAX);
        this.onError(error, 'writing risk decisions to the warehouse');
      }
    });
    return this.flushing;
  }

  async status(): Promise<{
    warehouse: string;
    loadedHeight: string;
    chainHeight: string;
    lagBlocks: string;
    transfers: number;
  }> {
    const checkpoint = await this.warehouse.readCheckpoint(this.ledger.genesis.chainId);
    const loaded = checkpoint?.height ?? 0n;
    const chain = this.ledger.node.primary.certifiedHeight;
    const span = await this.warehouse.timeSpan();
    const totals = span === null ? { count: 0 } : await this.warehouse.totals({ ...span, currency: this.currency });
    return {
      warehouse: this.warehouse.engine,
      loadedHeight: loaded.toString(),
      chainHeight: chain.toString(),
      lagBlocks: (chain > loaded ? chain - loaded : 0n).toString(),
      transfers: totals.count,
    };
  }

  /** The committed transfers of a time range, as records, in batches. */
  /** Streamed in batches: a scan or a report never holds the range's rows as objects all at once. */
  private async *records(range: TimeRange, keep: (row: WarehouseTransfer) => boolean = () => true) {
    for await (const batch of this.warehouse.readTransfers(range)) {
      yield batch.filter(keep).map(recordOfRow);
    }
  }

  private async collect(range: TimeRange, keep: (row: WarehouseTransfer) => boolean): Promise<TransferRecord[]> {
    const records: TransferRecord[] = [];
    for await (const batch of this.records(range, keep)) records.push(...batch);
    return records;
  }

  /** Runs every laundering detector over the committed chain in the range; new alerts are stored for the cases. */
  async scanAml(range: TimeRange): Promise<AmlScanSummary> {
    const started = performance.now();
    await this.catchUp();
    const result = await scanTransferBatches(this.records(range), {
      currency: this.currency,
      thresholdMinor: this.thresholdMinor,
    });
    const detectedAtMs = this.clock();
    const alerts = result.alerts.map((a) => storedAlertOf(a, detectedAtMs));
    let alertsNew = 0;
    for (let i = 0; i < alerts.length; i += AML_ALERTS_BATCH_MAX) {
      alertsNew += await this.db.upsertAlerts(alerts.slice(i, i + AML_ALERTS_BATCH_MAX));
    }
    const facts: AlertFact[] = alerts.map((a) => ({
      alertId: a.id,
      timestampMs: a.windowStartMs,
      pattern: a.pattern,
      score: a.scorePpm / 1_000_000,
    }));
    if (facts.length > 0) await this.warehouse.appendAlerts(facts);
    return {
      scanned: result.stats.transfers + result.stats.skippedOtherCurrency,
      alertsFound: alerts.length,
      alertsNew,
      elapsedMs: Math.round(performance.now() - started),
    };
  }

  /** Each transaction of the alerts with its receipt checked against the chain. */
  evidence(alerts: readonly StoredAlert[]): EvidenceItem[] {
    const txIds = [...new Set(alerts.flatMap((a) => a.txIds))];
    return txIds.map((txId) => {
      // A batch operation's row id is `txId:index`; its receipt is the transaction's.
      const checked = this.ledger.checkedReceipt(txId.split(':')[0] ?? txId);
      return checked === null
        ? { txId, height: null, index: null, blockTimeMs: null, verified: false, reason: 'not final on this node' }
        : {
            txId,
            height: checked.height.toString(),
            index: checked.index,
            blockTimeMs: checked.blockTimeMs,
            verified: checked.verified,
            reason: checked.reason,
          };
    });
  }

  /** Single transfers at or above the threshold in the range (the large-value report), as CSV. */
  async largeValueCsv(range: TimeRange): Promise<string> {
    const large = await this.collect(range, (row) => row.amount >= this.thresholdMinor);
    return largeValueReportToCsv(largeValueReport(large, this.thresholdMinor, this.currency));
  }

  /** The suspicious-transaction report of a case's alerts, as CSV. */
  async suspiciousCsv(alerts: readonly StoredAlert[]): Promise<string> {
    if (alerts.length === 0) return suspiciousTransactionReportToCsv([]);
    const fromMs = Math.min(...alerts.map((a) => a.windowStartMs));
    const toMs = Math.max(...alerts.map((a) => a.windowEndMs)) + 1;
    const alerted = new Set(alerts.flatMap((a) => a.txIds));
    const byId = new Map((await this.collect({ fromMs, toMs }, (row) => alerted.has(row.id))).map((r) => [r.id, r]));
    const rows = suspiciousTransactionReport(alerts.map(amlAlertOf), byId);
    return suspiciousTransactionReportToCsv(rows);
  }

  async stop(): Promise<void> {
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.follower?.stop();
    this.follower = null;
    await this.flushDecisions();
  }
}

function storedAlertOf(alert: AmlAlert, detectedAtMs: number): NewAmlAlert {
  return {
    id: alert.id,
    pattern: alert.pattern,
    scorePpm: Math.round(alert.score * 1_000_000),
    accounts: alert.accounts.slice(0, AML_ALERT_ACCOUNTS_MAX),
    txIds: alert.transactionIds.slice(0, AML_ALERT_TXS_MAX),
    explanation:
      alert.explanation.length > AML_EXPLANATION_CHARS_MAX
        ? `${alert.explanation.slice(0, AML_EXPLANATION_CHARS_MAX - 1)}…`
        : alert.explanation,
    windowStartMs: Date.parse(alert.windowStart),
    windowEndMs: Date.parse(alert.windowEnd),
    detectedAtMs,
  };
}

function amlAlertOf(stored: StoredAlert): AmlAlert {
  return {
    id: stored.id,
    pattern: stored.pattern as AmlAlert['pattern'],
    accounts: stored.accounts,
    transactionIds: stored.txIds,
    score: stored.scorePpm / 1_000_000,
    explanation: stored.explanation,
    windowStart: new Date(stored.windowStartMs).toISOString(),
    windowEnd: new Date(stored.windowEndMs).toISOString(),
  };
}
