/**
 * Canonical bytes of a block's expiry sweeps (`BlockExecution.programSweeps`), so a peer stores them with the block
 * and an auditor reads what expiry returned without replaying. Version 1:
 *
 *   u16 count (≤ PROGRAM_SWEEPS_MAX), then per sweep in execution order:
 *     program id (16) ‖ u64 pool ‖ u8 flags (bit 0 complete, bit 1 stopped by balance_overflow)
 *     ‖ u32 balance count ‖ (account id (16) ‖ u64 amount) × count
 *   balances over all sweeps ≤ PROGRAM_SWEEP_BALANCES_MAX; no trailing bytes.
 *
 * Not hashed into the header: the swept amounts are already in the state changes, hence in the state commitment;
 * `paychain verify` replays the block and compares these bytes.
 */
import { assert } from './assert.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { DecodeError, type DecodeResult, decodeWith, type Reader, Writer } from './codec.ts';
import type { ProgramSweep } from './execute.ts';
import { PROGRAM_SWEEP_BALANCES_MAX, PROGRAM_SWEEPS_MAX } from './limits.ts';
import { isId128 } from './tx-codec.ts';

const FLAG_COMPLETE = 1;
const FLAG_STOPPED_OVERFLOW = 2;

export function encodeProgramSweeps(sweeps: readonly ProgramSweep[]): Uint8Array {
  assert(sweeps.length <= PROGRAM_SWEEPS_MAX, 'sweeps within PROGRAM_SWEEPS_MAX');
  let balances = 0;
  for (const s of sweeps) balances += s.balances.length;
  assert(balances <= PROGRAM_SWEEP_BALANCES_MAX, 'swept balances within PROGRAM_SWEEP_BALANCES_MAX');
  const w = new Writer(2 + sweeps.length * 29 + balances * 24);
  w.u16(sweeps.length);
  for (const s of sweeps) {
    assert(isId128(s.program), 'sweep program id');
    w.fixed(hexToBytes(s.program), 16);
    w.u64(s.pool);
    w.u8((s.complete ? FLAG_COMPLETE : 0) | (s.stopped === 'balance_overflow' ? FLAG_STOPPED_OVERFLOW : 0));
    w.u32(s.balances.length);
    for (const b of s.balances) {
      assert(isId128(b.account), 'sweep account id');
      w.fixed(hexToBytes(b.account), 16);
      w.u64(b.amount);
    }
  }
  return w.finish();
}

function readSweeps(r: Reader): ProgramSweep[] {
  const count = r.u16('sweep count');
  if (count > PROGRAM_SWEEPS_MAX) throw new DecodeError(`sweep count ${count} above ${PROGRAM_SWEEPS_MAX}`);
  const sweeps: ProgramSweep[] = [];
  let left = PROGRAM_SWEEP_BALANCES_MAX;
  for (let i = 0; i < count; i++) {
    const program = bytesToHex(r.fixed(16, 'sweep program'));
    const pool = r.u64('sweep pool');
    const flags = r.u8('sweep flags');
    if ((flags & ~(FLAG_COMPLETE | FLAG_STOPPED_OVERFLOW)) !== 0) throw new DecodeError(`sweep flags ${flags}`);
    const n = r.u32('sweep balance count');
    if (n > left) throw new DecodeError(`swept balances above ${PROGRAM_SWEEP_BALANCES_MAX}`);
    left -= n;
    const balances: Array<{ account: string; amount: bigint }> = [];
    for (let j = 0; j < n; j++) {
      balances.push({ account: bytesToHex(r.fixed(16, 'sweep account')), amount: r.u64('sweep amount') });
    }
    const complete = (flags & FLAG_COMPLETE) !== 0;
    sweeps.push(
      (flags & FLAG_STOPPED_OVERFLOW) !== 0
        ? { program, pool, balances, complete, stopped: 'balance_overflow' }
        : { program, pool, balances, complete },
    );
  }
  return sweeps;
}

export function decodeProgramSweeps(bytes: Uint8Array): DecodeResult<ProgramSweep[]> {
  return decodeWith(bytes, readSweeps, 'program sweeps');
}
