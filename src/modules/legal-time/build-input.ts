// The engine's input built from a person's records (pure: no I/O, no clock).
//
//   custody     — the current episode's custody periods (build-custody-periods.ts), which
//                 already include earlier custody credited by a verified order;
//   sentences   — the verified sentence orders of the episode's cases, oldest sentence first,
//                 each after the one it is consecutive to; ids are the order ids;
//   activities  — every redemption record of the episode not refused; approved ones count,
//                 the others are projected (CP arts. 57–58);
//   measures    — verified non-custodial measures (CPP art. 232);
//   reductions  — verified executive reductions (rebaja de pena), the decree as reference;
//   asOf        — the day of the computation (today in the service's time zone).
// The rule set is the one in force on asOf unless a verified sentence names another.

import { defaultRuleSetId, getRuleSet, ruleSetInForce } from '../sentence/rule-sets.ts';
import type { ActivityRecord, Measure, Reduction, SentenceInput, SentenceItem } from '../sentence/types.ts';
import { buildCustodyPeriods, type CustodyRecords } from './build-custody-periods.ts';

export interface SentenceOrderRecord {
  orderId: string;
  years: number;
  months: number;
  days: number;
  relation: 'concurrent' | 'consecutive';
  consecutiveTo: string | null;
  sentencedOn: string;
  /** Milliseconds since the epoch; breaks ties between sentences of the same day. */
  verifiedAt: number;
  ruleSetId: string | null;
}

export interface MeasureOrderRecord {
  orderId: string;
  kind: 'periodic_reporting' | 'territorial_restriction';
  appearances: number | null;
  from: string | null;
  to: string | null;
}

export interface ReductionOrderRecord {
  orderId: string;
  days: number;
  decreeNumber: string;
  decreeDate: string;
}

export interface RedemptionRecordRow {
  id: string;
  kind: 'work' | 'study' | 'teaching';
  from: string;
  to: string;
  days: number | null;
  hours: number | null;
  status: 'certified' | 'evaluated' | 'approved' | 'refused';
}

/** Everything the computation of one person reads, for the person's current episode. */
export interface SentenceRecords {
  personId: string;
  episodeId: string;
  facilityCode: string;
  custody: CustodyRecords;
  sentences: SentenceOrderRecord[];
  measures: MeasureOrderRecord[];
  reductions: ReductionOrderRecord[];
  redemption: RedemptionRecordRow[];
}

export interface BuiltInput {
  status: 'sentenced' | 'pretrial';
  ruleSetId: string;
  input: SentenceInput;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sentences in the engine's order: by date of sentence (then verification, then id), with
 * every consecutive sentence placed after the one it follows. A reference to a sentence not in
 * the list (not verified) is dropped: the sentence then follows the latest end so far.
 */
export function orderSentences(records: readonly SentenceOrderRecord[]): SentenceItem[] {
  const sorted = [...records].sort((a, b) => byString(a.sentencedOn, b.sentencedOn) || a.verifiedAt - b.verifiedAt || byString(a.orderId, b.orderId));
  const present = new Set(sorted.map((s) => s.orderId));
  const placed = new Set<string>();
  const out: SentenceItem[] = [];
  const pending = [...sorted];
  while (pending.length > 0) {
    // The first pending sentence whose target is already placed (or absent); a cycle (never
    // produced by registration) is broken by taking the first one as it is.
    let i = pending.findIndex((s) => s.consecutiveTo === null || !present.has(s.consecutiveTo) || placed.has(s.consecutiveTo));
    if (i < 0) i = 0;
    const s = pending.splice(i, 1)[0]!;
    const item: SentenceItem = { id: s.orderId, years: s.years, months: s.months, days: s.days };
    if (out.length === 0) item.relation = 'first';
    else if (s.relation === 'concurrent') item.relation = 'concurrent';
    else {
      item.relation = 'consecutive';
      if (s.consecutiveTo !== null && placed.has(s.consecutiveTo)) item.consecutiveTo = s.consecutiveTo;
    }
    placed.add(s.orderId);
    out.push(item);
  }
  return out;
}

/** Redemption records not refused, as activities; a period still running on asOf waits for its end. */
export function activitiesOf(records: readonly RedemptionRecordRow[], asOf: string): ActivityRecord[] {
  return records
    .filter((r) => r.status !== 'refused' && r.to <= asOf)
    .sort((a, b) => byString(a.from, b.from) || byString(a.id, b.id))
    .map((r): ActivityRecord => {
      const approved = r.status === 'approved';
      if (r.kind === 'teaching') return { kind: 'teaching', from: r.from, to: r.to, hours: r.hours ?? 0, approved };
      return { kind: r.kind, from: r.from, to: r.to, days: r.days ?? 0, approved };
    });
}

export function measuresOf(records: readonly MeasureOrderRecord[]): Measure[] {
  return [...records]
    .sort((a, b) => byString(a.orderId, b.orderId))
    .map((m): Measure => (m.kind === 'periodic_reporting' ? { kind: 'periodic_reporting', appearances: m.appearances ?? 0 } : { kind: 'territorial_restriction', from: m.from!, to: m.to! }));
}

export function reductionsOf(records: readonly ReductionOrderRecord[]): Reduction[] {
  return [...records]
    .sort((a, b) => byString(a.decreeDate, b.decreeDate) || byString(a.orderId, b.orderId))
    .map((r) => ({ days: r.days, reference: `${r.decreeNumber} (${r.decreeDate})` }));
}

/** The rule set: the last verified sentence naming a known one, else the one in force on asOf. */
export function ruleSetFor(records: readonly SentenceOrderRecord[], asOf: string): string {
  const named = [...records]
    .sort((a, b) => byString(a.sentencedOn, b.sentencedOn) || a.verifiedAt - b.verifiedAt)
    .filter((s) => s.ruleSetId !== null && getRuleSet(s.ruleSetId) !== undefined);
  if (named.length > 0) return named[named.length - 1]!.ruleSetId!;
  return ruleSetInForce(asOf)?.id ?? defaultRuleSetId;
}

/** The engine input of one person as of `asOf`; null when there is no custody to compute on. */
export function buildSentenceInput(records: SentenceRecords, asOf: string): BuiltInput | null {
  const custody = buildCustodyPeriods(records.custody, asOf);
  if (custody.length === 0) return null;
  const sentences = orderSentences(records.sentences);
  const input: SentenceInput = {
    asOf,
    custody,
    sentences,
    activities: activitiesOf(records.redemption, asOf),
    measures: measuresOf(records.measures),
    reductions: reductionsOf(records.reductions),
  };
  return { status: sentences.length > 0 ? 'sentenced' : 'pretrial', ruleSetId: ruleSetFor(records.sentences, asOf), input };
}
