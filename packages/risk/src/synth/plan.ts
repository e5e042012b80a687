/**
 * Everything illicit, planned before the first day is generated: how many instances of each
 * pattern the illicit rate asks for, where in the period each goes, and who takes part. Planning
 * first lets the background respect it (a dormant account really is idle, a victim keeps its
 * device), and the injected transfers — a small share of the total — wait sorted by time to be
 * merged into their day.
 */
import { DAY_MS } from '../csv/civil-date.ts';
import {
  FRAUD_PATTERNS,
  type FraudPattern,
  LAUNDERING_PATTERNS,
  type LabelPattern,
  type LaunderingPattern,
  UNPATTERNED,
} from '../transfer-record.ts';
import { largeTransferAmount } from './background.ts';
import { HOUR_MS } from './calendar.ts';
import { compareDrafts, type Draft, type DraftFactory, realCnyToMinor } from './draft.ts';
import { FRAUD_TRANSACTIONS_MEAN, HIGH_TICKET_MCCS, merchantsWithMcc, placeFraud } from './fraud.ts';
import { bankOf, LAUNDERING_TRANSACTIONS_MEAN, launderingShape, type Shape } from './laundering.ts';
import { CASH_OUT_MCCS } from './mcc.ts';
import { UserPicker } from './picker.ts';
import { FAVOURITES, FLAG_DORMANT, FLAG_IDLE, FLAG_IN_INSTANCE, FLAG_VICTIM, type Population } from './population.ts';
import { Rng } from './rng.ts';

/** Share of the illicit transactions that belong to no pattern. */
export const UNPATTERNED_SHARE = 0.05;
/** Dormant activation needs a 60-day idle spell after a move inside the period, and 7 days to act. */
export const DORMANT_IDLE_DAYS = 60;
export const DORMANT_DAYS_MIN = 70;
const DORMANT_AMOUNT_MIN = 20_000_00n;
const DORMANT_AMOUNT_MAX = 100_000_00n;
/** Redraws of a shape that is longer than the period before the instance is given up. */
const SHAPE_TRIES = 8;
/** Laundering participants: none idle, dormant or a fraud victim. */
const LAUNDERING_EXCLUDED = FLAG_IDLE | FLAG_DORMANT | FLAG_VICTIM;
const ANY_ROLE = 0xff;

export interface PlannedInstance {
  readonly pattern: LabelPattern;
  /** Central account first; banks left out. */
  readonly accounts: readonly string[];
}

export interface InjectionPlan {
  /** Injected transfers (labelled ones and their licit context), sorted by time. */
  readonly drafts: readonly Draft[];
  readonly instances: readonly PlannedInstance[];
  /** Instances asked for and not placed, per pattern. */
  readonly skipped: Readonly<Record<LabelPattern, number>>;
  readonly notes: readonly string[];
}

export interface PlanOptions {
  readonly seed: number;
  readonly thresholdMinor: bigint;
  readonly illicitRate: number;
  readonly fraudRate: number;
  /** Licit transfers the background is expected to make. */
  readonly expectedBackground: number;
}

function zeroCounts(): Record<LabelPattern, number> {
  const counts = {} as Record<LabelPattern, number>;
  for (const pattern of [...LAUNDERING_PATTERNS, ...FRAUD_PATTERNS, UNPATTERNED] as LabelPattern[]) counts[pattern] = 0;
  return counts;
}

export function planInjections(pop: Population, drafts: DraftFactory, options: PlanOptions): InjectionPlan {
  const rng = new Rng(options.seed, 2);
  const picker = new UserPicker(pop, rng);
  const startMs = pop.startMs;
  const periodMs = pop.days * DAY_MS;
  const endMs = startMs + periodMs;
  const injected: Draft[] = [];
  const instances: PlannedInstance[] = [];
  const skipped = zeroCounts();
  const notes: string[] = [];

  // Sizing: the illicit share is of all transfers, the background's included.
  const scale = options.expectedBackground / (1 - options.illicitRate);
  const illicitTarget = options.illicitRate * scale;
  const fraudTarget = options.fraudRate * scale;
  const unpatterned = Math.max(1, Math.round(UNPATTERNED_SHARE * illicitTarget));
  const launderingTarget = Math.max(0, illicitTarget - fraudTarget - unpatterned);
  const dormant = pop.days >= DORMANT_DAYS_MIN;
  const laundering = LAUNDERING_PATTERNS.filter((p) => p !== 'dormant_activation' || dormant);
  if (pop.days < DORMANT_DAYS_MIN) {
    notes.push(
      `dormant_activation needs ${DORMANT_DAYS_MIN} days or more (a ${DORMANT_IDLE_DAYS}-day idle spell inside the period); none injected`,
    );
  }
  const launderingMean = laundering.reduce((sum, p) => sum + LAUNDERING_TRANSACTIONS_MEAN[p], 0);
  const perLaundering = Math.max(1, Math.round(launderingTarget / launderingMean));
  const fraudMean = FRAUD_PATTERNS.reduce((sum, p) => sum + FRAUD_TRANSACTIONS_MEAN[p], 0);
  const perFraud = options.fraudRate > 0 ? Math.max(1, Math.round(fraudTarget / fraudMean)) : 0;

  const add = (
    pattern: LabelPattern,
    accounts: readonly string[],
    labelled: readonly Draft[],
    context: readonly Draft[],
  ) => {
    instances.push({ pattern, accounts });
    for (const draft of labelled) injected.push(draft);
    for (const draft of context) injected.push(draft);
  };

  const placeShape = (pattern: Exclude<LaunderingPattern, 'dormant_activation'>): boolean => {
    let shape: Shape | null = null;
    let span = 0;
    for (let tries = 0; tries < SHAPE_TRIES && shape === null; tries += 1) {
      const candidate = launderingShape(pattern, rng, { thresholdMinor: options.thresholdMinor, periodMs });
      span = Math.max(...candidate.edges.map((e) => e.dt));
      if (span <= periodMs - 2 * HOUR_MS) shape = candidate;
    }
    if (shape === null) return false;
    const t0 = startMs + HOUR_MS + Math.floor(rng.float() * (periodMs - 2 * HOUR_MS - span));
    const users = picker.pickMany(shape.slots, t0 - DAY_MS, LAUNDERING_EXCLUDED, FLAG_IN_INSTANCE);
    if (users === null) return false;
    for (const u of users) pop.flags[u] = (pop.flags[u] ?? 0) | FLAG_IN_INSTANCE;
    const instance = instances.length;
    const labelled = shape.edges.map((edge) => {
      const t = t0 + edge.dt;
      if (edge.from < 0) {
        const u = users[bankOf(edge.from)] ?? 0;
        return drafts.topup(t, u, edge.amount, pop.homeRegion[u] ?? 0, pattern, instance);
      }
      const from = users[edge.from] ?? 0;
      return drafts.transfer(t, from, users[edge.to] ?? 0, edge.amount, pop.homeRegion[from] ?? 0, pattern, instance);
    });
    add(
      pattern,
      users.map((u) => pop.userIds[u] ?? ''),
      labelled,
      [],
    );
    return true;
  };

  /**
   * An ordinary account makes a licit move on day `last`, then nothing for 60 days or more; then
   * 3–6 transfers of 20,000–100,000 within 7 days, money in first.
   */
  const placeDormant = (): boolean => {
    const u = picker.pick(startMs - DAY_MS, ANY_ROLE, 0, []);
    if (u < 0) return false;
    const last = rng.int(0, pop.days - DORMANT_DAYS_MIN + 1);
    const wakeEarliest = startMs + (last + 1 + DORMANT_IDLE_DAYS) * DAY_MS;
    const wakeLatest = endMs - 7 * DAY_MS - HOUR_MS;
    const wake = wakeEarliest + Math.floor(rng.float() * (wakeLatest - wakeEarliest));
    const count = rng.int(3, 6);
    const counterparts = picker.pickMany(count, wake - DAY_MS, LAUNDERING_EXCLUDED, FLAG_IN_INSTANCE, [u]);
    if (counterparts === null) return false;
    for (const c of counterparts) pop.flags[c] = (pop.flags[c] ?? 0) | FLAG_IN_INSTANCE;
    const home = pop.homeRegion[u] ?? 0;
    const lastMoveAt = startMs + last * DAY_MS + rng.below(DAY_MS);
    const shop = pop.favourites[u * FAVOURITES + rng.below(FAVOURITES)] ?? 0;
    const amount = realCnyToMinor(rng.logNormal(pop.typicalPaymentCny(u), 0.5));
    const lastMove = drafts.merchantPayment(rng, lastMoveAt, u, shop, amount, 'qr', pop.deviceA[u] ?? 0, home);
    pop.flags[u] = FLAG_DORMANT;
    pop.idleFromDay[u] = last + 1;
    pop.idleToDay[u] = pop.days - 1;
    const window = Math.floor(rng.uniform(1, 7 * 24) * HOUR_MS);
    const instance = instances.length;
    const times = Array.from({ length: count }, (_, i) => (i === 0 ? 0 : Math.floor(rng.float() * window))).sort(
      (a, b) => a - b,
    );
    const labelled = counterparts.map((c, i) => {
      const value = rng.bigintBetween(DORMANT_AMOUNT_MIN, DORMANT_AMOUNT_MAX);
      const t = wake + (times[i] ?? 0);
      const incoming = i === 0 || rng.chance(0.5);
      return incoming
        ? drafts.transfer(t, c, u, value, pop.homeRegion[c] ?? 0, 'dormant_activation', instance)
        : drafts.transfer(t, u, c, value, home, 'dormant_activation', instance);
    });
    add('dormant_activation', [pop.userIds[u] ?? '', ...counterparts.map((c) => pop.userIds[c] ?? '')], labelled, [
      lastMove,
    ]);
    return true;
  };

  const fraudContext = {
    pop,
    rng,
    drafts,
    picker,
    startMs,
    endMs,
    highTicketMerchants: merchantsWithMcc(pop, HIGH_TICKET_MCCS),
    cashOutMerchants: merchantsWithMcc(pop, CASH_OUT_MCCS),
  };
  const placeFraudInstance = (pattern: FraudPattern): boolean => {
    const placed = placeFraud(pattern, fraudContext, instances.length);
    if (placed === null) return false;
    add(pattern, placed.accounts, placed.labelled, placed.context);
    return true;
  };

  const placeUnpatterned = (): boolean => {
    const t = startMs + HOUR_MS + Math.floor(rng.float() * (periodMs - 2 * HOUR_MS));
    const pair = picker.pickMany(2, t - DAY_MS, LAUNDERING_EXCLUDED, FLAG_IN_INSTANCE);
    if (pair === null) return false;
    const [from, to] = pair as [number, number];
    for (const u of pair) pop.flags[u] = (pop.flags[u] ?? 0) | FLAG_IN_INSTANCE;
    const draft = drafts.transfer(
      t,
      from,
      to,
      largeTransferAmount(rng),
      pop.homeRegion[from] ?? 0,
      UNPATTERNED,
      instances.length,
    );
    add(UNPATTERNED, [pop.userIds[from] ?? '', pop.userIds[to] ?? ''], [draft], []);
    return true;
  };

  // Dormant accounts first: each needs a user in no other role, and small populations run out.
  if (dormant) for (let i = 0; i < perLaundering; i += 1) if (!placeDormant()) skipped.dormant_activation += 1;
  // Then round-robin, so that every pattern gets its share of fresh accounts.
  const rounds = Math.max(perLaundering, perFraud, unpatterned);
  for (let round = 0; round < rounds; round += 1) {
    if (round < perLaundering) {
      for (const pattern of laundering) {
        if (pattern !== 'dormant_activation' && !placeShape(pattern)) skipped[pattern] += 1;
      }
    }
    if (round < perFraud) {
      for (const pattern of FRAUD_PATTERNS) if (!placeFraudInstance(pattern)) skipped[pattern] += 1;
    }
    if (round < unpatterned && !placeUnpatterned()) skipped[UNPATTERNED] += 1;
  }
  for (const [pattern, count] of Object.entries(skipped)) {
    if (count > 0) notes.push(`${count} ${pattern} instances found no room (population or period too small)`);
  }
  injected.sort(compareDrafts);
  return { drafts: injected, instances, skipped, notes };
}
