// Goal: run the real `paychain` binary as a separate process, the way an operator does, and
// collect its exit code and output. Method: `node packages/cli/bin/paychain.js …` with the
// test's Node, no shell, PAYCHAIN_DEBUG unset (so a stack trace in stderr is a real leak).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PAYCHAIN_BIN = fileURLToPath(new URL('../../bin/paychain.js', import.meta.url));
/** A CLI run that takes longer than this is a hang, not a slow machine. */
export const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.PAYCHAIN_DEBUG;
  if (options.env?.PAYCHAIN_KEY_PASSPHRASE === undefined) delete env.PAYCHAIN_KEY_PASSPHRASE;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PAYCHAIN_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Lines of a stack trace ("    at fn (file:line)"): never shown to a user without PAYCHAIN_DEBUG. */
export function stackTraceLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at\s/.test(line));
}

/** Everything a failed assertion needs to explain a CLI run. */
export function describeRun(args: readonly string[], result: CliResult): string {
  return `paychain ${args.join(' ')} → code ${result.code}${result.signal === null ? '' : ` signal ${result.signal}`}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}
