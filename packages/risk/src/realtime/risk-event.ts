import type { TransferRecord } from '../transfer-record.ts';

/**
 * What the gateway knows of a payment before it signs it: the import format's row, plus when the
 * paying account was opened when the gateway knows it (without it, account age counts from the first
 * time the engine saw the account).
 */
export interface RiskEvent extends TransferRecord {
  readonly accountOpenedAtMs?: number;
}
