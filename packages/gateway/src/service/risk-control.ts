/**
 * What the payment path asks risk control, and what it gets back. The gateway scores a payment after its own checks
 * (KYC class, balance, frozen) and before anything is signed: `block` refuses it, `step_up` asks the payer to prove
 * it is them again (password or passkey) and retry, `review` lets it through flagged for an analyst, `allow` lets it
 * through. The decision is kept with the payment (or, for a refusal, in the refusals table).
 *
 * The scoring itself lives in `@paychain/risk`; `engine-risk-control.ts` adapts its engine to this interface, so the
 * service depends only on these few types.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PaymentKind, RiskDecisionKind } from '../db/gateway-db.ts';

/** What the payer's request tells about where it comes from; every field may be unknown. */
export interface PaymentContext {
  /** The bound device of the session that asked. */
  readonly deviceId: string | null;
  /** The client's region (e.g. `CN-BJ`), as the edge proxy resolved it from the IP address. */
  readonly ipRegion: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  /** A step-up token the payer obtained with `POST /v1/me/step-up` (checked and used once by the service). */
  readonly stepUpToken: string | null;
}

export const NO_PAYMENT_CONTEXT: PaymentContext = {
  deviceId: null,
  ipRegion: null,
  lat: null,
  lon: null,
  stepUpToken: null,
};

/** What risk control sees of a payment before anything is signed. */
export interface RiskCheck {
  /** The ledger transaction id the payment will have. */
  readonly txId: string;
  readonly timestampMs: number;
  readonly payerUserId: string;
  readonly payerAccountId: string;
  /** When the payer's wallet was opened (account age). */
  readonly payerOpenedAtMs: number;
  readonly kind: PaymentKind;
  readonly amount: bigint;
  readonly currency: string;
  readonly payeeAccountId: string;
  readonly merchantId: string | null;
  readonly mcc: string | null;
  readonly context: PaymentContext;
}

export interface RiskVerdict {
  readonly decision: RiskDecisionKind;
  /** The model's score in millionths (0..1,000,000). */
  readonly scorePpm: number;
  readonly reasons: readonly string[];
  readonly ruleSetVersion: number;
}

export interface RiskControl {
  assess(check: RiskCheck): RiskVerdict | Promise<RiskVerdict>;
  /** The payment went ahead: it becomes history for the next decisions (new payee, new device, velocity). */
  commit?(check: RiskCheck): void;
}

/** The payments risk control scores: the payer's own money leaving (not top-ups, captures, voids or refunds). */
export const RISK_SCORED_KINDS: readonly PaymentKind[] = ['p2p', 'qr', 'paycode', 'authorize', 'withdraw', 'payout'];

/** A step-up proof is good for this long, and for one payment. */
export const STEP_UP_LIFETIME_MS = 5 * 60_000;
/** Outstanding step-up tokens kept at most (oldest dropped first): each is 64 bytes of memory. */
const STEP_UP_TOKENS_MAX = 100_000;

/**
 * One-time step-up tokens, in memory: a restart forgets them and the payer verifies again, which is safe. Only the
 * SHA-256 of a token is kept.
 */
export class StepUpTokens {
  private readonly tokens = new Map<string, { readonly userId: string; readonly expiresAtMs: number }>();

  issue(userId: string, nowMs: number): { readonly token: string; readonly expiresAtMs: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = nowMs + STEP_UP_LIFETIME_MS;
    if (this.tokens.size >= STEP_UP_TOKENS_MAX) {
      const oldest = this.tokens.keys().next();
      if (oldest.done !== true) this.tokens.delete(oldest.value);
    }
    this.tokens.set(hashToken(token), { userId, expiresAtMs });
    return { token, expiresAtMs };
  }

  /** True once for a live token of this user; the token is gone afterwards. */
  use(token: string, userId: string, nowMs: number): boolean {
    const key = hashToken(token);
    const found = this.tokens.get(key);
    if (found === undefined || found.userId !== userId) return false;
    this.tokens.delete(key);
    return nowMs < found.expiresAtMs;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
