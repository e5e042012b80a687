/** Errors the CLI reports as one line and an exit code, never a stack trace. */
import { DataDirError, NatsClusterError, OrderingError, PeerError, SubmitError } from '@paychain/node';
import { StoreError } from '@paychain/store';

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function reportError(error: unknown): number {
  if (process.env.PAYCHAIN_DEBUG) console.error(error);
  if (error instanceof CliError) {
    console.error(`paychain: ${error.message}`);
    return error.exitCode;
  }
  if (
    error instanceof DataDirError ||
    error instanceof StoreError ||
    error instanceof PeerError ||
    error instanceof SubmitError ||
    error instanceof OrderingError ||
    error instanceof NatsClusterError
  ) {
    console.error(`paychain: ${error.message}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`paychain: unexpected error: ${message} (set PAYCHAIN_DEBUG=1 for details)`);
  return 70;
}
