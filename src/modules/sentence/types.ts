// The engine's input and result types, written out by hand (not inferred from the TypeBox
// schemas) so the engine and the CLI load without the schema library; schemas.ts asserts at
// compile time that its schemas describe exactly these types.

import type { LocalizedText, ParameterName, RuleParameters } from './rule-sets.ts';

/** `YYYY-MM-DD`, a real calendar date (Panama civil date). */
export type IsoDate = string;

export const custodyKinds = ['prison', 'provisional_detention', 'house_arrest', 'hospital'] as const;
export type CustodyKind = (typeof custodyKinds)[number];

export const sentenceRelations = ['first', 'concurrent', 'consecutive'] as const;
export type SentenceRelation = (typeof sentenceRelations)[number];

export const activityKinds = ['work', 'study', 'teaching'] as const;
export type ActivityKind = (typeof activityKinds)[number];

export const measureKinds = ['periodic_reporting', 'territorial_restriction'] as const;
export type MeasureKind = (typeof measureKinds)[number];

export interface CustodyPeriod {
  from: IsoDate;
  /** null = still in custody. */
  to: IsoDate | null;
  kind: CustodyKind;
}

export interface SentenceItem {
  id: string;
  years: number;
  months: number;
  days: number;
  /** Ignored on the first sentence; missing = concurrent. */
  relation?: SentenceRelation;
  /** Only with relation "consecutive"; must name an earlier sentence. */
  consecutiveTo?: string;
}

export interface DaysActivity {
  kind: 'work' | 'study';
  from: IsoDate;
  to: IsoDate;
  /** Days actually worked or studied in the period. */
  days: number;
  approved?: boolean;
}

export interface TeachingActivity {
  kind: 'teaching';
  from: IsoDate;
  to: IsoDate;
  hours: number;
  approved?: boolean;
}

export type ActivityRecord = DaysActivity | TeachingActivity;

export interface ReportingMeasure {
  kind: 'periodic_reporting';
  appearances: number;
}

export interface RestrictionMeasure {
  kind: 'territorial_restriction';
  from: IsoDate;
  to: IsoDate;
}

export type Measure = ReportingMeasure | RestrictionMeasure;

export interface Reduction {
  days: number;
  reference?: string;
}

export type RuleOverrides = Partial<RuleParameters>;

export interface SentenceInput {
  asOf: IsoDate;
  custody: CustodyPeriod[];
  sentences?: SentenceItem[];
  activities?: ActivityRecord[];
  measures?: Measure[];
  reductions?: Reduction[];
  rules?: RuleOverrides;
}

// ---------------------------------------------------------------------------------------
// Result

export type TraceValue = string | number | boolean | null;

/** One step of the explanation: what rule, which numbers, in Spanish and English. */
export interface TraceStep {
  /** Machine-readable step id, e.g. "start_date", "expiry". */
  step: string;
  /** Legal basis as cited to a records officer, e.g. "CP art. 53". */
  rule: string;
  es: string;
  en: string;
  /** Same as `en`; kept for consumers of the spec's `{rule, detail}` shape. */
  detail: string;
  values: Record<string, TraceValue>;
}

export interface Override<V = number | boolean> {
  default: V;
  value: V;
}

export type Overrides = Partial<Record<ParameterName, Override>>;

export interface Credits {
  measures: number;
  redemption: number;
  reductions: number;
}

export interface MilestoneDates {
  oneThird: IsoDate | null;
  twoThirds: IsoDate | null;
  conditionalReleaseEligibility: IsoDate | null;
  expiry: IsoDate | null;
}

export interface PlacedSentence {
  id: string;
  relation: 'first' | 'concurrent' | 'consecutive';
  consecutiveTo: string | null;
  startDate: IsoDate;
  endDate: IsoDate;
}

export interface SentencedResult {
  status: 'sentenced';
  asOf: IsoDate;
  startDate: IsoDate;
  termDays: number;
  capApplied: boolean;
  effectiveTermDays: number;
  credits: Credits;
  projectedRedemption: number;
  custodyDays: number;
  servedDays: number;
  remainingDays: number;
  dates: MilestoneDates;
  /** Whether each milestone date is on or before asOf (reached from the start of its day). */
  reached: { oneThird: boolean; twoThirds: boolean; expiry: boolean };
  overdue: boolean;
  inCustody: boolean;
  /** The aggregate term is longer than redemptionThresholdYears (uncapped). */
  longSentence: boolean;
  /** E0: the latest end of the sentences, before the cap. */
  aggregateEndDate: IsoDate;
  /** The end of the aggregate term after the cap: startDate + termDays − 1. */
  termEndDate: IsoDate;
  sentences: PlacedSentence[];
  ruleSet: string;
  overrides: Overrides;
  trace: TraceStep[];
}

export interface PretrialResult {
  status: 'pretrial';
  asOf: IsoDate;
  startDate: IsoDate;
  custodyDays: number;
  pretrialDays: number;
  pretrialAlertDate: IsoDate | null;
  /** pretrialAlertDate is on or before asOf. */
  pretrialAlertReached: boolean;
  inCustody: boolean;
  ruleSet: string;
  overrides: Overrides;
  trace: TraceStep[];
}

export type SentenceResult = SentencedResult | PretrialResult;

// ---------------------------------------------------------------------------------------
// Validation error

/** 'schema' = wrong type, missing, malformed (HTTP 400); 'rule' = breaks a rule (HTTP 422). */
export type ErrorKind = 'schema' | 'rule';

export type MessageParams = Record<string, string | number>;

export interface ValidationIssue {
  kind: ErrorKind;
  /** The offending field, e.g. `custody[1].to`; '' for the document itself. */
  path: string;
  /** Stable message key for i18n catalogues, e.g. "custody_overlap". */
  key: string;
  params: MessageParams;
  /** Plain English, prefixed with the path: "custody[1].from: overlaps custody[0] …". */
  message: string;
  messages: LocalizedText;
}

/** What validation returns on bad input; the CLI prints `{error: {code, message, path}}`. */
export interface SentenceValidationError extends ValidationIssue {
  code: 'invalid_input';
  /** Every problem found (the first is repeated in the top-level fields). */
  issues: ValidationIssue[];
}
