// The redemption ledger's use cases (Código Penal arts. 57–58): work, study and teaching per
// person and period, certified by the centre on entry (one at a time, or a programme's month in
// bulk), evaluated by the Junta Técnica (one at a time or a centre's pending list at once), and
// approved or refused by the Juez de Cumplimiento — recorded by a legal officer other than the
// one who certified it. Approved records count; the others show as projected.
//
// A record the sentence engine would refuse is never stored: days beyond the period's length,
// a period ending after today, a day outside the person's custody (the legal-time module's
// custody periods), a period overlapping another non-refused record of the person (also an
// exclusion constraint in the database). Each refusal is a 422 naming the field.
//
// Every write runs in one transaction with its audit entries, and every change of what the
// engine reads (a new record, an approval or a refusal) recomputes the person's sentence in
// that same transaction (legal-time's recomputeSentence), so the dates move with the ledger.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, fieldRule, forbidden, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { todayIn } from '../../platform/time.ts';
import { prisonerNumberOf } from '../persons/identity.ts';
import { isUuid, requirePersonInScope } from '../persons/scope.ts';
import { parseIsoDate } from '../sentence/dates.ts';
import { custodyPeriodsOf } from '../legal-time/custody-periods.ts';
import { recomputeSentence } from '../legal-time/recompute.ts';
import * as repo from './repository.ts';
import {
  activityDaysOf,
  checkPeriod,
  daysOutsideCustody,
  decisions,
  earliestDate,
  evaluations,
  ledgerTotals,
  limits,
  monthBounds,
  overlaps,
  type ActivityKind,
  type CheckedPeriod,
  type Decision,
  type Evaluation,
  type LedgerTotals,
  type RedemptionStatus,
} from './rules.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const auditTarget = 'redemption_record';

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

const clean = (s: unknown): string => (typeof s === 'string' ? s.trim() : '');

function requiredText(value: unknown, path: string, max: number, errors: FieldError[]): string {
  const v = clean(value);
  if (!v) errors.push({ path, key: 'redemption.errors.required' });
  else if (v.length > max) errors.push({ path, key: 'redemption.errors.tooLong', params: { max } });
  return v;
}

function optionalText(value: unknown, path: string, max: number, errors: FieldError[]): string | null {
  const v = clean(value);
  if (v.length > max) errors.push({ path, key: 'redemption.errors.tooLong', params: { max } });
  return v || null;
}

const invalid = (fields: FieldError[]) => unprocessable(fields.length > 1 ? 'redemption.errors.several' : fields[0]!.key, fields, { count: fields.length, ...(fields[0]?.params ?? {}) });

/** Who may read the ledger: the legal office and everyone who takes part in it. */
export function mayReadLedger(actor: Actor): boolean {
  return ['legal.read', 'redemption.write', 'redemption.evaluate', 'redemption.decide'].some((p) => actor.permissions.has(p as never));
}

function requireLedgerReader(actor: Actor): void {
  if (!mayReadLedger(actor)) throw forbidden();
}

// ---- the view of a record ----

export interface UserRef {
  id: string;
  username: string;
  displayName: string;
}

const userRef = (id: string | null, username: string | null, name: string | null): UserRef | null => (id ? { id, username: username ?? '', displayName: name ?? '' } : null);
const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export interface RecordView {
  id: string;
  personId: string;
  person: { prisonerNumber: string; name: string };
  episodeId: string;
  facilityCode: string;
  facilityName: string;
  kind: ActivityKind;
  programme: string;
  from: string;
  to: string;
  days: number | null;
  hours: number | null;
  /** Days the record is worth before the two-for-one: days, or ⌊hours ÷ 8⌋ for teaching. */
  activityDays: number;
  status: RedemptionStatus;
  /** Approved: counts in the computation; certified or evaluated: projected; refused: neither. */
  counts: boolean;
  certifiedBy: UserRef;
  certifiedAt: string;
  evaluation: Evaluation | null;
  evaluationNote: string | null;
  evaluatedBy: UserRef | null;
  evaluatedAt: string | null;
  decisionReference: string | null;
  decisionDate: string | null;
  decisionNote: string | null;
  decidedBy: UserRef | null;
  decidedAt: string | null;
  version: number;
}

function toView(r: repo.RecordRow): RecordView {
  const kind = r.activity_kind;
  return {
    id: r.id,
    personId: r.person_id,
    person: { prisonerNumber: r.prisoner_number, name: [r.given_names, r.first_surname, r.second_surname].filter(Boolean).join(' ') },
    episodeId: r.episode_id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    kind,
    programme: r.programme,
    from: r.period_from,
    to: r.period_to,
    days: r.days,
    hours: r.hours,
    activityDays: activityDaysOf({ kind, days: r.days, hours: r.hours }),
    status: r.status,
    counts: r.status === 'approved',
    certifiedBy: userRef(r.certified_by, r.certified_by_username, r.certified_by_name)!,
    certifiedAt: iso(r.certified_at)!,
    evaluation: r.evaluation,
    evaluationNote: r.evaluation_note,
    evaluatedBy: userRef(r.evaluated_by, r.evaluated_by_username, r.evaluated_by_name),
    evaluatedAt: iso(r.evaluated_at),
    decisionReference: r.decision_reference,
    decisionDate: r.decision_date,
    decisionNote: r.decision_note,
    decidedBy: userRef(r.decided_by, r.decided_by_username, r.decided_by_name),
    decidedAt: iso(r.decided_at),
    version: r.version,
  };
}

const auditView = (v: RecordView) => ({
  personId: v.personId,
  facilityCode: v.facilityCode,
  kind: v.kind,
  programme: v.programme,
  from: v.from,
  to: v.to,
  days: v.days,
  hours: v.hours,
  status: v.status,
  evaluation: v.evaluation,
  evaluationNote: v.evaluationNote,
  decisionReference: v.decisionReference,
  decisionDate: v.decisionDate,
  decisionNote: v.decisionNote,
  version: v.version,
});

async function loadViews(db: Kysely<Database>, ids: readonly string[]): Promise<RecordView[]> {
  if (!ids.length) return [];
  const rows = await repo.recordsQuery(db, null).where('r.id', 'in', [...ids]).execute();
  const byId = new Map(rows.map((r) => [r.id, toView(r)]));
  return ids.map((id) => byId.get(id)!).filter(Boolean);
}

/** The exclusion constraint caught an overlap (a race past the check): the same 422 as the check. */
export function constraintViolation(e: unknown, path: string): unknown {
  if ((e as { code?: string }).code === '23P01') return fieldRule(path, 'redemption.errors.overlapRace');
  return e;
}

// ---- reading ----

export interface PersonLedger {
  personId: string;
  person: { prisonerNumber: string; name: string; custodyStatus: string; locationFacilityCode: string | null };
  /** The open custody episode (records can be entered only while held). */
  episodeId: string | null;
  items: RecordView[];
  totals: LedgerTotals;
  /** What the current sentence computation (legal-time) counts, when there is one. */
  computation: { redemption: number; projectedRedemption: number; expiry: string | null; asOf: string; computedAt: string } | null;
}

/** A person's ledger, newest period first, with totals and what the computation counts; the read is audited unless `audit: false` (the person page audits its own read). */
export async function personLedger(deps: Deps, caller: Caller, personId: string, opts: { audit?: boolean } = {}): Promise<PersonLedger> {
  requireLedgerReader(caller.actor);
  return inTransaction(deps.db, async (trx) => {
    await requirePersonInScope(trx, caller.actor, personId);
    const person = await trx
      .selectFrom('persons')
      .select(['prisoner_number', 'given_names', 'first_surname', 'second_surname', 'custody_status', 'location_facility_code'])
      .where('id', '=', personId)
      .executeTakeFirstOrThrow();
    const episode = await trx.selectFrom('custody_episodes').select('id').where('person_id', '=', personId).where('released_at', 'is', null).executeTakeFirst();
    const rows = await repo.recordsQuery(trx, null).where('r.person_id', '=', personId).orderBy('r.period_from', 'desc').execute();
    const items = rows.map(toView);
    const c = await repo.currentComputation(trx, personId);
    const result = (c?.result ?? null) as { credits?: { redemption?: number }; projectedRedemption?: number; dates?: { expiry?: string | null } } | null;
    if (opts.audit !== false) {
      await recordAudit(trx, caller.audit, { action: 'redemption.list', targetType: auditTarget, personId, details: { returned: items.length } });
    }
    return {
      personId,
      person: {
        prisonerNumber: person.prisoner_number,
        name: [person.given_names, person.first_surname, person.second_surname].filter(Boolean).join(' '),
        custodyStatus: person.custody_status,
        locationFacilityCode: person.location_facility_code,
      },
      episodeId: episode?.id ?? null,
      items,
      totals: ledgerTotals(items.map((i) => ({ kind: i.kind, days: i.days, hours: i.hours, status: i.status }))),
      computation:
        c && c.status === 'sentenced' && result
          ? {
              redemption: result.credits?.redemption ?? 0,
              projectedRedemption: result.projectedRedemption ?? 0,
              expiry: result.dates?.expiry ?? c.expiry_date ?? null,
              asOf: c.as_of,
              computedAt: new Date(c.computed_at).toISOString(),
            }
          : null,
    };
  });
}

/** One record (the read is audited); 404 outside the caller's scope. */
export async function getRecord(deps: Deps, caller: Caller, id: string): Promise<RecordView> {
  requireLedgerReader(caller.actor);
  if (!isUuid(id)) throw notFound();
  return inTransaction(deps.db, async (trx) => {
    const row = await repo.recordsQuery(trx, caller.actor).where('r.id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    const view = toView(row);
    await recordAudit(trx, caller.audit, { action: 'redemption.read', targetType: auditTarget, targetId: id, personId: view.personId, facilityCode: view.facilityCode });
    return view;
  });
}

export interface PendingList {
  facility: { code: string; name: string };
  /** Certified, waiting for the Junta Técnica. */
  toEvaluate: RecordView[];
  /** Evaluated, waiting for the Juez de Cumplimiento's decision. */
  toDecide: RecordView[];
  counts: { toEvaluate: number; toDecide: number };
}

/** A centre's records waiting for the Junta Técnica or the judge, oldest period first; one audit entry. */
export async function pendingOfFacility(deps: Deps, caller: Caller, code: string, opts: { limit?: number | undefined } = {}): Promise<PendingList> {
  requireLedgerReader(caller.actor);
  const limit = Math.min(Math.max(opts.limit ?? 500, 1), limits.pageSize);
  return inTransaction(deps.db, async (trx) => {
    const facility = await trx.selectFrom('facilities').select(['code', 'name']).where('code', '=', code).executeTakeFirst();
    if (!facility || !inScope(caller.actor, facility.code)) throw notFound();
    const list = (status: 'certified' | 'evaluated') =>
      repo.recordsQuery(trx, null).where('r.facility_code', '=', code).where('r.status', '=', status).orderBy('r.period_from').orderBy('p.prisoner_number').orderBy('r.id').limit(limit).execute();
    const count = async (status: 'certified' | 'evaluated') =>
      Number((await trx.selectFrom('redemption_records').select((eb) => eb.fn.countAll<number>().as('n')).where('facility_code', '=', code).where('status', '=', status).executeTakeFirstOrThrow()).n);
    const [toEvaluate, toDecide, nEvaluate, nDecide] = await Promise.all([list('certified'), list('evaluated'), count('certified'), count('evaluated')]);
    await recordAudit(trx, caller.audit, { action: 'redemption.pending', targetType: auditTarget, facilityCode: code, details: { limit, toEvaluate: nEvaluate, toDecide: nDecide } });
    return { facility, toEvaluate: toEvaluate.map(toView), toDecide: toDecide.map(toView), counts: { toEvaluate: nEvaluate, toDecide: nDecide } };
  });
}

/** The centres in the caller's scope with how many records wait for the Junta Técnica and for the judge. */
export async function pendingCounts(deps: Deps, caller: Caller): Promise<{ code: string; name: string; toEvaluate: number; toDecide: number }[]> {
  requireLedgerReader(caller.actor);
  const facilities = await facilitiesInScope(deps, caller);
  if (!facilities.length) return [];
  const rows = await deps.db
    .selectFrom('redemption_records')
    .select(['facility_code', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['certified', 'evaluated'])
    .where(
      'facility_code',
      'in',
      facilities.map((f) => f.code),
    )
    .groupBy(['facility_code', 'status'])
    .execute();
  const n = (code: string, status: string) => Number(rows.find((r) => r.facility_code === code && r.status === status)?.n ?? 0);
  return facilities.map((f) => ({ ...f, toEvaluate: n(f.code, 'certified'), toDecide: n(f.code, 'evaluated') }));
}

/** Centres in the caller's scope (for the bulk entry form). */
export async function facilitiesInScope(deps: Deps, caller: Caller): Promise<{ code: string; name: string }[]> {
  const scope = caller.actor.facilities;
  return deps.db
    .selectFrom('facilities')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => (scope!.length ? qb.where('code', 'in', scope!) : qb.where('code', '=', '')))
    .orderBy('code')
    .execute();
}

// ---- entry (certification by the centre) ----

export interface NewRecord {
  personId: string;
  kind: string;
  programme: string;
  from: string;
  to: string;
  days?: number | string | null | undefined;
  hours?: number | string | null | undefined;
}

interface HeldPerson {
  id: string;
  prisonerNumber: string;
  episodeId: string;
  location: string | null;
}

/** The custody check: every day of the period inside the engine's custody periods of the episode (else the number of days outside). */
async function outsideCustody(db: Kysely<Database>, episodeId: string, p: CheckedPeriod, today: string, timeZone: string): Promise<number> {
  const periods = await custodyPeriodsOf(db, episodeId, today, timeZone);
  return daysOutsideCustody(periods, p.fromDay, p.toDay);
}

async function insertRecords(
  trx: Kysely<Database>,
  caller: Caller,
  rows: { person: HeldPerson; facilityCode: string; programme: string; period: CheckedPeriod }[],
  overlapPath: string,
): Promise<string[]> {
  const inserted = await trx
    .insertInto('redemption_records')
    .values(
      rows.map((r) => ({
        person_id: r.person.id,
        episode_id: r.person.episodeId,
        facility_code: r.facilityCode,
        activity_kind: r.period.kind,
        programme: r.programme,
        period_from: r.period.from,
        period_to: r.period.to,
        days: r.period.days,
        hours: r.period.hours,
        certified_by: caller.actor.userId,
      })),
    )
    .returning('id')
    .execute()
    .catch((e: unknown) => {
      throw constraintViolation(e, overlapPath);
    });
  return inserted.map((r) => r.id);
}

async function afterCertified(trx: Kysely<Database>, deps: Deps, caller: Caller, views: RecordView[], details: Record<string, unknown> = {}): Promise<void> {
  for (const v of views) {
    await recordAudit(trx, caller.audit, { action: 'redemption.certified', targetType: auditTarget, targetId: v.id, facilityCode: v.facilityCode, personId: v.personId, after: auditView(v), details });
  }
  // Projected redemption is part of the computation: it follows the ledger.
  for (const personId of [...new Set(views.map((v) => v.personId))]) {
    await recomputeSentence(trx, { personId, cause: 'redemption.certified', actorId: caller.actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
  }
}

/**
 * Enters one record for a person held in a centre of the caller's scope: certified by the
 * caller on entry. Refused with a 422 naming the field, nothing stored, when the engine would
 * refuse it (see the module's header).
 */
export async function createRecord(deps: Deps, caller: Caller, input: NewRecord): Promise<RecordView> {
  requireAccess(caller.actor, 'redemption.write');
  const today = todayIn(deps.settings.timeZone);
  const errors: FieldError[] = [];
  if (!isUuid(clean(input.personId))) errors.push({ path: 'personId', key: 'redemption.errors.personNotFound' });
  const { value: period, errors: periodErrors } = checkPeriod(input, today);
  errors.push(...periodErrors);
  const programme = requiredText(input.programme, 'programme', limits.programme, errors);
  if (errors.length || !period) throw invalid(errors);
  return inTransaction(deps.db, async (trx) => {
    const person = await lockHeldPerson(trx, caller.actor, input.personId, 'personId');
    const outside = await outsideCustody(trx, person.episodeId, period, today, deps.settings.timeZone);
    if (outside > 0) throw fieldRule('from', 'redemption.errors.outsideCustody', { outside });
    const clash = (await repo.overlapping(trx, [person.id], period.from, period.to))[0];
    if (clash) throw fieldRule('from', 'redemption.errors.overlap', { from: clash.period_from, to: clash.period_to, programme: clash.programme });
    const [id] = await insertRecords(trx, caller, [{ person, facilityCode: person.location ?? '', programme, period }], 'from');
    const views = await loadViews(trx, [id!]);
    await afterCertified(trx, deps, caller, views);
    return views[0]!;
  });
}

/** The person, locked, in the caller's scope and held (an open custody episode); else a 422 naming `path`. */
async function lockHeldPerson(trx: Kysely<Database>, actor: Actor, personId: string, path: string): Promise<HeldPerson> {
  try {
    await requirePersonInScope(trx, actor, personId, { forUpdate: true });
  } catch (e) {
    if (e instanceof AppError && e.status === 404) throw fieldRule(path, 'redemption.errors.personNotFound');
    throw e;
  }
  const row = await trx
    .selectFrom('persons as p')
    .leftJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'p.id').on('e.released_at', 'is', null))
    .select(['p.id', 'p.prisoner_number', 'p.location_facility_code', 'p.custody_status', 'e.id as episode_id', 'e.facility_code'])
    .where('p.id', '=', personId)
    .executeTakeFirstOrThrow();
  if (!row.episode_id || row.custody_status === 'released' || row.custody_status === 'none') throw fieldRule(path, 'redemption.errors.notHeld');
  return { id: row.id, prisonerNumber: row.prisoner_number, episodeId: row.episode_id, location: row.location_facility_code ?? row.facility_code };
}

export interface BulkRow {
  prisonerNumber: string;
  days?: number | string | null | undefined;
  hours?: number | string | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}

export interface BulkInput {
  facilityCode: string;
  programme: string;
  kind: string;
  /** YYYY-MM: the month certified (each row's period defaults to the whole month). */
  month: string;
  rows: BulkRow[];
}

/**
 * A programme's month at one centre: every row a person held there (by prisoner number) with
 * their days or hours, optionally a shorter period inside the month. All or nothing: any
 * problem refuses the whole list with a 422 listing every row and field at fault
 * (`rows[3].days`), and nothing is stored.
 */
export async function bulkCreate(deps: Deps, caller: Caller, input: BulkInput): Promise<{ created: number; items: RecordView[] }> {
  requireAccess(caller.actor, 'redemption.write');
  const today = todayIn(deps.settings.timeZone);
  const errors: FieldError[] = [];
  const facilityCode = clean(input.facilityCode);
  const programme = requiredText(input.programme, 'programme', limits.programme, errors);
  const kind = clean(input.kind);
  if (!kind || !['work', 'study', 'teaching'].includes(kind)) errors.push({ path: 'kind', key: 'redemption.errors.kind' });
  const month = monthBounds(clean(input.month));
  if (!month) errors.push({ path: 'month', key: 'redemption.errors.month' });
  else if (month.from > today) errors.push({ path: 'month', key: 'redemption.errors.afterToday', params: { today } });
  const rows = Array.isArray(input.rows) ? input.rows : [];
  if (!rows.length) errors.push({ path: 'rows', key: 'redemption.errors.noRows' });
  if (rows.length > limits.bulkRows) errors.push({ path: 'rows', key: 'redemption.errors.tooManyRows', params: { max: limits.bulkRows } });

  return inTransaction(deps.db, async (trx) => {
    const facility = facilityCode ? await trx.selectFrom('facilities').select('code').where('code', '=', facilityCode).executeTakeFirst() : undefined;
    if (!facility || !inScope(caller.actor, facility.code)) errors.push({ path: 'facilityCode', key: 'redemption.errors.facility' });
    if (errors.length || !month) throw invalid(errors);

    // Each row on its own: the prisoner number, its period (the month unless narrowed) and amount.
    const planned: { index: number; number: string; period: CheckedPeriod }[] = [];
    rows.forEach((row, i) => {
      const at = `rows[${i}].`;
      const number = prisonerNumberOf(clean(row?.prisonerNumber));
      if (!number) errors.push({ path: `${at}prisonerNumber`, key: 'redemption.errors.prisonerNumber' });
      const from = clean(row?.from) || month.from;
      const to = clean(row?.to) || month.to;
      const { value, errors: e } = checkPeriod({ kind, from, to, days: row?.days, hours: row?.hours }, today, at);
      errors.push(...e.filter((x) => x.path !== `${at}kind`));
      if (value && (value.from < month.from || value.to > month.to)) errors.push({ path: `${at}${value.from < month.from ? 'from' : 'to'}`, key: 'redemption.errors.notInMonth', params: { month: clean(input.month) } });
      else if (value && number) planned.push({ index: i, number, period: value });
    });

    // The people: held at this centre, in the caller's scope.
    const numbers = [...new Set(planned.map((p) => p.number))];
    const people = numbers.length
      ? await trx
          .selectFrom('persons as p')
          .leftJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'p.id').on('e.released_at', 'is', null))
          .select(['p.id', 'p.prisoner_number', 'p.location_facility_code', 'p.custody_status', 'p.merged_into', 'e.id as episode_id'])
          .where('p.prisoner_number', 'in', numbers)
          .orderBy('p.id')
          .forUpdate('p')
          .execute()
      : [];
    const byNumber = new Map(people.map((p) => [p.prisoner_number, p]));
    const ready: { index: number; person: HeldPerson; period: CheckedPeriod }[] = [];
    for (const p of planned) {
      const at = `rows[${p.index}].prisonerNumber`;
      const person = byNumber.get(p.number);
      if (!person || person.merged_into || !(person.location_facility_code && inScope(caller.actor, person.location_facility_code))) errors.push({ path: at, key: 'redemption.errors.personNotFound' });
      else if (!person.episode_id || person.custody_status === 'released' || person.custody_status === 'none') errors.push({ path: at, key: 'redemption.errors.notHeld' });
      else if (person.location_facility_code !== facility!.code) errors.push({ path: at, key: 'redemption.errors.notAtFacility', params: { facility: facility!.code } });
      else ready.push({ index: p.index, person: { id: person.id, prisonerNumber: person.prisoner_number, episodeId: person.episode_id, location: person.location_facility_code }, period: p.period });
    }

    // Inside custody, and no overlap with the person's other records or with another row.
    const custody = new Map<string, Awaited<ReturnType<typeof custodyPeriodsOf>>>();
    for (const r of ready) if (!custody.has(r.person.episodeId)) custody.set(r.person.episodeId, await custodyPeriodsOf(trx, r.person.episodeId, today, deps.settings.timeZone));
    const existing = ready.length ? await repo.overlapping(trx, [...new Set(ready.map((r) => r.person.id))], month.from, month.to) : [];
    const good: typeof ready = [];
    for (const r of ready) {
      const at = `rows[${r.index}].from`;
      const outside = daysOutsideCustody(custody.get(r.person.episodeId)!, r.period.fromDay, r.period.toDay);
      const clash = existing.find((x) => x.person_id === r.person.id && overlaps({ from: x.period_from, to: x.period_to }, r.period));
      const twin = good.find((g) => g.person.id === r.person.id && overlaps(g.period, r.period));
      if (outside > 0) errors.push({ path: at, key: 'redemption.errors.outsideCustody', params: { outside } });
      else if (clash) errors.push({ path: at, key: 'redemption.errors.overlap', params: { from: clash.period_from, to: clash.period_to, programme: clash.programme } });
      else if (twin) errors.push({ path: at, key: 'redemption.errors.overlapRow', params: { row: twin.index + 1 } });
      else good.push(r);
    }
    if (errors.length) {
      errors.sort((a, b) => rowOf(a.path) - rowOf(b.path));
      throw unprocessable('redemption.errors.bulk', errors, { count: errors.length, rows: new Set(errors.map((e) => rowOf(e.path))).size });
    }

    const ids = await insertRecords(trx, caller, good.map((r) => ({ person: r.person, facilityCode: facility!.code, programme, period: r.period })), 'rows');
    const views = await loadViews(trx, ids);
    await afterCertified(trx, deps, caller, views, { bulk: { month: clean(input.month), programme, rows: rows.length } });
    return { created: views.length, items: views };
  });
}

const rowOf = (path: string): number => {
  const m = /^rows\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : -1;
};

// ---- evaluation by the Junta Técnica ----

export interface EvaluationInput {
  evaluation: string;
  note: string;
}

/** Loads records for a change, locked, in the caller's scope; missing ones are reported at `items[i].id` (or 404 for one). */
async function lockRecords(trx: Kysely<Database>, caller: Caller, items: readonly { id: string; version: number }[], single: boolean): Promise<repo.RecordRow[]> {
  const ids = items.map((i) => i.id).filter(isUuid);
  if (ids.length) await trx.selectFrom('redemption_records').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
  const rows = ids.length ? await repo.recordsQuery(trx, caller.actor).where('r.id', 'in', ids).execute() : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing: FieldError[] = [];
  const out: repo.RecordRow[] = [];
  const seen = new Set<string>();
  items.forEach((it, i) => {
    const row = byId.get(it.id);
    if (!row) missing.push({ path: `items[${i}].id`, key: 'redemption.errors.recordNotFound' });
    else if (seen.has(it.id)) missing.push({ path: `items[${i}].id`, key: 'redemption.errors.duplicateItem' });
    else {
      seen.add(it.id);
      out.push(row);
    }
  });
  if (missing.length) {
    if (single) throw notFound();
    throw invalid(missing);
  }
  const stale = items.map((it, i) => ({ it, i })).filter(({ it }) => byId.get(it.id)!.version !== it.version);
  if (stale.length) {
    const e = versionConflict();
    if (single) throw e;
    throw new AppError(409, e.code, e.key, {}, stale.map(({ i }) => ({ path: `items[${i}].version`, key: 'errors.versionConflict' })));
  }
  return out;
}

async function evaluate(deps: Deps, caller: Caller, items: { id: string; version: number }[], input: EvaluationInput, single: boolean): Promise<RecordView[]> {
  requireAccess(caller.actor, 'redemption.evaluate');
  const errors: FieldError[] = [];
  const evaluation = clean(input.evaluation);
  if (!(evaluations as readonly string[]).includes(evaluation)) errors.push({ path: 'evaluation', key: 'redemption.errors.evaluation' });
  const note = requiredText(input.note, 'note', limits.note, errors);
  if (!single && !items.length) errors.push({ path: 'items', key: 'redemption.errors.noItems' });
  if (errors.length) throw invalid(errors);
  return inTransaction(deps.db, async (trx) => {
    const rows = await lockRecords(trx, caller, items, single);
    const wrong = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.status !== 'certified');
    if (wrong.length) {
      const key = 'redemption.errors.notCertified';
      throw new AppError(409, 'redemption_state', key, {}, wrong.map(({ i }) => ({ path: single ? 'id' : `items[${i}].id`, key })));
    }
    const ids = rows.map((r) => r.id);
    await trx
      .updateTable('redemption_records')
      .set((eb) => ({ status: 'evaluated', evaluation: evaluation as Evaluation, evaluation_note: note, evaluated_by: caller.actor.userId, evaluated_at: new Date(), version: eb('version', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
    const views = await loadViews(trx, ids);
    for (const [i, v] of views.entries()) {
      await recordAudit(trx, caller.audit, {
        action: 'redemption.evaluated',
        targetType: auditTarget,
        targetId: v.id,
        facilityCode: v.facilityCode,
        personId: v.personId,
        before: { status: rows[i]!.status, version: rows[i]!.version },
        after: { status: v.status, evaluation: v.evaluation, evaluationNote: v.evaluationNote, version: v.version },
        ...(single ? {} : { details: { bulk: ids.length } }),
      });
    }
    return views;
  });
}

/** The Junta Técnica's evaluation of a certified record (favourable or unfavourable, with a note); send the version read. */
export async function evaluateRecord(deps: Deps, caller: Caller, id: string, input: EvaluationInput & { version: number }): Promise<RecordView> {
  if (!isUuid(id)) {
    requireAccess(caller.actor, 'redemption.evaluate');
    throw notFound();
  }
  return (await evaluate(deps, caller, [{ id, version: input.version }], input, true))[0]!;
}

/** The same evaluation for several certified records at once (a centre's pending list): all or nothing. */
export async function evaluateRecords(deps: Deps, caller: Caller, input: EvaluationInput & { items: { id: string; version: number }[] }): Promise<{ items: RecordView[] }> {
  return { items: await evaluate(deps, caller, input.items ?? [], input, false) };
}

// ---- decision of the Juez de Cumplimiento ----

export interface DecisionInput {
  decision: string;
  /** The court's reference (resolution or case number). */
  reference: string;
  /** The date of the court's decision, YYYY-MM-DD. */
  date: string;
  note?: string | null | undefined;
}

async function decide(deps: Deps, caller: Caller, items: { id: string; version: number }[], input: DecisionInput, single: boolean): Promise<RecordView[]> {
  requireAccess(caller.actor, 'redemption.decide');
  const today = todayIn(deps.settings.timeZone);
  const errors: FieldError[] = [];
  const decision = clean(input.decision);
  if (!(decisions as readonly string[]).includes(decision)) errors.push({ path: 'decision', key: 'redemption.errors.decision' });
  const reference = requiredText(input.reference, 'reference', limits.reference, errors);
  const note = optionalText(input.note, 'note', limits.note, errors);
  const date = clean(input.date);
  const day = parseIsoDate(date);
  if (!date) errors.push({ path: 'date', key: 'redemption.errors.required' });
  else if (day === null) errors.push({ path: 'date', key: 'redemption.errors.date' });
  else if (date < earliestDate) errors.push({ path: 'date', key: 'redemption.errors.dateOutOfRange', params: { earliest: earliestDate } });
  else if (date > today) errors.push({ path: 'date', key: 'redemption.errors.decisionAfterToday', params: { today } });
  if (!single && !items.length) errors.push({ path: 'items', key: 'redemption.errors.noItems' });
  if (errors.length) throw invalid(errors);
  return inTransaction(deps.db, async (trx) => {
    const rows = await lockRecords(trx, caller, items, single);
    const at = (i: number) => (single ? '' : `items[${i}].`);
    const decided = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 'approved' || r.status === 'refused');
    if (decided.length) throw new AppError(409, 'redemption_state', 'redemption.errors.alreadyDecided', {}, decided.map(({ i }) => ({ path: `${at(i)}id`, key: 'redemption.errors.alreadyDecided' })));
    const problems: FieldError[] = [];
    rows.forEach((r, i) => {
      if (r.status !== 'evaluated') problems.push({ path: single ? 'evaluation' : `items[${i}].id`, key: 'redemption.errors.notEvaluated' });
      else if (r.certified_by === caller.actor.userId) problems.push({ path: single ? 'decidedBy' : `items[${i}].id`, key: 'redemption.errors.sameOfficer' });
      else if (date < r.period_to) problems.push({ path: single ? 'date' : `items[${i}].id`, key: 'redemption.errors.decisionBeforePeriodEnd', params: { to: r.period_to } });
    });
    if (problems.length) throw invalid(problems);
    const ids = rows.map((r) => r.id);
    await trx
      .updateTable('redemption_records')
      .set((eb) => ({
        status: decision as Decision,
        decided_by: caller.actor.userId,
        decided_at: new Date(),
        decision_reference: reference,
        decision_date: date,
        decision_note: note,
        version: eb('version', '+', 1),
      }))
      .where('id', 'in', ids)
      .execute();
    const views = await loadViews(trx, ids);
    for (const [i, v] of views.entries()) {
      await recordAudit(trx, caller.audit, {
        action: `redemption.${decision}`,
        targetType: auditTarget,
        targetId: v.id,
        facilityCode: v.facilityCode,
        personId: v.personId,
        before: { status: rows[i]!.status, version: rows[i]!.version },
        after: { status: v.status, decisionReference: v.decisionReference, decisionDate: v.decisionDate, decisionNote: v.decisionNote, version: v.version },
        ...(single ? {} : { details: { bulk: ids.length } }),
      });
    }
    // An approval makes the record count; a refusal takes it out of the projection: the dates move.
    for (const personId of [...new Set(views.map((v) => v.personId))]) {
      await recomputeSentence(trx, { personId, cause: `redemption.${decision}`, actorId: caller.actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
    }
    return views;
  });
}

/** Records the Juez de Cumplimiento's decision on an evaluated record (not by whoever certified it); the sentence is recomputed. */
export async function decideRecord(deps: Deps, caller: Caller, id: string, input: DecisionInput & { version: number }): Promise<RecordView> {
  if (!isUuid(id)) {
    requireAccess(caller.actor, 'redemption.decide');
    throw notFound();
  }
  return (await decide(deps, caller, [{ id, version: input.version }], input, true))[0]!;
}

/** One court decision covering several evaluated records (one resolution): all or nothing. */
export async function decideRecords(deps: Deps, caller: Caller, input: DecisionInput & { items: { id: string; version: number }[] }): Promise<{ items: RecordView[] }> {
  return { items: await decide(deps, caller, input.items ?? [], input, false) };
}
