// What every movement use case shares: who calls, the transaction, the person's custody state
// read under a lock (so two movements of one person run one after the other), the time checks
// that keep the timeline in order, and ending custody (release and death).
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import type { AuditActor } from '../../platform/audit/audit.ts';
import type { CustodyStatus, Database, Sex } from '../../platform/db/schema.ts';
import { AppError, fieldRule } from '../../platform/http/errors.ts';
import { closeAlertsOf } from '../alerts/service.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { alertTypesEndingWithCustody, clockSkewMs } from './rules.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

export const clean = (s: string | null | undefined): string => (s ?? '').trim();

export interface UserRef {
  id: string;
  username: string;
  displayName: string;
}

export const userRef = (id: string | null, username: string | null | undefined, name: string | null | undefined): UserRef | null =>
  id ? { id, username: username ?? '', displayName: name ?? '' } : null;

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export interface PersonRef {
  prisonerNumber: string;
  name: string;
}

export function personRef(r: { prisoner_number: string; given_names: string; first_surname: string; second_surname: string | null }): PersonRef {
  return { prisonerNumber: r.prisoner_number, name: [r.given_names, r.first_surname, r.second_surname].filter(Boolean).join(' ') };
}

/** The text of a required field, or a 422 naming it (too short or too long). */
export function requiredText(value: string | null | undefined, path: string, max: number): string {
  const v = clean(value);
  if (!v) throw fieldRule(path, 'movements.errors.required');
  if (v.length > max) throw fieldRule(path, 'movements.errors.tooLong', { max });
  return v;
}

export function optionalText(value: string | null | undefined, path: string, max: number): string | null {
  const v = clean(value);
  if (v.length > max) throw fieldRule(path, 'movements.errors.tooLong', { max });
  return v || null;
}

/** An instant given by the caller (ISO 8601), or now when absent; 422 naming the field when unreadable. */
export function instantOf(value: string | null | undefined, path: string, now: Date): Date {
  if (value === undefined || value === null || value === '') return now;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw fieldRule(path, 'movements.errors.badTime');
  return at;
}

export function notInFuture(at: Date, now: Date, path: string): void {
  if (at.getTime() > now.getTime() + clockSkewMs) throw fieldRule(path, 'movements.errors.future');
}

// ---- the person's custody, locked ----

export interface OpenEpisode {
  id: string;
  facility_code: string;
  admitted_at: Date;
  version: number;
}

export interface OpenAbsence {
  id: string;
  kind: 'court' | 'hospital' | 'leave' | 'escape';
  out_at: Date;
  facility_code: string;
  version: number;
}

export interface CustodyState {
  person: {
    id: string;
    prisoner_number: string;
    given_names: string;
    first_surname: string;
    second_surname: string | null;
    sex: Sex;
    custody_status: CustodyStatus;
    location_facility_code: string | null;
    transit_facility_code: string | null;
  };
  episode: OpenEpisode | null;
  /** The open absence (court, hospital, leave — or an escape not yet ended by recapture). */
  absence: OpenAbsence | null;
}

/**
 * The person and their open episode, both locked FOR UPDATE: two movements of the same person
 * (two transfer requests, a release and a death) run one after the other, and the second sees
 * what the first did. A person outside the caller's scope answers 404 — or, when the id came
 * in a request body, a 422 naming `bodyPath` (the same answer as for an id that does not exist).
 */
export async function lockCustody(db: Kysely<Database>, actor: Actor, personId: string, opts: { bodyPath?: string } = {}): Promise<CustodyState> {
  try {
    await requirePersonInScope(db, actor, personId, { forUpdate: true });
  } catch (e) {
    if (opts.bodyPath && e instanceof AppError && e.status === 404) throw fieldRule(opts.bodyPath, 'movements.errors.personNotFound');
    throw e;
  }
  const person = await db
    .selectFrom('persons')
    .select(['id', 'prisoner_number', 'given_names', 'first_surname', 'second_surname', 'sex', 'custody_status', 'location_facility_code', 'transit_facility_code'])
    .where('id', '=', personId)
    .executeTakeFirstOrThrow();
  const episode =
    (await db
      .selectFrom('custody_episodes')
      .select(['id', 'facility_code', 'admitted_at', 'version'])
      .where('person_id', '=', personId)
      .where('released_at', 'is', null)
      .forUpdate()
      .executeTakeFirst()) ?? null;
  const absence = episode
    ? ((await db
        .selectFrom('absences')
        .select(['id', 'kind', 'out_at', 'facility_code', 'version'])
        .where('episode_id', '=', episode.id)
        .where('back_at', 'is', null)
        .orderBy('out_at', 'desc')
        .limit(1)
        .executeTakeFirst()) ?? null)
    : null;
  return { person, episode, absence };
}

/** The person has an open episode and is neither released nor in transit nor escaped (else 422 naming `path`). */
export function requireHeld(state: CustodyState, path: string): OpenEpisode & { location: string } {
  const { person, episode } = state;
  if (!episode || person.custody_status === 'released' || person.custody_status === 'none' || !person.location_facility_code) throw fieldRule(path, 'movements.errors.notInCustody');
  if (person.custody_status === 'in_transit') throw fieldRule(path, 'movements.errors.inTransit');
  if (state.absence?.kind === 'escape') throw fieldRule(path, 'movements.errors.escaped');
  return { ...episode, location: person.location_facility_code };
}

/** Held and present: not out at court, in hospital or on leave either. */
export function requirePresent(state: CustodyState, path: string): OpenEpisode & { location: string } {
  const held = requireHeld(state, path);
  if (state.absence) throw fieldRule(path, 'movements.errors.absent', { kind: state.absence.kind });
  return held;
}

// ---- the timeline stays in order ----

export interface TimelineBounds {
  lastMovementAt: Date | null;
  placementFrom: Date | null;
  stayFrom: Date | null;
}

export async function timelineBounds(db: Kysely<Database>, episodeId: string): Promise<TimelineBounds> {
  const [m, p, s] = await Promise.all([
    db.selectFrom('movements').select((eb) => eb.fn.max('occurred_at').as('at')).where('episode_id', '=', episodeId).executeTakeFirst(),
    db.selectFrom('placements').select('valid_from').where('episode_id', '=', episodeId).where('valid_to', 'is', null).executeTakeFirst(),
    db.selectFrom('facility_stays').select('from_at').where('episode_id', '=', episodeId).where('to_at', 'is', null).executeTakeFirst(),
  ]);
  const at = m?.at as Date | string | null | undefined;
  return { lastMovementAt: at ? new Date(at) : null, placementFrom: p?.valid_from ?? null, stayFrom: s?.from_at ?? null };
}

/**
 * A movement's time must not be in the future and must come after everything already on the
 * person's timeline (the last movement; the open placement and stay start strictly before it,
 * since a period cannot end when it begins). Otherwise 422 naming `path`.
 */
export function checkTimeline(at: Date, now: Date, b: TimelineBounds, path: string, opts: { strictAfterLast?: boolean } = {}): void {
  notInFuture(at, now, path);
  const last = b.lastMovementAt?.getTime();
  if (last !== undefined && (opts.strictAfterLast ? at.getTime() <= last : at.getTime() < last)) throw fieldRule(path, 'movements.errors.beforeLastMovement');
  if (b.placementFrom && at.getTime() <= b.placementFrom.getTime()) throw fieldRule(path, 'movements.errors.beforeLastMovement');
  if (b.stayFrom && at.getTime() <= b.stayFrom.getTime()) throw fieldRule(path, 'movements.errors.beforeLastMovement');
}

// ---- ending custody: release and death ----

/**
 * Ends the person's custody at `at` (all in the caller's transaction): the open placement,
 * facility stay and legal-status period close, the open absence (a person released from court,
 * a death in hospital) ends, the episode records the release, and the person becomes
 * "released" — their location stays the centre that released them (scope: "last released
 * from"). Alerts that end with custody are closed. Returns what it closed, for the audit.
 */
export async function endCustody(
  db: Kysely<Database>,
  caller: Caller,
  state: CustodyState,
  input: { at: Date; reason: string; releaseOrderId: string | null; alertNote: string },
): Promise<{ absenceClosed: string | null; alertsClosed: number }> {
  const episode = state.episode!;
  const at = input.at;
  await db.updateTable('placements').set({ valid_to: at }).where('episode_id', '=', episode.id).where('valid_to', 'is', null).execute();
  await db.updateTable('facility_stays').set({ to_at: at }).where('episode_id', '=', episode.id).where('to_at', 'is', null).execute();
  await db.updateTable('legal_status_periods').set({ valid_to: at }).where('episode_id', '=', episode.id).where('valid_to', 'is', null).where('valid_from', '<', at).execute();
  let absenceClosed: string | null = null;
  if (state.absence) {
    await db
      .updateTable('absences')
      .set((eb) => ({ back_at: at, back_recorded_by: caller.actor.userId, version: eb('version', '+', 1) }))
      .where('id', '=', state.absence.id)
      .execute();
    absenceClosed = state.absence.id;
  }
  await db
    .updateTable('custody_episodes')
    .set((eb) => ({ released_at: at, release_reason: input.reason, release_order_id: input.releaseOrderId, version: eb('version', '+', 1) }))
    .where('id', '=', episode.id)
    .execute();
  await db
    .updateTable('persons')
    .set((eb) => ({ custody_status: 'released', transit_facility_code: null, updated_at: new Date(), version: eb('version', '+', 1) }))
    .where('id', '=', state.person.id)
    .execute();
  let alertsClosed = 0;
  for (const typeCode of alertTypesEndingWithCustody) alertsClosed += await closeAlertsOf(db, { typeCode, personId: state.person.id }, input.alertNote, caller.audit);
  return { absenceClosed, alertsClosed };
}
