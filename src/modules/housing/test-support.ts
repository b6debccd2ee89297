// Shared by the housing and roll tests: a test app with units and cells (capacity recorded),
// the users who move people and count them, and people held as the admission and movements
// modules record them (persons + custody_episodes + legal_status_periods + placements +
// facility_stays + movements), with helpers for absences, releases and transfer arrivals
// written as rows. Used only by *.test.ts files.
import assert from 'node:assert/strict';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import type { LegalStatus, MovementKind, Sex, UnitKind } from '../../platform/db/schema.ts';
import { insertPerson } from '../persons/repository.ts';

export type Json = Record<string, unknown> & { error?: { code: string; message: string; fields?: { path: string; message: string }[] } };

export interface Unit {
  id: string;
  code: string;
  cells: Record<string, string>;
}

type UserKey = 'officer' | 'director' | 'duty' | 'officerColon' | 'inspector' | 'registrar' | 'verifier';

export interface World {
  env: TestEnv;
  users: Record<UserKey, TestUser>;
  h: Record<UserKey, Record<string, string>>;
  /** Units of PA-LJ (a men's centre) by code, and CO-NES's reception. */
  lj: Record<'R' | 'P' | 'C' | 'J' | 'G' | 'S', Unit>;
  colon: Record<'R' | 'G', Unit>;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** A unit with cells, and capacities recorded for the unit and each cell. */
export async function makeUnit(env: TestEnv, facility: string, code: string, kind: UnitKind, cells: Record<string, number>, unitCapacity?: number): Promise<Unit> {
  const db = env.state.db;
  const u = await db.insertInto('units').values({ facility_code: facility, code, name: `Unidad ${code}`, kind }).returning('id').executeTakeFirstOrThrow();
  const out: Unit = { id: u.id, code, cells: {} };
  const capacity = unitCapacity ?? Object.values(cells).reduce((s, n) => s + n, 0);
  await db.insertInto('capacity_history').values({ facility_code: facility, unit_id: u.id, capacity, source: 'official', effective_from: '2020-01-01', reason: 'prueba' }).execute();
  for (const [cellCode, cap] of Object.entries(cells)) {
    const c = await db.insertInto('cells').values({ unit_id: u.id, code: cellCode }).returning('id').executeTakeFirstOrThrow();
    out.cells[cellCode] = c.id;
    await db.insertInto('capacity_history').values({ facility_code: facility, unit_id: u.id, cell_id: c.id, capacity: cap, source: 'official', effective_from: '2020-01-01', reason: 'prueba' }).execute();
  }
  return out;
}

export async function setUpWorld(): Promise<World> {
  const env = await startTestApp();
  const lj = {
    R: await makeUnit(env, 'PA-LJ', 'R', 'reception', { 'R-01': 20 }),
    P: await makeUnit(env, 'PA-LJ', 'P', 'pretrial', { 'P-01': 2, 'P-02': 2 }),
    C: await makeUnit(env, 'PA-LJ', 'C', 'sentenced', { 'C-01': 1, 'C-02': 4 }),
    J: await makeUnit(env, 'PA-LJ', 'J', 'young_adults', { 'J-01': 4 }),
    G: await makeUnit(env, 'PA-LJ', 'G', 'general', { 'G-01': 4, 'G-02': 4 }),
    S: await makeUnit(env, 'PA-LJ', 'S', 'health', { 'S-01': 2 }),
  };
  const colon = {
    R: await makeUnit(env, 'CO-NES', 'R', 'reception', { 'CR-01': 10 }),
    G: await makeUnit(env, 'CO-NES', 'G', 'general', { 'CG-01': 4 }),
  };
  const users = {
    officer: await createUser(env, { username: 'registro.lj', roles: ['records_officer'], facilities: ['PA-LJ'] }),
    director: await createUser(env, { username: 'direccion.lj', roles: ['director'], facilities: ['PA-LJ'] }),
    duty: await createUser(env, { username: 'turno.lj', roles: ['duty_officer'], facilities: ['PA-LJ'] }),
    officerColon: await createUser(env, { username: 'registro.colon', roles: ['records_officer'], facilities: ['CO-NES'] }),
    inspector: await createUser(env, { username: 'inspeccion', roles: ['inspector'] }),
    registrar: await createUser(env, { username: 'legal.registra', roles: ['legal'] }),
    verifier: await createUser(env, { username: 'legal.verifica', roles: ['legal'] }),
  };
  const h = {} as Record<UserKey, Record<string, string>>;
  for (const [k, u] of Object.entries(users)) h[k as UserKey] = await bearerFor(env, u);
  return { env, users, h, lj, colon };
}

export async function sessionOf(w: World, who: UserKey): Promise<Session> {
  return signIn(w.env, w.users[who]);
}

export async function api(w: World, method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await w.env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.statusCode, body: (isJson && res.body ? res.json() : {}) as Json, headers: res.headers };
}

export const paths = (b: Json): string[] => (b.error?.fields ?? []).map((f) => f.path);

let seq = 0;

export interface Held {
  personId: string;
  episodeId: string;
  prisonerNumber: string;
}

/**
 * A person held at a centre since `admittedAt`, placed in a unit (and cell): the rows the
 * admission module writes (verified order, person, episode, legal status, placement,
 * facility stay, admission movement).
 */
export async function hold(
  w: World,
  opts: { facility?: string; unit: Unit; cell?: string | null; sex?: Sex; dateOfBirth?: string | null; legalStatus?: LegalStatus; genderIdentity?: string | null; admittedAt?: Date; givenNames?: string },
): Promise<Held> {
  const db = w.env.state.db;
  const facility = opts.facility ?? 'PA-LJ';
  const admittedAt = opts.admittedAt ?? new Date(Date.now() - 5 * DAY);
  const n = ++seq;
  const person = await insertPerson(
    db,
    {
      givenNames: opts.givenNames ?? `Persona ${String.fromCharCode(65 + (n % 26))}${n}`,
      firstSurname: 'Prueba',
      sex: opts.sex ?? 'male',
      dateOfBirth: opts.dateOfBirth === undefined ? '1990-06-15' : opts.dateOfBirth,
      genderIdentity: opts.genderIdentity ?? null,
      nationality: 'PA',
      locationFacilityCode: facility,
      custodyStatus: 'in_custody',
    },
    null,
  );
  const order = await db
    .insertInto('judicial_orders')
    .values({
      kind: 'commitment',
      authority_kind: 'court',
      issuing_authority: 'Juzgado de Garantías de Panamá',
      case_number: `CAUSA-${n}`,
      order_date: admittedAt.toISOString().slice(0, 10),
      subject_name: 'Persona',
      person_id: person.id,
      facility_code: facility,
      legal_status: opts.legalStatus ?? 'pretrial',
      status: 'verified',
      registered_by: w.users.registrar.id,
      verified_by: w.users.verifier.id,
      verified_at: admittedAt,
      verification_method: 'telephone',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const episode = await db
    .insertInto('custody_episodes')
    .values({ person_id: person.id, facility_code: facility, admission_order_id: order.id, arrested_at: new Date(admittedAt.getTime() - 6 * HOUR), arrest_place: 'Calle 50', admitted_at: admittedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('legal_status_periods').values({ episode_id: episode.id, status: opts.legalStatus ?? 'pretrial', valid_from: admittedAt, order_id: order.id, reason: 'ingreso' }).execute();
  const cellId = opts.cell === undefined ? Object.values(opts.unit.cells)[0]! : opts.cell === null ? null : opts.unit.cells[opts.cell]!;
  await db.insertInto('placements').values({ episode_id: episode.id, facility_code: facility, unit_id: opts.unit.id, cell_id: cellId, valid_from: admittedAt, reason: 'ingreso' }).execute();
  await db.insertInto('facility_stays').values({ episode_id: episode.id, person_id: person.id, facility_code: facility, from_at: admittedAt }).execute();
  await movement(w, { episodeId: episode.id, personId: person.id }, 'admission', admittedAt, { to: facility });
  return { personId: person.id, episodeId: episode.id, prisonerNumber: person.prisonerNumber };
}

export async function movement(w: World, p: { episodeId: string; personId: string }, kind: MovementKind, at: Date, where: { from?: string; to?: string } = {}): Promise<void> {
  await w.env.state.db
    .insertInto('movements')
    .values({ episode_id: p.episodeId, person_id: p.personId, kind, occurred_at: at, from_facility_code: where.from ?? null, to_facility_code: where.to ?? null, reason: 'prueba' })
    .execute();
}

/** An absence (court, hospital, leave, escape) from `out` until `back` (open when omitted), with its movements. */
export async function absence(w: World, p: Held, kind: 'court' | 'hospital' | 'leave' | 'escape', out: Date, back?: Date, facility = 'PA-LJ'): Promise<void> {
  await w.env.state.db
    .insertInto('absences')
    .values({ episode_id: p.episodeId, person_id: p.personId, facility_code: facility, kind, reason: 'prueba', out_at: out, back_at: back ?? null })
    .execute();
  const kinds = { court: ['court_out', 'court_return'], hospital: ['hospital_out', 'hospital_return'], leave: ['leave_out', 'leave_return'], escape: ['escape', 'recapture'] } as const;
  await movement(w, p, kinds[kind][0], out, { from: facility });
  if (back) await movement(w, p, kinds[kind][1], back, { to: facility });
}

/** A release at `at`: the episode, stay, placement and legal status closed, the person released. */
export async function releaseAt(w: World, p: Held, at: Date, facility = 'PA-LJ'): Promise<void> {
  const db = w.env.state.db;
  await db.updateTable('custody_episodes').set({ released_at: at, release_reason: 'Libertad' }).where('id', '=', p.episodeId).execute();
  await db.updateTable('facility_stays').set({ to_at: at }).where('episode_id', '=', p.episodeId).where('to_at', 'is', null).execute();
  await db.updateTable('placements').set({ valid_to: at }).where('episode_id', '=', p.episodeId).where('valid_to', 'is', null).execute();
  await db.updateTable('legal_status_periods').set({ valid_to: at }).where('episode_id', '=', p.episodeId).where('valid_to', 'is', null).execute();
  await db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', p.personId).execute();
  await movement(w, p, 'release', at, { from: facility });
}

/**
 * A transfer, as the movements module records it: the placement ends at the departure (the
 * person travels placed nowhere, still the origin's responsibility), and at the arrival the
 * origin stay closes, the destination's opens, and a placement opens in the destination's unit.
 */
export async function transferArrival(w: World, p: Held, from: string, to: string, unit: Unit, departedAt: Date, at: Date): Promise<void> {
  const db = w.env.state.db;
  const closed = await db.updateTable('facility_stays').set({ to_at: at }).where('episode_id', '=', p.episodeId).where('to_at', 'is', null).returning('id').execute();
  assert.equal(closed.length, 1);
  await db.insertInto('facility_stays').values({ episode_id: p.episodeId, person_id: p.personId, facility_code: to, from_at: at }).execute();
  await db.updateTable('placements').set({ valid_to: departedAt }).where('episode_id', '=', p.episodeId).where('valid_to', 'is', null).execute();
  await db.insertInto('placements').values({ episode_id: p.episodeId, facility_code: to, unit_id: unit.id, cell_id: Object.values(unit.cells)[0] ?? null, valid_from: at, reason: 'traslado' }).execute();
  await db.updateTable('persons').set({ location_facility_code: to, transit_facility_code: null, custody_status: 'in_custody' }).where('id', '=', p.personId).execute();
  await db
    .insertInto('transfers')
    .values({ person_id: p.personId, episode_id: p.episodeId, from_facility_code: from, to_facility_code: to, reason: 'prueba', status: 'arrived', requested_by: w.users.registrar.id, authorized_by: w.users.verifier.id, authorized_at: departedAt, departed_at: departedAt, arrived_at: at })
    .execute();
  await movement(w, p, 'transfer_out', departedAt, { from, to });
  await movement(w, p, 'transfer_in', at, { from, to });
}

export async function openPlacement(w: World, episodeId: string) {
  return w.env.state.db.selectFrom('placements').selectAll().where('episode_id', '=', episodeId).where('valid_to', 'is', null).executeTakeFirstOrThrow();
}

export async function countRows(w: World, table: 'placements' | 'alerts' | 'roll_counts' | 'audit_log'): Promise<number> {
  const r = await w.env.state.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
