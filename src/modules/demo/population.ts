// The demo's people held today: for each centre as many as its published population (blank
// figures filled plausibly and labelled synthetic in reference-data.ts), about 35 % pretrial,
// women only in women's centres, about 10 % foreign nationals, Panamanian names with two
// surnames, valid-looking cédulas, ages 18 to 80, some aliases, children for many women, and a
// verified commitment order for each. Deterministic (seeded), written in bulk: one audit
// entry covers the whole seed.
import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { formatPrisonerNumber, normalizeDocumentNumber, searchTextOf } from '../persons/identity.ts';
import { readFacilityRows, syntheticPopulation } from '../facilities/reference-data.ts';
import * as N from './names.ts';

/** A small seeded generator (mulberry32): the same demo every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

export interface PopulationPlan {
  code: string;
  group: 'men' | 'women' | 'mixed';
  maximum: boolean;
  count: number;
}

export function populationPlan(scale: number): PopulationPlan[] {
  return readFacilityRows().map((r) => {
    const published = r.population ? Number(r.population) : (syntheticPopulation[r.code] ?? 0);
    return { code: r.code, group: r.population_group, maximum: r.security === 'maximum', count: Math.round(published * scale) };
  });
}

interface Ctx {
  db: Kysely<Database>;
  rnd: () => number;
  today: Date;
  registrar: string;
  verifier: string;
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

function weighted(rnd: () => number, table: readonly [string, number][]): string {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[0]![0];
}

function cedula(rnd: () => number): string {
  const province = 1 + Math.floor(rnd() * 13);
  const r = rnd();
  if (r < 0.04) return `PE-${1 + Math.floor(rnd() * 20)}-${100 + Math.floor(rnd() * 900)}`;
  if (r < 0.06) return `${province}-AV-${1 + Math.floor(rnd() * 99)}-${100 + Math.floor(rnd() * 900)}`;
  return `${province}-${1 + Math.floor(rnd() * 999)}-${1 + Math.floor(rnd() * 9999)}`;
}

/**
 * Bulk insert: each batch travels as one JSON parameter expanded by the database
 * (json_populate_recordset), far faster than thousands of bound values, on PGlite above all.
 * Columns not given keep their defaults.
 */
export async function insertBatched(db: Kysely<Database>, table: keyof Database & string, rows: Record<string, unknown>[], batch = 5000): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const list = sql.join(columns.map((c) => sql.ref(c)));
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = JSON.stringify(rows.slice(i, i + batch));
    await sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${sql.table(table)}, ${chunk}::json)`.execute(db);
  }
}

/** Seeds the people held today in every centre; returns how many. */
export async function seedPopulation(db: Kysely<Database>, opts: { scale: number; today?: Date; seed?: number }): Promise<number> {
  const users = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.records_officer', 'demo.legal']).execute();
  const registrar = users.find((u) => u.username === 'demo.records_officer')!.id;
  const verifier = users.find((u) => u.username === 'demo.legal')!.id;
  const ctx: Ctx = { db, rnd: seededRandom(opts.seed ?? 20261129), today: opts.today ?? new Date(), registrar, verifier };
  let total = 0;
  for (const plan of populationPlan(opts.scale)) {
    if (plan.count > 0) total += await seedFacility(ctx, plan);
  }
  return total;
}

async function seedFacility(ctx: Ctx, plan: PopulationPlan): Promise<number> {
  const { db, rnd, today } = ctx;
  const units = await db
    .selectFrom('units')
    .select(['id', 'kind'])
    .where('facility_code', '=', plan.code)
    .execute();
  const cells = await db.selectFrom('cells').innerJoin('units', 'units.id', 'cells.unit_id').select(['cells.id', 'cells.unit_id']).where('units.facility_code', '=', plan.code).orderBy('cells.code').execute();
  const cellsByUnit = new Map<string, string[]>();
  for (const c of cells) cellsByUnit.set(c.unit_id, [...(cellsByUnit.get(c.unit_id) ?? []), c.id]);
  const unitOf = (kind: string) => units.find((u) => u.kind === kind) ?? units.find((u) => u.kind !== 'reception') ?? units[0]!;
  const numbers = (await sql<{ n: number }>`SELECT nextval('prisoner_number_seq') AS n FROM generate_series(1, ${plan.count})`.execute(db)).rows.map((r) => Number(r.n));
  const cellCursor = new Map<string, number>();

  const rows = { persons: [], documents: [], aliases: [], contacts: [], children: [], health: [], orders: [], episodes: [], statuses: [], placements: [], movements: [], stays: [] } as Record<string, Record<string, unknown>[]>;
  for (let i = 0; i < plan.count; i++) {
    const female = plan.group === 'women';
    const foreign = rnd() < 0.1;
    const nationality = foreign ? weighted(rnd, N.foreignNationalities) : 'PA';
    const age = 18 + Math.floor(62 * Math.pow(rnd(), 1.8));
    const birth = new Date(today.getTime() - (age * 365.25 + rnd() * 364) * DAY);
    const givenNames = (female ? pick(rnd, N.femaleGivenNames) : pick(rnd, N.maleGivenNames)) + (rnd() < 0.4 ? ` ${pick(rnd, N.secondGivenNames)}` : '');
    const firstSurname = pick(rnd, N.surnames);
    const secondSurname = rnd() < 0.95 ? pick(rnd, N.surnames) : null;
    const pretrial = rnd() < 0.35;
    const legalStatus = pretrial ? 'pretrial' : rnd() < 0.02 ? 'other' : 'sentenced';
    // Pretrial stays are shorter; some pass the one-year limit (the alerts of later issues).
    const daysHeld = pretrial ? Math.floor(Math.pow(rnd(), 1.5) * 700) + 2 : Math.floor(rnd() * 3650) + 30;
    const admittedAt = new Date(today.getTime() - daysHeld * DAY - Math.floor(rnd() * 12) * 3_600_000);
    const arrestedAt = new Date(admittedAt.getTime() - (6 + Math.floor(rnd() * 40)) * 3_600_000);
    const personId = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    const episodeId = crypto.randomUUID();
    const document = foreign ? { kind: 'passport', number: `${nationality}${Math.floor(1e6 + rnd() * 8.9e6)}`, country: nationality } : { kind: 'cedula', number: cedula(rnd), country: 'PA' };
    const personAliases = rnd() < 0.06 ? [pick(rnd, N.aliases)] : [];
    rows.persons!.push({
      id: personId,
      prisoner_number: formatPrisonerNumber(numbers[i]!),
      given_names: givenNames,
      first_surname: firstSurname,
      second_surname: secondSurname,
      sex: female ? 'female' : 'male',
      date_of_birth: isoDate(birth),
      birth_date_estimated: rnd() < 0.03,
      nationality,
      languages: nationality === 'US' ? ['en', 'es'] : ['es'],
      literacy: rnd() < 0.08 ? 'illiterate' : rnd() < 0.1 ? 'partial' : 'literate',
      location_facility_code: plan.code,
      custody_status: 'in_custody',
      search_text: searchTextOf({ givenNames, firstSurname, secondSurname }, personAliases, [document.number]),
    });
    rows.documents!.push({ person_id: personId, kind: document.kind, number: document.number, number_normalized: normalizeDocumentNumber(document.number), issuing_country: document.country });
    for (const alias of personAliases) rows.aliases!.push({ person_id: personId, alias, kind: 'alias' });
    rows.contacts!.push({ person_id: personId, name: `${pick(rnd, female ? N.maleGivenNames : N.femaleGivenNames)} ${firstSurname}`, relationship: pick(rnd, N.relationships), phone: `6${Math.floor(100 + rnd() * 899)}-${Math.floor(1000 + rnd() * 8999)}`, is_emergency: true, is_next_of_kin: true });
    if (female && rnd() < 0.81) {
      const n = 1 + Math.floor(rnd() * 3);
      for (let c = 0; c < n; c++) {
        const childAge = Math.floor(rnd() * Math.min(17, age - 16));
        const inCentre = childAge < 3 && plan.code === 'PA-ESM' && rnd() < 0.5;
        rows.children!.push({ person_id: personId, name: `${pick(rnd, rnd() < 0.5 ? N.femaleGivenNames : N.maleGivenNames)} ${firstSurname}`, age_years: childAge, whereabouts: inCentre ? 'con la madre en el centro' : pick(rnd, N.childWhereabouts), caregiver: inCentre ? null : pick(rnd, N.relationships), lives_in_centre: inCentre });
      }
      const r = rnd();
      if (r < 0.03) rows.health!.push({ person_id: personId, pregnant: true, breastfeeding: false, declared_at: admittedAt });
      else if (r < 0.05) rows.health!.push({ person_id: personId, pregnant: false, breastfeeding: true, declared_at: admittedAt });
    }
    const orderDate = isoDate(new Date(arrestedAt.getTime() + DAY));
    rows.orders!.push({
      id: orderId,
      kind: 'commitment',
      authority_kind: 'court',
      issuing_authority: pick(rnd, N.courts),
      case_number: `${admittedAt.getUTCFullYear()}-${String(Math.floor(rnd() * 99999)).padStart(5, '0')}`,
      order_date: orderDate < isoDate(admittedAt) ? orderDate : isoDate(admittedAt),
      subject_name: `${givenNames} ${firstSurname}${secondSurname ? ` ${secondSurname}` : ''}`,
      person_id: personId,
      facility_code: plan.code,
      legal_status: legalStatus,
      status: 'verified',
      registered_by: ctx.registrar,
      registered_at: admittedAt,
      verified_by: ctx.verifier,
      verified_at: admittedAt,
      verification_method: 'telephone',
      verification_note: 'demo: confirmado con el despacho judicial',
    });
    rows.episodes!.push({ id: episodeId, person_id: personId, facility_code: plan.code, admission_order_id: orderId, arrested_at: arrestedAt, arrest_place: pick(rnd, N.arrestPlaces), admitted_at: admittedAt, admitted_by: ctx.registrar, rights_information_language: 'es', rights_information_given_at: admittedAt });
    rows.statuses!.push({ episode_id: episodeId, status: legalStatus, valid_from: admittedAt, order_id: orderId, reason: 'demo: orden de ingreso' });
    const unit = plan.maximum ? unitOf('maximum') : age < 21 ? unitOf('young_adults') : unitOf(pretrial ? 'pretrial' : 'sentenced');
    const unitCells = cellsByUnit.get(unit.id) ?? [];
    const k = cellCursor.get(unit.id) ?? 0;
    cellCursor.set(unit.id, k + 1);
    rows.placements!.push({ episode_id: episodeId, facility_code: plan.code, unit_id: unit.id, cell_id: unitCells.length ? unitCells[k % unitCells.length] : null, valid_from: admittedAt, reason: 'demo: ubicación' });
    rows.stays!.push({ episode_id: episodeId, person_id: personId, facility_code: plan.code, from_at: admittedAt, recorded_at: admittedAt, recorded_by: ctx.registrar });
    rows.movements!.push({ episode_id: episodeId, person_id: personId, kind: 'admission', occurred_at: admittedAt, recorded_at: admittedAt, to_facility_code: plan.code, order_id: orderId, reason: 'ingreso', recorded_by: ctx.registrar });
  }
  await insertBatched(db, 'persons', rows.persons!);
  await insertBatched(db, 'person_documents', rows.documents!);
  await insertBatched(db, 'person_aliases', rows.aliases!);
  await insertBatched(db, 'person_contacts', rows.contacts!);
  await insertBatched(db, 'person_children', rows.children!);
  await insertBatched(db, 'health_declarations', rows.health!);
  await insertBatched(db, 'judicial_orders', rows.orders!);
  await insertBatched(db, 'custody_episodes', rows.episodes!);
  await insertBatched(db, 'legal_status_periods', rows.statuses!);
  await insertBatched(db, 'placements', rows.placements!);
  await insertBatched(db, 'movements', rows.movements!);
  await insertBatched(db, 'facility_stays', rows.stays!);
  return plan.count;
}
