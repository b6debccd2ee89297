// The demo's people held today: for each centre as many as its published population (blank
// figures filled plausibly and labelled synthetic in reference-data.ts), about 35 % pretrial,
// women only in women's centres, about 10 % foreign nationals, Panamanian names with two
// surnames, valid-looking cédulas, ages 18 to 80, some aliases, children for many women, and a
// verified commitment order for each. Deterministic (seeded).
//
// This file plans those people in memory (planPopulation); history.ts gives their current
// custody episode its past (where they were admitted, transfers, the pretrial phase, court
// trips) and adds the ten years of history behind them, and writes everything in bulk: one
// audit entry covers the whole seed.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { normalizeDocumentNumber, searchTextOf } from '../persons/identity.ts';
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

/**
 * Identifiers for demo rows: UUID-shaped (version 7 layout), ordered by creation, so that bulk
 * inserts append to the primary-key indexes instead of scattering over them (several times
 * faster on hundreds of thousands of rows). Deterministic for a seed and a start time.
 */
export function demoIds(seed: number, baseMs = Date.now()): () => string {
  const rnd = seededRandom(seed ^ 0x5bd1e995);
  let n = 0;
  const hex = (v: number, width: number) => Math.floor(v).toString(16).padStart(width, '0');
  return () => {
    const ms = baseMs + Math.floor(n / 4096);
    const seq = n % 4096;
    n++;
    const t = hex(ms, 12);
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${hex(seq, 3)}-${hex(0x8000 + rnd() * 0x3fff, 4)}-${hex(rnd() * 0x1000000, 6)}${hex(rnd() * 0x1000000, 6)}`;
  };
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

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

export const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export function weighted(rnd: () => number, table: readonly [string, number][]): string {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[0]![0];
}

export function cedula(rnd: () => number): string {
  const province = 1 + Math.floor(rnd() * 13);
  const r = rnd();
  if (r < 0.04) return `PE-${1 + Math.floor(rnd() * 20)}-${100 + Math.floor(rnd() * 900)}`;
  if (r < 0.06) return `${province}-AV-${1 + Math.floor(rnd() * 99)}-${100 + Math.floor(rnd() * 900)}`;
  return `${province}-${1 + Math.floor(rnd() * 999)}-${1 + Math.floor(rnd() * 9999)}`;
}

export type Row = Record<string, unknown>;

/** Units and cells of every centre, for placements. */
export interface Housing {
  units: Map<string, { id: string; kind: string }[]>;
  cells: Map<string, string[]>;
}

export async function loadHousing(db: Kysely<Database>): Promise<Housing> {
  const units = await db.selectFrom('units').select(['id', 'kind', 'facility_code']).orderBy('facility_code').orderBy('code').execute();
  const cells = await db.selectFrom('cells').select(['id', 'unit_id']).orderBy('unit_id').orderBy('code').execute();
  const h: Housing = { units: new Map(), cells: new Map() };
  for (const u of units) h.units.set(u.facility_code, [...(h.units.get(u.facility_code) ?? []), { id: u.id, kind: u.kind }]);
  for (const c of cells) {
    const list = h.cells.get(c.unit_id);
    if (list) list.push(c.id);
    else h.cells.set(c.unit_id, [c.id]);
  }
  return h;
}

/** The unit of a kind in a centre (else any unit but reception, else the first). */
export function unitOf(h: Housing, facility: string, kind: string): { id: string; kind: string } | undefined {
  const units = h.units.get(facility) ?? [];
  return units.find((u) => u.kind === kind) ?? units.find((u) => u.kind !== 'reception') ?? units[0];
}

/** One person held today, as history.ts needs to give their current episode its past. */
export interface TodayPerson {
  personId: string;
  episodeId: string;
  orderId: string;
  facility: string;
  group: 'men' | 'women' | 'mixed';
  maximum: boolean;
  sex: 'male' | 'female';
  dateOfBirth: string;
  nationality: string;
  admittedAt: Date;
  legalStatus: 'pretrial' | 'sentenced' | 'other';
  /** The placement today (the unit for the person's status and age), kept as it is. */
  unitId: string | null;
  cellId: string | null;
  /** Rows of this person's file (persons row without its prisoner number, order, episode …). */
  person: Row;
  order: Row;
  episode: Row;
}

export interface PlannedPopulation {
  people: TodayPerson[];
  /** Rows of the person-level tables (documents, aliases, contacts, children, health declarations). */
  rows: Record<'documents' | 'aliases' | 'contacts' | 'children' | 'health', Row[]>;
}

export interface PlanOptions {
  scale: number;
  today: Date;
  seed?: number;
  registrar: string;
  verifier: string;
  ids: () => string;
  housing: Housing;
}

/** Plans the people held today in every centre (nothing is written). */
export function planPopulation(opts: PlanOptions): PlannedPopulation {
  const rnd = seededRandom(opts.seed ?? 20261129);
  const out: PlannedPopulation = { people: [], rows: { documents: [], aliases: [], contacts: [], children: [], health: [] } };
  for (const plan of populationPlan(opts.scale)) {
    if (plan.count > 0) planFacility(opts, rnd, plan, out);
  }
  return out;
}

function planFacility(opts: PlanOptions, rnd: () => number, plan: PopulationPlan, out: PlannedPopulation): void {
  const { today, ids, housing } = opts;
  const cellCursor = new Map<string, number>();
  const rows = out.rows;
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
    const drawn = pretrial ? Math.floor(Math.pow(rnd(), 1.5) * 700) + 2 : Math.floor(rnd() * 3650) + 30;
    // Admitted as an adult: never before the 18th birthday.
    const daysHeld = Math.max(2, Math.min(drawn, Math.floor((today.getTime() - birth.getTime()) / DAY - 18 * 365.25)));
    const admittedAt = new Date(today.getTime() - daysHeld * DAY - Math.floor(rnd() * 12) * HOUR);
    const arrestedAt = new Date(admittedAt.getTime() - (6 + Math.floor(rnd() * 40)) * HOUR);
    const personId = ids();
    const orderId = ids();
    const episodeId = ids();
    const document = foreign ? { kind: 'passport', number: `${nationality}${Math.floor(1e6 + rnd() * 8.9e6)}`, country: nationality } : { kind: 'cedula', number: cedula(rnd), country: 'PA' };
    const personAliases = rnd() < 0.06 ? [pick(rnd, N.aliases)] : [];
    const person: Row = {
      id: personId,
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
    };
    rows.documents.push({ person_id: personId, kind: document.kind, number: document.number, number_normalized: normalizeDocumentNumber(document.number), issuing_country: document.country });
    for (const alias of personAliases) rows.aliases.push({ person_id: personId, alias, kind: 'alias' });
    rows.contacts.push({ person_id: personId, name: `${pick(rnd, female ? N.maleGivenNames : N.femaleGivenNames)} ${firstSurname}`, relationship: pick(rnd, N.relationships), phone: `6${Math.floor(100 + rnd() * 899)}-${Math.floor(1000 + rnd() * 8999)}`, is_emergency: true, is_next_of_kin: true });
    if (female && rnd() < 0.81) {
      const n = 1 + Math.floor(rnd() * 3);
      for (let c = 0; c < n; c++) {
        const childAge = Math.floor(rnd() * Math.min(17, age - 16));
        const inCentre = childAge < 3 && plan.code === 'PA-ESM' && rnd() < 0.5;
        rows.children.push({ person_id: personId, name: `${pick(rnd, rnd() < 0.5 ? N.femaleGivenNames : N.maleGivenNames)} ${firstSurname}`, age_years: childAge, whereabouts: inCentre ? 'con la madre en el centro' : pick(rnd, N.childWhereabouts), caregiver: inCentre ? null : pick(rnd, N.relationships), lives_in_centre: inCentre });
      }
      const r = rnd();
      if (r < 0.03) rows.health.push({ person_id: personId, pregnant: true, breastfeeding: false, declared_at: admittedAt });
      else if (r < 0.05) rows.health.push({ person_id: personId, pregnant: false, breastfeeding: true, declared_at: admittedAt });
    }
    const orderDate = isoDate(new Date(arrestedAt.getTime() + DAY));
    const order: Row = {
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
      registered_by: opts.registrar,
      registered_at: admittedAt,
      verified_by: opts.verifier,
      verified_at: admittedAt,
      verification_method: 'telephone',
      verification_note: 'demo: confirmado con el despacho judicial',
    };
    const episode: Row = { id: episodeId, person_id: personId, facility_code: plan.code, admission_order_id: orderId, arrested_at: arrestedAt, arrest_place: pick(rnd, N.arrestPlaces), admitted_at: admittedAt, admitted_by: opts.registrar, rights_information_language: 'es', rights_information_given_at: admittedAt };
    const unit = plan.maximum ? unitOf(housing, plan.code, 'maximum') : age < 21 ? unitOf(housing, plan.code, 'young_adults') : unitOf(housing, plan.code, pretrial ? 'pretrial' : 'sentenced');
    const unitCells = unit ? (housing.cells.get(unit.id) ?? []) : [];
    const k = unit ? (cellCursor.get(unit.id) ?? 0) : 0;
    if (unit) cellCursor.set(unit.id, k + 1);
    out.people.push({
      personId,
      episodeId,
      orderId,
      facility: plan.code,
      group: plan.group,
      maximum: plan.maximum,
      sex: female ? 'female' : 'male',
      dateOfBirth: isoDate(birth),
      nationality,
      admittedAt,
      legalStatus,
      unitId: unit?.id ?? null,
      cellId: unitCells.length ? unitCells[k % unitCells.length]! : null,
      person,
      order,
      episode,
    });
  }
}

/** Escapes a value for a PostgreSQL array literal. */
const arrayItem = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Column types per table (the schema is the same for every database this process opens). */
const columnTypes = new Map<string, Map<string, string>>();

async function typesOf(db: Kysely<Database>, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    const r = await sql<{ name: string; type: string }>`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped`.execute(db);
    types = new Map(r.rows.map((c) => [c.name, c.type]));
    columnTypes.set(table, types);
  }
  return types;
}

/** How a column travels: epoch milliseconds, a JSON array, a dictionary index, or as it is. */
type Encoding = { kind: 'time' } | { kind: 'array' } | { kind: 'dictionary'; index: Map<string, number>; values: string[] } | { kind: 'plain' };

function encodingOf(chunk: Row[], column: string, type: string): Encoding {
  if (type.endsWith('[]')) return { kind: 'array' };
  let present = 0;
  let dates = true;
  let strings = true;
  const index = new Map<string, number>();
  for (const r of chunk) {
    const v = r[column];
    if (v === null || v === undefined) continue;
    present++;
    if (!(v instanceof Date)) dates = false;
    if (typeof v !== 'string') strings = false;
    else if (index.size <= 256 && !index.has(v)) index.set(v, index.size + 1);
    if (!dates && !strings) break;
  }
  if (present > 0 && dates) return { kind: 'time' };
  if (present > 8 && strings && index.size <= 256 && index.size * 8 <= present) return { kind: 'dictionary', index, values: [...index.keys()] };
  return { kind: 'plain' };
}

/**
 * Bulk insert. Each batch travels as one JSON parameter of positional rows, expanded by the
 * database (jsonb: parsed once, then each field is a direct lookup — with plain json every
 * r->>i re-reads the row from its start), with instants sent as epoch milliseconds and
 * repeated text (court names, codes, user ids …) sent once per batch in a dictionary: faster
 * than named records or thousands of bound values, on PGlite above all. Columns not given keep
 * their defaults; undefined and null are NULL. The rows are not modified.
 */
export async function insertBatched(db: Kysely<Database>, table: keyof Database & string, rows: Row[], batch = 10_000): Promise<void> {
  if (rows.length === 0) return;
  const keys = new Set<string>();
  for (const r of rows) for (const k in r) keys.add(k);
  const columns = [...keys];
  const types = await typesOf(db, table);
  const list = sql.join(columns.map((c) => sql.ref(c)));
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const encodings = columns.map((c) => {
      const type = types.get(c);
      if (!type) throw new Error(`insertBatched: ${table}.${c} does not exist`);
      return encodingOf(chunk, c, type);
    });
    const exprs = columns.map((c, i) => {
      const type = sql.raw(types.get(c)!);
      const at = sql.lit(i);
      const e = encodings[i]!;
      if (e.kind === 'time') return sql`to_timestamp((r->>${at})::float8 / 1000)::${type}`;
      if (e.kind === 'array') return sql`array(select jsonb_array_elements_text(r->${at}))::${type}`;
      if (e.kind === 'dictionary') return sql`(${`{${e.values.map(arrayItem).join(',')}}`}::text[])[(r->>${at})::int]::${type}`;
      return sql`(r->>${at})::${type}`;
    });
    const out: unknown[][] = new Array(chunk.length);
    for (let k = 0; k < chunk.length; k++) {
      const r = chunk[k]!;
      const row: unknown[] = new Array(columns.length);
      for (let i = 0; i < columns.length; i++) {
        const v = r[columns[i]!];
        const e = encodings[i]!;
        row[i] = v === null || v === undefined ? null : e.kind === 'time' ? (v as Date).getTime() : e.kind === 'dictionary' ? e.index.get(v as string) : v;
      }
      out[k] = row;
    }
    await sql`insert into ${sql.table(table)} (${list}) select ${sql.join(exprs)} from jsonb_array_elements(${JSON.stringify(out)}::jsonb) r`.execute(db);
  }
}
