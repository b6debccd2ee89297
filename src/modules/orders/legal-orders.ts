// The legal orders — sentences, provisional custody outside prison, non-custodial measures,
// executive reductions and credit for an earlier episode — under the same four-eyes rule as
// commitment and release orders: registered by one user against a criminal case, verified (or
// rejected) by a different one. An unverified order changes nothing; verifying one recomputes
// the person's sentence in the same transaction (legal-time/recompute.ts).
//
// Registration refuses, naming the field (422), anything the computation would refuse later:
// a sentence of zero length, a consecutive-to reference to an unknown or later sentence,
// dates out of range, custody or restrictions overlapping custody already counted.
import { sql, type Kysely, type Transaction } from 'kysely';
import { inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { maxFileBytes, sniffContentType, storeFile } from '../../platform/files/stored-files.ts';
import { fieldRule, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { todayIn } from '../../platform/time.ts';
import { recomputeSentence } from '../legal-time/recompute.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { getRuleSet } from '../sentence/rule-sets.ts';
import { legalLimits, legalOrderKinds, measureKinds, provisionalCustodyKinds, sentenceRelations, type LegalOrderKind } from './legal-schemas.ts';
import { dateProblem, firstOverlap, integerProblem, rangeProblems, sentenceLengthProblems, toInteger, type DateRange } from './legal-rules.ts';
import { auditTargetType } from './repository.ts';
import { limits } from './limits.ts';
import type { Caller, Deps } from './service.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const scanTypes = ['application/pdf', 'image/jpeg', 'image/png'] as const;

export const isLegalKind = (kind: string): kind is LegalOrderKind => (legalOrderKinds as readonly string[]).includes(kind);

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

// ---- what a legal order holds besides the common order fields ----

export interface LegalDetails {
  caseId: string | null;
  years?: number;
  months?: number;
  days?: number;
  relation?: string;
  consecutiveTo?: string | null;
  sentencedOn?: string;
  court?: string;
  ruleSetId?: string | null;
  custodyKind?: string;
  measureKind?: string;
  appearances?: number | null;
  from?: string | null;
  to?: string | null;
  sourceEpisodeId?: string | null;
  decreeNumber?: string;
  decreeDate?: string;
}

/** The kind-specific fields of the given orders (commitment and release orders have none). */
export async function legalDetailsOf(db: Kysely<Database>, orders: readonly { id: string; kind: string; case_id?: string | null }[]): Promise<Map<string, LegalDetails>> {
  const out = new Map<string, LegalDetails>();
  const ids = (kind: LegalOrderKind) => orders.filter((o) => o.kind === kind).map((o) => o.id);
  const caseOf = new Map(orders.map((o) => [o.id, o.case_id ?? null]));
  const sentenceIds = ids('sentence');
  const creditIds = [...ids('provisional_custody'), ...ids('custody_credit')];
  const measureIds = ids('measure');
  const reductionIds = ids('reduction');
  const [sentences, credits, measures, reductions] = await Promise.all([
    sentenceIds.length ? db.selectFrom('sentence_orders').selectAll().where('order_id', 'in', sentenceIds).execute() : [],
    creditIds.length ? db.selectFrom('custody_credit_orders').selectAll().where('order_id', 'in', creditIds).execute() : [],
    measureIds.length ? db.selectFrom('measure_orders').selectAll().where('order_id', 'in', measureIds).execute() : [],
    reductionIds.length ? db.selectFrom('reduction_orders').selectAll().where('order_id', 'in', reductionIds).execute() : [],
  ]);
  for (const s of sentences) {
    out.set(s.order_id, { caseId: s.case_id, years: s.years, months: s.months, days: s.days, relation: s.relation, consecutiveTo: s.consecutive_to, sentencedOn: s.sentenced_on, court: s.court, ruleSetId: s.rule_set_id });
  }
  for (const c of credits) {
    out.set(c.order_id, { caseId: c.case_id, custodyKind: c.custody_kind, from: c.from_date, to: c.to_date, sourceEpisodeId: c.source_episode_id });
  }
  for (const m of measures) out.set(m.order_id, { caseId: m.case_id, measureKind: m.measure_kind, appearances: m.appearances, from: m.from_date, to: m.to_date });
  for (const r of reductions) out.set(r.order_id, { caseId: caseOf.get(r.order_id) ?? null, days: r.days, decreeNumber: r.decree_number, decreeDate: r.decree_date });
  return out;
}

// ---- the case an order is registered against ----

interface CaseContext {
  caseId: string;
  caseNumber: string;
  personId: string;
  personName: string;
  episodeId: string;
  facilityCode: string;
  arrestedOn: string;
  releasedOn: string | null;
}

async function caseContext(db: Kysely<Database>, caller: Caller, caseId: string, timeZone: string): Promise<CaseContext | null> {
  if (!uuidPattern.test(caseId)) return null;
  const row = await db
    .selectFrom('criminal_cases as k')
    .innerJoin('custody_episodes as e', 'e.id', 'k.episode_id')
    .innerJoin('persons as p', 'p.id', 'k.person_id')
    .select([
      'k.id',
      'k.case_number',
      'k.person_id',
      'k.episode_id',
      'e.facility_code',
      'p.location_facility_code',
      'p.merged_into',
      sql<string>`concat_ws(' ', p.given_names, p.first_surname, p.second_surname)`.as('person_name'),
      sql<string>`(e.arrested_at AT TIME ZONE ${timeZone}::text)::date`.as('arrested_on'),
      sql<string | null>`(e.released_at AT TIME ZONE ${timeZone}::text)::date`.as('released_on'),
    ])
    .where('k.id', '=', caseId)
    .executeTakeFirst();
  if (!row || row.merged_into) return null;
  const facilityCode = row.location_facility_code ?? row.facility_code;
  if (!inScope(caller.actor, facilityCode)) return null;
  return { caseId: row.id, caseNumber: row.case_number, personId: row.person_id, personName: row.person_name, episodeId: row.episode_id, facilityCode, arrestedOn: row.arrested_on, releasedOn: row.released_on };
}

/** Custody already counted in an episode: its own span, credited custody and restrictions (not rejected). */
async function occupied(db: Kysely<Database>, ctx: Pick<CaseContext, 'episodeId' | 'arrestedOn' | 'releasedOn'>, exceptOrderId?: string) {
  const [credits, restrictions] = await Promise.all([
    db
      .selectFrom('custody_credit_orders as c')
      .innerJoin('judicial_orders as o', 'o.id', 'c.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 'c.case_id')
      .select(['o.id', 'o.status', 'c.custody_kind', 'c.from_date', 'c.to_date'])
      .where('k.episode_id', '=', ctx.episodeId)
      .where('o.status', '<>', 'rejected')
      .$if(exceptOrderId !== undefined, (qb) => qb.where('o.id', '<>', exceptOrderId!))
      .execute(),
    db
      .selectFrom('measure_orders as m')
      .innerJoin('judicial_orders as o', 'o.id', 'm.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 'o.case_id')
      .select(['o.id', 'o.status', 'm.from_date', 'm.to_date'])
      .where('k.episode_id', '=', ctx.episodeId)
      .where('m.measure_kind', '=', 'territorial_restriction')
      .where('o.status', '<>', 'rejected')
      .$if(exceptOrderId !== undefined, (qb) => qb.where('o.id', '<>', exceptOrderId!))
      .execute(),
  ]);
  return {
    episode: { from: ctx.arrestedOn, to: ctx.releasedOn } as DateRange,
    credits: credits.map((c) => ({ from: c.from_date, to: c.to_date, what: c.custody_kind, orderId: c.id, status: c.status })),
    restrictions: restrictions.map((r) => ({ from: r.from_date!, to: r.to_date!, what: 'territorial_restriction', orderId: r.id, status: r.status })),
  };
}

type Occupied = Awaited<ReturnType<typeof occupied>>;

/** The 422 for a range sharing days with custody already counted (or with another restriction). */
function overlapProblem(range: DateRange, occ: Occupied): FieldError | null {
  if (firstOverlap(range, [occ.episode])) {
    return { path: 'from', key: 'orders.errors.overlapsEpisode', params: { from: occ.episode.from, to: occ.episode.to ?? '…' } };
  }
  // Credited custody and restrictions exclude each other too (a restricted day is not custody).
  const other = firstOverlap(range, [...occ.credits, ...occ.restrictions]);
  if (other) return { path: 'from', key: 'orders.errors.overlapsOrder', params: { from: other.from, to: other.to ?? '…', orderId: other.orderId } };
  return null;
}

// ---- registering ----

export interface NewLegalOrder {
  caseId: string;
  authorityKind?: string | null | undefined;
  issuingAuthority: string;
  orderDate?: string | null | undefined;
  notes?: string | null | undefined;
  scan?: Uint8Array | null | undefined;
  years?: unknown;
  months?: unknown;
  days?: unknown;
  relation?: string | null | undefined;
  consecutiveTo?: string | null | undefined;
  ruleSetId?: string | null | undefined;
  custodyKind?: string | null | undefined;
  measureKind?: string | null | undefined;
  appearances?: unknown;
  from?: string | null | undefined;
  to?: string | null | undefined;
  sourceEpisodeId?: string | null | undefined;
  decreeNumber?: string | null | undefined;
  decreeDate?: string | null | undefined;
}

const clean = (s: unknown): string => (typeof s === 'string' ? s.trim() : s === undefined || s === null ? '' : String(s).trim());
const oneOf = (values: readonly string[], v: string) => values.includes(v);

type Detail =
  | { kind: 'sentence'; years: number; months: number; days: number; relation: 'concurrent' | 'consecutive'; consecutiveTo: string | null; ruleSetId: string | null }
  | { kind: 'provisional_custody' | 'custody_credit'; custodyKind: 'house_arrest' | 'hospital' | 'earlier_episode'; from: string; to: string; sourceEpisodeId: string | null }
  | { kind: 'measure'; measureKind: 'periodic_reporting' | 'territorial_restriction'; appearances: number | null; from: string | null; to: string | null }
  | { kind: 'reduction'; days: number; decreeNumber: string; decreeDate: string };

/** Checks the kind's own fields against the records; returns the detail row or the problems. */
async function detailOf(db: Kysely<Database>, kind: LegalOrderKind, o: NewLegalOrder, ctx: CaseContext, orderDate: string, today: string, timeZone: string): Promise<{ detail: Detail | null; fields: FieldError[] }> {
  const fields: FieldError[] = [];
  switch (kind) {
    case 'sentence': {
      fields.push(...sentenceLengthProblems({ years: o.years, months: o.months, days: o.days }));
      const relation = clean(o.relation) || 'concurrent';
      if (!oneOf(sentenceRelations, relation)) fields.push({ path: 'relation', key: 'orders.errors.relation' });
      const target = clean(o.consecutiveTo) || null;
      if (relation === 'consecutive' && !target) fields.push({ path: 'consecutiveTo', key: 'orders.errors.consecutiveToRequired' });
      if (relation !== 'consecutive' && target) fields.push({ path: 'consecutiveTo', key: 'orders.errors.consecutiveToOnlyConsecutive' });
      if (relation === 'consecutive' && target) {
        const t = uuidPattern.test(target)
          ? await db
              .selectFrom('judicial_orders as x')
              .innerJoin('sentence_orders as s', 's.order_id', 'x.id')
              .select(['x.person_id', 'x.status', 's.sentenced_on'])
              .where('x.id', '=', target)
              .executeTakeFirst()
          : undefined;
        if (!t || t.person_id !== ctx.personId || t.status === 'rejected') fields.push({ path: 'consecutiveTo', key: 'orders.errors.consecutiveToUnknown' });
        else if (orderDate && t.sentenced_on > orderDate) fields.push({ path: 'consecutiveTo', key: 'orders.errors.consecutiveToLater', params: { date: t.sentenced_on } });
      }
      const ruleSetId = clean(o.ruleSetId) || null;
      if (ruleSetId && !getRuleSet(ruleSetId)) fields.push({ path: 'ruleSetId', key: 'orders.errors.ruleSet' });
      if (fields.length) return { detail: null, fields };
      return { detail: { kind, years: toInteger(o.years || 0), months: toInteger(o.months || 0), days: toInteger(o.days || 0), relation: relation as 'concurrent', consecutiveTo: target, ruleSetId }, fields };
    }
    case 'provisional_custody': {
      const custodyKind = clean(o.custodyKind);
      if (!oneOf(provisionalCustodyKinds, custodyKind)) fields.push({ path: 'custodyKind', key: 'orders.errors.custodyKind' });
      const range = { from: clean(o.from), to: clean(o.to) };
      fields.push(...rangeProblems(range, today));
      if (fields.length) return { detail: null, fields };
      const p = overlapProblem(range, await occupied(db, ctx));
      if (p) return { detail: null, fields: [p] };
      return { detail: { kind, custodyKind: custodyKind as 'house_arrest', from: range.from, to: range.to, sourceEpisodeId: null }, fields };
    }
    case 'custody_credit': {
      const sourceId = clean(o.sourceEpisodeId);
      const source = uuidPattern.test(sourceId)
        ? await db
            .selectFrom('custody_episodes as e')
            .innerJoin('judicial_orders as a', 'a.id', 'e.admission_order_id')
            .select([
              'e.id',
              'e.person_id',
              'a.case_number',
              sql<string>`(e.arrested_at AT TIME ZONE ${timeZone}::text)::date`.as('arrested_on'),
              sql<string | null>`(e.released_at AT TIME ZONE ${timeZone}::text)::date`.as('released_on'),
              sql<boolean>`exists (select 1 from criminal_cases c where c.episode_id = e.id and c.case_number = ${ctx.caseNumber})`.as('has_case'),
            ])
            .where('e.id', '=', sourceId)
            .executeTakeFirst()
        : undefined;
      if (!source || source.person_id !== ctx.personId || source.id === ctx.episodeId) return { detail: null, fields: [{ path: 'sourceEpisodeId', key: 'orders.errors.sourceEpisodeUnknown' }] };
      if (source.released_on === null || source.released_on >= ctx.arrestedOn) return { detail: null, fields: [{ path: 'sourceEpisodeId', key: 'orders.errors.sourceEpisodeNotEarlier' }] };
      if (source.case_number !== ctx.caseNumber && !source.has_case) return { detail: null, fields: [{ path: 'sourceEpisodeId', key: 'orders.errors.sourceEpisodeOtherCase', params: { caseNumber: ctx.caseNumber } }] };
      const range = { from: clean(o.from) || source.arrested_on, to: clean(o.to) || source.released_on };
      fields.push(...rangeProblems(range, today));
      if (!fields.some((f) => f.path === 'from') && range.from < source.arrested_on) fields.push({ path: 'from', key: 'orders.errors.outsideSourceEpisode', params: { from: source.arrested_on, to: source.released_on } });
      if (!fields.some((f) => f.path === 'to') && range.to > source.released_on) fields.push({ path: 'to', key: 'orders.errors.outsideSourceEpisode', params: { from: source.arrested_on, to: source.released_on } });
      if (fields.length) return { detail: null, fields };
      const p = overlapProblem(range, await occupied(db, ctx));
      if (p) return { detail: null, fields: [p] };
      return { detail: { kind, custodyKind: 'earlier_episode', from: range.from, to: range.to, sourceEpisodeId: source.id }, fields };
    }
    case 'measure': {
      const measureKind = clean(o.measureKind);
      if (!oneOf(measureKinds, measureKind)) return { detail: null, fields: [{ path: 'measureKind', key: 'orders.errors.measureKind' }] };
      if (measureKind === 'periodic_reporting') {
        const p = integerProblem('appearances', o.appearances, 1, legalLimits.appearances);
        if (p) return { detail: null, fields: [p] };
        return { detail: { kind, measureKind, appearances: toInteger(o.appearances), from: null, to: null }, fields };
      }
      const range = { from: clean(o.from), to: clean(o.to) };
      fields.push(...rangeProblems(range, today));
      if (fields.length) return { detail: null, fields };
      const p = overlapProblem(range, await occupied(db, ctx));
      if (p) return { detail: null, fields: [p] };
      return { detail: { kind, measureKind: 'territorial_restriction', appearances: null, from: range.from, to: range.to }, fields };
    }
    case 'reduction': {
      const p = integerProblem('days', o.days, 1, legalLimits.reductionDays);
      if (p) fields.push(p);
      const decreeNumber = clean(o.decreeNumber);
      if (!decreeNumber) fields.push({ path: 'decreeNumber', key: 'orders.errors.required' });
      else if (decreeNumber.length > legalLimits.decreeNumber) fields.push({ path: 'decreeNumber', key: 'orders.errors.tooLong', params: { max: legalLimits.decreeNumber } });
      const decreeDate = clean(o.decreeDate);
      const d = dateProblem('decreeDate', decreeDate, today);
      if (d) fields.push(d);
      if (fields.length) return { detail: null, fields };
      return { detail: { kind, days: toInteger(o.days), decreeNumber, decreeDate }, fields };
    }
  }
}

async function insertDetail(db: Kysely<Database>, orderId: string, d: Detail, ctx: CaseContext, o: { orderDate: string; issuingAuthority: string }): Promise<void> {
  switch (d.kind) {
    case 'sentence':
      await db
        .insertInto('sentence_orders')
        .values({ order_id: orderId, case_id: ctx.caseId, years: d.years, months: d.months, days: d.days, relation: d.relation, consecutive_to: d.consecutiveTo, sentenced_on: o.orderDate, court: o.issuingAuthority, rule_set_id: d.ruleSetId })
        .execute();
      return;
    case 'provisional_custody':
    case 'custody_credit':
      await db.insertInto('custody_credit_orders').values({ order_id: orderId, case_id: ctx.caseId, custody_kind: d.custodyKind, from_date: d.from, to_date: d.to, source_episode_id: d.sourceEpisodeId }).execute();
      return;
    case 'measure':
      await db.insertInto('measure_orders').values({ order_id: orderId, case_id: ctx.caseId, measure_kind: d.measureKind, appearances: d.appearances, from_date: d.from, to_date: d.to }).execute();
      return;
    case 'reduction':
      await db.insertInto('reduction_orders').values({ order_id: orderId, days: d.days, decree_number: d.decreeNumber, decree_date: d.decreeDate }).execute();
      return;
  }
}

/**
 * Registers a legal order against a criminal case (the case names the person, the episode and
 * the case number; the order is addressed to the person's centre). Every problem is a 422
 * naming its field, and nothing is stored. The order has no effect until verified.
 * Returns the new order's id.
 */
export async function registerLegalOrder(deps: Deps, caller: Caller, kind: LegalOrderKind, input: NewLegalOrder, opts: { scanPath?: string } = {}): Promise<string> {
  requireAccess(caller.actor, 'order.register');
  const scanPath = opts.scanPath ?? 'scan';
  const timeZone = deps.settings.timeZone;
  const today = todayIn(timeZone);
  if (input.scan && input.scan.length === 0) throw fieldRule(scanPath, 'files.empty');
  return inTransaction(deps.db, async (trx) => {
    const fields: FieldError[] = [];
    const ctx = await caseContext(trx, caller, clean(input.caseId), timeZone);
    if (!ctx) throw unprocessable('errors.validation', [{ path: 'caseId', key: 'orders.errors.case' }]);
    const authorityKind = clean(input.authorityKind) || 'court';
    if (!oneOf(['court', 'prosecutor'], authorityKind)) fields.push({ path: 'authorityKind', key: 'orders.errors.authorityKind' });
    const issuingAuthority = clean(input.issuingAuthority);
    if (!issuingAuthority) fields.push({ path: 'issuingAuthority', key: 'orders.errors.required' });
    else if (issuingAuthority.length > limits.issuingAuthority) fields.push({ path: 'issuingAuthority', key: 'orders.errors.tooLong', params: { max: limits.issuingAuthority } });
    const orderDate = clean(input.orderDate) || (kind === 'reduction' ? clean(input.decreeDate) : '');
    const dp = dateProblem('orderDate', orderDate, today);
    if (dp) fields.push(dp);
    const notes = clean(input.notes) || null;
    if (notes && notes.length > limits.notes) fields.push({ path: 'notes', key: 'orders.errors.tooLong', params: { max: limits.notes } });
    if (input.scan) {
      const type = sniffContentType(input.scan);
      if (input.scan.length > maxFileBytes) fields.push({ path: scanPath, key: 'files.tooLarge', params: { max: '10 MB' } });
      else if (!type || !(scanTypes as readonly string[]).includes(type)) fields.push({ path: scanPath, key: 'files.wrongType', params: { allowed: scanTypes.join(', ') } });
    }
    const { detail, fields: detailFields } = await detailOf(trx, kind, input, ctx, dp ? '' : orderDate, today, timeZone);
    fields.push(...detailFields);
    if (fields.length || !detail) throw unprocessable('errors.validation', fields);

    const scanFileId = input.scan ? await storeFile(trx, { data: input.scan, createdBy: caller.actor.userId, path: scanPath, allowed: scanTypes }) : null;
    const row = await trx
      .insertInto('judicial_orders')
      .values({
        kind,
        authority_kind: authorityKind as 'court',
        issuing_authority: issuingAuthority,
        case_number: ctx.caseNumber,
        order_date: orderDate,
        subject_name: ctx.personName,
        person_id: ctx.personId,
        facility_code: ctx.facilityCode,
        legal_status: null,
        notes,
        scan_file_id: scanFileId,
        registered_by: caller.actor.userId,
        case_id: ctx.caseId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await insertDetail(trx, row.id, detail, ctx, { orderDate, issuingAuthority });
    const { kind: _k, ...details } = detail;
    void _k;
    await recordAudit(trx, caller.audit, {
      action: 'order.register',
      targetType: auditTargetType,
      targetId: row.id,
      facilityCode: ctx.facilityCode,
      personId: ctx.personId,
      after: { kind, caseId: ctx.caseId, caseNumber: ctx.caseNumber, authorityKind, issuingAuthority, orderDate, notes, scanFileId, status: 'registered', version: 1, ...details },
    });
    return row.id;
  });
}

// ---- verification ----

/**
 * What verifying a legal order needs besides the common checks, before the status changes:
 * `sentence.verify` for a sentence, its consecutive-to sentence verified first, and credited
 * custody or restrictions still not overlapping anything counted since registration.
 */
export async function checkLegalVerification(db: Kysely<Database>, caller: Caller, order: { id: string; kind: LegalOrderKind }, timeZone: string): Promise<void> {
  if (order.kind === 'sentence') requireAccess(caller.actor, 'sentence.verify');
  const details = (await legalDetailsOf(db, [order])).get(order.id);
  if (!details) return;
  if (order.kind === 'sentence' && details.consecutiveTo) {
    const target = await db.selectFrom('judicial_orders').select('status').where('id', '=', details.consecutiveTo).executeTakeFirst();
    if (target?.status !== 'verified') throw fieldRule('consecutiveTo', 'orders.errors.consecutiveToNotVerified');
  }
  const isRange = order.kind === 'provisional_custody' || order.kind === 'custody_credit' || (order.kind === 'measure' && details.measureKind === 'territorial_restriction');
  if (isRange && details.caseId) {
    const k = await db
      .selectFrom('criminal_cases as k')
      .innerJoin('custody_episodes as e', 'e.id', 'k.episode_id')
      .select([
        'k.episode_id',
        sql<string>`(e.arrested_at AT TIME ZONE ${timeZone}::text)::date`.as('arrested_on'),
        sql<string | null>`(e.released_at AT TIME ZONE ${timeZone}::text)::date`.as('released_on'),
      ])
      .where('k.id', '=', details.caseId)
      .executeTakeFirstOrThrow();
    const occ = await occupied(db, { episodeId: k.episode_id, arrestedOn: k.arrested_on, releasedOn: k.released_on }, order.id);
    const p = overlapProblem({ from: details.from!, to: details.to ?? null }, occ);
    if (p) throw unprocessable('errors.validation', [p]);
  }
}

/** After the status changed to verified: the person's computation takes the order in. */
export async function afterLegalVerification(db: Kysely<Database>, caller: Caller, order: { id: string; kind: LegalOrderKind; personId: string | null }, timeZone: string): Promise<void> {
  if (!order.personId) return;
  await recomputeSentence(db, { personId: order.personId, cause: `order.verify ${order.kind} ${order.id}`, actorId: caller.actor.userId, audit: caller.audit, timeZone });
}

// ---- what the registration forms offer ----

export interface LegalFormChoices {
  person: { id: string; prisonerNumber: string; name: string };
  cases: { id: string; caseNumber: string; authorityName: string }[];
  sentences: { id: string; caseNumber: string; orderDate: string; status: string; years: number; months: number; days: number }[];
  earlierEpisodes: { id: string; arrestedOn: string; releasedOn: string }[];
}

/**
 * The person's open cases (current episode), sentences (for "consecutive to") and earlier
 * episodes (for a custody credit), for the forms; 404 outside the caller's scope. Audited.
 */
export async function legalFormChoices(deps: Deps, caller: Caller, personId: string): Promise<LegalFormChoices> {
  requireAccess(caller.actor, 'order.register');
  const tz = deps.settings.timeZone;
  return inTransaction(deps.db, async (trx) => {
    const scoped = await requirePersonInScope(trx, caller.actor, personId);
    const person = await trx.selectFrom('persons').select(['id', 'prisoner_number', sql<string>`concat_ws(' ', given_names, first_surname, second_surname)`.as('name')]).where('id', '=', scoped.id).executeTakeFirstOrThrow();
    const [cases, sentences, episodes] = await Promise.all([
      trx
        .selectFrom('criminal_cases as k')
        .innerJoin('custody_episodes as e', 'e.id', 'k.episode_id')
        .select(['k.id', 'k.case_number', 'k.authority_name'])
        .where('k.person_id', '=', person.id)
        .where('e.released_at', 'is', null)
        .orderBy('k.opened_at')
        .execute(),
      trx
        .selectFrom('judicial_orders as o')
        .innerJoin('sentence_orders as s', 's.order_id', 'o.id')
        .select(['o.id', 'o.case_number', 'o.order_date', 'o.status', 's.years', 's.months', 's.days'])
        .where('o.person_id', '=', person.id)
        .where('o.status', '<>', 'rejected')
        .orderBy('o.order_date')
        .execute(),
      trx
        .selectFrom('custody_episodes as e')
        .select(['e.id', sql<string>`(e.arrested_at AT TIME ZONE ${tz}::text)::date`.as('arrested_on'), sql<string>`(e.released_at AT TIME ZONE ${tz}::text)::date`.as('released_on')])
        .where('e.person_id', '=', person.id)
        .where('e.released_at', 'is not', null)
        .orderBy('e.arrested_at', 'desc')
        .execute(),
    ]);
    await recordAudit(trx, caller.audit, { action: 'legal_order.form', targetType: 'person', targetId: person.id, facilityCode: scoped.location_facility_code, personId: person.id });
    return {
      person: { id: person.id, prisonerNumber: person.prisoner_number, name: person.name },
      cases: cases.map((k) => ({ id: k.id, caseNumber: k.case_number, authorityName: k.authority_name })),
      sentences: sentences.map((s) => ({ id: s.id, caseNumber: s.case_number, orderDate: s.order_date, status: s.status, years: s.years, months: s.months, days: s.days })),
      earlierEpisodes: episodes.map((e) => ({ id: e.id, arrestedOn: e.arrested_on, releasedOn: e.released_on })),
    };
  });
}
