// The admission API's contract: the admission itself (strict: every field typed, nothing
// unknown accepted) and admission drafts, whose data has the same shape but is checked for
// types only (a draft holds an admission half typed in, so a date may still be incomplete).
import { Type, type Static, type TSchema } from 'typebox';
import { IsoDate, Uuid, Version } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code (PA, CO, VE, NI, DO, …)' });
/** A file in a JSON body: base64 (the API's way of sending photos and scans). */
const Base64File = (description: string) => Type.String({ minLength: 1, maxLength: 14_000_000, description });

export const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });

export const DocumentInput = Type.Object(
  {
    kind: Type.Enum(['cedula', 'passport', 'residence', 'other']),
    number: Type.String({ minLength: 1, maxLength: 40, description: 'A cédula must have a valid Panamanian format (8-123-4567, PE-12-345, E-8-12345, N-19-1234, 8-AV-12-345, 8-PI-1-23)' }),
    issuingCountry: Type.Optional(Country),
  },
  { additionalProperties: false },
);

export const AliasInput = Type.Object(
  { alias: Name('Another name or alias the person is known by'), kind: Type.Optional(Type.Enum(['alias', 'other_name'], { default: 'alias' })) },
  { additionalProperties: false },
);

export const PersonInput = Type.Object(
  {
    givenNames: Name('Given names'),
    firstSurname: Name('First surname (father\'s)'),
    secondSurname: Type.Optional(Text(100, 'Second surname (mother\'s)')),
    marriedSurname: Type.Optional(Text(100, 'Married surname (de + husband\'s surname), if used')),
    sex: Type.Enum(['male', 'female', 'intersex'], { description: 'Recorded sex' }),
    genderIdentity: Type.Optional(Text(100, 'Gender identity as the person states it')),
    dateOfBirth: Type.Optional(IsoDate),
    birthDateEstimated: Type.Optional(Type.Boolean({ description: 'The date of birth is an estimate' })),
    estimatedAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, description: 'When the date of birth is unknown: the age in years (the date of birth is then estimated)' })),
    nationality: Country,
    languages: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]{2,3}$' }), { maxItems: 10, description: 'ISO 639 codes of the languages the person speaks (es, en, ngb, kun, …)' })),
    literacy: Type.Optional(Type.Enum(['literate', 'partial', 'illiterate'])),
    disabilities: Type.Optional(Text(2000)),
    distinguishingMarks: Type.Optional(Text(2000)),
    photo: Type.Optional(Base64File('Photo, base64 (JPEG or PNG, up to 10 MB)')),
    photoFileId: Type.Optional(Uuid),
    documents: Type.Optional(Type.Array(DocumentInput, { maxItems: 10 })),
    aliases: Type.Optional(Type.Array(AliasInput, { maxItems: 20 })),
  },
  { additionalProperties: false, description: 'A new person (first admission). For a returning person send personId instead.' },
);

export const OrderInput = Type.Object(
  {
    authorityKind: Type.Enum(['court', 'prosecutor'], { description: 'court (juzgado, tribunal) or prosecutor (fiscalía)' }),
    issuingAuthority: Type.String({ minLength: 1, maxLength: 200 }),
    caseNumber: Type.String({ minLength: 1, maxLength: 100 }),
    orderDate: IsoDate,
    subjectName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The person named in the order, as written there (default: the person\'s name)' })),
    legalStatus: Type.Optional(Type.Enum(['pretrial', 'sentenced', 'other'], { default: 'pretrial' })),
    notes: Type.Optional(Text(2000)),
    scan: Type.Optional(Type.Object({ contentBase64: Base64File('The scanned order (PDF, JPEG or PNG), base64') }, { additionalProperties: false })),
  },
  {
    additionalProperties: false,
    description:
      'A commitment order not yet registered (the fields of POST /api/v1/orders). An unverified order never admits anyone, so this always answers 422 (path "order"): ' +
      'register the order, have a different user verify it, then send its orderId.',
  },
);

export const ContactInput = Type.Object(
  {
    name: Name('Name of the family member or contact'),
    relationship: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(Text(50)),
    address: Type.Optional(Text(500)),
    isEmergency: Type.Optional(Type.Boolean()),
    isNextOfKin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChildInput = Type.Object(
  {
    name: Name('The child\'s name'),
    dateOfBirth: Type.Optional(IsoDate),
    ageYears: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
    whereabouts: Type.String({ minLength: 1, maxLength: 500, description: 'Where the child is' }),
    caregiver: Type.Optional(Text(200, 'Who cares for the child (custody or guardianship)')),
    livesInCentre: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'Confidential (Bangkok Rule 3): needs person.children.read' },
);

export const PropertyInput = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500 }),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    condition: Type.Optional(Text(200)),
    storageLocation: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);

const admissionProperties = {
  draftId: Type.Optional(Type.String({ format: 'uuid', description: 'The draft this admission completes (it is marked completed)' })),
  facilityCode: FacilityCode,
  person: Type.Optional(PersonInput),
  personId: Type.Optional(Type.String({ format: 'uuid', description: 'A returning person: the existing file (keeps the prisoner number)' })),
  documents: Type.Optional(Type.Array(DocumentInput, { maxItems: 10, description: 'Further identity documents, added to the file' })),
  aliases: Type.Optional(Type.Array(AliasInput, { maxItems: 20, description: 'Further aliases, added to the file' })),
  order: Type.Optional(OrderInput),
  orderId: Type.Optional(Type.String({ format: 'uuid', description: 'A verified commitment order for this centre, not used before' })),
  arrest: Type.Object(
    { at: Timestamp, place: Type.String({ minLength: 1, maxLength: 300 }) },
    { additionalProperties: false, description: 'Date, time and place of arrest (Mandela Rule 7)' },
  ),
  admittedAt: Type.String({ format: 'date-time', description: 'Day and hour of admission; not before the arrest, not in the future' }),
  contacts: Type.Optional(Type.Array(ContactInput, { maxItems: 20 })),
  children: Type.Optional(Type.Array(ChildInput, { maxItems: 20 })),
  health: Type.Optional(
    Type.Object(
      { pregnant: Type.Optional(Type.Boolean()), breastfeeding: Type.Optional(Type.Boolean()), notes: Type.Optional(Text(2000)) },
      { additionalProperties: false, description: 'Pregnancy and breastfeeding as declared at admission (afterwards visible to health staff only)' },
    ),
  ),
  property: Type.Optional(Type.Array(PropertyInput, { maxItems: 100, description: 'Inventory of personal property' })),
  propertySignedOff: Type.Optional(Type.Boolean({ description: 'The admitting officer signs the inventory off' })),
  injuries: Type.Optional(
    Type.Object(
      { visible: Type.Optional(Text(4000, 'Visible injuries')), illTreatmentComplaint: Type.Optional(Text(4000, 'Complaint of earlier ill-treatment')) },
      { additionalProperties: false, description: 'Recorded injuries or a complaint raise alerts to the centre director and to health staff' },
    ),
  ),
  rightsInformation: Type.Optional(
    Type.Object(
      { language: Type.String({ pattern: '^[a-z]{2,3}$', description: 'The language the information was given in' }), givenAt: Timestamp },
      { additionalProperties: false, description: 'Written information on rights and rules given (Mandela Rules 54–55)' },
    ),
  ),
  placement: Type.Optional(
    Type.Object({ unitId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false, description: 'Default: the centre\'s reception unit' }),
  ),
};

export const AdmissionBody = Type.Object(admissionProperties, {
  additionalProperties: false,
  description:
    'Admits a person: creates (person) or links (personId) the file, the custody episode, the first legal-status period from the order, the placement in the reception unit, ' +
    'the admission movement, property, contacts, children and the health declaration, in one transaction. Needs a verified commitment order (orderId); a missing order answers ' +
    '422 with path "order", an unverified one 422. Accepts Idempotency-Key.',
});

export type AdmissionInput = Static<typeof AdmissionBody>;

export const AdmissionCreated = Type.Object({
  episodeId: Uuid,
  personId: Uuid,
  prisonerNumber: Type.String({ examples: ['PPL-100001'] }),
  returning: Type.Boolean({ description: 'The person had a file already (a returning person)' }),
  facilityCode: Type.String(),
  unitId: Uuid,
  orderId: Uuid,
  legalStatus: Type.String(),
  admittedAt: Timestamp,
  alertIds: Type.Array(Uuid),
});

export type AdmissionResult = Static<typeof AdmissionCreated>;

// ---- drafts ----

/**
 * The same schema with every constraint but the types removed, and every property optional:
 * what a draft holds. Unknown properties are still refused, so a typo is not silently kept.
 */
function loosen(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(loosen);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (['format', 'pattern', 'minLength', 'minimum', 'maximum', 'minItems', 'required', 'default', 'examples'].includes(k)) continue;
    if (k === 'enum') continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, loosen(ps)]));
    else if (k === 'items' || k === 'anyOf') out[k] = loosen(v);
    else out[k] = v;
  }
  // an enum of strings becomes a string
  if ('enum' in s && !('type' in out)) out.type = 'string';
  return out;
}

const draftDataSchema = loosen(Type.Object({ ...admissionProperties, facilityCode: Type.Optional(FacilityCode), arrest: Type.Optional(admissionProperties.arrest), admittedAt: Type.Optional(admissionProperties.admittedAt) }, { additionalProperties: false })) as Record<string, unknown>;
(draftDataSchema.properties as Record<string, unknown>).form = {
  type: 'object',
  description: 'State of the guided form (pages): steps visited, the person check, the person linked',
};
{
  const props = draftDataSchema.properties as Record<string, unknown>;
  delete props.draftId;
  delete props.facilityCode;
  // A key sent as null removes it from the draft.
  for (const k of Object.keys(props)) {
    const ps = props[k] as Record<string, unknown>;
    props[k] = typeof ps.type === 'string' ? { ...ps, type: [ps.type, 'null'] } : { anyOf: [ps, { type: 'null' }] };
  }
}
draftDataSchema.description = 'An admission in progress: the admission body\'s shape, any part of it, checked for types only (the rules apply when the admission is made)';

export type DraftData = Partial<Omit<AdmissionInput, 'draftId' | 'facilityCode'>> & { form?: Record<string, unknown> };
export const DraftDataSchema = Type.Unsafe<DraftData>(draftDataSchema);

export const CreateDraftBody = Type.Object(
  { facilityCode: FacilityCode, data: Type.Optional(DraftDataSchema) },
  { additionalProperties: false, description: 'Starts an admission draft for a centre in the caller\'s scope (accepts Idempotency-Key)' },
);

export const UpdateDraftBody = Type.Object(
  {
    version: Version,
    data: DraftDataSchema,
  },
  { additionalProperties: false, description: 'Saves part of the draft: each top-level key sent replaces the stored one; a key sent as null is removed. Send the version read; a newer one answers 409.' },
);

export const Draft = Type.Object({
  id: Uuid,
  facilityCode: Type.String(),
  facilityName: Type.String(),
  status: Type.Enum(['open', 'completed', 'discarded']),
  data: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  createdBy: Uuid,
  createdByName: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  completedEpisodeId: Nullable(Uuid),
  discardedAt: Nullable(Timestamp),
  version: Type.Integer({ minimum: 1 }),
});

export const DraftList = Type.Object({ items: Type.Array(Draft) });
export const DraftParams = Type.Object({ id: Uuid });
export const DraftQuery = Type.Object({ facility: Type.Optional(FacilityCode) }, { additionalProperties: false });
