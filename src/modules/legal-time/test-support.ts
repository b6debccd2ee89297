// Shared set-up of the legal-time tests: the admission tests' world (records officers, two legal
// officers, a director…), a person admitted and held since a chosen arrest date with a criminal
// case, and helpers to register and verify legal orders through the API. Used only by the
// *.test.ts files of this module and the orders module.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { api, setUpWorld, type Json, type World } from '../admission/test-support.ts';
import { admitPerson } from '../movements/test-support.ts';
import { legalOrderPaths, type LegalOrderKind } from '../orders/legal-schemas.ts';

export { api, type Json, type World };

export async function setUpLegalWorld(): Promise<World> {
  return setUpWorld();
}

export interface HeldPerson {
  personId: string;
  episodeId: string;
  caseId: string;
  caseNumber: string;
}

/**
 * Admits a person to La Joya and moves the arrest back to `arrestedOn` (10:00 in Panama);
 * returns the person with the episode's criminal case (opened at admission, or here).
 */
export async function heldSince(w: World, arrestedOn: string): Promise<HeldPerson> {
  const { personId, episodeId } = await admitPerson(w, { sex: 'male' });
  const db = w.env.state.db;
  await db.updateTable('custody_episodes').set({ arrested_at: new Date(`${arrestedOn}T15:00:00Z`) }).where('id', '=', episodeId).execute();
  let k = await db.selectFrom('criminal_cases').select(['id', 'case_number']).where('episode_id', '=', episodeId).executeTakeFirst();
  if (!k) {
    k = await db
      .insertInto('criminal_cases')
      .values({ person_id: personId, episode_id: episodeId, authority_kind: 'court', authority_name: 'Juzgado Segundo de Circuito Penal', case_number: `C-${episodeId.slice(0, 8)}`, stage: 'trial' })
      .returning(['id', 'case_number'])
      .executeTakeFirstOrThrow();
  }
  return { personId, episodeId, caseId: k.id, caseNumber: k.case_number };
}

export const courtName = 'Tribunal de Juicio Oral del Primer Circuito Judicial de Panamá';

export function sentenceBody(p: HeldPerson, extra: Record<string, unknown> = {}) {
  return { caseId: p.caseId, issuingAuthority: courtName, orderDate: '2025-06-02', years: 5, months: 0, days: 0, ...extra };
}

/** Registers a legal order as `by` (default legal1); asserts 201. */
export async function registerLegal(w: World, kind: LegalOrderKind, body: Record<string, unknown>, by = 'legal1'): Promise<{ id: string; version: number; body: Json }> {
  const r = await api(w, 'POST', `/api/v1/orders/${legalOrderPaths[kind]}`, w.h[by]!, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id as string, version: r.body.version as number, body: r.body };
}

export async function verify(w: World, order: { id: string; version: number }, by = 'legal2') {
  return api(w, 'POST', `/api/v1/orders/${order.id}/verify`, w.h[by]!, { method: 'telephone', note: 'Confirmado con la secretaría del tribunal', version: order.version });
}

/** Registers (legal1) and verifies (legal2) a legal order; returns its id. */
export async function verifiedLegal(w: World, kind: LegalOrderKind, body: Record<string, unknown>): Promise<string> {
  const o = await registerLegal(w, kind, body);
  const v = await verify(w, o);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  return o.id;
}

export async function computationOf(w: World, personId: string) {
  return w.env.state.db.selectFrom('sentence_computations').selectAll().where('person_id', '=', personId).where('superseded_at', 'is', null).executeTakeFirst();
}

/** Row counts of every table a legal order or a computation writes. */
export async function legalCounts(w: World): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['judicial_orders', 'sentence_orders', 'custody_credit_orders', 'measure_orders', 'reduction_orders', 'sentence_computations', 'sentence_date_changes']) {
    out[t] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(w.env.state.db)).rows[0]!.n;
  }
  return out;
}

export const addDays = (iso: string, n: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
