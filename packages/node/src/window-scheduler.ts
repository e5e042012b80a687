/**
 * Settlement windows on a schedule (docs/settlement.md): every `intervalMs`, for each settlement scheme on the chain,
 * closes the open window if it holds payments and — when the signing organization is the scheme's settlement
 * institution — settles every closed window not settled yet, in order. It signs with one organization's admin key
 * (the institution, or an operator, which may close but not settle). A refusal is reported through `onEvent` and
 * the next round tries again; a round never overlaps the previous one.
 *
 * The ledger decides: closing a window someone else closed first is `window_not_open`, settling one settled already
 * is `window_settled`, and both are reported and harmless.
 */
import { randomBytes } from 'node:crypto';
import { type OrgId, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import type { LedgerNode } from './ledger-node.ts';

/** A transaction of the scheduler lives this long before the ledger refuses it as expired. */
const TX_LIFETIME_MS = 120_000n;

export type WindowSchedulerEvent =
  | { readonly kind: 'closed' | 'settled'; readonly currency: string; readonly window: bigint }
  | {
      readonly kind: 'refused';
      readonly currency: string;
      readonly window: bigint;
      readonly action: string;
      readonly code: string;
    }
  | { readonly kind: 'error'; readonly message: string };

export interface WindowSchedulerOptions {
  readonly node: LedgerNode;
  readonly org: OrgId;
  readonly signer: Signer;
  readonly intervalMs: number;
  readonly onEvent?: (event: WindowSchedulerEvent) => void;
  readonly clock?: () => number;
}

export class WindowScheduler {
  private readonly options: WindowSchedulerOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(options: WindowSchedulerOptions) {
    this.options = options;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.running !== null) return;
      this.running = this.round()
        .catch((error: unknown) => this.emit({ kind: 'error', message: (error as Error).message }))
        .finally(() => {
          this.running = null;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round: close what has payments, settle what is closed (as the institution). Exposed for tests. */
  async round(): Promise<void> {
    const ledger = this.options.node.primary.ledger;
    for (const scheme of ledger.schemes()) {
      const open = ledger.getWindow(scheme.currency, scheme.openWindow);
      if (open !== undefined && open.payments > 0n) {
        await this.act({ type: 'settlement.close', currency: scheme.currency, window: scheme.openWindow }, 'closed');
      }
      if (scheme.settlementOrg !== this.options.org) continue;
      // Read again: the close above opened a new window.
      const now = ledger.getScheme(scheme.currency);
      if (now === undefined) continue;
      for (let seq = now.nextToSettle; seq < now.openWindow; seq++) {
        if (!(await this.act({ type: 'settlement.settle', currency: scheme.currency, window: seq }, 'settled'))) break;
      }
    }
  }

  private async act(body: TxBody & { currency: string; window: bigint }, done: 'closed' | 'settled'): Promise<boolean> {
    const node = this.options.node;
    const now = BigInt((this.options.clock ?? Date.now)());
    const bytes = signAndEncode(
      node.suite,
      { chainId: node.genesis.chainId, id: randomBytes(16).toString('hex'), expiresAt: now + TX_LIFETIME_MS, body },
      [this.options.signer],
    );
    const outcome = await node.submit(bytes);
    if (outcome.code === 'ok') {
      this.emit({ kind: done, currency: body.currency, window: body.window });
      return true;
    }
    this.emit({ kind: 'refused', currency: body.currency, window: body.window, action: body.type, code: outcome.code });
    return false;
  }

  private emit(event: WindowSchedulerEvent): void {
    this.options.onEvent?.(event);
  }
}
