// The release-control API contract: the pretrial list, the daily release control and the red
// list, a person's release check, the confirmation of a computation, overdue explanations and
// the control rule sets.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid } from '../../platform/http/schemas.ts';
import { explanationMax, explanationMin } from './service.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const UserRef = Type.Object({ id: Uuid, displayName: Type.String() });
const Localized = Type.Object({ es: Type.String(), en: Type.String() });

export const IdParams = Type.Object({ id: Uuid });
export const CodeParams = Type.Object({ code: FacilityCode });
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

const Case = Type.Object({
  id: Uuid,
  caseNumber: Type.String(),
  authorityKind: Type.Union([Type.Literal('court'), Type.Literal('prosecutor')]),
  authorityName: Type.String(),
  stage: Type.String(),
  sentenced: Type.Boolean({ description: 'The case has a verified sentence order' }),
});

const Level = Type.Union([Type.Literal('limit'), Type.Literal('escalation')]);

const PersonFields = {
  personId: Uuid,
  prisonerNumber: Type.String(),
  name: Type.String(),
  facilityCode: Nullable(Type.String()),
};

export const PretrialList = Type.Object({
  facilityCode: Type.String(),
  facilityName: Type.String(),
  asOf: IsoDate,
  ruleSetId: Type.String({ description: 'The control rule set in force today, e.g. PA-CONTROL/1' }),
  thresholds: Type.Array(Type.Object({ level: Level, days: Type.Integer() })),
  total: Type.Integer(),
  withoutComputation: Type.Integer({ description: 'People held at the centre with no stored computation (not listed)' }),
  items: Type.Array(
    Type.Object({
      ...PersonFields,
      episodeId: Uuid,
      computationId: Uuid,
      startDate: Nullable(IsoDate),
      days: Type.Integer({ description: 'Days in provisional detention today (stored pretrialDays + days since the computation while held)' }),
      alertDate: Nullable(IsoDate),
      level: Nullable(Level),
      thresholdsReached: Type.Array(Type.Integer()),
      cases: Type.Array(Case),
    }),
  ),
});

const SentencedFields = {
  ...PersonFields,
  episodeId: Uuid,
  computationId: Uuid,
  asOf: IsoDate,
  startDate: Nullable(IsoDate),
  oneThirdDate: Nullable(IsoDate),
  twoThirdsDate: Nullable(IsoDate),
  expiryDate: Nullable(IsoDate),
  ruleSetId: Type.String(),
  confirmedBy: Nullable(UserRef),
  confirmedAt: Nullable(Timestamp),
  pendingReleaseId: Nullable(Uuid),
};

const Explanation = Type.Object({ id: Uuid, computationId: Uuid, explanation: Type.String(), explainedBy: UserRef, explainedAt: Timestamp });

const OverdueItem = Type.Object({
  ...SentencedFields,
  daysOverdue: Type.Integer(),
  state: Type.Union([Type.Literal('unexplained'), Type.Literal('explained'), Type.Literal('held_by_case')], { description: 'unexplained: the red alert is raised' }),
  explanation: Nullable(Explanation),
  holdingCases: Type.Array(Case),
  alertId: Nullable(Uuid),
});

export const ControlBoard = Type.Object({
  facilityCode: Type.String(),
  facilityName: Type.String(),
  asOf: IsoDate,
  ruleSetId: Type.String(),
  releaseDueLookaheadDays: Type.Integer(),
  overdue: Type.Array(OverdueItem, { description: 'The red list: held after the end date' }),
  due: Type.Array(Type.Object(SentencedFields), { description: 'The end date is today' }),
  soon: Type.Array(Type.Object(SentencedFields), { description: 'The end date is within the look-ahead' }),
  twoThirds: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    items: Type.Array(Type.Object({ ...SentencedFields, reached: Type.Boolean(), daysSinceTwoThirds: Type.Integer() })),
  }),
});

export const RedList = Type.Object({ asOf: IsoDate, items: Type.Array(OverdueItem) });

const Computation = Type.Object({
  id: Uuid,
  episodeId: Uuid,
  status: Type.Union([Type.Literal('sentenced'), Type.Literal('pretrial')]),
  asOf: IsoDate,
  ruleSetId: Type.String(),
  startDate: Nullable(IsoDate),
  oneThirdDate: Nullable(IsoDate),
  twoThirdsDate: Nullable(IsoDate),
  expiryDate: Nullable(IsoDate),
  pretrialAlertDate: Nullable(IsoDate),
  cause: Type.String(),
  computedAt: Timestamp,
  confirmedBy: Nullable(UserRef),
  confirmedAt: Nullable(Timestamp),
});

export const ReleaseCheck = Type.Object({
  personId: Uuid,
  episodeId: Nullable(Uuid),
  asOf: IsoDate,
  ruleSetId: Type.String(),
  computation: Nullable(Computation),
  excludedConfirmers: Type.Array(Uuid, { description: 'Users who registered or verified a sentence order of the person: they may not confirm' }),
  canConfirm: Type.Boolean(),
  releaseOrderRequired: Type.Boolean({ description: 'A release for sentence served also needs a verified release order' }),
  sentenceServedFrom: Nullable(IsoDate),
  overdue: Type.Boolean(),
  daysOverdue: Type.Integer(),
  explanations: Type.Array(Explanation),
  openCases: Type.Array(Case),
});

export const ConfirmBody = Type.Object(
  { computationId: Type.String({ description: 'The id of the computation read; a newer one (recomputed) answers 409' }) },
  { additionalProperties: false },
);

export const Confirmation = Type.Object({ personId: Uuid, computation: Computation });

export const ExplainBody = Type.Object(
  {
    explanation: Type.String({ maxLength: explanationMax, description: `Why the person is still held after the end date (at least ${explanationMin} characters)` }),
    computationId: Type.Optional(Type.String({ description: 'The computation read; a newer one answers 409' })),
  },
  { additionalProperties: false },
);

export const ExplanationResult = Type.Object({ ...Explanation.properties, personId: Uuid, alertsClosed: Type.Integer() });

export const RuleSets = Type.Array(
  Type.Object({
    id: Type.String(),
    family: Type.String(),
    version: Type.Integer(),
    effectiveFrom: IsoDate,
    title: Localized,
    parameters: Type.Array(Type.Object({ name: Type.String(), value: Type.Union([Type.Number(), Type.Boolean()]), legalBasis: Type.String(), interpretive: Type.Boolean(), description: Localized })),
  }),
);
