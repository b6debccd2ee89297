// The redemption ledger's API contract: a person's ledger, entry of one record or of a
// programme's month, the Junta Técnica's evaluation, the Juez de Cumplimiento's decision, and a
// centre's pending list.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid, Version } from '../../platform/http/schemas.ts';
import { limits, maxPeriodDays } from './rules.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) });
export const IdParams = Type.Object({ id: Uuid });
export const CodeParams = Type.Object({ code: FacilityCode });

const UserRef = Type.Object({ id: Uuid, username: Type.String(), displayName: Type.String() });
const PersonRef = Type.Object({ prisonerNumber: Type.String(), name: Type.String() });

const Kind = Type.Enum(['work', 'study', 'teaching'], { description: 'work and study carry days; teaching carries hours (8 hours = 1 day, CP art. 58)' });
const Status = Type.Enum(['certified', 'evaluated', 'approved', 'refused'], {
  description: 'certified by the centre → evaluated by the Junta Técnica → approved or refused by the Juez de Cumplimiento. Only approved records count; certified and evaluated ones are projected.',
});
const Days = Type.Integer({ minimum: 1, maximum: maxPeriodDays, description: 'work or study: days with activity in the period, at most its length' });
const Hours = Type.Integer({ minimum: 1, maximum: 24 * maxPeriodDays, description: 'teaching: hours in the period, at most 24 a day' });

export const RedemptionRecord = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  facilityCode: Type.String(),
  facilityName: Type.String(),
  kind: Kind,
  programme: Type.String(),
  from: IsoDate,
  to: IsoDate,
  days: Nullable(Type.Integer()),
  hours: Nullable(Type.Integer()),
  activityDays: Type.Integer({ description: 'days, or ⌊hours ÷ 8⌋ for teaching; two redeem one day of prison' }),
  status: Status,
  counts: Type.Boolean({ description: 'true when approved: counts in the sentence computation' }),
  certifiedBy: UserRef,
  certifiedAt: Timestamp,
  evaluation: Nullable(Type.Enum(['favourable', 'unfavourable'])),
  evaluationNote: Nullable(Type.String()),
  evaluatedBy: Nullable(UserRef),
  evaluatedAt: Nullable(Timestamp),
  decisionReference: Nullable(Type.String()),
  decisionDate: Nullable(IsoDate),
  decisionNote: Nullable(Type.String()),
  decidedBy: Nullable(UserRef),
  decidedAt: Nullable(Timestamp),
  version: Type.Integer({ minimum: 1 }),
});

const Bucket = Type.Object({ records: Type.Integer(), activityDays: Type.Integer(), creditDays: Type.Integer({ description: '⌊activity days ÷ 2⌋, before the one-third rule of long sentences' }) });

export const PersonLedger = Type.Object({
  personId: Uuid,
  person: Type.Object({ prisonerNumber: Type.String(), name: Type.String(), custodyStatus: Type.String(), locationFacilityCode: Nullable(Type.String()) }),
  episodeId: Nullable(Uuid),
  items: Type.Array(RedemptionRecord, { description: 'newest period first' }),
  totals: Type.Object({ approved: Bucket, projected: Bucket, refused: Type.Object({ records: Type.Integer() }) }),
  computation: Nullable(
    Type.Object(
      {
        redemption: Type.Integer({ description: 'days redeemed by approved records in the current computation' }),
        projectedRedemption: Type.Integer({ description: 'days the pending records would redeem' }),
        expiry: Nullable(IsoDate),
        asOf: IsoDate,
        computedAt: Timestamp,
      },
      { description: 'The current sentence computation (legal time), when the person has one' },
    ),
  ),
});

export const CreateBody = Type.Object(
  {
    personId: Uuid,
    kind: Kind,
    programme: Text(limits.programme, 'The programme, e.g. "Taller de carpintería", "Bachillerato (MEDUCA)"'),
    from: IsoDate,
    to: Type.String({ format: 'date', description: 'YYYY-MM-DD; not after today; the period holds at most 366 days' }),
    days: Type.Optional(Days),
    hours: Type.Optional(Hours),
  },
  { additionalProperties: false },
);

export const BulkBody = Type.Object(
  {
    facilityCode: FacilityCode,
    programme: Text(limits.programme),
    kind: Kind,
    month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'YYYY-MM: the month certified; each row\'s period defaults to the whole month' }),
    rows: Type.Array(
      Type.Object(
        {
          prisonerNumber: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. PPL-100234 (a person held at facilityCode)' }),
          days: Type.Optional(Days),
          hours: Type.Optional(Hours),
          from: Type.Optional(Type.String({ format: 'date', description: 'a later start inside the month (e.g. admitted mid-month)' })),
          to: Type.Optional(Type.String({ format: 'date', description: 'an earlier end inside the month' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: limits.bulkRows },
    ),
  },
  { additionalProperties: false },
);

export const BulkResult = Type.Object({ created: Type.Integer(), items: Type.Array(RedemptionRecord) });

export const EvaluateBody = Type.Object(
  {
    evaluation: Type.Enum(['favourable', 'unfavourable']),
    note: Text(limits.note, 'The Junta Técnica\'s note (e.g. the minutes\' number)'),
    version: Version,
  },
  { additionalProperties: false },
);

const Items = Type.Array(Type.Object({ id: Uuid, version: Version }, { additionalProperties: false }), { minItems: 1, maxItems: limits.pageSize });

export const EvaluateManyBody = Type.Object(
  { items: Items, evaluation: Type.Enum(['favourable', 'unfavourable']), note: Text(limits.note) },
  { additionalProperties: false },
);

export const DecideBody = Type.Object(
  {
    decision: Type.Enum(['approved', 'refused']),
    reference: Text(limits.reference, 'The court\'s reference (resolution or case number)'),
    date: Type.String({ format: 'date', description: 'The date of the court\'s decision: not before the period\'s end, not after today' }),
    note: Type.Optional(Nullable(Type.String({ maxLength: limits.note }))),
    version: Version,
  },
  { additionalProperties: false },
);

export const DecideManyBody = Type.Object(
  {
    items: Items,
    decision: Type.Enum(['approved', 'refused']),
    reference: Text(limits.reference),
    date: Type.String({ format: 'date' }),
    note: Type.Optional(Nullable(Type.String({ maxLength: limits.note }))),
  },
  { additionalProperties: false },
);

export const RecordList = Type.Object({ items: Type.Array(RedemptionRecord) });

export const PendingQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSize, default: 500 })) }, { additionalProperties: false });

export const PendingList = Type.Object({
  facility: Type.Object({ code: Type.String(), name: Type.String() }),
  toEvaluate: Type.Array(RedemptionRecord, { description: 'certified: waiting for the Junta Técnica' }),
  toDecide: Type.Array(RedemptionRecord, { description: 'evaluated: waiting for the Juez de Cumplimiento' }),
  counts: Type.Object({ toEvaluate: Type.Integer(), toDecide: Type.Integer() }),
});
