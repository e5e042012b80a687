/**
 * A program spend checked against the ledger's current state before anything is signed, with the ledger's own
 * rule functions (`programWindowRefusal`, `programMerchantRefusal` from @paychain/core) and in its order, so the
 * wallet shows the reason the ledger would give. The ledger still decides: a block made between this check and the
 * spend (the program suspended, the window closed) refuses it with the same code.
 */
import {
  type ProgramEntry,
  programBalanceOf,
  programMerchantRefusal,
  programWindowRefusal,
  type TxCode,
} from '@paychain/core';
import { GatewayApiError } from '../http/api-errors.ts';
import type { GatewayLedger } from '../ledger/gateway-ledger.ts';

/** The reasons a spend is refused for the program's rules or money (the ledger's codes). */
export type ProgramSpendRefusal =
  | 'program_suspended'
  | 'program_not_started'
  | 'program_expired'
  | 'merchant_not_eligible_mcc'
  | 'merchant_not_eligible_region'
  | 'merchant_not_listed'
  | 'amount_above_cap'
  | 'insufficient_program_funds';

/** Plain sentences for each refusal, as the API's messages. */
export const PROGRAM_REFUSAL_MESSAGES: Readonly<Record<ProgramSpendRefusal, string>> = {
  program_suspended: 'the program is suspended',
  program_not_started: 'the program is not open for spending yet',
  program_expired: 'the program has expired',
  merchant_not_eligible_mcc: "this merchant's category is not one the program pays for",
  merchant_not_eligible_region: "this merchant's region is outside the program's regions",
  merchant_not_listed: 'this merchant is not on the program list',
  amount_above_cap: "the amount is above the program's per-payment cap",
  insufficient_program_funds: 'the program balance does not cover this amount',
};

/** The program on the ledger, or 404 `program_not_found`. */
export function programOrThrow(ledger: GatewayLedger, programId: string): ProgramEntry {
  const program = ledger.node.primary.ledger.getProgram(programId);
  if (program === undefined) throw new GatewayApiError('program_not_found', 'no such program', { programId });
  return program;
}

/** A beneficiary's spendable program balance (0 when it was never allocated any). */
export function programBalance(ledger: GatewayLedger, programId: string, account: string): bigint {
  const entry = ledger.node.primary.ledger.getProgramBalance(programId, account);
  return entry === undefined ? 0n : programBalanceOf(entry);
}

/**
 * Why `beneficiary` may not pay `merchantAccount` `amount` from the program at `nowMs`, or null when the rules and
 * the balance allow it. `amount` null checks everything but the cap and the balance (a QR without an amount).
 */
export function programSpendRefusal(
  ledger: GatewayLedger,
  program: ProgramEntry,
  beneficiary: string,
  merchantAccount: string,
  amount: bigint | null,
  nowMs: number,
): ProgramSpendRefusal | null {
  const state = ledger.node.primary.ledger;
  const window = programWindowRefusal(program, BigInt(nowMs));
  if (window !== null) return window;
  const rule = programMerchantRefusal(program, merchantAccount, state.getMerchant(merchantAccount), amount ?? 1n);
  if (rule !== null) return rule;
  if (amount !== null && programBalance(ledger, program.id, beneficiary) < amount) return 'insufficient_program_funds';
  return null;
}

export function programIneligible(programId: string, reason: ProgramSpendRefusal): GatewayApiError {
  return new GatewayApiError('program_ineligible', PROGRAM_REFUSAL_MESSAGES[reason], { reason, program: programId });
}

/** True for the ledger codes that are program refusals (a spend refused by the ledger after the gateway's check). */
export function isProgramSpendRefusal(code: TxCode | string): code is ProgramSpendRefusal {
  return Object.hasOwn(PROGRAM_REFUSAL_MESSAGES, code);
}
