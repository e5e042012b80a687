/**
 * Prometheus metrics of a node, on a registry of its own (never prom-client's global one),
 * so two HTTP apps in one process — tests, or a demo with several nodes — do not collide.
 *
 *   paychain_tx_submitted_total              submissions handed to the consortium by the API
 *   paychain_tx_refused_total{code}          submissions refused before ordering (SubmitError code)
 *   paychain_tx_final_total{code}            transactions in final blocks, by result code
 *   paychain_tx_final_latency_seconds        API submit → final, for submissions answered as final
 *   paychain_block_height                    height of the primary peer's head
 *   paychain_block_certified_height          highest certified (final) height
 *   paychain_block_txs                       transactions per final block
 *   paychain_tx_in_flight                    transactions accepted and not yet final
 * plus prom-client's default process metrics (CPU, memory, event loop lag, GC).
 *
 * Heights and the in-flight count are read at scrape time, so they are right even for
 * blocks that arrived before the metrics were created.
 */
import { BLOCK_TXS_MAX } from '@paychain/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FinalBlockEvent, RejectCode } from './consortium.ts';
import type { LedgerNode } from './ledger-node.ts';

/** Upper bounds of the transactions-per-block histogram; the last finite bucket is the block limit. */
export const BLOCK_TXS_BUCKETS: readonly number[] = [
  0,
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1_000,
  2_000,
  5_000,
  BLOCK_TXS_MAX,
];
/** Upper bounds, in seconds, of the submit → final latency histogram (the API waits 30 s at most). */
export const FINAL_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

export class NodeMetrics {
  readonly registry: Registry;
  private readonly consortium: LedgerNode;
  private readonly submitted: Counter;
  private readonly refused: Counter<'code'>;
  private readonly final: Counter<'code'>;
  private readonly finalLatency: Histogram;
  private readonly blockTxs: Histogram;
  private readonly onBlock: (event: FinalBlockEvent) => void;
  private closed = false;

  constructor(consortium: LedgerNode) {
    this.consortium = consortium;
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    this.submitted = new Counter({
      name: 'paychain_tx_submitted_total',
      help: 'Transactions submitted through the HTTP API',
      registers,
    });
    this.refused = new Counter({
      name: 'paychain_tx_refused_total',
      help: 'Submissions refused before ordering, by refusal code',
      labelNames: ['code'],
      registers,
    });
    this.final = new Counter({
      name: 'paychain_tx_final_total',
      help: 'Transactions in final blocks, by result code',
      labelNames: ['code'],
      registers,
    });
    this.finalLatency = new Histogram({
      name: 'paychain_tx_final_latency_seconds',
      help: 'Time from API submission to final outcome',
      buckets: [...FINAL_LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.blockTxs = new Histogram({
      name: 'paychain_block_txs',
      help: 'Transactions per final block',
      buckets: [...BLOCK_TXS_BUCKETS],
      registers,
    });
    new Gauge({
      name: 'paychain_block_height',
      help: 'Height of the head block of the primary peer',
      registers,
      collect() {
        this.set(Number(consortium.primary.tip.height));
      },
    });
    new Gauge({
      name: 'paychain_block_certified_height',
      help: 'Highest height with a certificate (final) on the primary peer',
      registers,
      collect() {
        this.set(Number(consortium.primary.certifiedHeight));
      },
    });
    new Gauge({
      name: 'paychain_tx_in_flight',
      help: 'Transactions accepted and not yet final',
      registers,
      collect() {
        this.set(consortium.inFlight);
      },
    });
    collectDefaultMetrics({ register: registry });
    this.onBlock = (event) => {
      this.blockTxs.observe(event.results.length);
      for (const result of event.results) this.final.inc({ code: result.code });
    };
    consortium.on('block', this.onBlock);
  }

  recordSubmitted(): void {
    this.submitted.inc();
  }

  recordRefused(code: RejectCode): void {
    this.refused.inc({ code });
  }

  recordFinalLatency(seconds: number): void {
    this.finalLatency.observe(seconds);
  }

  /** The exposition text of every metric of this registry. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening to the consortium; the registry is emptied. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.consortium.off('block', this.onBlock);
    this.registry.clear();
  }
}

export function createNodeMetrics(consortium: LedgerNode): NodeMetrics {
  return new NodeMetrics(consortium);
}
