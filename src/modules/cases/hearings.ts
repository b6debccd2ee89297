// Court hearings: scheduled per case (hearing.write), postponed (a new hearing replaces the
// old one, kept as postponed) or cancelled, always with the version read. Per centre: the
// upcoming hearings and the daily list of the people to take to court. "Take to court" records
// the court absence through the movements service (the court_out movement; custody.move) and
// links it; the return — through the movements pages, or here with the outcome — ends it, and
// the hearing is recorded as held. Hearings of people no longer held leave the lists.
import { sql, type Kysely } from 'kysely';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { endOfDay, isCalendarDate, todayIn } from '../../platform/time.ts';
import { recordAbsence, returnFromAbsence } from '../movements/absences.ts';
import { clean, inTransaction, instant, iso, optionalText, personRef, requiredText, userRef, uuidPattern, type Caller, type Deps, type PersonRef, type UserRef } from './common.ts';
import * as repo from './repository.ts';
import { hearingStatuses, hearingWindow, limits } from './rules.ts';

const auditTarget = 'court_hearing';
const DAY = 86_400_000;

export interface HearingView {
  id: string;
  caseId: string;
  caseNumber: string;
  personId: string;
  person: PersonRef;
  facilityCode: string | null;
  held: boolean;
  scheduledAt: string;
  court: string;
  purpose: string;
  status: 'scheduled' | 'taken' | 'held' | 'postponed' | 'cancelled';
  absenceId: string | null;
  outAt: string | null;
  backAt: string | null;
  outcome: string | null;
  createdAt: string;
  createdBy: UserRef | null;
  version: number;
}

const toView = (r: repo.HearingRow): HearingView => ({
  id: r.id,
  caseId: r.case_id,
  caseNumber: r.case_number,
  personId: r.person_id,
  person: personRef(r),
  facilityCode: r.location_facility_code,
  held: r.held,
  scheduledAt: r.scheduled_at.toISOString(),
  court: r.court,
  purpose: r.purpose,
  status: r.status,
  absenceId: r.absence_id,
  outAt: iso(r.out_at),
  backAt: iso(r.back_at),
  outcome: r.outcome,
  createdAt: r.created_at.toISOString(),
  createdBy: userRef(r.created_by, r.created_by_username, r.created_by_name),
  version: r.version,
});

const auditView = (h: HearingView) => ({ caseId: h.caseId, personId: h.personId, scheduledAt: h.scheduledAt, court: h.court, purpose: h.purpose, status: h.status, absenceId: h.absenceId, outcome: h.outcome, version: h.version });

/** The day before a calendar date. */
const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
/** The instants a calendar day of the time zone begins and ends. */
const dayBounds = (date: string, timeZone: string) => ({ from: endOfDay(dayBefore(date), timeZone), to: endOfDay(date, timeZone) });

/** The hearings of some cases, by date (for the case page and the person's section). */
export async function hearingsOfCases(db: Kysely<Database>, caseIds: string[]): Promise<HearingView[]> {
  if (!caseIds.length) return [];
  const rows = await repo.hearingsQuery(db, null).where('h.case_id', 'in', caseIds).orderBy('h.scheduled_at').orderBy('h.created_at').execute();
  return rows.map(toView);
}

async function loadHearing(db: Kysely<Database>, caller: Caller | null, id: string): Promise<HearingView> {
  if (!uuidPattern.test(id)) throw notFound();
  const row = await repo.hearingsQuery(db, caller ? caller.actor : null).where('h.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row);
}

/** A hearing time in the accepted window (not over a month back, not over three years ahead). */
function checkWhen(at: Date, path: string): void {
  const now = Date.now();
  if (at.getTime() < now - hearingWindow.backDays * DAY) throw fieldRule(path, 'cases.errors.hearingTooEarly', { days: hearingWindow.backDays });
  if (at.getTime() > now + hearingWindow.aheadDays * DAY) throw fieldRule(path, 'cases.errors.hearingTooLate');
}

// ---- reading ----

export interface HearingFilter {
  facility?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  status?: string | undefined;
  personId?: string | undefined;
  limit?: number | undefined;
}

/**
 * Hearings of the people held at the caller's centres (or at one), from `from` (default today)
 * to `to` (inclusive), by date; by default those still to come (scheduled or out at court).
 * One audit entry for the query.
 */
export async function listHearings(deps: Deps, caller: Caller, filter: HearingFilter = {}): Promise<{ items: HearingView[] }> {
  requireAccess(caller.actor, 'person.read');
  const tz = deps.settings.timeZone;
  const from = filter.from && isCalendarDate(filter.from) ? filter.from : todayIn(tz);
  const to = filter.to && isCalendarDate(filter.to) ? filter.to : null;
  if (to && to < from) throw fieldRule('to', 'cases.errors.toBeforeFrom');
  const limit = Math.min(Math.max(filter.limit ?? 300, 1), 1000);
  const statuses: HearingView['status'][] = filter.status && (hearingStatuses as readonly string[]).includes(filter.status) ? [filter.status as HearingView['status']] : ['scheduled', 'taken'];
  const personId = filter.personId && uuidPattern.test(filter.personId) ? filter.personId : undefined;
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo
      .hearingsQuery(trx, caller.actor)
      .where(repo.heldSql)
      .where('h.status', 'in', statuses)
      .where('h.scheduled_at', '>=', dayBounds(from, tz).from)
      .$if(to !== null, (qb) => qb.where('h.scheduled_at', '<', endOfDay(to!, tz)))
      .$if(filter.facility !== undefined, (qb) => qb.where('p.location_facility_code', '=', filter.facility!))
      .$if(personId !== undefined, (qb) => qb.where('h.person_id', '=', personId!))
      .orderBy('h.scheduled_at')
      .orderBy('h.id')
      .limit(limit)
      .execute();
    await recordAudit(trx, caller.audit, {
      action: 'hearing.list',
      targetType: auditTarget,
      facilityCode: filter.facility ?? null,
      personId: personId ?? null,
      details: { facility: filter.facility ?? null, from, to, statuses, returned: rows.length },
    });
    return { items: rows.map(toView) };
  });
}

/** One hearing (the read is audited); 404 outside the caller's centres. */
export async function getHearing(deps: Deps, caller: Caller, id: string): Promise<HearingView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const h = await loadHearing(trx, caller, id);
    await recordAudit(trx, caller.audit, { action: 'hearing.read', targetType: auditTarget, targetId: id, personId: h.personId, facilityCode: h.facilityCode });
    return h;
  });
}

/** A centre of the caller's scope (404 otherwise, as for one that does not exist). */
export async function facilityInScope(deps: Deps, caller: Caller, code: string): Promise<{ code: string; name: string }> {
  const scope = facilityScope(caller.actor);
  if (!/^[A-Z]{2}-[A-Z0-9]{2,5}$/.test(code) || (scope !== null && !scope.includes(code))) throw notFound();
  const f = await deps.db.selectFrom('facilities').select(['code', 'name']).where('code', '=', code).executeTakeFirst();
  if (!f) throw notFound();
  return f;
}

/** The centres a caller reaches (for the choice of a court list). */
export async function facilitiesInScope(deps: Deps, caller: Caller): Promise<{ code: string; name: string }[]> {
  const scope = facilityScope(caller.actor);
  return deps.db
    .selectFrom('facilities')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => qb.where('code', 'in', scope!.length ? scope! : ['--']))
    .orderBy('code')
    .execute();
}

/**
 * The daily list of a centre: the hearings of the day (default today in the service's time
 * zone) of the people held there, by time — to take (scheduled), out at court (taken) and
 * back (held). One audit entry.
 */
export async function courtList(deps: Deps, caller: Caller, code: string, date?: string | undefined): Promise<{ facilityCode: string; facilityName: string; date: string; items: HearingView[] }> {
  requireAccess(caller.actor, 'person.read');
  const tz = deps.settings.timeZone;
  if (date !== undefined && date !== '' && !isCalendarDate(date)) throw fieldRule('date', 'cases.errors.badDate');
  const day = date || todayIn(tz);
  return inTransaction(deps.db, async (trx) => {
    const facility = await facilityInScope({ ...deps, db: trx }, caller, code);
    const { from, to } = dayBounds(day, tz);
    const rows = await repo
      .hearingsQuery(trx, caller.actor)
      .where(repo.heldSql)
      .where('p.location_facility_code', '=', facility.code)
      .where('h.status', 'in', ['scheduled', 'taken', 'held'])
      .where('h.scheduled_at', '>=', from)
      .where('h.scheduled_at', '<', to)
      .orderBy('h.scheduled_at')
      .orderBy('p.first_surname')
      .orderBy('h.id')
      .execute();
    await recordAudit(trx, caller.audit, { action: 'court_list.read', targetType: auditTarget, facilityCode: facility.code, details: { date: day, returned: rows.length } });
    return { facilityCode: facility.code, facilityName: facility.name, date: day, items: rows.map(toView) };
  });
}

// ---- writing ----

/** Schedules a hearing for an open case of a person held (409 otherwise); court defaults to the case's court. */
export async function scheduleHearing(deps: Deps, caller: Caller, caseId: string, input: { scheduledAt: string; court?: string | null | undefined; purpose: string }): Promise<HearingView> {
  requireAccess(caller.actor, 'hearing.write');
  const at = instant(input.scheduledAt, 'scheduledAt');
  checkWhen(at, 'scheduledAt');
  const purpose = requiredText(input.purpose, 'purpose', limits.purpose);
  const courtGiven = optionalText(input.court, 'court', limits.court);
  return inTransaction(deps.db, async (trx) => {
    if (!uuidPattern.test(caseId)) throw notFound();
    const k = await repo.casesQuery(trx, caller.actor).where('k.id', '=', caseId).executeTakeFirst();
    if (!k) throw notFound();
    await trx.selectFrom('criminal_cases').select('id').where('id', '=', caseId).forUpdate().execute();
    if (k.closed_on !== null) throw new AppError(409, 'case_closed', 'cases.errors.caseClosed');
    if (k.episode_released_at !== null) throw new AppError(409, 'not_held', 'cases.errors.notHeld');
    const court = courtGiven ?? (k.authority_kind === 'court' ? k.authority_name : null);
    if (!court) throw fieldRule('court', 'cases.errors.courtRequired');
    const row = await trx
      .insertInto('court_hearings')
      .values({ case_id: caseId, person_id: k.person_id, scheduled_at: at, court, purpose, created_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const view = await loadHearing(trx, null, row.id);
    await recordAudit(trx, caller.audit, { action: 'hearing.scheduled', targetType: auditTarget, targetId: view.id, personId: view.personId, facilityCode: view.facilityCode, after: auditView(view) });
    return view;
  });
}

/** The hearing locked for a change: in scope (404), at the version sent (409), in one of `statuses` (409). */
async function lockHearing(trx: Kysely<Database>, caller: Caller, id: string, version: number | undefined, statuses: HearingView['status'][]): Promise<HearingView> {
  await loadHearing(trx, caller, id);
  await trx.selectFrom('court_hearings').select('id').where('id', '=', id).forUpdate().execute();
  const before = await loadHearing(trx, null, id);
  if (version !== undefined && before.version !== version) throw versionConflict();
  if (!statuses.includes(before.status)) throw new AppError(409, 'hearing_status', 'cases.errors.hearingStatus', { status: before.status });
  return before;
}

/** Postpones a hearing to a new time: the hearing is kept as postponed and a new one is scheduled; returns the new one. */
export async function postponeHearing(deps: Deps, caller: Caller, id: string, input: { scheduledAt: string; reason?: string | null | undefined; version: number }): Promise<HearingView> {
  requireAccess(caller.actor, 'hearing.write');
  const at = instant(input.scheduledAt, 'scheduledAt');
  checkWhen(at, 'scheduledAt');
  const reason = optionalText(input.reason, 'reason', limits.reason);
  return inTransaction(deps.db, async (trx) => {
    const before = await lockHearing(trx, caller, id, input.version, ['scheduled', 'taken']);
    if (at.getTime() === Date.parse(before.scheduledAt)) throw fieldRule('scheduledAt', 'cases.errors.sameTime');
    const k = await trx.selectFrom('criminal_cases').select(['closed_on']).where('id', '=', before.caseId).executeTakeFirstOrThrow();
    if (k.closed_on !== null) throw new AppError(409, 'case_closed', 'cases.errors.caseClosed');
    await trx
      .updateTable('court_hearings')
      .set({ status: 'postponed', outcome: reason ?? before.outcome, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const row = await trx
      .insertInto('court_hearings')
      .values({ case_id: before.caseId, person_id: before.personId, scheduled_at: at, court: before.court, purpose: before.purpose, created_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const next = await loadHearing(trx, null, row.id);
    await recordAudit(trx, caller.audit, {
      action: 'hearing.postponed',
      targetType: auditTarget,
      targetId: id,
      personId: before.personId,
      facilityCode: before.facilityCode,
      before: auditView(before),
      after: { status: 'postponed', reason, newHearingId: next.id, newScheduledAt: next.scheduledAt },
    });
    return next;
  });
}

/** Cancels a scheduled hearing, with the reason. */
export async function cancelHearing(deps: Deps, caller: Caller, id: string, input: { reason: string; version: number }): Promise<HearingView> {
  requireAccess(caller.actor, 'hearing.write');
  const reason = requiredText(input.reason, 'reason', limits.reason);
  return inTransaction(deps.db, async (trx) => {
    const before = await lockHearing(trx, caller, id, input.version, ['scheduled']);
    await trx.updateTable('court_hearings').set({ status: 'cancelled', outcome: reason, version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadHearing(trx, null, id);
    await recordAudit(trx, caller.audit, { action: 'hearing.cancelled', targetType: auditTarget, targetId: id, personId: after.personId, facilityCode: after.facilityCode, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/**
 * Takes the person to court for a scheduled hearing: the court absence is recorded by the
 * movements service in this transaction (the court_out movement, its checks: held, present,
 * not in transit, in the caller's centres) and linked; the hearing is then "taken".
 */
export async function takeToCourt(deps: Deps, caller: Caller, id: string, input: { outAt?: string | undefined; expectedBackAt?: string | null | undefined; version?: number | undefined }): Promise<HearingView> {
  requireAccess(caller.actor, 'custody.move');
  return inTransaction(deps.db, async (trx) => {
    const before = await lockHearing(trx, caller, id, input.version, ['scheduled']);
    if (!before.held) throw new AppError(409, 'not_held', 'cases.errors.notHeld');
    const absence = await recordAbsence({ db: trx, settings: deps.settings }, caller, {
      personId: before.personId,
      kind: 'court',
      destination: before.court.slice(0, 200),
      reason: `${before.purpose} — ${before.caseNumber}`.slice(0, 1000),
      outAt: clean(input.outAt) || null,
      expectedBackAt: clean(input.expectedBackAt) || null,
    });
    await trx.updateTable('court_hearings').set({ status: 'taken', absence_id: absence.id, version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadHearing(trx, null, id);
    await recordAudit(trx, caller.audit, { action: 'hearing.taken', targetType: auditTarget, targetId: id, personId: after.personId, facilityCode: after.facilityCode, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/** Records that the hearing was held, with what the court decided. */
export async function recordHeld(deps: Deps, caller: Caller, id: string, input: { outcome: string; version?: number | undefined }): Promise<HearingView> {
  requireAccess(caller.actor, 'hearing.write');
  const outcome = requiredText(input.outcome, 'outcome', limits.outcome);
  return inTransaction(deps.db, async (trx) => {
    const before = await lockHearing(trx, caller, id, input.version, ['scheduled', 'taken']);
    await trx.updateTable('court_hearings').set({ status: 'held', outcome, version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadHearing(trx, null, id);
    await recordAudit(trx, caller.audit, { action: 'hearing.held', targetType: auditTarget, targetId: id, personId: after.personId, facilityCode: after.facilityCode, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/**
 * The person is back from the hearing: the court absence ends through the movements service
 * (court_return; skipped when the movements pages already recorded the return) and the hearing
 * is recorded as held, with the outcome when given.
 */
export async function returnFromCourt(deps: Deps, caller: Caller, id: string, input: { backAt?: string | undefined; outcome?: string | null | undefined; version?: number | undefined }): Promise<HearingView> {
  requireAccess(caller.actor, 'custody.move');
  const outcome = optionalText(input.outcome, 'outcome', limits.outcome);
  return inTransaction(deps.db, async (trx) => {
    const before = await lockHearing(trx, caller, id, input.version, ['taken']);
    if (before.absenceId && before.backAt === null) {
      await returnFromAbsence({ db: trx, settings: deps.settings }, caller, before.absenceId, { backAt: clean(input.backAt) || undefined });
    }
    await trx
      .updateTable('court_hearings')
      .set({ status: 'held', outcome: outcome ?? before.outcome, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const after = await loadHearing(trx, null, id);
    await recordAudit(trx, caller.audit, { action: 'hearing.returned', targetType: auditTarget, targetId: id, personId: after.personId, facilityCode: after.facilityCode, before: auditView(before), after: auditView(after) });
    return after;
  });
}
