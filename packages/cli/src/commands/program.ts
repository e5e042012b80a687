/**
 * `paychain program cosign --data DIR --org ORG --proposal TEXT|@FILE`: the auditor's half of a clawback. The
 * funder's gateway proposes a clawback signed by the funder (`POST /v1/ops/programs/{id}/clawbacks`); the auditor
 * runs this on its own machine, with its own key, reads what it signs (printed to stderr: program, beneficiary,
 * amount, reason, expiry) and gives the funder the JSON line it prints, `{publicKey, signature}`, for
 * `POST /v1/ops/programs/{id}/clawbacks/submit`. The signature covers the transaction's signing bytes, computed here
 * from the transaction itself, not taken from the proposal; the gateway's MAC is the gateway's to check.
 */
import { readFileSync } from 'node:fs';
import { bytesToHex, decodeTransaction, encodeTxSigningBytes, formatAmount, hexToBytes, isHex } from '@paychain/core';
import { openDataDir } from '@paychain/node';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { keyPassphrase } from '../options.ts';

export function registerProgram(program: Command): void {
  const programs = program.command('program').description('purpose-bound programs: the auditor signs a clawback');
  programs
    .command('cosign')
    .description("sign a clawback proposal with an organization's admin key; prints {publicKey, signature}")
    .requiredOption('--data <dir>', "a data directory holding the organization's keys")
    .requiredOption('--org <id>', 'the signing organization (the program auditor)')
    .requiredOption('--proposal <text>', 'the proposal text from the gateway, or @FILE to read it from a file')
    .action((opts: { data: string; org: string; proposal: string }) => {
      const text = (opts.proposal.startsWith('@') ? readProposalFile(opts.proposal.slice(1)) : opts.proposal).trim();
      const [encoded, mac, ...rest] = text.split('.');
      if (encoded === undefined || mac === undefined || rest.length > 0 || encoded.length === 0) {
        throw new CliError('--proposal: not a proposal (base64url body, a dot, the gateway MAC)', 2);
      }
      let body: { unsignedTx?: unknown; expiresAtMs?: unknown };
      try {
        body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as typeof body;
      } catch {
        throw new CliError('--proposal: its body is not JSON', 2);
      }
      if (typeof body.unsignedTx !== 'string' || !isHex(body.unsignedTx)) {
        throw new CliError('--proposal: it holds no transaction', 2);
      }
      const decoded = decodeTransaction(hexToBytes(body.unsignedTx));
      if (!decoded.ok) throw new CliError(`--proposal: the transaction does not decode: ${decoded.error}`, 2);
      const tx = decoded.value.tx;
      if (tx.body.type !== 'program.clawback') {
        throw new CliError(`--proposal: a ${tx.body.type} transaction, not a clawback: not signed`, 1);
      }
      const data = openDataDir(opts.data, keyPassphrase());
      if (tx.chainId !== data.genesis.chainId) {
        throw new CliError(
          `the proposal is for chain ${tx.chainId}, this data directory is ${data.genesis.chainId}`,
          1,
        );
      }
      const keys = data.keys.get(opts.org);
      if (keys === undefined) throw new CliError(`${opts.data} holds no keys of ${opts.org}`, 1);
      const asset = data.genesis.assets.find((a) => a.id === 'CNY') ?? data.genesis.assets[0];
      const decimals = asset?.decimals ?? 2;
      console.error(
        [
          `clawback ${tx.id}`,
          `  program      ${tx.body.program}`,
          `  beneficiary  ${tx.body.beneficiary}`,
          `  amount       ${formatAmount(tx.body.amount, decimals)} (minor units ${tx.body.amount})`,
          `  reason       ${tx.body.reason}`,
          `  expires      ${new Date(Number(tx.expiresAt)).toISOString()}`,
          `signed by ${opts.org}`,
        ].join('\n'),
      );
      const signature = data.suite.sign(keys.adminPrivateKey, encodeTxSigningBytes(tx));
      console.log(JSON.stringify({ publicKey: bytesToHex(keys.adminPublicKey), signature: bytesToHex(signature) }));
    });
}

function readProposalFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--proposal @${path}: ${(error as Error).message}`, 2);
  }
}
