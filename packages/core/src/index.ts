/**
 * @paychain/core: the browser-safe part (`browser.ts`: codec, transactions, executor, blocks, Merkle trees, LtHash,
 * receipts) and the Node crypto suites.
 */
export * from './browser.ts';
export { getSuite, isSuiteName } from './crypto/suite.ts';
