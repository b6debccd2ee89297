// Shared set-up of the movements tests: the admission tests' world (centres with reception
// units, records officers, legal officers, a director) plus what movements need — a second
// officer at La Joya, officers and a reception unit at La Joyita (men) and CEFERE (women), a
// user who may override separation, health staff — and helpers to admit a person and to
// register verified release orders. Used only by the *.test.ts files beside it.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, type TestUser } from '../../../test/helpers/app.ts';
import { admissionBody, api, newPerson, orderBody, setUpWorld, verifiedOrder, type World } from '../admission/test-support.ts';
import { movementTables } from './repository.ts';

export { api, paths, type Json } from '../admission/test-support.ts';

export interface MovementWorld extends World {
  users: World['users'] & Record<'officer2' | 'officerLJT' | 'directorLJT' | 'overrider' | 'health' | 'directorNational', TestUser>;
  more: { ljtReception: string; ljtGeneral: string; cefReception: string };
}

export async function setUpMovementWorld(): Promise<MovementWorld> {
  const w = await setUpWorld();
  const db = w.env.state.db;
  const unit = async (facility_code: string, code: string, kind: 'reception' | 'general') =>
    (await db.insertInto('units').values({ facility_code, code, name: kind === 'reception' ? 'Recepción' : 'Pabellón general', kind }).returning('id').executeTakeFirstOrThrow()).id;
  const more = { ljtReception: await unit('PA-LJT', 'R', 'reception'), ljtGeneral: await unit('PA-LJT', 'G', 'general'), cefReception: await unit('PA-CEF', 'R', 'reception') };
  const extra = {
    officer2: await createUser(w.env, { username: 'registro2.lj', roles: ['records_officer'], facilities: ['PA-LJ'] }),
    officerLJT: await createUser(w.env, { username: 'registro.ljt', roles: ['records_officer'], facilities: ['PA-LJT'] }),
    directorLJT: await createUser(w.env, { username: 'direccion.ljt', roles: ['director'], facilities: ['PA-LJT'] }),
    overrider: await createUser(w.env, { username: 'subdireccion.lj', roles: ['records_officer', 'director'], facilities: ['PA-LJ'] }),
    health: await createUser(w.env, { username: 'salud.lj', roles: ['health'], facilities: ['PA-LJ'] }),
    directorNational: await createUser(w.env, { username: 'direccion.general', roles: ['director'] }),
  };
  Object.assign(w.users, extra);
  for (const [k, u] of Object.entries(extra)) w.h[k] = await bearerFor(w.env, u);
  return { ...w, users: w.users as MovementWorld['users'], more };
}

/** Admits a person to La Joya (a man by default) an hour ago; returns the ids. */
export async function admitPerson(w: World, extra: { sex?: string; property?: boolean; admittedAt?: string; arrestAt?: string } = {}): Promise<{ personId: string; episodeId: string; prisonerNumber: string }> {
  const orderId = await verifiedOrder(w);
  const body = admissionBody(orderId, {
    person: newPerson({ sex: extra.sex ?? 'male' }),
    ...(extra.property ? { property: [{ description: 'Reloj de pulsera', quantity: 1 }, { description: 'Cédula de identidad', quantity: 1 }], propertySignedOff: true } : {}),
    ...(extra.admittedAt ? { admittedAt: extra.admittedAt } : {}),
  });
  if (extra.arrestAt) (body as { arrest: { at: string } }).arrest.at = extra.arrestAt;
  const r = await api(w, 'POST', '/api/v1/admissions', w.h.officer!, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { personId: r.body.personId as string, episodeId: r.body.episodeId as string, prisonerNumber: r.body.prisonerNumber as string };
}

/** A release order (boleta de libertad) registered by legal1 and verified by legal2. */
export async function verifiedReleaseOrder(w: World, extra: Record<string, unknown> = {}): Promise<string> {
  return verifiedOrder(w, { kind: 'release', legalStatus: null, subjectName: 'Persona liberada', ...extra });
}

/** A release order registered but not verified. */
export async function unverifiedReleaseOrder(w: World): Promise<string> {
  const r = await api(w, 'POST', '/api/v1/orders', w.h.legal1!, orderBody({ kind: 'release', legalStatus: null }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

/** Row counts of every table a movement writes. */
export async function counts(w: World): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of movementTables) out[t] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(w.env.state.db)).rows[0]!.n;
  return out;
}

/** The person's state columns. */
export async function personState(w: World, personId: string) {
  return w.env.state.db.selectFrom('persons').select(['custody_status', 'location_facility_code', 'transit_facility_code', 'version']).where('id', '=', personId).executeTakeFirstOrThrow();
}

export async function staysOf(w: World, episodeId: string) {
  return w.env.state.db.selectFrom('facility_stays').select(['facility_code', 'from_at', 'to_at']).where('episode_id', '=', episodeId).orderBy('from_at').execute();
}

export async function placementsOf(w: World, episodeId: string) {
  return w.env.state.db.selectFrom('placements').selectAll().where('episode_id', '=', episodeId).orderBy('valid_from').execute();
}

export async function movementKinds(w: World, personId: string): Promise<string[]> {
  return (await w.env.state.db.selectFrom('movements').select('kind').where('person_id', '=', personId).orderBy('occurred_at').orderBy('recorded_at').execute()).map((m) => m.kind);
}

export async function auditActions(w: World, targetId: string): Promise<string[]> {
  return (await w.env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', targetId).orderBy('id').execute()).map((a) => a.action);
}

export const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
