// Temporary absences — court appearances (salida a diligencia judicial), hospital visits and
// leave (permiso de salida) — and escapes (evasión) with their recapture. A person out at
// court, in hospital or on leave is still held and counts at their centre; the roll shows them
// as out. An escaped person is not held from the escape until the recapture. Each absence
// writes its movement out and back with when it happened and when it was recorded; the
// exclusion constraint on absences refuses two at once for one episode.
import { sql, type Kysely } from 'kysely';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { closeAlertsOf, raiseAlert } from '../alerts/service.ts';
import {
  checkTimeline,
  clean,
  inTransaction,
  instantOf,
  iso,
  lockCustody,
  personRef,
  requireHeld,
  requiredText,
  timelineBounds,
  userRef,
  uuidPattern,
  type Caller,
  type Deps,
  type PersonRef,
  type UserRef,
} from './common.ts';
import * as repo from './repository.ts';
import { absenceKinds, absenceMovements, limits, type AbsenceKind } from './rules.ts';
import { requireOrderBehind } from './transfers.ts';
import { recomputeAfterAbsence } from '../legal-time/movement-hooks.ts';

const systemT = translator('es');
const auditTarget = 'absence';

export interface AbsenceView {
  id: string;
  personId: string;
  person: PersonRef;
  episodeId: string;
  facilityCode: string;
  facilityName: string;
  kind: AbsenceKind | 'escape';
  destination: string | null;
  reason: string;
  orderId: string | null;
  outAt: string;
  expectedBackAt: string | null;
  backAt: string | null;
  /** Still out after the expected return time. */
  overdue: boolean;
  recordedAt: string;
  recordedBy: UserRef | null;
  backRecordedBy: UserRef | null;
  version: number;
}

function toView(r: repo.AbsenceRow, now: Date): AbsenceView {
  return {
    id: r.id,
    personId: r.person_id,
    person: personRef(r),
    episodeId: r.episode_id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    kind: r.kind,
    destination: r.destination,
    reason: r.reason,
    orderId: r.order_id,
    outAt: r.out_at.toISOString(),
    expectedBackAt: iso(r.expected_back_at),
    backAt: iso(r.back_at),
    overdue: r.back_at === null && r.expected_back_at !== null && r.expected_back_at < now,
    recordedAt: r.recorded_at.toISOString(),
    recordedBy: userRef(r.recorded_by, r.recorded_by_username, r.recorded_by_name),
    backRecordedBy: userRef(r.back_recorded_by, r.back_recorded_by_username, r.back_recorded_by_name),
    version: r.version,
  };
}

const auditView = (a: AbsenceView) => ({ personId: a.personId, facilityCode: a.facilityCode, kind: a.kind, destination: a.destination, reason: a.reason, orderId: a.orderId, outAt: a.outAt, expectedBackAt: a.expectedBackAt, backAt: a.backAt, version: a.version });

async function loadAbsence(db: Kysely<Database>, scope: string[] | null, id: string, opts: { lock?: boolean } = {}): Promise<AbsenceView> {
  if (!uuidPattern.test(id)) throw notFound();
  if (opts.lock) await db.selectFrom('absences').select('id').where('id', '=', id).forUpdate().execute();
  const row = await repo.absencesQuery(db, scope).where('a.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row, new Date());
}

/** The exclusion constraint caught two absences at once (a race past the check): 409 on the person. */
function overlapOf(e: unknown): unknown {
  if ((e as { code?: string }).code === '23P01') return new AppError(409, 'absence_overlap', 'movements.errors.absenceOverlap', {}, [{ path: 'personId', key: 'movements.errors.absenceOverlap' }]);
  return e;
}

// ---- reading ----

export interface AbsenceFilter {
  facility?: string | undefined;
  open?: boolean | undefined;
  personId?: string | undefined;
  limit?: number | undefined;
}

/** Absences at the caller's centres (open ones: who is out now), most recent first; one audit entry. */
export async function listAbsences(deps: Deps, caller: Caller, filter: AbsenceFilter): Promise<{ items: AbsenceView[] }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 200, 1), 1000);
  const facility = filter.facility || undefined;
  const personId = filter.personId && uuidPattern.test(filter.personId) ? filter.personId : undefined;
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo
      .absencesQuery(trx, facilityScope(caller.actor))
      .$if(facility !== undefined, (qb) => qb.where('a.facility_code', '=', facility!))
      .$if(filter.open === true, (qb) => qb.where('a.back_at', 'is', null))
      .$if(filter.open === false, (qb) => qb.where('a.back_at', 'is not', null))
      .$if(personId !== undefined, (qb) => qb.where('a.person_id', '=', personId!))
      .orderBy('a.out_at', 'desc')
      .orderBy('a.id')
      .limit(limit)
      .execute();
    await recordAudit(trx, caller.audit, {
      action: 'absence.list',
      targetType: auditTarget,
      facilityCode: facility ?? null,
      personId: personId ?? null,
      details: { facility: facility ?? null, open: filter.open ?? null, personId: personId ?? null, limit, returned: rows.length },
    });
    const now = new Date();
    return { items: rows.map((r) => toView(r, now)) };
  });
}

// ---- going out and coming back ----

export interface NewAbsence {
  personId: string;
  kind: string;
  destination: string;
  reason: string;
  orderId?: string | null | undefined;
  outAt?: string | null | undefined;
  expectedBackAt?: string | null | undefined;
}

/**
 * A person held in a centre of the caller's scope goes out to court, hospital or on leave.
 * Not while in transit (422), escaped (422) or already out (409).
 */
export async function recordAbsence(deps: Deps, caller: Caller, input: NewAbsence): Promise<AbsenceView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  if (!(absenceKinds as readonly string[]).includes(input.kind)) throw fieldRule('kind', 'movements.errors.absenceKind');
  const kind = input.kind as AbsenceKind;
  const destination = requiredText(input.destination, 'destination', limits.destination);
  const reason = requiredText(input.reason, 'reason', limits.reason);
  const outAt = instantOf(input.outAt, 'outAt', now);
  const expectedBackAt = clean(input.expectedBackAt) ? instantOf(input.expectedBackAt, 'expectedBackAt', now) : null;
  if (expectedBackAt && expectedBackAt <= outAt) throw fieldRule('expectedBackAt', 'movements.errors.backBeforeOut');
  return inTransaction(deps.db, async (trx) => {
    const state = await lockCustody(trx, caller.actor, input.personId, { bodyPath: 'personId' });
    const held = requireHeld(state, 'personId');
    if (!inScope(caller.actor, held.location)) throw fieldRule('personId', 'movements.errors.personNotFound');
    if (state.absence) throw new AppError(409, 'absence_overlap', 'movements.errors.alreadyOut', {}, [{ path: 'personId', key: 'movements.errors.alreadyOut' }]);
    checkTimeline(outAt, now, await timelineBounds(trx, held.id), 'outAt');
    const orderId = clean(input.orderId) || null;
    if (orderId) await requireOrderBehind(trx, orderId, state.person.id, 'orderId');

    const row = await trx
      .insertInto('absences')
      .values({ episode_id: held.id, person_id: state.person.id, facility_code: held.location, kind, destination, reason, order_id: orderId, out_at: outAt, expected_back_at: expectedBackAt, recorded_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        throw overlapOf(e);
      });
    await trx
      .insertInto('movements')
      .values({ episode_id: held.id, person_id: state.person.id, kind: absenceMovements[kind].out, occurred_at: outAt, from_facility_code: held.location, order_id: orderId, reason: `${reason} — ${destination}`, recorded_by: caller.actor.userId })
      .execute();
    const view = await loadAbsence(trx, null, row.id);
    await recordAudit(trx, caller.audit, { action: 'absence.out', targetType: auditTarget, targetId: view.id, facilityCode: view.facilityCode, personId: view.personId, after: auditView(view) });
    await recomputeAfterAbsence(trx, { personId: view.personId, kind, cause: 'absence.out', actorId: caller.actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
    return view;
  });
}

/** Loads an open absence for its end, with the person's custody locked; 404 outside the caller's scope. */
async function forEnd(trx: Kysely<Database>, caller: Caller, id: string, version: number | undefined) {
  const peek = await loadAbsence(trx, facilityScope(caller.actor), id);
  const state = await lockCustody(trx, caller.actor, peek.personId);
  const before = await loadAbsence(trx, null, id, { lock: true });
  if (before.backAt) throw new AppError(409, 'absence_ended', 'movements.errors.absenceEnded');
  if (version !== undefined && before.version !== version) throw versionConflict();
  if (!state.episode || state.episode.id !== before.episodeId) throw new AppError(409, 'absence_ended', 'movements.errors.absenceEnded');
  return { before, state };
}

async function endAbsence(trx: Kysely<Database>, caller: Caller, before: AbsenceView, at: Date, action: string, extra: Record<string, unknown> = {}): Promise<AbsenceView> {
  await trx
    .updateTable('absences')
    .set({ back_at: at, back_recorded_by: caller.actor.userId, version: sql`version + 1` })
    .where('id', '=', before.id)
    .execute();
  await trx
    .insertInto('movements')
    .values({ episode_id: before.episodeId, person_id: before.personId, kind: absenceMovements[before.kind].back, occurred_at: at, to_facility_code: before.facilityCode, order_id: before.orderId, reason: before.kind === 'escape' ? null : before.reason, recorded_by: caller.actor.userId })
    .execute();
  const after = await loadAbsence(trx, null, before.id);
  await recordAudit(trx, caller.audit, {
    action,
    targetType: auditTarget,
    targetId: before.id,
    facilityCode: before.facilityCode,
    personId: before.personId,
    before: { backAt: null, version: before.version },
    after: { backAt: after.backAt, version: after.version, ...extra },
  });
  await recomputeAfterAbsence(trx, { personId: before.personId, kind: before.kind, cause: action, actorId: caller.actor.userId, audit: caller.audit });
  return after;
}

/** The person is back from court, hospital or leave (not from an escape: that is a recapture). */
export async function returnFromAbsence(deps: Deps, caller: Caller, id: string, input: { backAt?: string | undefined; version?: number | undefined }): Promise<AbsenceView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  const at = instantOf(input.backAt, 'backAt', now);
  return inTransaction(deps.db, async (trx) => {
    const { before } = await forEnd(trx, caller, id, input.version);
    if (before.kind === 'escape') throw fieldRule('id', 'movements.errors.useRecapture');
    checkTimeline(at, now, await timelineBounds(trx, before.episodeId), 'backAt');
    return endAbsence(trx, caller, before, at, 'absence.returned');
  });
}

// ---- escape and recapture ----

/**
 * An escape (evasión): an absence of kind escape from `at` — the person is not held until
 * recaptured — the escape movement, and an `escape` alert to the centre's director. A person
 * who escapes while out (from hospital, from court) ends that absence at the escape.
 */
export async function recordEscape(deps: Deps, caller: Caller, personId: string, input: { at: string; circumstances: string }): Promise<AbsenceView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  if (!clean(input.at)) throw fieldRule('at', 'movements.errors.required');
  const at = instantOf(input.at, 'at', now);
  const circumstances = requiredText(input.circumstances, 'circumstances', limits.circumstances);
  return inTransaction(deps.db, async (trx) => {
    const state = await lockCustody(trx, caller.actor, personId);
    const held = requireHeld(state, 'personId');
    if (!inScope(caller.actor, held.location)) throw notFound();
    checkTimeline(at, now, await timelineBounds(trx, held.id), 'at');
    let endedAbsence: string | null = null;
    if (state.absence) {
      if (at < state.absence.out_at) throw fieldRule('at', 'movements.errors.beforeLastMovement');
      await trx.updateTable('absences').set({ back_at: at, back_recorded_by: caller.actor.userId, version: sql`version + 1` }).where('id', '=', state.absence.id).execute();
      endedAbsence = state.absence.id;
    }
    const row = await trx
      .insertInto('absences')
      .values({ episode_id: held.id, person_id: personId, facility_code: held.location, kind: 'escape', destination: null, reason: circumstances, out_at: at, recorded_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        throw overlapOf(e);
      });
    await trx.insertInto('movements').values({ episode_id: held.id, person_id: personId, kind: 'escape', occurred_at: at, from_facility_code: held.location, reason: circumstances, recorded_by: caller.actor.userId }).execute();
    const view = await loadAbsence(trx, null, row.id);
    await raiseAlert(
      trx,
      {
        typeCode: 'escape',
        personId,
        facilityCode: held.location,
        summary: systemT('movements.alerts.escape', { number: view.person.prisonerNumber, facility: view.facilityName }),
        details: { absenceId: view.id, at: view.outAt, circumstances },
        raisedBy: caller.actor.userId,
      },
      caller.audit,
    );
    await recordAudit(trx, caller.audit, { action: 'absence.escape', targetType: auditTarget, targetId: view.id, facilityCode: view.facilityCode, personId, after: { ...auditView(view), endedAbsence } });
    await recomputeAfterAbsence(trx, { personId, kind: 'escape', cause: 'absence.escape', actorId: caller.actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
    return view;
  });
}

/** The escaped person is recaptured: the escape ends, the recapture movement is written and the escape alert closes. */
export async function recordRecapture(deps: Deps, caller: Caller, id: string, input: { at: string; version?: number | undefined }): Promise<AbsenceView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  if (!clean(input.at)) throw fieldRule('at', 'movements.errors.required');
  const at = instantOf(input.at, 'at', now);
  return inTransaction(deps.db, async (trx) => {
    const { before } = await forEnd(trx, caller, id, input.version);
    if (before.kind !== 'escape') throw fieldRule('id', 'movements.errors.notAnEscape');
    checkTimeline(at, now, await timelineBounds(trx, before.episodeId), 'at');
    const after = await endAbsence(trx, caller, before, at, 'absence.recaptured');
    await closeAlertsOf(trx, { typeCode: 'escape', personId: before.personId }, systemT('movements.alerts.recaptured'), caller.audit);
    return after;
  });
}

