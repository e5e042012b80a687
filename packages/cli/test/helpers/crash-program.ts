// Goal: put program money (issue 6) in the crash test's chain, so its conservation check and `paychain verify` cover
// pools, beneficiaries' balances and merchants' receivables. Method: pre-signed transactions in four phases (each
// waits for the one before): create a program funded from the first payer's account, fund it, disburse to ten
// payers, and let five of them spend at a merchant. Needs an organization with the auditor role (the default three);
// without one it adds nothing.
import { type CryptoSuite, type Genesis, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import type { OrgKeys } from '@paychain/node';

interface Account {
  readonly id: string;
  readonly key: Signer;
}

export interface CrashProgramOptions {
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly issuer: OrgKeys;
  readonly payers: readonly Account[];
  readonly merchants: readonly Account[];
  /** Block times of the child are at or after this; the program stays valid long after. */
  readonly now: bigint;
}

const PROGRAM_ID = 'c0ffee00000000000000000000000001';
const TX_EXPIRY_MS = 3_600_000n;
/** A program valid for a day: the child's clock is fixed, so no sweep happens here (the node tests cover it). */
const PROGRAM_WINDOW_MS = 24n * 3_600_000n;

export function crashProgramPhases(options: CrashProgramOptions): Array<[string, Uint8Array[]]> {
  const auditor = options.genesis.orgs.find((o) => o.roles.includes('auditor'));
  const asset = options.genesis.assets[0];
  const funding = options.payers[0];
  const merchant = options.merchants[0];
  if (auditor === undefined || asset === undefined || funding === undefined || merchant === undefined) return [];
  const issuer: Signer = { privateKey: options.issuer.adminPrivateKey, publicKey: options.issuer.adminPublicKey };
  let counter = 0;
  const tx = (body: TxBody, signers: readonly Signer[]): Uint8Array =>
    signAndEncode(
      options.suite,
      {
        chainId: options.genesis.chainId,
        id: `c0ffee01${(++counter).toString(16).padStart(24, '0')}`,
        expiresAt: options.now + TX_EXPIRY_MS,
        body,
      },
      signers,
    );
  const beneficiaries = options.payers.slice(1, 11);
  return [
    [
      'program-create',
      [
        tx(
          {
            type: 'program.create',
            program: PROGRAM_ID,
            funder: options.issuer.org,
            auditor: auditor.id,
            asset: asset.id,
            budget: 1_000_000n,
            rules: {
              mccs: [],
              merchants: [],
              regions: [],
              perPaymentMax: 0n,
              perBeneficiaryMax: 10_000n,
              validFromMs: options.now - 1_000n,
              validUntilMs: options.now + PROGRAM_WINDOW_MS,
              atExpiry: 'return',
            },
            fundingAccount: funding.id,
          },
          [issuer, funding.key],
        ),
      ],
    ],
    ['program-fund', [tx({ type: 'program.fund', program: PROGRAM_ID, amount: 500_000n }, [issuer])]],
    [
      'program-disburse',
      [
        tx(
          {
            type: 'program.disburse',
            program: PROGRAM_ID,
            allocations: beneficiaries.map((b) => ({ beneficiary: b.id, amount: 10_000n })),
          },
          [issuer],
        ),
      ],
    ],
    [
      'program-spend',
      beneficiaries
        .slice(0, 5)
        .map((b) =>
          tx({ type: 'program.spend', program: PROGRAM_ID, beneficiary: b.id, merchant: merchant.id, amount: 2_500n }, [
            b.key,
          ]),
        ),
    ],
  ];
}
