// Shared set-up of the admission tests: a test app with reception units, the users of a
// four-eyes admission (records officers, legal officers, a director), verified orders and a
// valid admission body. Used only by the *.test.ts files beside it.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, startTestApp, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import { admissionTables } from './repository.ts';

export type Json = Record<string, unknown> & { error?: { code: string; message: string; fields?: { path: string; message: string }[] } };

export interface World {
  env: TestEnv;
  users: Record<'officer' | 'officerNational' | 'officerColon' | 'legal1' | 'legal2' | 'director' | 'duty' | 'inspector', TestUser>;
  h: Record<string, Record<string, string>>;
  units: { ljReception: string; ljGeneral: string; colonReception: string };
}

export async function setUpWorld(): Promise<World> {
  const env = await startTestApp();
  const db = env.state.db;
  const unit = async (facility_code: string, code: string, kind: 'reception' | 'general') =>
    (await db.insertInto('units').values({ facility_code, code, name: kind === 'reception' ? 'Recepción' : 'Pabellón general', kind }).returning('id').executeTakeFirstOrThrow()).id;
  const units = { ljReception: await unit('PA-LJ', 'R', 'reception'), ljGeneral: await unit('PA-LJ', 'G', 'general'), colonReception: await unit('CO-NES', 'R', 'reception') };
  const users = {
    officer: await createUser(env, { username: 'registro.lj', roles: ['records_officer'], facilities: ['PA-LJ'] }),
    officerNational: await createUser(env, { username: 'registro.nacional', roles: ['records_officer'] }),
    officerColon: await createUser(env, { username: 'registro.colon', roles: ['records_officer'], facilities: ['CO-NES'] }),
    legal1: await createUser(env, { username: 'legal.uno', roles: ['legal'] }),
    legal2: await createUser(env, { username: 'legal.dos', roles: ['legal'] }),
    director: await createUser(env, { username: 'direccion.lj', roles: ['director'], facilities: ['PA-LJ'] }),
    duty: await createUser(env, { username: 'turno.lj', roles: ['duty_officer'], facilities: ['PA-LJ'] }),
    inspector: await createUser(env, { username: 'inspeccion', roles: ['inspector'] }),
  };
  const h: Record<string, Record<string, string>> = {};
  for (const [k, u] of Object.entries(users)) h[k] = await bearerFor(env, u);
  return { env, users, h, units };
}

export async function api(w: World, method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await w.env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: (res.body ? res.json() : {}) as Json, headers: res.headers };
}

let seq = 0;
/** A unique suffix, so that names differ from one test to the next. */
export const next = (): number => ++seq;

export function orderBody(extra: Record<string, unknown> = {}) {
  return {
    kind: 'commitment',
    authorityKind: 'court',
    issuingAuthority: 'Juzgado de Garantías del Primer Circuito Judicial de Panamá',
    caseNumber: `2026-${String(next()).padStart(5, '0')}`,
    orderDate: '2026-01-15',
    subjectName: 'Persona nombrada',
    facilityCode: 'PA-LJ',
    legalStatus: 'pretrial',
    ...extra,
  };
}

/** Registers an order as legal1 (unverified). */
export async function registeredOrder(w: World, extra: Record<string, unknown> = {}, by = 'legal1'): Promise<{ id: string; version: number }> {
  const r = await api(w, 'POST', '/api/v1/orders', w.h[by]!, orderBody(extra));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id as string, version: r.body.version as number };
}

/** Registers an order as legal1 and has legal2 verify it. */
export async function verifiedOrder(w: World, extra: Record<string, unknown> = {}): Promise<string> {
  const o = await registeredOrder(w, extra);
  const v = await api(w, 'POST', `/api/v1/orders/${o.id}/verify`, w.h.legal2!, { method: 'telephone', note: 'Confirmado por teléfono con la secretaría del juzgado', version: o.version });
  assert.equal(v.status, 200, JSON.stringify(v.body));
  return o.id;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

/** Unaccented letters only, so that a generated name stays a valid name. */
const letters = (n: number) => {
  const a = 'bcdfghjklmnprstvz';
  let s = '';
  let x = n + 7;
  for (let i = 0; i < 6; i++) {
    s += a[x % a.length];
    x = Math.floor(x / a.length) + 3 * i + 1;
  }
  return s[0]!.toUpperCase() + s.slice(1);
};

/** A new person with a name nobody else in the test has (so no "likely matches" interfere). */
export function newPerson(extra: Record<string, unknown> = {}) {
  const n = next();
  return {
    givenNames: `Ana ${letters(n)}`,
    firstSurname: `Quiroz${letters(n * 31)}`,
    secondSurname: 'Núñez',
    sex: 'female',
    dateOfBirth: '1990-04-02',
    nationality: 'PA',
    documents: [{ kind: 'cedula', number: `8-${100 + (n % 800)}-${1000 + n}` }],
    ...extra,
  };
}

export function admissionBody(orderId: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    facilityCode: 'PA-LJ',
    person: newPerson(),
    ...(orderId ? { orderId } : {}),
    arrest: { at: hoursAgo(5), place: 'Calle 50, Bella Vista, ciudad de Panamá' },
    admittedAt: hoursAgo(1),
    ...extra,
  };
}

/** Row counts of every table an admission writes. */
export async function counts(w: World): Promise<Record<(typeof admissionTables)[number], number>> {
  const out = {} as Record<(typeof admissionTables)[number], number>;
  for (const t of admissionTables) out[t] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(w.env.state.db)).rows[0]!.n;
  return out;
}

export const paths = (b: Json): string[] => (b.error?.fields ?? []).map((f) => f.path);
