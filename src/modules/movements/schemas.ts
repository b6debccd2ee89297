// The movements API contract: transfers, absences (court, hospital, leave), escapes and
// recaptures, releases, deaths in custody and their checklist, and a person's movements.
import { Type, type TSchema } from 'typebox';
import { Uuid, Version } from '../../platform/http/schemas.ts';
import { limits } from './rules.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const Instant = (description: string) => Type.String({ format: 'date-time', description: `${description} (ISO 8601 with offset)` });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) });

const UserRef = Type.Object({ id: Uuid, username: Type.String(), displayName: Type.String() });
const PersonRef = Type.Object({ prisonerNumber: Type.String(), name: Type.String() });

export const IdParams = Type.Object({ id: Uuid });
export const ItemParams = Type.Object({ id: Uuid, item: Type.String({ description: 'notify_next_of_kin, notify_independent_authority, preserve_evidence, medical_report or return_remains' }) });

// ---- transfers ----

export const TransferStatus = Type.Enum(['requested', 'authorized', 'refused', 'cancelled', 'in_transit', 'arrived']);

export const CreateTransferBody = Type.Object(
  {
    personId: Uuid,
    toFacilityCode: FacilityCode,
    reason: Text(limits.reason, 'Why the person is moved (e.g. "acercamiento familiar", "orden del juez de cumplimiento")'),
    orderId: Type.Optional(Nullable(Uuid)),
    separationOverride: Type.Optional(
      Type.Object(
        { reason: Text(limits.reason, 'Why a centre for the other sex is the right place for this person (an individual decision)') },
        { additionalProperties: false, description: 'Only a user holding housing.override may record it' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object({ note: Text(limits.note), version: Version }, { additionalProperties: false });
export const CancelBody = Type.Object({ reason: Text(limits.reason), version: Type.Optional(Version) }, { additionalProperties: false });
export const DepartBody = Type.Object({ at: Type.Optional(Instant('When the person left; default now')), version: Type.Optional(Version) }, { additionalProperties: false });
export const ArriveBody = Type.Object(
  {
    at: Type.Optional(Instant('When the person arrived; default now')),
    unitId: Type.Optional(Type.String({ description: 'Unit of the destination (default: its reception unit)' })),
    version: Type.Optional(Version),
  },
  { additionalProperties: false },
);

export const TransferQuery = Type.Object(
  {
    facility: Type.Optional(FacilityCode),
    status: Type.Optional(TransferStatus),
    personId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const Transfer = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  fromFacilityCode: Type.String(),
  fromFacilityName: Type.String(),
  toFacilityCode: Type.String(),
  toFacilityName: Type.String(),
  reason: Type.String(),
  orderId: Nullable(Uuid),
  status: TransferStatus,
  requestedBy: UserRef,
  requestedAt: Timestamp,
  authorizedBy: Nullable(UserRef),
  authorizedAt: Nullable(Timestamp),
  refusedBy: Nullable(UserRef),
  refusedAt: Nullable(Timestamp),
  decisionNote: Nullable(Type.String()),
  departedAt: Nullable(Timestamp),
  arrivedAt: Nullable(Timestamp),
  separationOverrideReason: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
});

export const TransferDetail = Type.Object({
  ...Transfer.properties,
  trail: Type.Array(Type.Object({ action: Type.String(), at: Timestamp, actor: Type.String(), note: Nullable(Type.String()) }), { description: 'Each step: requested, authorized or refused, cancelled, departed, arrived' }),
});

export const TransferList = Type.Object({ items: Type.Array(Transfer) });

// ---- absences, escape, recapture ----

export const CreateAbsenceBody = Type.Object(
  {
    personId: Uuid,
    kind: Type.Enum(['court', 'hospital', 'leave'], { description: 'court: salida a diligencia judicial; hospital: salida a centro de salud; leave: permiso de salida' }),
    destination: Text(limits.destination, 'Where the person goes (court, hospital, address)'),
    reason: Text(limits.reason),
    orderId: Type.Optional(Nullable(Uuid)),
    outAt: Type.Optional(Instant('When the person left; default now')),
    expectedBackAt: Type.Optional(Nullable(Instant('When the person is expected back'))),
  },
  { additionalProperties: false },
);

export const ReturnBody = Type.Object({ backAt: Type.Optional(Instant('When the person came back; default now')), version: Type.Optional(Version) }, { additionalProperties: false });
export const EscapeBody = Type.Object({ at: Instant('When the escape happened'), circumstances: Text(limits.circumstances) }, { additionalProperties: false });
export const RecaptureBody = Type.Object({ at: Instant('When the person was recaptured'), version: Type.Optional(Version) }, { additionalProperties: false });

export const AbsenceQuery = Type.Object(
  {
    facility: Type.Optional(FacilityCode),
    open: Type.Optional(Type.Boolean({ description: 'true: who is out now' })),
    personId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);

export const Absence = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  facilityCode: Type.String(),
  facilityName: Type.String(),
  kind: Type.Enum(['court', 'hospital', 'leave', 'escape']),
  destination: Nullable(Type.String()),
  reason: Type.String(),
  orderId: Nullable(Uuid),
  outAt: Timestamp,
  expectedBackAt: Nullable(Timestamp),
  backAt: Nullable(Timestamp),
  overdue: Type.Boolean(),
  recordedAt: Timestamp,
  recordedBy: Nullable(UserRef),
  backRecordedBy: Nullable(UserRef),
  version: Type.Integer({ minimum: 1 }),
});

export const AbsenceList = Type.Object({ items: Type.Array(Absence) });

// ---- releases ----

export const ReleaseReason = Type.Enum(['court_order', 'sentence_served', 'conditional_release', 'bail', 'transfer_abroad', 'other']);
export const ReleaseStatus = Type.Enum(['recorded', 'confirmed', 'cancelled']);

export const CreateReleaseBody = Type.Object(
  {
    personId: Uuid,
    orderId: Type.String({ description: 'A verified release order (boleta de libertad) addressed to the person\'s centre' }),
    reason: ReleaseReason,
    plannedAt: Type.Optional(Instant('When the person is to leave; default now; not before the admission')),
    notes: Type.Optional(Nullable(Type.String({ maxLength: limits.notes }))),
  },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    propertyReturned: Type.Boolean({ description: 'Must be true: the property was handed back and the return is signed off by the confirming officer' }),
    version: Version,
    releasedAt: Type.Optional(Instant('When the person left; default now')),
  },
  { additionalProperties: false },
);

export const ReleaseQuery = Type.Object(
  {
    facility: Type.Optional(FacilityCode),
    status: Type.Optional(ReleaseStatus),
    personId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const Release = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  facilityCode: Type.String(),
  facilityName: Type.String(),
  orderId: Nullable(Uuid),
  order: Nullable(Type.Object({ caseNumber: Type.String(), issuingAuthority: Type.String(), orderDate: Type.String() })),
  reason: ReleaseReason,
  status: ReleaseStatus,
  plannedAt: Timestamp,
  recordedBy: UserRef,
  recordedAt: Timestamp,
  confirmedBy: Nullable(UserRef),
  confirmedAt: Nullable(Timestamp),
  propertyReturned: Type.Boolean(),
  notes: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
});

export const ReleaseList = Type.Object({ items: Type.Array(Release) });

// ---- deaths in custody ----

export const CauseCategory = Type.Enum(['homicide', 'suicide', 'natural', 'accident', 'other', 'undetermined']);

export const DeathBody = Type.Object(
  {
    diedAt: Instant('Time of death'),
    place: Text(limits.place, 'Where the person died (cell, infirmary, hospital)'),
    circumstances: Text(limits.circumstances),
    causeCategory: Type.Optional(Nullable(CauseCategory)),
  },
  { additionalProperties: false },
);

export const CompleteItemBody = Type.Object(
  { evidence: Text(limits.evidence, 'What was done, when, by whom, and the reference (e.g. the note number sent to the Ministerio Público)'), version: Version },
  { additionalProperties: false },
);

export const DeathCaseQuery = Type.Object(
  {
    open: Type.Optional(Type.Boolean()),
    facility: Type.Optional(FacilityCode),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const ChecklistItem = Type.Object({
  item: Type.String(),
  ownerRole: Type.String(),
  dueAt: Timestamp,
  overdue: Type.Boolean(),
  completedAt: Nullable(Timestamp),
  completedBy: Nullable(UserRef),
  evidence: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
});

export const DeathCase = Type.Object({
  id: Uuid,
  personId: Uuid,
  person: PersonRef,
  episodeId: Uuid,
  facilityCode: Type.String(),
  facilityName: Type.String(),
  diedAt: Timestamp,
  place: Type.String(),
  circumstances: Type.String(),
  causeCategory: Nullable(CauseCategory),
  recordedBy: UserRef,
  recordedAt: Timestamp,
  open: Type.Boolean(),
  closedAt: Nullable(Timestamp),
  items: Type.Array(ChecklistItem),
  version: Type.Integer({ minimum: 1 }),
});

export const DeathCaseList = Type.Object({ items: Type.Array(DeathCase) });

// ---- a person's movements ----

export const PersonMovements = Type.Object({
  personId: Uuid,
  person: Type.Object({
    prisonerNumber: Type.String(),
    name: Type.String(),
    sex: Type.String(),
    custodyStatus: Type.String(),
    locationFacilityCode: Nullable(Type.String()),
    locationFacilityName: Nullable(Type.String()),
    transitFacilityCode: Nullable(Type.String()),
  }),
  episode: Nullable(Type.Object({ id: Uuid, admittedAt: Timestamp, facilityCode: Type.String() })),
  openAbsence: Nullable(Type.Object({ id: Uuid, kind: Type.String(), destination: Nullable(Type.String()), outAt: Timestamp, expectedBackAt: Nullable(Timestamp), version: Type.Integer() })),
  activeTransferId: Nullable(Uuid),
  pendingReleaseId: Nullable(Uuid),
  deathCaseId: Nullable(Uuid),
  movements: Type.Array(
    Type.Object({
      id: Uuid,
      episodeId: Uuid,
      kind: Type.String(),
      occurredAt: Timestamp,
      recordedAt: Timestamp,
      late: Type.Boolean({ description: 'Recorded more than an hour after it happened' }),
      fromFacilityCode: Nullable(Type.String()),
      fromFacilityName: Nullable(Type.String()),
      toFacilityCode: Nullable(Type.String()),
      toFacilityName: Nullable(Type.String()),
      orderId: Nullable(Uuid),
      orderCaseNumber: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      recordedBy: Nullable(Type.String()),
    }),
  ),
});
