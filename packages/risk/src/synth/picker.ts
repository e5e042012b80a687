/**
 * Picks the users an injected instance needs: opened long enough before it starts, without a
 * role that would clash (idle, dormant, fraud victim), distinct within the instance, and where
 * the population allows, not already in another instance, so instances stay apart.
 */
import type { Population } from './population.ts';
import type { Rng } from './rng.ts';

/** Tries before giving up on the preference, then before giving up altogether. */
const PICK_TRIES = 64;

export class UserPicker {
  private readonly pop: Population;
  private readonly rng: Rng;

  constructor(pop: Population, rng: Rng) {
    this.pop = pop;
    this.rng = rng;
  }

  /**
   * A user opened before `openedBeforeMs` with none of the `excluded` flags, not in `avoid`;
   * users with none of the `avoided` flags first. -1 when none was found.
   */
  pick(openedBeforeMs: number, excluded: number, avoided: number, avoid: readonly number[]): number {
    for (let round = 0; round < 2; round += 1) {
      const unwanted = round === 0 ? excluded | avoided : excluded;
      for (let tries = 0; tries < PICK_TRIES; tries += 1) {
        const u = this.rng.below(this.pop.userCount);
        if ((this.pop.flags[u] ?? 0) & unwanted) continue;
        if ((this.pop.openedMs[u] ?? 0) >= openedBeforeMs) continue;
        if (avoid.includes(u)) continue;
        return u;
      }
    }
    return -1;
  }

  /** `count` distinct users as `pick` finds them, or null when the population runs out. */
  pickMany(
    count: number,
    openedBeforeMs: number,
    excluded: number,
    avoided: number,
    avoid: readonly number[] = [],
  ): number[] | null {
    const chosen: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const u = this.pick(openedBeforeMs, excluded, avoided, chosen.length === 0 ? avoid : [...avoid, ...chosen]);
      if (u < 0) return null;
      chosen.push(u);
    }
    return chosen;
  }
}
