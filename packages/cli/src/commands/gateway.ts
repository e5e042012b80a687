/**
 * `paychain gateway grant-ops|revoke-ops --data DIR --phone P`: gives a gateway user the ops role (freezes, the
 * peers view of the ops console) or takes it back. Run on the gateway's machine against its database; there is no
 * API for it, so a stolen session cannot make itself an operator.
 */
import { join } from 'node:path';
import { GatewayDbError, openGatewayDb } from '@paychain/gateway';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';

export function registerGateway(program: Command): void {
  const gateway = program.command('gateway').description("manage the gateway's users");
  for (const [name, role] of [
    ['grant-ops', 'ops'],
    ['revoke-ops', 'user'],
  ] as const) {
    gateway
      .command(name)
      .description(role === 'ops' ? 'give a user the ops role' : 'take the ops role back')
      .requiredOption('--data <dir>', 'data directory of the node that runs the gateway')
      .requiredOption('--phone <e164>', "the user's phone number, e.g. +8613800138000")
      .option('--db <spec>', "the gateway's database (default: SQLite in the data directory)")
      .action(async (opts: { data: string; phone: string; db?: string }) => {
        if (!/^\+[1-9][0-9]{1,14}$/.test(opts.phone))
          throw new CliError('--phone must be E.164, e.g. +8613800138000', 2);
        let db: Awaited<ReturnType<typeof openGatewayDb>>;
        try {
          db = await openGatewayDb(opts.db ?? `sqlite:${join(opts.data, 'gateway.sqlite')}`);
        } catch (error: unknown) {
          if (error instanceof GatewayDbError) throw new CliError(`the gateway database: ${error.message}`);
          throw error;
        }
        try {
          const user = await db.getUserByPhone(opts.phone);
          if (user === null) throw new CliError(`no gateway user with phone ${opts.phone}`);
          await db.setUserRole(user.id, role);
          console.log(`${opts.phone} now has the ${role} role`);
        } finally {
          await db.close();
        }
      });
  }
}
