// Shared set-up of the redemption tests: the admission tests' world (centres with reception
// units, records officers, two legal officers, a director) plus the people of the ledger —
// programmes staff (who enter and certify), the Junta Técnica (who evaluates) — people admitted
// months ago, a verified sentence written straight into the tables, and row counts to prove
// "nothing stored". Used only by the *.test.ts files beside it.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, type TestUser } from '../../../test/helpers/app.ts';
import { todayIn } from '../../platform/time.ts';
import { addDaysIso } from '../sentence/dates.ts';
import { recomputeSentence } from '../legal-time/recompute.ts';
import { admissionBody, api, newPerson, setUpWorld, verifiedOrder, type World } from '../admission/test-support.ts';

export { api, paths, type Json } from '../admission/test-support.ts';

export interface RedemptionWorld extends World {
  users: World['users'] & Record<'programmes' | 'programmesColon' | 'board' | 'boardColon', TestUser>;
  today: string;
}

export async function setUpRedemptionWorld(): Promise<RedemptionWorld> {
  const w = await setUpWorld();
  const extra = {
    programmes: await createUser(w.env, { username: 'programas.lj', roles: ['programmes'], facilities: ['PA-LJ'] }),
    programmesColon: await createUser(w.env, { username: 'programas.colon', roles: ['programmes'], facilities: ['CO-NES'] }),
    board: await createUser(w.env, { username: 'junta.lj', roles: ['technical_board'], facilities: ['PA-LJ'] }),
    boardColon: await createUser(w.env, { username: 'junta.colon', roles: ['technical_board'], facilities: ['CO-NES'] }),
  };
  Object.assign(w.users, extra);
  for (const [k, u] of Object.entries(extra)) w.h[k] = await bearerFor(w.env, u);
  return { ...w, users: w.users as RedemptionWorld['users'], today: todayIn(w.env.settings.timeZone) };
}

/** The date `n` days before today (Panama). */
export const daysAgo = (w: RedemptionWorld, n: number): string => addDaysIso(w.today, -n);

/** Noon in Panama of a date, as an instant. */
export const noonOf = (date: string): string => new Date(`${date}T12:00:00-05:00`).toISOString();

export interface Held {
  personId: string;
  episodeId: string;
  prisonerNumber: string;
}

/** Admits a person (to La Joya by default) arrested `days` days ago at noon, admitted an hour later. */
export async function admitHeld(w: RedemptionWorld, days: number, facilityCode = 'PA-LJ'): Promise<Held> {
  const orderId = await verifiedOrder(w, { facilityCode });
  const arrest = new Date(noonOf(daysAgo(w, days)));
  const body = admissionBody(orderId, { facilityCode, person: newPerson({ sex: 'male' }), admittedAt: new Date(arrest.getTime() + 3_600_000).toISOString() });
  (body as { arrest: { at: string } }).arrest.at = arrest.toISOString();
  const officer = facilityCode === 'CO-NES' ? w.h.officerColon! : w.h.officer!;
  const r = await api(w, 'POST', '/api/v1/admissions', officer, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { personId: r.body.personId as string, episodeId: r.body.episodeId as string, prisonerNumber: r.body.prisonerNumber as string };
}

/**
 * A verified sentence (registered by legal1, verified by legal2) for the person's episode,
 * written into the tables directly (the orders' own tests cover their forms), and the first
 * computation stored.
 */
export async function sentence(w: RedemptionWorld, p: Held, term: { years: number; months?: number; days?: number }): Promise<void> {
  const db = w.env.state.db;
  const kase = await db
    .insertInto('criminal_cases')
    .values({ person_id: p.personId, episode_id: p.episodeId, authority_kind: 'court', authority_name: 'Juzgado Segundo de Cumplimiento', case_number: `C-${p.prisonerNumber}`, stage: 'final' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const order = await db
    .insertInto('judicial_orders')
    .values({
      kind: 'sentence',
      authority_kind: 'court',
      issuing_authority: 'Tribunal de Juicio del Primer Circuito Judicial',
      case_number: `C-${p.prisonerNumber}`,
      order_date: daysAgo(w, 30),
      subject_name: 'Persona condenada',
      person_id: p.personId,
      facility_code: 'PA-LJ',
      legal_status: 'sentenced',
      status: 'verified',
      registered_by: w.users.legal1.id,
      verified_by: w.users.legal2.id,
      verified_at: new Date(),
      verification_method: 'telephone',
      case_id: kase.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('sentence_orders')
    .values({ order_id: order.id, case_id: kase.id, years: term.years, months: term.months ?? 0, days: term.days ?? 0, relation: 'concurrent', sentenced_on: daysAgo(w, 30), court: 'Tribunal de Juicio' })
    .execute();
  await recomputeSentence(db, { personId: p.personId, cause: 'test: sentence', actorId: w.users.legal2.id, timeZone: w.env.settings.timeZone });
}

/** The person's current computation. */
export async function currentComputation(w: RedemptionWorld, personId: string) {
  return w.env.state.db.selectFrom('sentence_computations').selectAll().where('person_id', '=', personId).where('superseded_at', 'is', null).executeTakeFirst();
}

/** Row counts of what a redemption write touches. */
export async function counts(w: RedemptionWorld): Promise<{ records: number; audit: number; computations: number }> {
  const n = async (t: string) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(w.env.state.db)).rows[0]!.n;
  return { records: await n('redemption_records'), audit: await n('audit_log'), computations: await n('sentence_computations') };
}

/** A valid body for one work record of `p` (the given period, default 10 days a week ago). */
export function recordBody(p: Held, extra: Record<string, unknown> = {}) {
  return { personId: p.personId, kind: 'work', programme: 'Taller de carpintería', ...extra };
}
