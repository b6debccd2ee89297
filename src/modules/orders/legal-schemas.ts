// The API contract of the legal orders: sentences, provisional custody outside prison (house
// arrest, hospital), non-custodial measures, executive sentence reductions and credit for
// custody in an earlier episode. Each is registered by one user against a criminal case and
// takes effect — feeds the sentence computation — only once a different user verifies it.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid } from '../../platform/http/schemas.ts';
import { limits as orderLimits } from './limits.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const legalOrderKinds = ['sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit'] as const;
export type LegalOrderKind = (typeof legalOrderKinds)[number];

/** The path segment of each kind's registration route: /api/v1/orders/<segment>. */
export const legalOrderPaths: Readonly<Record<LegalOrderKind, string>> = {
  sentence: 'sentences',
  provisional_custody: 'provisional-custody',
  measure: 'measures',
  reduction: 'reductions',
  custody_credit: 'custody-credits',
};

export const sentenceRelations = ['concurrent', 'consecutive'] as const;
export const provisionalCustodyKinds = ['house_arrest', 'hospital'] as const;
export const measureKinds = ['periodic_reporting', 'territorial_restriction'] as const;

/** Bounds of the numbers (the database checks the same). */
export const legalLimits = { years: 100, months: 1200, days: 36500, appearances: 100000, reductionDays: 36500, decreeNumber: 100 } as const;

const common = {
  caseId: Type.String({ format: 'uuid', description: 'The criminal case the order belongs to (it names the person and the custody episode)' }),
  authorityKind: Type.Optional(Type.Enum(['court', 'prosecutor'], { default: 'court', description: 'court (juzgado, tribunal) or prosecutor (fiscalía); default court' })),
  notes: Type.Optional(Nullable(Type.String({ maxLength: orderLimits.notes }))),
  scan: Type.Optional(
    Type.Object({ contentBase64: Type.String({ minLength: 1, maxLength: 12_000_000, description: 'The scanned order (PDF, JPEG or PNG), base64' }) }, { additionalProperties: false }),
  ),
};
const authority = (description: string) => Type.String({ minLength: 1, maxLength: orderLimits.issuingAuthority, description });
const orderDate = (description: string) => Type.String({ format: 'date', description: `${description}; YYYY-MM-DD, not in the future, not before 1950` });

export const SentenceOrderBody = Type.Object(
  {
    ...common,
    issuingAuthority: authority('The court that passed the sentence'),
    orderDate: orderDate('The date of the sentence'),
    years: Type.Integer({ minimum: 0, maximum: legalLimits.years }),
    months: Type.Integer({ minimum: 0, maximum: legalLimits.months }),
    days: Type.Integer({ minimum: 0, maximum: legalLimits.days }),
    relation: Type.Optional(Type.Enum([...sentenceRelations], { default: 'concurrent', description: 'concurrent: runs from the start of custody; consecutive: starts the day after the end of consecutiveTo' })),
    consecutiveTo: Type.Optional(Nullable(Uuid)),
    ruleSetId: Type.Optional(Nullable(Type.String({ maxLength: 50, description: 'A rule set the sentence orders applied (e.g. PA-2007/1); default: the one in force on the computation date' }))),
  },
  { additionalProperties: false, description: 'A sentence (years, months, days); the person\'s first verified sentence starts the computation' },
);

export const ProvisionalCustodyOrderBody = Type.Object(
  {
    ...common,
    issuingAuthority: authority('The court that ordered it'),
    orderDate: orderDate('The date of the order'),
    custodyKind: Type.Enum([...provisionalCustodyKinds], { description: 'house_arrest (detención domiciliaria, CPP art. 231) or hospital' }),
    from: IsoDate,
    to: IsoDate,
  },
  { additionalProperties: false, description: 'Custody outside prison, credited day for day; never overlapping other custody' },
);

export const MeasureOrderBody = Type.Object(
  {
    ...common,
    issuingAuthority: authority('The court that imposed the measure'),
    orderDate: orderDate('The date of the order'),
    measureKind: Type.Enum([...measureKinds], { description: 'periodic_reporting (with the count of appearances) or territorial_restriction (with dates)' }),
    appearances: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: legalLimits.appearances }))),
    from: Type.Optional(Nullable(IsoDate)),
    to: Type.Optional(Nullable(IsoDate)),
  },
  { additionalProperties: false, description: 'A non-custodial measure credited under CPP art. 232' },
);

export const ReductionOrderBody = Type.Object(
  {
    ...common,
    issuingAuthority: authority('Who granted it, e.g. Órgano Ejecutivo (Ministerio de Gobierno)'),
    orderDate: Type.Optional(orderDate('Date of the order; default the decree date')),
    days: Type.Integer({ minimum: 1, maximum: legalLimits.reductionDays }),
    decreeNumber: Type.String({ minLength: 1, maxLength: legalLimits.decreeNumber, description: 'e.g. DE 270' }),
    decreeDate: IsoDate,
  },
  { additionalProperties: false, description: 'An executive sentence reduction (rebaja de pena, Constitution art. 184.12)' },
);

export const CustodyCreditOrderBody = Type.Object(
  {
    ...common,
    issuingAuthority: authority('The court that ordered the credit'),
    orderDate: orderDate('The date of the order'),
    sourceEpisodeId: Type.String({ format: 'uuid', description: 'The earlier custody episode of the same person for the same case' }),
    from: Type.Optional(Nullable(IsoDate)),
    to: Type.Optional(Nullable(IsoDate)),
  },
  { additionalProperties: false, description: 'Credits custody served in an earlier episode for the same case (default: the whole earlier episode)' },
);

export const legalOrderBodies = {
  sentence: SentenceOrderBody,
  provisional_custody: ProvisionalCustodyOrderBody,
  measure: MeasureOrderBody,
  reduction: ReductionOrderBody,
  custody_credit: CustodyCreditOrderBody,
} as const;

/** The kind-specific part of an order, in responses (only the fields of its kind are set). */
export const LegalDetails = Type.Object(
  {
    caseId: Nullable(Uuid),
    years: Type.Optional(Type.Integer()),
    months: Type.Optional(Type.Integer()),
    days: Type.Optional(Type.Integer()),
    relation: Type.Optional(Type.String()),
    consecutiveTo: Type.Optional(Nullable(Uuid)),
    sentencedOn: Type.Optional(IsoDate),
    court: Type.Optional(Type.String()),
    ruleSetId: Type.Optional(Nullable(Type.String())),
    custodyKind: Type.Optional(Type.String()),
    measureKind: Type.Optional(Type.String()),
    appearances: Type.Optional(Nullable(Type.Integer())),
    from: Type.Optional(Nullable(IsoDate)),
    to: Type.Optional(Nullable(IsoDate)),
    sourceEpisodeId: Type.Optional(Nullable(Uuid)),
    decreeNumber: Type.Optional(Type.String()),
    decreeDate: Type.Optional(IsoDate),
  },
  { description: 'The legal order\'s own fields (null for commitment and release orders)' },
);
