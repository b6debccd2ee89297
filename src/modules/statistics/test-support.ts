// Test fixtures for the statistics tests: people held, written straight into the custody tables
// the way the custody modules write them (episode, legal-status periods, facility stays split at
// transfer arrivals, absences, movements), so that each counting rule can be set up exactly.
// Used only by the *.test.ts files beside it.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { createUser, type TestEnv } from '../../../test/helpers/app.ts';

export interface Clerks {
  registrar: string;
  verifier: string;
}

export async function clerks(env: TestEnv): Promise<Clerks> {
  const registrar = await createUser(env, { username: `st.registro.${crypto.randomBytes(3).toString('hex')}`, roles: ['records_officer'] });
  const verifier = await createUser(env, { username: `st.legal.${crypto.randomBytes(3).toString('hex')}`, roles: ['legal'] });
  return { registrar: registrar.id, verifier: verifier.id };
}

export interface HeldSpec {
  /** Facility stays in order: [code, from, to?]; a transfer arrival closes one and opens the next. */
  stays: [string, Date, Date?][];
  sex?: 'male' | 'female';
  nationality?: string;
  dateOfBirth?: string | null;
  /** Legal-status periods in order: [status, from, to?] (default: pretrial from admission). */
  statuses?: ['pretrial' | 'sentenced' | 'other', Date, Date?][];
  absences?: { kind: 'court' | 'hospital' | 'leave' | 'escape'; out: Date; back?: Date }[];
  /** When the entries were recorded (default: when each happened). */
  recordedAt?: Date;
  releasedAt?: Date;
}

let counter = 0;

/** Writes one person's custody as the custody modules would; returns the ids. */
export async function hold(db: Kysely<Database>, who: Clerks, spec: HeldSpec): Promise<{ personId: string; episodeId: string }> {
  const n = ++counter;
  const first = spec.stays[0]!;
  const last = spec.stays[spec.stays.length - 1]!;
  const admittedAt = first[1];
  const rec = (at: Date) => spec.recordedAt ?? at;
  const person = await db
    .insertInto('persons')
    .values({
      prisoner_number: `PPL-9${String(n).padStart(6, '0')}-${crypto.randomBytes(2).toString('hex')}`,
      given_names: 'Prueba',
      first_surname: `Estadística${n}`,
      sex: spec.sex ?? 'male',
      date_of_birth: spec.dateOfBirth === undefined ? '1985-06-15' : spec.dateOfBirth,
      nationality: spec.nationality ?? 'PA',
      location_facility_code: last[0],
      custody_status: spec.releasedAt ? 'released' : 'in_custody',
      search_text: `prueba estadistica${n}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const order = await db
    .insertInto('judicial_orders')
    .values({
      kind: 'commitment',
      authority_kind: 'court',
      issuing_authority: 'Juzgado de Garantías de prueba',
      case_number: `T-${n}`,
      order_date: admittedAt.toISOString().slice(0, 10),
      subject_name: `Prueba Estadística${n}`,
      person_id: person.id,
      facility_code: first[0],
      legal_status: 'pretrial',
      status: 'verified',
      registered_by: who.registrar,
      verified_by: who.verifier,
      verified_at: admittedAt,
      verification_method: 'telephone',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const episode = await db
    .insertInto('custody_episodes')
    .values({ person_id: person.id, facility_code: last[0], admission_order_id: order.id, arrested_at: new Date(admittedAt.getTime() - 3_600_000), arrest_place: 'Prueba', admitted_at: admittedAt, released_at: spec.releasedAt ?? null, release_reason: spec.releasedAt ? 'court_order' : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const statuses = spec.statuses ?? [['pretrial', admittedAt]];
  await db.insertInto('legal_status_periods').values(statuses.map(([status, from, to]) => ({ episode_id: episode.id, status, valid_from: from, valid_to: to ?? null, reason: 'prueba', recorded_at: rec(from) }))).execute();
  await db.insertInto('facility_stays').values(spec.stays.map(([code, from, to]) => ({ episode_id: episode.id, person_id: person.id, facility_code: code, from_at: from, to_at: to ?? null, recorded_at: rec(from) }))).execute();
  const movements: Record<string, unknown>[] = [
    { kind: 'admission', occurred_at: admittedAt, to_facility_code: first[0], recorded_at: rec(admittedAt) },
  ];
  spec.stays.slice(1).forEach(([code, from], i) => {
    movements.push({ kind: 'transfer_out', occurred_at: from, from_facility_code: spec.stays[i]![0], to_facility_code: code, recorded_at: rec(from) });
    movements.push({ kind: 'transfer_in', occurred_at: from, from_facility_code: spec.stays[i]![0], to_facility_code: code, recorded_at: rec(from) });
  });
  for (const a of spec.absences ?? []) {
    await db.insertInto('absences').values({ episode_id: episode.id, person_id: person.id, facility_code: last[0], kind: a.kind, reason: 'prueba', out_at: a.out, back_at: a.back ?? null, recorded_at: rec(a.out) }).execute();
    const [out, back] = a.kind === 'escape' ? (['escape', 'recapture'] as const) : ([`${a.kind}_out`, `${a.kind}_return`] as const);
    movements.push({ kind: out, occurred_at: a.out, from_facility_code: last[0], recorded_at: rec(a.out) });
    if (a.back) movements.push({ kind: back, occurred_at: a.back, to_facility_code: last[0], recorded_at: rec(a.back) });
  }
  if (spec.releasedAt) movements.push({ kind: 'release', occurred_at: spec.releasedAt, from_facility_code: last[0], recorded_at: rec(spec.releasedAt) });
  await db
    .insertInto('movements')
    .values(movements.map((m) => ({ episode_id: episode.id, person_id: person.id, ...m }) as never))
    .execute();
  return { personId: person.id, episodeId: episode.id };
}

/** An instant in Panama (UTC−5, no daylight saving): local date and time → Date. */
export const panama = (date: string, time = '12:00'): Date => new Date(`${date}T${time}:00-05:00`);
