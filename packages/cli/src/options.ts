import { InvalidArgumentError } from 'commander';

/** A commander parser for a positive integer option. */
export function parsePositive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

/** The passphrase that seals and opens private keys: from the environment only, never an argument. */
export function keyPassphrase(): { passphrase: string | undefined } {
  const value = process.env.PAYCHAIN_KEY_PASSPHRASE;
  return { passphrase: value === undefined || value.length === 0 ? undefined : value };
}
