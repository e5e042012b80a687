/**
 * `assert` marks a programming error, not an expected outcome: it is never caught,
 * and it stays on in production. Expected outcomes are status codes (see `status.ts`).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Exhaustiveness check for `switch` over a union: unreachable when the types are right. */
export function assertNever(value: never, what: string): never {
  throw new AssertionError(`unexpected ${what}: ${String(value)}`);
}
