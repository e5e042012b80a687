/**
 * Step-up: risk control may answer any payment POST 403 `step_up_required` with `details: {reasons, methods}`. The
 * payer then proves again it is them (`POST /v1/me/step-up` with the password or a passkey assertion), and the
 * same request is sent again with the one-time token in `X-Paychain-Step-Up` (`ApiClient.withStepUp`).
 */
import { ApiError } from './client';

export const STEP_UP_METHODS = ['password', 'passkey'] as const;
export type StepUpMethod = (typeof STEP_UP_METHODS)[number];

/** What a `step_up_required` answer asks for. */
export interface StepUpAsk {
  /** Risk control's reasons, shown to the payer. */
  readonly reasons: readonly string[];
  /** The ways this payer can prove it is them (a passkey-only user has no password). */
  readonly methods: readonly StepUpMethod[];
}

/** Reasons shown at most; risk control gives a few. */
const REASONS_MAX = 10;

/** The ask of a `step_up_required` error, or null for any other error. */
export function stepUpAskOf(error: unknown): StepUpAsk | null {
  if (!(error instanceof ApiError) || error.code !== 'step_up_required') return null;
  const { reasons, methods } = error.details;
  const reasonList = Array.isArray(reasons)
    ? reasons.filter((r): r is string => typeof r === 'string').slice(0, REASONS_MAX)
    : [];
  const methodList = Array.isArray(methods) ? STEP_UP_METHODS.filter((m) => methods.includes(m)) : [];
  // An answer naming no method we know: the password is offered (the gateway says if it does not verify).
  return { reasons: reasonList, methods: methodList.length === 0 ? ['password'] : methodList };
}

/** The payer closed the step-up dialog: the payment was not sent again. */
export class StepUpCancelled extends Error {
  override readonly name = 'StepUpCancelled';
  readonly code = 'step_up_cancelled';
}
