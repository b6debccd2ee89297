// The judicial orders API contract: commitment orders and release orders (boletas de
// libertad), registered by one user and verified — or rejected — by a different one.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid, Version } from '../../platform/http/schemas.ts';
import { LegalDetails } from './legal-schemas.ts';
import { limits } from './limits.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

/** The kinds registered through POST /api/v1/orders (the legal kinds have their own routes). */
export const orderKinds = ['commitment', 'release'] as const;
/** Every kind of order, for reading and filtering. */
export const allOrderKinds = ['commitment', 'release', 'sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit'] as const;
export const authorityKinds = ['court', 'prosecutor'] as const;
export const orderStatuses = ['registered', 'verified', 'rejected'] as const;
export const verificationMethods = ['telephone', 'in_person', 'electronic', 'original_document'] as const;
export const orderLegalStatuses = ['pretrial', 'sentenced', 'other'] as const;

export type OrderKindName = (typeof allOrderKinds)[number];
export type OrderStatus = (typeof orderStatuses)[number];
export type VerificationMethod = (typeof verificationMethods)[number];

export { limits } from './limits.ts';

const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });

export const OrderKind = Type.Enum([...orderKinds], { description: 'commitment: orden de detención / auto de detención provisional; release: boleta de libertad' });
export const AnyOrderKind = Type.Enum([...allOrderKinds], {
  description: 'commitment, release, or a legal order: sentence, provisional_custody (house arrest, hospital), measure (CPP art. 232), reduction (rebaja de pena), custody_credit (earlier episode)',
});
export const AuthorityKind = Type.Enum([...authorityKinds], { description: 'court (juzgado, tribunal) or prosecutor (fiscalía)' });
export const Status = Type.Enum([...orderStatuses], { description: 'registered: awaiting verification by a second officer (has no effect yet); verified; rejected' });
export const Method = Type.Enum([...verificationMethods], { description: 'How the order was confirmed with its issuer' });

export const CreateOrderBody = Type.Object(
  {
    kind: OrderKind,
    authorityKind: AuthorityKind,
    issuingAuthority: Type.String({ minLength: 1, maxLength: limits.issuingAuthority, description: 'e.g. Juzgado de Garantías del Primer Circuito Judicial de Panamá' }),
    caseNumber: Type.String({ minLength: 1, maxLength: limits.caseNumber }),
    orderDate: Type.String({ format: 'date', description: 'YYYY-MM-DD; not in the future, not before 1950' }),
    subjectName: Type.String({ minLength: 1, maxLength: limits.subjectName, description: 'The person named in the order, as written there' }),
    personId: Type.Optional(Nullable(Uuid)),
    facilityCode: FacilityCode,
    legalStatus: Type.Optional(Nullable(Type.Enum([...orderLegalStatuses], { description: 'Required for commitment orders: the legal status the order gives' }))),
    notes: Type.Optional(Nullable(Type.String({ maxLength: limits.notes }))),
    scan: Type.Optional(
      Type.Object(
        { contentBase64: Type.String({ minLength: 1, maxLength: 12_000_000, description: 'The scanned order (PDF, JPEG or PNG), base64' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'A new order takes effect only once a different user verifies it' },
);

export const VerifyBody = Type.Object(
  {
    method: Method,
    note: Type.String({ minLength: 1, maxLength: limits.verificationNote, description: 'Who confirmed it, e.g. "confirmado por teléfono con la secretaria del Juzgado 3.º"' }),
    version: Version,
  },
  { additionalProperties: false },
);

export const RejectBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: limits.reason }), version: Version },
  { additionalProperties: false },
);

export const OrderParams = Type.Object({ id: Uuid });

export const OrderQuery = Type.Object(
  {
    facility: Type.Optional(FacilityCode),
    status: Type.Optional(Status),
    kind: Type.Optional(AnyOrderKind),
    personId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    before: Type.Optional(Type.String({ format: 'uuid', description: 'Continue after this order (the nextBefore of the previous page)' })),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) });

const UserRef = Type.Object({ id: Uuid, username: Type.String(), displayName: Type.String() });

export const Order = Type.Object({
  id: Uuid,
  kind: AnyOrderKind,
  authorityKind: AuthorityKind,
  issuingAuthority: Type.String(),
  caseNumber: Type.String(),
  orderDate: IsoDate,
  subjectName: Type.String(),
  personId: Nullable(Uuid),
  facilityCode: Type.String(),
  facilityName: Type.String(),
  legalStatus: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  scan: Nullable(Type.Object({ contentType: Type.String(), sizeBytes: Type.Integer(), url: Type.String() })),
  status: Status,
  effective: Type.Boolean({ description: 'true only once verified: an unverified or rejected order can never admit or release anyone' }),
  registeredBy: UserRef,
  registeredAt: Timestamp,
  verifiedBy: Nullable(UserRef),
  verifiedAt: Nullable(Timestamp),
  verificationMethod: Nullable(Type.String()),
  verificationNote: Nullable(Type.String()),
  rejectedBy: Nullable(UserRef),
  rejectedAt: Nullable(Timestamp),
  rejectionReason: Nullable(Type.String()),
  usedByEpisodeId: Nullable(Uuid),
  caseId: Nullable(Uuid),
  details: Nullable(LegalDetails),
  version: Type.Integer({ minimum: 1 }),
});

export const OrderList = Type.Object({
  items: Type.Array(Order),
  nextBefore: Nullable(Uuid),
});

/** The scanned copy: the file itself, with its content type. */
export const ScanResponse = {
  description: 'The scanned order',
  content: {
    'application/pdf': { schema: { type: 'string', format: 'binary' } },
    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
    'image/png': { schema: { type: 'string', format: 'binary' } },
  },
};
