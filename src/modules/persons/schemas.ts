// The persons API contract: search, the file, its history, corrections, aliases, documents,
// contacts, children, health declarations, photo, returning-person matching and merges.
// Fields not in a response schema never leave the server.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid, Version } from '../../platform/http/schemas.ts';
import { ageBandNames } from './identity.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Sex = Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Literal('intersex')]);
const LegalStatus = Type.Union([Type.Literal('pretrial'), Type.Literal('sentenced'), Type.Literal('other')]);
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2, e.g. PA' });
const DocumentKind = Type.Union([Type.Literal('cedula'), Type.Literal('passport'), Type.Literal('residence'), Type.Literal('other')]);

export const PersonParams = Type.Object({ id: Uuid });
export const ItemParams = Type.Object({ id: Uuid, itemId: Uuid });
export const MergeParams = Type.Object({ mergeId: Uuid });

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Prisoner number (exact), document number (exact, however written) or name (accent-insensitive, typo-tolerant, surnames in any order, aliases included)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
    facility: Type.Optional(FacilityCode),
    legalStatus: Type.Optional(LegalStatus),
    sex: Type.Optional(Sex),
    ageBand: Type.Optional(Type.Enum([...ageBandNames], { description: 'Age today, in years' })),
  },
  { additionalProperties: false },
);

export const SearchItem = Type.Object({
  id: Uuid,
  prisonerNumber: Type.String({ examples: ['PPL-100001'] }),
  givenNames: Type.String(),
  firstSurname: Type.String(),
  secondSurname: Nullable(Type.String()),
  marriedSurname: Nullable(Type.String()),
  facilityCode: Nullable(Type.String({ description: 'The centre holding the person, or that last released them' })),
  transitFacilityCode: Nullable(Type.String({ description: 'While in transit: the centre they travel to' })),
  custodyStatus: Type.String({ description: 'none, in_custody, in_transit, released' }),
  legalStatus: Nullable(LegalStatus),
  dateOfBirth: Nullable(IsoDate),
  birthDateEstimated: Type.Boolean(),
  sex: Sex,
  nationality: Type.String(),
  photo: Type.Boolean({ description: 'A photo is on file' }),
  score: Nullable(Type.Number({ description: 'Name similarity 0–1 (1 for an exact number); null when listing without a query' })),
});

export const SearchResult = Type.Object({
  items: Type.Array(SearchItem),
  total: Type.Integer({ description: 'People in scope matching (counted up to 1,000)' }),
  totalCapped: Type.Boolean({ description: 'More than 1,000 match: refine the query' }),
});

export const Alias = Type.Object({ id: Uuid, alias: Type.String(), kind: Type.String({ description: 'alias or other_name' }), createdAt: Timestamp, endedAt: Nullable(Timestamp) });
export const Document = Type.Object({ id: Uuid, kind: Type.String(), number: Type.String(), issuingCountry: Nullable(Type.String()), createdAt: Timestamp, endedAt: Nullable(Timestamp) });
export const Contact = Type.Object({
  id: Uuid,
  name: Type.String(),
  relationship: Type.String(),
  phone: Nullable(Type.String()),
  address: Nullable(Type.String()),
  isEmergency: Type.Boolean(),
  isNextOfKin: Type.Boolean(),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export const Child = Type.Object({
  id: Uuid,
  name: Type.String(),
  dateOfBirth: Nullable(IsoDate),
  ageYears: Nullable(Type.Integer()),
  whereabouts: Type.String(),
  caregiver: Nullable(Type.String()),
  livesInCentre: Type.Boolean(),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export const Declaration = Type.Object({
  id: Uuid,
  pregnant: Type.Boolean(),
  breastfeeding: Type.Boolean(),
  notes: Nullable(Type.String()),
  declaredAt: Timestamp,
  validUntil: Nullable(Timestamp),
  recordedBy: Nullable(Type.String()),
});

export const Person = Type.Object({
  id: Uuid,
  prisonerNumber: Type.String(),
  givenNames: Type.String(),
  firstSurname: Type.String(),
  secondSurname: Nullable(Type.String()),
  marriedSurname: Nullable(Type.String()),
  fullName: Type.String(),
  sex: Sex,
  genderIdentity: Nullable(Type.String({ description: 'As the person states it' })),
  dateOfBirth: Nullable(IsoDate),
  birthDateEstimated: Type.Boolean(),
  age: Nullable(Type.Integer()),
  nationality: Type.String(),
  languages: Type.Array(Type.String()),
  literacy: Nullable(Type.String()),
  disabilities: Nullable(Type.String()),
  distinguishingMarks: Nullable(Type.String()),
  photo: Type.Boolean(),
  custodyStatus: Type.String(),
  facilityCode: Nullable(Type.String()),
  facilityName: Nullable(Type.String()),
  transitFacilityCode: Nullable(Type.String()),
  transitFacilityName: Nullable(Type.String()),
  aliases: Type.Array(Alias),
  documents: Type.Array(Document),
  contacts: Type.Array(Contact),
  children: Type.Optional(Type.Array(Child, { description: 'Only for callers with person.children.read (Bangkok Rule 3: confidential)' })),
  health: Type.Optional(Type.Object({ declarations: Type.Array(Declaration) }, { description: 'Only for callers with health.read' })),
  protection: Type.Object({
    segregationAndRestraintsRestricted: Type.Boolean({ description: 'A current declaration of pregnancy or breastfeeding: no close confinement, disciplinary segregation or restraints (Bangkok Rules 22, 24)' }),
  }),
  currentEpisode: Nullable(
    Type.Object({
      id: Uuid,
      facilityCode: Type.String(),
      facilityName: Type.String(),
      unit: Nullable(Type.Object({ id: Uuid, code: Type.String(), name: Type.String() })),
      cell: Nullable(Type.Object({ id: Uuid, code: Type.String() })),
      legalStatus: Nullable(LegalStatus),
      legalStatusSince: Nullable(Timestamp),
      arrestedAt: Timestamp,
      arrestPlace: Type.String(),
      admittedAt: Timestamp,
      admissionOrderId: Uuid,
    }),
  ),
  alerts: Type.Array(
    Type.Object({
      id: Uuid,
      typeCode: Type.String(),
      typeName: Type.String(),
      severity: Type.String(),
      summary: Nullable(Type.String({ description: 'null for health alerts when the caller lacks health.read' })),
      raisedAt: Timestamp,
      dueAt: Timestamp,
      acknowledged: Type.Boolean(),
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1 }),
});

export const History = Type.Object({
  corrections: Type.Array(
    Type.Object({ id: Type.Integer(), field: Type.String(), oldValue: Type.Unknown(), newValue: Type.Unknown(), reason: Type.String(), correctedAt: Timestamp, correctedBy: Nullable(Type.String()) }),
  ),
  episodes: Type.Array(
    Type.Object({
      id: Uuid,
      facilityCode: Type.String(),
      facilityName: Type.String(),
      arrestedAt: Timestamp,
      arrestPlace: Type.String(),
      admittedAt: Timestamp,
      releasedAt: Nullable(Timestamp),
      releaseReason: Nullable(Type.String()),
      admissionOrderId: Uuid,
      admissionCaseNumber: Nullable(Type.String()),
      releaseOrderId: Nullable(Uuid),
    }),
  ),
  movements: Type.Array(
    Type.Object({
      id: Uuid,
      episodeId: Uuid,
      kind: Type.String(),
      occurredAt: Timestamp,
      fromFacilityCode: Nullable(Type.String()),
      fromFacilityName: Nullable(Type.String()),
      toFacilityCode: Nullable(Type.String()),
      toFacilityName: Nullable(Type.String()),
      orderId: Nullable(Uuid),
      reason: Nullable(Type.String()),
    }),
  ),
  orders: Type.Array(
    Type.Object({
      id: Uuid,
      kind: Type.String(),
      authorityKind: Type.String(),
      issuingAuthority: Type.String(),
      caseNumber: Type.String(),
      orderDate: IsoDate,
      facilityCode: Type.String(),
      legalStatus: Nullable(Type.String()),
      status: Type.String({ description: 'registered, verified, rejected' }),
      registeredAt: Timestamp,
      verifiedAt: Nullable(Timestamp),
      verificationMethod: Nullable(Type.String()),
      hasScan: Type.Boolean(),
    }),
  ),
  property: Type.Array(
    Type.Object({
      id: Uuid,
      episodeId: Uuid,
      description: Type.String(),
      quantity: Type.Integer(),
      condition: Nullable(Type.String()),
      storageLocation: Nullable(Type.String()),
      signedOffAt: Nullable(Timestamp),
      signedOffBy: Nullable(Type.String()),
      returnedAt: Nullable(Timestamp),
    }),
  ),
});

export const CorrectionBody = Type.Object(
  {
    version: Version,
    reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why the record is corrected (kept with the old value)' }),
    changes: Type.Object(
      {
        givenNames: Type.Optional(Name),
        firstSurname: Type.Optional(Name),
        secondSurname: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
        marriedSurname: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
        sex: Type.Optional(Sex),
        genderIdentity: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
        dateOfBirth: Type.Optional(Nullable(IsoDate)),
        birthDateEstimated: Type.Optional(Type.Boolean()),
        nationality: Type.Optional(Country),
        languages: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]{2,3}$' }), { minItems: 1, maxItems: 10, uniqueItems: true })),
        literacy: Type.Optional(Nullable(Type.Union([Type.Literal('literate'), Type.Literal('partial'), Type.Literal('illiterate')]))),
        disabilities: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
        distinguishingMarks: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false, description: 'Each changed field is kept as a correction with its old value and the reason' },
);

export const AliasBody = Type.Object(
  { alias: Type.String({ minLength: 1, maxLength: 100 }), kind: Type.Optional(Type.Union([Type.Literal('alias'), Type.Literal('other_name')])) },
  { additionalProperties: false },
);

export const DocumentBody = Type.Object(
  {
    kind: DocumentKind,
    number: Type.String({ minLength: 1, maxLength: 40, description: 'A cédula must have a Panamanian format: 8-123-4567, 8-AV-12-345, E-8-12345, PE-12-345, N-19-1234' }),
    issuingCountry: Type.Optional(Country),
  },
  { additionalProperties: false },
);

export const ContactBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    relationship: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 25 }))),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    isEmergency: Type.Optional(Type.Boolean()),
    isNextOfKin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChildBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    dateOfBirth: Type.Optional(Nullable(IsoDate)),
    ageYears: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 60 }))),
    whereabouts: Type.String({ minLength: 1, maxLength: 500, description: 'Where the child is (with the mother in the centre, with relatives, in care …)' }),
    caregiver: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    livesInCentre: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'Date of birth or age in years' },
);

export const HealthDeclarationBody = Type.Object(
  {
    pregnant: Type.Boolean(),
    breastfeeding: Type.Boolean(),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    validUntil: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);

export const PhotoBody = Type.Object({ photo: Type.String({ minLength: 1, maxLength: 14_000_000, description: 'JPEG or PNG, base64, at most 10 MB' }) }, { additionalProperties: false });
export const PhotoResult = Type.Object({ photo: Type.Boolean(), version: Type.Integer() });

export const Ended = Type.Object({ id: Uuid, endedAt: Timestamp });

export const MatchBody = Type.Object(
  {
    givenNames: Type.String({ minLength: 1, maxLength: 100 }),
    firstSurname: Type.String({ minLength: 1, maxLength: 100 }),
    secondSurname: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    dateOfBirth: Type.Optional(Nullable(IsoDate)),
    birthDateEstimated: Type.Optional(Type.Boolean({ description: 'The date is an estimate (from a stated age): ±1 year tolerated' })),
    documents: Type.Optional(Type.Array(Type.Object({ kind: Type.Optional(DocumentKind), number: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }), { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const MatchList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Uuid,
      prisonerNumber: Type.String(),
      givenNames: Type.String(),
      firstSurname: Type.String(),
      secondSurname: Nullable(Type.String()),
      dateOfBirth: Nullable(IsoDate),
      lastFacilityCode: Nullable(Type.String()),
      lastFacilityName: Nullable(Type.String()),
      matchedBy: Type.Array(Type.Union([Type.Literal('document'), Type.Literal('name')])),
    }),
    { description: 'Minimal identity only: the check is national' },
  ),
});

export const MergeBody = Type.Object(
  { otherId: Uuid, reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false, description: 'The other file is merged into this one (the survivor)' },
);

export const Merge = Type.Object({
  id: Uuid,
  survivorId: Uuid,
  mergedId: Uuid,
  reason: Type.String(),
  moved: Type.Record(Type.String(), Type.Integer(), { description: 'Rows moved, per table' }),
  mergedAt: Timestamp,
  undoneAt: Nullable(Timestamp),
});

export const RecordQuery = Type.Object({ episode: Type.Optional(Uuid) }, { additionalProperties: false });

/** Binary answers, documented per content type (sent as bytes, never serialized). */
export const PhotoResponse = {
  description: 'The photo',
  content: {
    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
    'image/png': { schema: { type: 'string', format: 'binary' } },
  },
};

export const PdfResponse = {
  description: 'The admission record',
  content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
};
