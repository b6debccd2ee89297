// Shared by this module's tests: people created with insertPerson, and custody rows (order,
// episode, legal-status period, placement, movement) inserted directly, as the admission
// module would write them.
import assert from 'node:assert/strict';
import { createUser, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import type { LegalStatus } from '../../platform/db/schema.ts';
import { insertPerson, type NewPersonInput } from './repository.ts';

export const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export interface Clerks {
  registrar: TestUser;
  verifier: TestUser;
}

let counter = 0;
export const unique = (prefix: string): string => `${prefix}.${++counter}.${Math.random().toString(36).slice(2, 6)}`;

/** Two users for the four-eyes orders (registered_by ≠ verified_by). */
export async function clerks(env: TestEnv): Promise<Clerks> {
  return {
    registrar: await createUser(env, { username: unique('registrar'), roles: ['records_officer'] }),
    verifier: await createUser(env, { username: unique('verifier'), roles: ['legal'] }),
  };
}

export async function newPerson(env: TestEnv, input: Partial<NewPersonInput> & { givenNames: string; firstSurname: string }): Promise<{ id: string; prisonerNumber: string }> {
  return insertPerson(env.state.db, { sex: 'male', nationality: 'PA', ...input }, null);
}

/** A reception unit in a centre (created once per centre). */
export async function receptionUnit(env: TestEnv, facilityCode: string): Promise<string> {
  const db = env.state.db;
  const found = await db.selectFrom('units').select('id').where('facility_code', '=', facilityCode).where('code', '=', 'REC').executeTakeFirst();
  if (found) return found.id;
  const u = await db.insertInto('units').values({ facility_code: facilityCode, code: 'REC', name: 'Recepción', kind: 'reception' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('cells').values({ unit_id: u.id, code: 'R-01' }).execute();
  return u.id;
}

/**
 * Admits a person as the admission module would: a verified commitment order, an open episode,
 * the first legal-status period, a placement in reception, the admission movement, and the
 * person's location. Returns the ids.
 */
export async function admit(
  env: TestEnv,
  c: Clerks,
  personId: string,
  opts: { facility: string; legalStatus?: LegalStatus; admittedAt?: Date; property?: string[] },
): Promise<{ orderId: string; episodeId: string }> {
  const db = env.state.db;
  const admittedAt = opts.admittedAt ?? new Date(Date.now() - 3 * 86400_000);
  const order = await db
    .insertInto('judicial_orders')
    .values({
      kind: 'commitment',
      authority_kind: 'court',
      issuing_authority: 'Juzgado de Garantías de Panamá',
      case_number: unique('CAUSA'),
      order_date: admittedAt.toISOString().slice(0, 10),
      subject_name: 'Persona',
      person_id: personId,
      facility_code: opts.facility,
      legal_status: opts.legalStatus ?? 'pretrial',
      status: 'verified',
      registered_by: c.registrar.id,
      verified_by: c.verifier.id,
      verified_at: admittedAt,
      verification_method: 'Llamada al juzgado',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const episode = await db
    .insertInto('custody_episodes')
    .values({
      person_id: personId,
      facility_code: opts.facility,
      admission_order_id: order.id,
      arrested_at: new Date(admittedAt.getTime() - 6 * 3600_000),
      arrest_place: 'Calle 50, Ciudad de Panamá',
      admitted_at: admittedAt,
      admitted_by: c.registrar.id,
      rights_information_language: 'es',
      rights_information_given_at: admittedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('legal_status_periods').values({ episode_id: episode.id, status: opts.legalStatus ?? 'pretrial', valid_from: admittedAt, order_id: order.id, reason: 'Orden de detención' }).execute();
  const unit = await receptionUnit(env, opts.facility);
  const cell = await db.selectFrom('cells').select('id').where('unit_id', '=', unit).executeTakeFirstOrThrow();
  await db.insertInto('placements').values({ episode_id: episode.id, facility_code: opts.facility, unit_id: unit, cell_id: cell.id, valid_from: admittedAt, reason: 'Ingreso' }).execute();
  await db.insertInto('movements').values({ episode_id: episode.id, person_id: personId, kind: 'admission', occurred_at: admittedAt, to_facility_code: opts.facility, order_id: order.id }).execute();
  for (const item of opts.property ?? []) {
    await db.insertInto('property_items').values({ episode_id: episode.id, description: item, quantity: 1, condition: 'Bueno', storage_location: 'Depósito A', signed_off_by: c.registrar.id, signed_off_at: admittedAt }).execute();
  }
  await db.updateTable('persons').set({ location_facility_code: opts.facility, custody_status: 'in_custody' }).where('id', '=', personId).execute();
  return { orderId: order.id, episodeId: episode.id };
}

/** Releases the open episode (for tests that need a person out of custody). */
export async function release(env: TestEnv, personId: string): Promise<void> {
  const db = env.state.db;
  const r = await db.updateTable('custody_episodes').set({ released_at: new Date(), release_reason: 'Libertad' }).where('person_id', '=', personId).where('released_at', 'is', null).returning('id').execute();
  assert.equal(r.length, 1);
  await db.updateTable('legal_status_periods').set({ valid_to: new Date() }).where('episode_id', '=', r[0]!.id).where('valid_to', 'is', null).execute();
  await db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', personId).execute();
}

export type Json = Record<string, unknown> & { error?: { code: string; message: string; fields?: { path: string; message: string }[] } };

export async function call(env: TestEnv, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.statusCode, body: (isJson && res.body ? res.json() : {}) as Json, raw: res, headers: res.headers };
}

export async function auditEntries(env: TestEnv, action: string, where: { personId?: string; actorId?: string } = {}) {
  let q = env.state.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (where.personId) q = q.where('person_id', '=', where.personId);
  if (where.actorId) q = q.where('actor_id', '=', where.actorId);
  return q.orderBy('id').execute();
}
