// Validation of the engine's input, in two phases:
//   1. shape ("schema" kind → HTTP 400): types, required fields, real dates, unknown fields;
//   2. rules ("rule" kind → HTTP 422): the constraints of the spec between fields, such as
//      overlapping periods or an activity outside custody.
// Rules run only on input whose shape is right, so every rule can trust its fields.
// On success the caller also gets a normalized form (day numbers, sorted custody timeline)
// so the engine never parses a date twice.

import { type DayNumber, parseIsoDate, daysFromCivil, toIsoDate } from './dates.ts';
import { buildTimeline, custodyDaysIn, type CustodyTimeline } from './custody-timeline.ts';
import { renderValidationMessage, type ValidationMessageKey } from './messages.ts';
import type { RuleParameters } from './rule-sets.ts';
import {
  activityKinds,
  custodyKinds,
  measureKinds,
  sentenceRelations,
  type ActivityKind,
  type CustodyKind,
  type ErrorKind,
  type MessageParams,
  type RuleOverrides,
  type SentenceInput,
  type SentenceRelation,
  type SentenceValidationError,
  type ValidationIssue,
} from './types.ts';

/** Input dates outside these years are typing mistakes, not records. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;

// Generous bounds that keep the arithmetic exact and stop absurd documents early.
export const limits = Object.freeze({
  maxCustodyPeriods: 1000,
  maxSentences: 1000,
  maxActivities: 10000,
  maxMeasures: 1000,
  maxReductions: 1000,
  maxSentenceYears: 1000,
  maxSentenceMonths: 12000,
  maxSentenceDays: 366000,
  maxCount: 1000000,
  maxIdLength: 100,
  maxReferenceLength: 500,
});

/** Allowed range of each overridable parameter (integers unless boolean). */
export const parameterRanges: Readonly<Record<keyof RuleParameters, { min: number; max: number } | 'boolean'>> =
  Object.freeze({
    maxAggregateYears: { min: 1, max: 1000 },
    redemptionDaysPerCredit: { min: 1, max: 1000 },
    teachingHoursPerDay: { min: 1, max: 24 },
    redemptionThresholdYears: { min: 0, max: 1000 },
    redemptionCountsTowardMilestones: 'boolean',
    reportingAppearancesPerDay: { min: 1, max: 1000 },
    restrictionDaysPerDay: { min: 1, max: 1000 },
    pretrialAlertDays: { min: 1, max: 36500 },
  });

// ---------------------------------------------------------------------------------------
// Normalized form handed to the engine.

export interface NormalizedCustody {
  readonly index: number;
  readonly from: DayNumber;
  readonly fromIso: string;
  /** Infinity when open (to: null). */
  readonly to: number;
  readonly kind: CustodyKind;
}

export interface NormalizedSentence {
  readonly index: number;
  readonly id: string;
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly relation: SentenceRelation | undefined;
  /** Index of the sentence named by consecutiveTo, or -1. */
  readonly consecutiveToIndex: number;
}

export interface NormalizedActivity {
  readonly index: number;
  readonly kind: ActivityKind;
  readonly from: DayNumber;
  readonly to: DayNumber;
  // The input's own text, kept so the trace never formats these dates again.
  readonly fromIso: string;
  readonly toIso: string;
  /** Days for work/study; hours for teaching. */
  readonly amount: number;
  readonly approved: boolean;
}

export interface NormalizedMeasure {
  readonly index: number;
  readonly kind: 'periodic_reporting' | 'territorial_restriction';
  /** Appearances, or restriction days (to − from + 1). */
  readonly amount: number;
  readonly from: DayNumber; // NaN for reporting
  readonly to: DayNumber; // NaN for reporting
  readonly fromIso: string; // '' for reporting
  readonly toIso: string; // '' for reporting
}

export interface NormalizedReduction {
  readonly index: number;
  readonly days: number;
  readonly reference: string | undefined;
}

export interface NormalizedInput {
  readonly asOf: DayNumber;
  readonly asOfIso: string;
  /** Custody sorted by start. */
  readonly custody: readonly NormalizedCustody[];
  readonly timeline: CustodyTimeline;
  readonly sentences: readonly NormalizedSentence[];
  /** Activities in input order. */
  readonly activities: readonly NormalizedActivity[];
  readonly measures: readonly NormalizedMeasure[];
  readonly reductions: readonly NormalizedReduction[];
  readonly rules: RuleOverrides;
}

export type ValidationResult =
  | { ok: true; value: SentenceInput }
  | { ok: false; error: SentenceValidationError };

export type AnalysisResult =
  | { ok: true; value: SentenceInput; normalized: NormalizedInput }
  | { ok: false; error: SentenceValidationError };

// ---------------------------------------------------------------------------------------
// Issue collection

function makeIssue(kind: ErrorKind, path: string, key: ValidationMessageKey, params: MessageParams): ValidationIssue {
  const messages = renderValidationMessage(key, params);
  return { kind, path, key, params, message: `${path === '' ? 'input' : path}: ${messages.en}`, messages };
}

/** Builds the error object from a list of issues (the first one is the headline). */
export function validationError(issues: readonly ValidationIssue[]): SentenceValidationError {
  const first = issues[0];
  if (first === undefined) throw new Error('validationError needs at least one issue');
  return { code: 'invalid_input', ...first, issues: [...issues] };
}

/** A single-issue error, e.g. for unparsable JSON in the CLI. */
export function singleIssueError(
  kind: ErrorKind,
  path: string,
  key: ValidationMessageKey,
  params: MessageParams = {},
): SentenceValidationError {
  return validationError([makeIssue(kind, path, key, params)]);
}

class Issues {
  readonly list: ValidationIssue[] = [];
  schema(path: string, key: ValidationMessageKey, params: MessageParams = {}): void {
    this.list.push(makeIssue('schema', path, key, params));
  }
  rule(path: string, key: ValidationMessageKey, params: MessageParams = {}): void {
    this.list.push(makeIssue('rule', path, key, params));
  }
}

// ---------------------------------------------------------------------------------------
// Shape helpers

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const join = (base: string, key: string): string => (base === '' ? key : `${base}.${key}`);

// "custody[3]" etc., built once per list and position: every item of every input needs one.
const pathCache: Record<string, string[]> = {
  custody: [],
  sentences: [],
  activities: [],
  measures: [],
  reductions: [],
};
function itemPath(list: keyof typeof pathCache, i: number): string {
  const cache = pathCache[list]!;
  return (cache[i] ??= `${list}[${i}]`);
}

function checkKeys(
  issues: Issues,
  obj: Obj,
  path: string,
  allowed: ReadonlySet<string>,
  otherKindKeys?: ReadonlySet<string>,
  kind?: string,
): void {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (allowed.has(k)) continue;
    if (otherKindKeys?.has(k) === true && kind !== undefined) {
      issues.schema(join(path, k), 'not_allowed_for_kind', { kind });
    } else {
      issues.schema(join(path, k), 'unknown_property');
    }
  }
}

const MISSING = Symbol('missing');
const BAD = Symbol('bad');

const FIRST_DAY = daysFromCivil(MIN_YEAR, 1, 1);
const LAST_DAY = daysFromCivil(MAX_YEAR, 12, 31);

// Paths are built only when there is something to report: valid input is the hot path.

/** Reads a required real date in the allowed years; reports and returns BAD otherwise. */
function readDate(issues: Issues, obj: Obj, key: string, path: string, nullable = false): DayNumber | null | typeof BAD {
  const v = obj[key];
  if (v === undefined) {
    issues.schema(join(path, key), 'required');
    return BAD;
  }
  if (v === null && nullable) return null;
  const n = typeof v === 'string' ? parseIsoDate(v) : null;
  if (n === null) {
    issues.schema(join(path, key), nullable ? 'not_date_or_null' : 'not_date');
    return BAD;
  }
  if (n < FIRST_DAY || n > LAST_DAY) {
    issues.schema(join(path, key), 'date_out_of_range', { min: MIN_YEAR, max: MAX_YEAR });
    return BAD;
  }
  return n;
}

function readInt(issues: Issues, obj: Obj, key: string, path: string, min: number, max: number): number | typeof BAD {
  const v = obj[key];
  if (v === undefined) {
    issues.schema(join(path, key), 'required');
    return BAD;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    issues.schema(join(path, key), 'not_integer', { min, max });
    return BAD;
  }
  return v;
}

function readEnum<T extends string>(
  issues: Issues,
  obj: Obj,
  key: string,
  path: string,
  allowed: readonly T[],
  required: boolean,
): T | undefined | typeof BAD {
  const v = obj[key];
  if (v === undefined) {
    if (!required) return undefined;
    issues.schema(join(path, key), 'required');
    return BAD;
  }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    issues.schema(join(path, key), 'not_one_of', { allowed: allowed.join(', ') });
    return BAD;
  }
  return v as T;
}

function readString(
  issues: Issues,
  obj: Obj,
  key: string,
  path: string,
  minLength: number,
  maxLength: number,
  required: boolean,
): string | undefined | typeof BAD {
  const v = obj[key];
  if (v === undefined) {
    if (!required) return undefined;
    issues.schema(join(path, key), 'required');
    return BAD;
  }
  if (typeof v !== 'string') {
    issues.schema(join(path, key), 'not_string');
    return BAD;
  }
  if (v.length < minLength || v.length > maxLength) {
    issues.schema(join(path, key), 'string_length', { min: minLength, max: maxLength });
    return BAD;
  }
  return v;
}

/** An optional (or required) array field; MISSING when absent and optional. */
function readArray(
  issues: Issues,
  obj: Obj,
  key: string,
  minItems: number,
  maxItems: number,
  required: boolean,
): unknown[] | typeof MISSING | typeof BAD {
  const v = obj[key];
  if (v === undefined) {
    if (!required) return MISSING;
    issues.schema(key, 'required');
    return BAD;
  }
  if (!Array.isArray(v)) {
    issues.schema(key, 'not_array');
    return BAD;
  }
  if (v.length < minItems) {
    issues.schema(key, 'min_items', { min: minItems });
    return BAD;
  }
  if (v.length > maxItems) {
    issues.schema(key, 'max_items', { max: maxItems });
    return BAD;
  }
  return v;
}

const TOP_KEYS: ReadonlySet<string> = new Set([
  'asOf',
  'custody',
  'sentences',
  'activities',
  'measures',
  'reductions',
  'rules',
]);
const CUSTODY_KEYS: ReadonlySet<string> = new Set(['from', 'to', 'kind']);
const SENTENCE_KEYS: ReadonlySet<string> = new Set(['id', 'years', 'months', 'days', 'relation', 'consecutiveTo']);
const DAYS_ACTIVITY_KEYS: ReadonlySet<string> = new Set(['kind', 'from', 'to', 'days', 'approved']);
const TEACHING_KEYS: ReadonlySet<string> = new Set(['kind', 'from', 'to', 'hours', 'approved']);
const ANY_ACTIVITY_KEYS: ReadonlySet<string> = new Set(['kind', 'from', 'to', 'days', 'hours', 'approved']);
const REPORTING_KEYS: ReadonlySet<string> = new Set(['kind', 'appearances']);
const RESTRICTION_KEYS: ReadonlySet<string> = new Set(['kind', 'from', 'to']);
const ANY_MEASURE_KEYS: ReadonlySet<string> = new Set(['kind', 'appearances', 'from', 'to']);
const REDUCTION_KEYS: ReadonlySet<string> = new Set(['days', 'reference']);
const RULE_KEYS: ReadonlySet<string> = new Set(Object.keys(parameterRanges));

interface ShapeResult {
  asOf: DayNumber;
  asOfIso: string;
  custody: NormalizedCustody[];
  sentences: Omit<NormalizedSentence, 'consecutiveToIndex'>[];
  consecutiveTo: (string | undefined)[];
  activities: NormalizedActivity[];
  measures: NormalizedMeasure[];
  reductions: NormalizedReduction[];
  rules: RuleOverrides;
}

// ---------------------------------------------------------------------------------------
// Phase 1: shape

function checkShape(raw: unknown, issues: Issues): ShapeResult | null {
  if (!isObject(raw)) {
    issues.schema('', 'not_object');
    return null;
  }
  checkKeys(issues, raw, '', TOP_KEYS);
  const asOf = readDate(issues, raw, 'asOf', '');

  // custody
  const custody: NormalizedCustody[] = [];
  const rawCustody = readArray(issues, raw, 'custody', 1, limits.maxCustodyPeriods, true);
  if (Array.isArray(rawCustody)) {
    for (let i = 0; i < rawCustody.length; i++) {
      const path = itemPath('custody', i);
      const item = rawCustody[i];
      if (!isObject(item)) {
        issues.schema(path, 'not_object');
        continue;
      }
      checkKeys(issues, item, path, CUSTODY_KEYS);
      const from = readDate(issues, item, 'from', path);
      const to = readDate(issues, item, 'to', path, true);
      const kind = readEnum(issues, item, 'kind', path, custodyKinds, true);
      if (from === BAD || from === null || to === BAD || kind === BAD || kind === undefined) continue;
      custody.push({ index: i, from, fromIso: item['from'] as string, to: to === null ? Infinity : to, kind });
    }
  }

  // sentences
  const sentences: ShapeResult['sentences'] = [];
  const consecutiveTo: (string | undefined)[] = [];
  const rawSentences = readArray(issues, raw, 'sentences', 0, limits.maxSentences, false);
  if (Array.isArray(rawSentences)) {
    for (let i = 0; i < rawSentences.length; i++) {
      const path = itemPath('sentences', i);
      const item = rawSentences[i];
      if (!isObject(item)) {
        issues.schema(path, 'not_object');
        continue;
      }
      checkKeys(issues, item, path, SENTENCE_KEYS);
      const id = readString(issues, item, 'id', path, 1, limits.maxIdLength, true);
      const years = readInt(issues, item, 'years', path, 0, limits.maxSentenceYears);
      const months = readInt(issues, item, 'months', path, 0, limits.maxSentenceMonths);
      const days = readInt(issues, item, 'days', path, 0, limits.maxSentenceDays);
      const relation = readEnum(issues, item, 'relation', path, sentenceRelations, false);
      const to = readString(issues, item, 'consecutiveTo', path, 1, limits.maxIdLength, false);
      if (id === BAD || id === undefined || years === BAD || months === BAD || days === BAD) continue;
      if (relation === BAD || to === BAD) continue;
      sentences.push({ index: i, id, years, months, days, relation });
      consecutiveTo.push(to);
    }
  }

  // activities
  const activities: NormalizedActivity[] = [];
  const rawActivities = readArray(issues, raw, 'activities', 0, limits.maxActivities, false);
  if (Array.isArray(rawActivities)) {
    for (let i = 0; i < rawActivities.length; i++) {
      const path = itemPath('activities', i);
      const item = rawActivities[i];
      if (!isObject(item)) {
        issues.schema(path, 'not_object');
        continue;
      }
      const kind = readEnum(issues, item, 'kind', path, activityKinds, true);
      const teaching = kind === 'teaching';
      if (kind === BAD || kind === undefined) checkKeys(issues, item, path, ANY_ACTIVITY_KEYS);
      else checkKeys(issues, item, path, teaching ? TEACHING_KEYS : DAYS_ACTIVITY_KEYS, ANY_ACTIVITY_KEYS, kind);
      const from = readDate(issues, item, 'from', path);
      const to = readDate(issues, item, 'to', path);
      let amount: number | typeof BAD = BAD;
      if (kind === 'teaching') {
        const h = item['hours'];
        if (h === undefined) issues.schema(join(path, 'hours'), 'required');
        else if (typeof h !== 'number' || !Number.isFinite(h) || h < 0 || h > 24 * limits.maxSentenceDays)
          issues.schema(join(path, 'hours'), 'not_number', { min: 0, max: 24 * limits.maxSentenceDays });
        else amount = h;
      } else if (kind === 'work' || kind === 'study') {
        amount = readInt(issues, item, 'days', path, 0, limits.maxSentenceDays);
      }
      const approved = item['approved'];
      if (approved !== undefined && typeof approved !== 'boolean') issues.schema(join(path, 'approved'), 'not_boolean');
      if (kind === BAD || kind === undefined || from === BAD || from === null || to === BAD || to === null) continue;
      if (amount === BAD) continue;
      const fromIso = item['from'] as string, toIso = item['to'] as string;
      activities.push({ index: i, kind, from, to, fromIso, toIso, amount, approved: approved === true });
    }
  }

  // measures
  const measures: NormalizedMeasure[] = [];
  const rawMeasures = readArray(issues, raw, 'measures', 0, limits.maxMeasures, false);
  if (Array.isArray(rawMeasures)) {
    for (let i = 0; i < rawMeasures.length; i++) {
      const path = itemPath('measures', i);
      const item = rawMeasures[i];
      if (!isObject(item)) {
        issues.schema(path, 'not_object');
        continue;
      }
      const kind = readEnum(issues, item, 'kind', path, measureKinds, true);
      if (kind === 'periodic_reporting') {
        checkKeys(issues, item, path, REPORTING_KEYS, ANY_MEASURE_KEYS, kind);
        const n = readInt(issues, item, 'appearances', path, 0, limits.maxCount);
        if (n !== BAD) measures.push({ index: i, kind, amount: n, from: NaN, to: NaN, fromIso: '', toIso: '' });
      } else if (kind === 'territorial_restriction') {
        checkKeys(issues, item, path, RESTRICTION_KEYS, ANY_MEASURE_KEYS, kind);
        const from = readDate(issues, item, 'from', path);
        const to = readDate(issues, item, 'to', path);
        if (from !== BAD && from !== null && to !== BAD && to !== null)
          measures.push({
            index: i,
            kind,
            amount: to - from + 1,
            from,
            to,
            fromIso: item['from'] as string,
            toIso: item['to'] as string,
          });
      } else {
        checkKeys(issues, item, path, ANY_MEASURE_KEYS);
      }
    }
  }

  // reductions
  const reductions: NormalizedReduction[] = [];
  const rawReductions = readArray(issues, raw, 'reductions', 0, limits.maxReductions, false);
  if (Array.isArray(rawReductions)) {
    for (let i = 0; i < rawReductions.length; i++) {
      const path = itemPath('reductions', i);
      const item = rawReductions[i];
      if (!isObject(item)) {
        issues.schema(path, 'not_object');
        continue;
      }
      checkKeys(issues, item, path, REDUCTION_KEYS);
      const days = readInt(issues, item, 'days', path, 0, limits.maxSentenceDays);
      const reference = readString(issues, item, 'reference', path, 0, limits.maxReferenceLength, false);
      if (days !== BAD && reference !== BAD) reductions.push({ index: i, days, reference });
    }
  }

  // rules
  const rules: Record<string, number | boolean> = {};
  const rawRules = raw['rules'];
  if (rawRules !== undefined) {
    if (!isObject(rawRules)) issues.schema('rules', 'not_object');
    else {
      checkKeys(issues, rawRules, 'rules', RULE_KEYS);
      for (const name of RULE_KEYS) {
        const v = rawRules[name];
        if (v === undefined) continue;
        const range = parameterRanges[name as keyof RuleParameters];
        if (range === 'boolean') {
          if (typeof v === 'boolean') rules[name] = v;
          else issues.schema(`rules.${name}`, 'not_boolean');
        } else {
          const n = readInt(issues, rawRules, name, 'rules', range.min, range.max);
          if (n !== BAD) rules[name] = n;
        }
      }
    }
  }

  if (issues.list.length > 0 || asOf === BAD || asOf === null) return null;
  const asOfIso = raw['asOf'] as string;
  return { asOf, asOfIso, custody, sentences, consecutiveTo, activities, measures, reductions, rules: rules as RuleOverrides };
}

// ---------------------------------------------------------------------------------------
// Phase 2: rules

interface Span {
  readonly index: number;
  readonly from: number;
  readonly to: number;
}

const iso = (d: number): string => (d === Infinity ? 'null' : toIsoDate(d));

function byStart(a: Span, b: Span): number {
  return a.from - b.from || a.index - b.index;
}

/** Sorted by start; calls `onOverlap(earlier, later)` for each span that starts inside an earlier one. */
function forEachOverlap<T extends Span>(spans: T[], onOverlap: (earlier: T, later: T) => void): T[] {
  // Records usually arrive in date order: check that before paying for a copy and a sort.
  let sorted = spans;
  for (let i = 1; i < spans.length; i++) {
    if (byStart(spans[i - 1]!, spans[i]!) > 0) {
      sorted = spans.slice().sort(byStart);
      break;
    }
  }
  let reach: T | undefined; // the span reaching furthest so far
  for (const s of sorted) {
    if (reach !== undefined && s.from <= reach.to) onOverlap(reach, s);
    if (reach === undefined || s.to > reach.to) reach = s;
  }
  return sorted;
}

function checkRules(shape: ShapeResult, issues: Issues): NormalizedInput | null {
  const { asOf } = shape;

  // Custody: ranges, then overlaps (an open period overlaps everything after it).
  const goodCustody: NormalizedCustody[] = [];
  for (const c of shape.custody) {
    if (c.to < c.from) issues.rule(`custody[${c.index}].to`, 'ends_before_start', { from: iso(c.from), to: iso(c.to) });
    else goodCustody.push(c);
  }
  let custodyOk = goodCustody.length === shape.custody.length;
  const sortedCustody = forEachOverlap(goodCustody, (a, b) => {
    custodyOk = false;
    if (a.to === Infinity) {
      issues.rule(`custody[${a.index}].to`, 'open_period_overlap', { other: `custody[${b.index}]`, otherFrom: iso(b.from) });
    } else {
      issues.rule(`custody[${b.index}].from`, 'custody_overlap', {
        other: `custody[${a.index}]`,
        otherFrom: iso(a.from),
        otherTo: iso(a.to),
      });
    }
  });
  const timeline = buildTimeline(sortedCustody);

  // Sentences: unique ids, non-zero, relation and consecutiveTo consistent with the order.
  const firstIndexOfId = new Map<string, number>();
  const sentences: NormalizedSentence[] = [];
  for (let k = 0; k < shape.sentences.length; k++) {
    const s = shape.sentences[k]!;
    const path = itemPath('sentences', s.index);
    const prior = firstIndexOfId.get(s.id);
    if (prior !== undefined) issues.rule(`${path}.id`, 'duplicate_id', { id: s.id, other: `sentences[${prior}]` });
    else firstIndexOfId.set(s.id, s.index);
    if (s.years === 0 && s.months === 0 && s.days === 0) issues.rule(path, 'sentence_zero');
    if (s.index > 0 && s.relation === 'first') issues.rule(`${path}.relation`, 'first_relation_later');
    const target = shape.consecutiveTo[k];
    let targetIndex = -1;
    if (target !== undefined) {
      const found = firstIndexOfId.get(target);
      if (s.index > 0 && s.relation !== 'consecutive') {
        issues.rule(`${path}.consecutiveTo`, 'consecutive_to_requires_consecutive');
      } else if (found !== undefined && found < s.index) {
        targetIndex = found;
      } else if (shape.sentences.some((o) => o.id === target)) {
        issues.rule(`${path}.consecutiveTo`, 'consecutive_to_not_earlier', { id: target });
      } else {
        issues.rule(`${path}.consecutiveTo`, 'consecutive_to_unknown', { id: target });
      }
    }
    sentences.push({ ...s, consecutiveToIndex: targetIndex });
  }

  // Activities: inside custody, not after asOf, no more days than the period, no overlaps.
  const goodActivities: NormalizedActivity[] = [];
  for (const a of shape.activities) {
    const path = itemPath('activities', a.index);
    if (a.to < a.from) {
      issues.rule(`${path}.to`, 'ends_before_start', { from: iso(a.from), to: iso(a.to) });
      continue;
    }
    goodActivities.push(a);
    const length = a.to - a.from + 1;
    if (a.to > asOf) issues.rule(`${path}.to`, 'activity_after_as_of', { to: iso(a.to), asOf: iso(asOf) });
    if (custodyOk) {
      const inside = custodyDaysIn(timeline, a.from, a.to);
      if (inside !== length)
        issues.rule(`${path}.from`, 'activity_outside_custody', { from: iso(a.from), to: iso(a.to), outside: length - inside });
    }
    if (a.kind === 'teaching') {
      if (a.amount > 24 * length) issues.rule(`${path}.hours`, 'activity_hours_exceed_period', { hours: a.amount, length });
    } else if (a.amount > length) {
      issues.rule(`${path}.days`, 'activity_days_exceed_period', { days: a.amount, length });
    }
  }
  forEachOverlap(goodActivities, (a, b) =>
    issues.rule(`activities[${b.index}].from`, 'activity_overlap', {
      other: `activities[${a.index}]`,
      otherFrom: iso(a.from),
      otherTo: iso(a.to),
    }),
  );

  // Territorial restrictions: never on a custody day, never counted twice.
  const restrictions: NormalizedMeasure[] = [];
  for (const m of shape.measures) {
    if (m.kind !== 'territorial_restriction') continue;
    const path = itemPath('measures', m.index);
    if (m.to < m.from) {
      issues.rule(`${path}.to`, 'ends_before_start', { from: iso(m.from), to: iso(m.to) });
      continue;
    }
    restrictions.push(m);
    if (custodyOk) {
      const overlap = custodyDaysIn(timeline, m.from, m.to);
      if (overlap > 0)
        issues.rule(`${path}.from`, 'restriction_overlaps_custody', { from: iso(m.from), to: iso(m.to), overlap });
    }
  }
  forEachOverlap(restrictions, (a, b) =>
    issues.rule(`measures[${b.index}].from`, 'restriction_overlap', {
      other: `measures[${a.index}]`,
      otherFrom: iso(a.from),
      otherTo: iso(a.to),
    }),
  );

  if (issues.list.length > 0) return null;
  return {
    asOf,
    asOfIso: shape.asOfIso,
    custody: sortedCustody,
    timeline,
    sentences,
    activities: shape.activities,
    measures: shape.measures,
    reductions: shape.reductions,
    rules: shape.rules,
  };
}

// ---------------------------------------------------------------------------------------
// Public API

/** Validates and normalizes; the engine's entry point. */
export function analyzeSentenceInput(raw: unknown): AnalysisResult {
  const issues = new Issues();
  const shape = checkShape(raw, issues);
  if (shape === null) return { ok: false, error: validationError(issues.list) };
  const normalized = checkRules(shape, issues);
  if (normalized === null) return { ok: false, error: validationError(issues.list) };
  return { ok: true, value: raw as SentenceInput, normalized };
}

/**
 * Validates an input document. On success `value` is the same object, now typed; on failure
 * `error` names the first offending field (`path`), says whether it is a shape problem
 * (`kind: 'schema'`, HTTP 400) or a broken rule (`kind: 'rule'`, HTTP 422), and lists every
 * problem found in `issues`.
 */
export function validateSentenceInput(raw: unknown): ValidationResult {
  const r = analyzeSentenceInput(raw);
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
}
