// The custody timeline: sorted, non-overlapping periods as day-number intervals, with the two
// questions the engine asks of it (spec convention 4):
//   C(D)  — custody days on or before D;
//   nth N — the day on which C first reaches N (an open period continues forever).
// Both walk the handful of periods instead of the days of a decades-long term.

import type { DayNumber } from './dates.ts';

export interface CustodyTimeline {
  /** First day of each period, ascending. */
  readonly starts: readonly DayNumber[];
  /** Last day of each period; Infinity for an open period (to: null), which is always last. */
  readonly ends: readonly number[];
  /** Custody days in all periods before period i. */
  readonly before: readonly number[];
}

/** Builds the timeline from periods already sorted by start and checked not to overlap. */
export function buildTimeline(periods: readonly { from: DayNumber; to: number }[]): CustodyTimeline {
  const starts: DayNumber[] = [];
  const ends: number[] = [];
  const before: number[] = [];
  let total = 0;
  for (const p of periods) {
    starts.push(p.from);
    ends.push(p.to);
    before.push(total);
    total += p.to - p.from + 1; // Infinity after an open period; nothing follows it.
  }
  return { starts, ends, before };
}

/** C(D): custody days on or before D. */
export function custodyDaysUpTo(t: CustodyTimeline, d: number): number {
  let n = 0;
  const { starts, ends } = t;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]!;
    if (from > d) break;
    const to = ends[i]!;
    n += (to < d ? to : d) - from + 1;
  }
  return n;
}

/** Custody days inside the inclusive range [from, to]. */
export function custodyDaysIn(t: CustodyTimeline, from: DayNumber, to: DayNumber): number {
  return custodyDaysUpTo(t, to) - custodyDaysUpTo(t, from - 1);
}

/**
 * Day on which the N-th custody day falls; N below 1 counts as 1. Null when every period
 * has ended before N days (possible only when no period is open).
 */
export function nthCustodyDay(t: CustodyTimeline, n: number): DayNumber | null {
  if (n < 1) n = 1;
  const { starts, ends, before } = t;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]!;
    const offset = n - before[i]! - 1; // 0-based position inside period i
    if (from + offset <= ends[i]!) return from + offset;
  }
  return null;
}

/** Whether D lies inside a custody period (an open period includes every day from its start). */
export function inCustodyOn(t: CustodyTimeline, d: DayNumber): boolean {
  const { starts, ends } = t;
  for (let i = 0; i < starts.length; i++) {
    if (starts[i]! <= d && d <= ends[i]!) return true;
  }
  return false;
}
