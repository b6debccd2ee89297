// The API contract of the offence catalogue, criminal cases with their charges, and court
// hearings with the daily list of people to take to court.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid, Version } from '../../platform/http/schemas.ts';
import { authorityKinds, caseStages, closureReasons, defenceKinds, hearingStatuses, limits, offenceCategories } from './rules.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Instant = (description: string) => Type.String({ format: 'date-time', description: `${description} (ISO 8601 with offset)` });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const OffenceCode = Type.String({ pattern: '^[A-Z0-9][A-Z0-9.-]{0,31}$', description: 'Catalogue code, e.g. ROBO-AGR' });

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) });
export const IdParams = Type.Object({ id: Uuid });
export const ChargeParams = Type.Object({ id: Uuid, chargeId: Uuid });
export const OffenceParams = Type.Object({ offenceCode: OffenceCode });
export const FacilityParams = Type.Object({ code: FacilityCode });

const UserRef = Type.Object({ id: Uuid, username: Type.String(), displayName: Type.String() });
const PersonRef = Type.Object({ prisonerNumber: Type.String(), name: Type.String() });

// ---- the offence catalogue ----

export const OffenceCategory = Type.Enum([...offenceCategories]);

export const Offence = Type.Object({
  code: Type.String(),
  article: Type.String({ description: 'Article of the Código Penal (texto único), e.g. 219 or 132-A' }),
  nameEs: Type.String(),
  nameEn: Type.String(),
  category: OffenceCategory,
  active: Type.Boolean({ description: 'Inactive entries stay on the charges that name them but cannot be charged anew' }),
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1 }),
});

export const OffenceList = Type.Object({ items: Type.Array(Offence), total: Type.Integer() });

export const OffenceQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: limits.search, description: 'Words of the code, the article or either name (accents ignored)' })),
    category: Type.Optional(OffenceCategory),
    active: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
  },
  { additionalProperties: false },
);

const offenceFields = {
  article: Text(limits.article, 'e.g. 219, 132-A'),
  nameEs: Text(limits.offenceName),
  nameEn: Text(limits.offenceName),
  category: OffenceCategory,
};

export const CreateOffenceBody = Type.Object({ code: OffenceCode, ...offenceFields }, { additionalProperties: false });
export const UpdateOffenceBody = Type.Object({ ...offenceFields, version: Version }, { additionalProperties: false });
export const OffenceStateBody = Type.Object({ version: Version }, { additionalProperties: false });

// ---- criminal cases and charges ----

export const AuthorityKind = Type.Enum([...authorityKinds], { description: 'court (juzgado, tribunal) or prosecutor (fiscalía)' });
export const DefenceKind = Type.Enum([...defenceKinds], { description: 'public_defender (Instituto de Defensoría Pública), private_lawyer, unknown' });
export const CaseStage = Type.Enum([...caseStages], { description: 'investigation, trial, first_instance (sentence of first instance), appeal, final (sentence in force)' });
export const ClosureReason = Type.Enum([...closureReasons], { description: 'acquitted, dismissed (sobreseimiento), detention_lifted (medida sustituida), sentence_served, other' });

export const ChargeInput = Type.Object(
  {
    offenceCode: OffenceCode,
    counts: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.counts, default: 1, description: 'How many counts of the offence' })),
    attempted: Type.Optional(Type.Boolean({ default: false, description: 'Tentativa (attempt)' })),
    notes: Type.Optional(Nullable(Type.String({ maxLength: limits.chargeNotes }))),
  },
  { additionalProperties: false },
);

export const Charge = Type.Object({
  id: Uuid,
  offenceCode: Type.String(),
  article: Type.String(),
  nameEs: Type.String(),
  nameEn: Type.String(),
  category: OffenceCategory,
  counts: Type.Integer(),
  attempted: Type.Boolean(),
  notes: Nullable(Type.String()),
  addedAt: Timestamp,
  addedBy: Nullable(UserRef),
  withdrawnAt: Nullable(Timestamp),
  withdrawnBy: Nullable(UserRef),
});

export const HearingStatus = Type.Enum([...hearingStatuses], { description: 'scheduled; taken (out at court, absence_id set); held (with its outcome); postponed (a new hearing replaces it); cancelled' });

export const Hearing = Type.Object({
  id: Uuid,
  caseId: Uuid,
  caseNumber: Type.String(),
  personId: Uuid,
  person: PersonRef,
  facilityCode: Nullable(Type.String({ description: 'The centre holding the person now' })),
  held: Type.Boolean({ description: 'The person is held today (hearings of people no longer held leave the lists)' }),
  scheduledAt: Timestamp,
  court: Type.String(),
  purpose: Type.String(),
  status: HearingStatus,
  absenceId: Nullable(Uuid),
  outAt: Nullable(Timestamp),
  backAt: Nullable(Timestamp),
  outcome: Nullable(Type.String()),
  createdAt: Timestamp,
  createdBy: Nullable(UserRef),
  version: Type.Integer({ minimum: 1 }),
});

export const HearingList = Type.Object({ items: Type.Array(Hearing) });

export const Case = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  episodeOpen: Type.Boolean({ description: 'The custody episode of the case is the current one' }),
  authorityKind: AuthorityKind,
  authorityName: Type.String(),
  caseNumber: Type.String(),
  judgeName: Nullable(Type.String()),
  defenceKind: DefenceKind,
  defenceName: Nullable(Type.String()),
  stage: CaseStage,
  open: Type.Boolean({ description: 'Still holds the person (not closed)' }),
  closedOn: Nullable(IsoDate),
  closureReason: Nullable(ClosureReason),
  closureOrderId: Nullable(Uuid),
  openedAt: Timestamp,
  openedBy: Nullable(UserRef),
  version: Type.Integer({ minimum: 1 }),
  charges: Type.Array(Charge, { description: 'Withdrawn charges included, with withdrawnAt' }),
});

export const CaseDetail = Type.Object({ ...Case.properties, hearings: Type.Array(Hearing) });
export const CaseList = Type.Object({ items: Type.Array(Case) });

const caseFields = {
  authorityKind: AuthorityKind,
  authorityName: Text(limits.authorityName, 'e.g. Juzgado de Garantías del Primer Circuito Judicial de Panamá, Fiscalía de Drogas'),
  caseNumber: Text(limits.caseNumber, 'Unique per episode and authority kind'),
  judgeName: Type.Optional(Nullable(Type.String({ maxLength: limits.judgeName }))),
  defenceKind: Type.Optional(DefenceKind),
  defenceName: Type.Optional(Nullable(Type.String({ maxLength: limits.defenceName, description: 'The lawyer or public defender' }))),
  stage: CaseStage,
};

export const CreateCaseBody = Type.Object(
  { ...caseFields, charges: Type.Optional(Type.Array(ChargeInput, { maxItems: limits.chargesPerRequest })) },
  { additionalProperties: false },
);

export const UpdateCaseBody = Type.Object({ ...caseFields, version: Version }, { additionalProperties: false, description: 'Replaces the case\'s fields (judge and defence name left out are cleared)' });

export const CloseCaseBody = Type.Object(
  {
    reason: ClosureReason,
    closedOn: Type.String({ format: 'date', description: 'YYYY-MM-DD: not in the future, not before the admission' }),
    closureOrderId: Type.Optional(Nullable(Type.String({ description: 'A judicial order of the person behind the closure (e.g. the release order)' }))),
    version: Version,
  },
  { additionalProperties: false },
);

export const AddChargeBody = Type.Object({ ...ChargeInput.properties, version: Type.Optional(Version) }, { additionalProperties: false });
export const WithdrawChargeBody = Type.Object({ version: Type.Optional(Version) }, { additionalProperties: false });

// ---- hearings ----

export const CreateHearingBody = Type.Object(
  {
    scheduledAt: Instant('When the hearing starts'),
    court: Type.Optional(Text(limits.court, 'Default: the case\'s authority when it is a court')),
    purpose: Text(limits.purpose, 'e.g. audiencia de imputación, audiencia preliminar, juicio oral'),
  },
  { additionalProperties: false },
);

export const PostponeHearingBody = Type.Object(
  { scheduledAt: Instant('The new date and time'), reason: Type.Optional(Nullable(Type.String({ maxLength: limits.reason }))), version: Version },
  { additionalProperties: false },
);

export const CancelHearingBody = Type.Object({ reason: Text(limits.reason), version: Version }, { additionalProperties: false });

export const TakeToCourtBody = Type.Object(
  {
    outAt: Type.Optional(Instant('When the person left for court; default now')),
    expectedBackAt: Type.Optional(Nullable(Instant('When the person is expected back'))),
    version: Type.Optional(Version),
  },
  { additionalProperties: false },
);

export const HeldBody = Type.Object({ outcome: Text(limits.outcome, 'What the court decided or did'), version: Type.Optional(Version) }, { additionalProperties: false });

export const ReturnFromCourtBody = Type.Object(
  {
    backAt: Type.Optional(Instant('When the person came back; default now')),
    outcome: Type.Optional(Nullable(Type.String({ maxLength: limits.outcome }))),
    version: Type.Optional(Version),
  },
  { additionalProperties: false },
);

export const HearingQuery = Type.Object(
  {
    facility: Type.Optional(FacilityCode),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    status: Type.Optional(HearingStatus),
    personId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 300 })),
  },
  { additionalProperties: false },
);

export const CourtListQuery = Type.Object({ date: Type.Optional(IsoDate) }, { additionalProperties: false });

export const CourtList = Type.Object({
  facilityCode: Type.String(),
  facilityName: Type.String(),
  date: IsoDate,
  items: Type.Array(Hearing, { description: 'Hearings of the day of the people held at the centre, by time: scheduled (to take), taken (out at court) and held' }),
});
