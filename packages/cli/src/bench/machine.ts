/** The machine a benchmark ran on, written with every benchmark's figures so they are never read without it. */
import { availableParallelism, cpus, totalmem } from 'node:os';

export interface MachineFacts {
  readonly cpus: number;
  readonly model: string;
  readonly memoryGiB: number;
  readonly node: string;
}

export function machineFacts(): MachineFacts {
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
