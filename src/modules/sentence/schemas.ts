// TypeBox (JSON Schema) descriptions of the input and result, for the Fastify route's
// `body` / `response` and the OpenAPI document. The route validates the body with
// SentenceInputSchema (→ 400) and then calls validateSentenceInput / computeSentence, whose
// 'rule' errors (→ 422) cover what JSON Schema cannot say (overlaps, ordering).
// The engine itself does not load this file; the type assertions at the bottom keep the
// schemas and the hand-written types in types.ts from drifting apart.

import { Type, type Static } from 'typebox';
import { limits, parameterRanges, MIN_YEAR, MAX_YEAR } from './validate.ts';
import {
  custodyKinds,
  sentenceRelations,
  type SentenceInput,
  type SentenceResult,
  type SentenceValidationError,
} from './types.ts';


if (MIN_YEAR !== 1900 || MAX_YEAR !== 2200) throw new Error('update the InputDate pattern to the new year range');

/** An input date: a real calendar date (format) in the years 1900–2200 (pattern). */
export const InputDate = Type.String({
  format: 'date',
  pattern: '^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: 'Calendar date YYYY-MM-DD (Panama), years 1900–2200',
  examples: ['2026-11-29'],
});

/** An output date: any computed date (a 50-year term may end after 2200). */
export const OutputDate = Type.String({ format: 'date', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });

const Count = (max: number, description?: string) =>
  Type.Integer({ minimum: 0, maximum: max, ...(description === undefined ? {} : { description }) });

export const CustodyPeriodSchema = Type.Object(
  {
    from: InputDate,
    to: Type.Union([InputDate, Type.Null()], { description: 'null = still in custody' }),
    kind: Type.Enum(custodyKinds),
  },
  { additionalProperties: false },
);

export const SentenceItemSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: limits.maxIdLength }),
    years: Count(limits.maxSentenceYears),
    months: Count(limits.maxSentenceMonths),
    days: Count(limits.maxSentenceDays),
    relation: Type.Optional(Type.Enum(sentenceRelations)),
    consecutiveTo: Type.Optional(
      Type.String({ minLength: 1, maxLength: limits.maxIdLength, description: 'id of an earlier sentence' }),
    ),
  },
  { additionalProperties: false },
);

export const DaysActivitySchema = Type.Object(
  {
    kind: Type.Enum(['work', 'study']),
    from: InputDate,
    to: InputDate,
    days: Count(limits.maxSentenceDays, 'days actually worked or studied in the period'),
    approved: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const TeachingActivitySchema = Type.Object(
  {
    kind: Type.Literal('teaching'),
    from: InputDate,
    to: InputDate,
    hours: Type.Number({ minimum: 0, maximum: 24 * limits.maxSentenceDays }),
    approved: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ActivityRecordSchema = Type.Union([DaysActivitySchema, TeachingActivitySchema]);

export const ReportingMeasureSchema = Type.Object(
  { kind: Type.Literal('periodic_reporting'), appearances: Count(limits.maxCount) },
  { additionalProperties: false },
);

export const RestrictionMeasureSchema = Type.Object(
  { kind: Type.Literal('territorial_restriction'), from: InputDate, to: InputDate },
  { additionalProperties: false },
);

export const MeasureSchema = Type.Union([ReportingMeasureSchema, RestrictionMeasureSchema]);

export const ReductionSchema = Type.Object(
  {
    days: Count(limits.maxSentenceDays),
    reference: Type.Optional(Type.String({ maxLength: limits.maxReferenceLength })),
  },
  { additionalProperties: false },
);

function ruleInt(name: keyof typeof parameterRanges) {
  const r = parameterRanges[name];
  if (r === 'boolean') throw new Error(`${name} is boolean`);
  return Type.Optional(Type.Integer({ minimum: r.min, maximum: r.max }));
}

export const RuleOverridesSchema = Type.Object(
  {
    maxAggregateYears: ruleInt('maxAggregateYears'),
    redemptionDaysPerCredit: ruleInt('redemptionDaysPerCredit'),
    teachingHoursPerDay: ruleInt('teachingHoursPerDay'),
    redemptionThresholdYears: ruleInt('redemptionThresholdYears'),
    redemptionCountsTowardMilestones: Type.Optional(Type.Boolean()),
    reportingAppearancesPerDay: ruleInt('reportingAppearancesPerDay'),
    restrictionDaysPerDay: ruleInt('restrictionDaysPerDay'),
    pretrialAlertDays: ruleInt('pretrialAlertDays'),
  },
  { additionalProperties: false },
);

export const SentenceInputSchema = Type.Object(
  {
    asOf: InputDate,
    custody: Type.Array(CustodyPeriodSchema, { minItems: 1, maxItems: limits.maxCustodyPeriods }),
    sentences: Type.Optional(Type.Array(SentenceItemSchema, { maxItems: limits.maxSentences })),
    activities: Type.Optional(Type.Array(ActivityRecordSchema, { maxItems: limits.maxActivities })),
    measures: Type.Optional(Type.Array(MeasureSchema, { maxItems: limits.maxMeasures })),
    reductions: Type.Optional(Type.Array(ReductionSchema, { maxItems: limits.maxReductions })),
    rules: Type.Optional(RuleOverridesSchema),
  },
  {
    additionalProperties: false,
    title: 'SentenceInput',
    description: 'Input of the sentence computation (cómputo de la pena), rule set PA-2007.',
  },
);

// ---------------------------------------------------------------------------------------
// Result

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const TraceStepSchema = Type.Object({
  step: Type.String(),
  rule: Type.String(),
  es: Type.String(),
  en: Type.String(),
  detail: Type.String(),
  values: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
});

const OverrideSchema = Type.Object({
  default: Type.Union([Type.Number(), Type.Boolean()]),
  value: Type.Union([Type.Number(), Type.Boolean()]),
});

export const OverridesSchema = Type.Object({
  maxAggregateYears: Type.Optional(OverrideSchema),
  redemptionDaysPerCredit: Type.Optional(OverrideSchema),
  teachingHoursPerDay: Type.Optional(OverrideSchema),
  redemptionThresholdYears: Type.Optional(OverrideSchema),
  redemptionCountsTowardMilestones: Type.Optional(OverrideSchema),
  reportingAppearancesPerDay: Type.Optional(OverrideSchema),
  restrictionDaysPerDay: Type.Optional(OverrideSchema),
  pretrialAlertDays: Type.Optional(OverrideSchema),
});

export const SentencedResultSchema = Type.Object(
  {
    status: Type.Literal('sentenced'),
    asOf: OutputDate,
    startDate: OutputDate,
    termDays: Type.Integer(),
    capApplied: Type.Boolean(),
    effectiveTermDays: Type.Integer(),
    credits: Type.Object({ measures: Type.Integer(), redemption: Type.Integer(), reductions: Type.Integer() }),
    projectedRedemption: Type.Integer(),
    custodyDays: Type.Integer(),
    servedDays: Type.Integer(),
    remainingDays: Type.Integer(),
    dates: Type.Object({
      oneThird: Nullable(OutputDate),
      twoThirds: Nullable(OutputDate),
      conditionalReleaseEligibility: Nullable(OutputDate),
      expiry: Nullable(OutputDate),
    }),
    reached: Type.Object({ oneThird: Type.Boolean(), twoThirds: Type.Boolean(), expiry: Type.Boolean() }),
    overdue: Type.Boolean(),
    inCustody: Type.Boolean(),
    longSentence: Type.Boolean(),
    aggregateEndDate: OutputDate,
    termEndDate: OutputDate,
    sentences: Type.Array(
      Type.Object({
        id: Type.String(),
        relation: Type.Enum(sentenceRelations),
        consecutiveTo: Nullable(Type.String()),
        startDate: OutputDate,
        endDate: OutputDate,
      }),
    ),
    ruleSet: Type.String({ examples: ['PA-2007/1'] }),
    overrides: OverridesSchema,
    trace: Type.Array(TraceStepSchema),
  },
  { title: 'SentencedResult' },
);

export const PretrialResultSchema = Type.Object(
  {
    status: Type.Literal('pretrial'),
    asOf: OutputDate,
    startDate: OutputDate,
    custodyDays: Type.Integer(),
    pretrialDays: Type.Integer(),
    pretrialAlertDate: Nullable(OutputDate),
    pretrialAlertReached: Type.Boolean(),
    inCustody: Type.Boolean(),
    ruleSet: Type.String(),
    overrides: OverridesSchema,
    trace: Type.Array(TraceStepSchema),
  },
  { title: 'PretrialResult' },
);

export const SentenceResultSchema = Type.Union([SentencedResultSchema, PretrialResultSchema], {
  title: 'SentenceResult',
});

const IssueProperties = {
  kind: Type.Union([Type.Literal('schema'), Type.Literal('rule')]),
  path: Type.String({ examples: ['custody[1].to'] }),
  key: Type.String({ examples: ['custody_overlap'] }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  message: Type.String(),
  messages: Type.Object({ es: Type.String(), en: Type.String() }),
};

export const ValidationIssueSchema = Type.Object(IssueProperties);

/** The validation error object (the HTTP layer may wrap it in its usual error envelope). */
export const SentenceValidationErrorSchema = Type.Object(
  { code: Type.Literal('invalid_input'), ...IssueProperties, issues: Type.Array(ValidationIssueSchema) },
  { title: 'SentenceValidationError' },
);

// ---------------------------------------------------------------------------------------
// Compile-time guards: each schema's static type and the hand-written type are assignable
// both ways (a field added to one and not the other fails `npm run check`).

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaMatchesInput = Assert<Same<Static<typeof SentenceInputSchema>, SentenceInput>>;
export type SchemaMatchesResult = Assert<Same<Static<typeof SentenceResultSchema>, SentenceResult>>;
export type SchemaMatchesError = Assert<Same<Static<typeof SentenceValidationErrorSchema>, SentenceValidationError>>;
