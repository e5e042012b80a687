/**
 * The `paychain` command. Every command validates its options and its files, prints a
 * clear message and exits non-zero on bad input; no stack trace reaches the user unless
 * PAYCHAIN_DEBUG is set.
 */
import { Command } from 'commander';
import { registerAml } from './commands/aml.ts';
import { registerAnalytics } from './commands/analytics.ts';
import { registerBench } from './commands/bench.ts';
import { registerChain } from './commands/chain.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerNetwork } from './commands/network.ts';
import { registerProgram } from './commands/program.ts';
import { registerQr } from './commands/qr.ts';
import { registerRun } from './commands/run.ts';
import { registerSettlement } from './commands/settlement.ts';
import { reportError } from './errors.ts';

const program = new Command();
program
  .name('paychain')
  .description('Paychain: a consortium payment ledger with a mobile wallet, risk control and analytics')
  .version('0.1.0')
  .showHelpAfterError();

registerChain(program);
registerRun(program);
registerNetwork(program);
registerBench(program);
registerQr(program);
registerGateway(program);
registerAml(program);
registerAnalytics(program);
registerGenerate(program);
registerProgram(program);
registerSettlement(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
