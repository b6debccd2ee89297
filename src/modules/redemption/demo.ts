// The demo's redemption ledger (step 3 of demo/legal.ts): monthly work, study and teaching
// records for about a third of the sentenced people held today, in Panama's programmes —
// workshops, bakery, farming, MEDUCA schooling, INADEH courses, literacy monitors. Every record
// lies inside the person's custody as the legal-time module reads it (escapes cut out), ends
// before today and never overlaps another, so the computation of step 4 accepts them all.
// Older months are decided by the Juez de Cumplimiento (approved, a few refused), the months
// before last are evaluated by the Junta Técnica, the latest are only certified.
//
// Deterministic (seeded generator; the same demo for the same day) and written in bulk.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { demoIds, insertBatched, seededRandom, type Row } from '../demo/population.ts';
import { buildCustodyPeriods } from '../legal-time/build-custody-periods.ts';
import { loadCustodyRecords } from '../legal-time/custody-periods.ts';
import { dayNumber, toIsoDate } from '../sentence/dates.ts';
import { maxPeriodDays, type ActivityKind } from './rules.ts';

export interface RedemptionDemoOptions {
  timeZone: string;
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
  seed?: number;
  /** Share of the sentenced people held today with records (default 0.35). */
  share?: number;
  /** Progress lines (phase and milliseconds), for measuring the seed. */
  log?: (line: string) => void;
}

/** Panama's programmes by activity (the programmes module will own this list later). */
const programmes: Record<ActivityKind, readonly [string, number][]> = {
  work: [
    ['Taller de carpintería', 3],
    ['Panadería', 3],
    ['Agricultura y huertos', 2],
    ['Limpieza y mantenimiento', 3],
    ['Cocina del centro', 3],
    ['Taller de costura', 1],
    ['Artesanías', 2],
    ['Lavandería', 1],
  ],
  study: [
    ['Educación básica general (MEDUCA)', 4],
    ['Bachillerato (MEDUCA)', 3],
    ['Alfabetización', 2],
    ['Cursos técnicos INADEH', 2],
    ['Universidad de Panamá – extensión', 1],
  ],
  teaching: [
    ['Alfabetización (monitor)', 3],
    ['Tutoría de educación básica', 2],
    ['Instructor de taller INADEH', 1],
  ],
};

const HOUR = 3_600_000;

function pickWeighted<T>(rnd: () => number, table: readonly [T, number][]): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) {
    x -= w;
    if (x < 0) return v;
  }
  return table[table.length - 1]![0];
}

/** The longest run of custody days inside [from, to] (adjacent periods of different kinds join up); periods as day numbers. */
function longestCustodyRun(periods: readonly { from: number; to: number }[], from: number, to: number): [number, number] | null {
  let best: [number, number] | null = null;
  let run: [number, number] | null = null;
  for (const p of periods) {
    const a = Math.max(p.from, from);
    const b = Math.min(p.to, to);
    if (b < a) continue;
    run = run && a === run[1] + 1 ? [run[0], b] : [a, b];
    if (!best || run[1] - run[0] > best[1] - best[0]) best = [run[0], run[1]];
  }
  return best;
}

/**
 * Runs `load` with the ledger's secondary indexes and exclusion constraint dropped, then
 * rebuilds them from their own definitions (building once is far faster than row by row, and
 * the rebuild still checks the no-overlap rule over all the rows); foreign-key triggers are
 * skipped when the role may (PGlite always). All in the caller's transaction.
 */
async function bulkLoad(db: Kysely<Database>, load: () => Promise<void>, tick: (phase: string) => void = () => undefined): Promise<void> {
  const table = sql`'redemption_records'::regclass`;
  const superuser = (await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db)).rows[0]?.su === true;
  if (superuser) await sql`set local session_replication_role = replica`.execute(db);
  const constraints = (await sql<{ name: string; def: string }>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where contype = 'x' and conrelid = ${table} order by conname`.execute(db)).rows;
  const indexes = (await sql<{ name: string; def: string }>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def from pg_index i
    where i.indrelid = ${table} and not i.indisprimary and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by i.indexrelid`.execute(db)).rows;
  for (const c of constraints) await sql`alter table redemption_records drop constraint ${sql.ref(c.name)}`.execute(db);
  for (const i of indexes) await sql`drop index ${sql.raw(i.name)}`.execute(db);
  tick('indexes dropped');
  await load();
  tick('rows written');
  for (const i of indexes) await sql.raw(i.def).execute(db);
  for (const c of constraints) await sql`alter table redemption_records add constraint ${sql.ref(c.name)} ${sql.raw(c.def)}`.execute(db);
  tick('indexes rebuilt');
  if (superuser) await sql`set local session_replication_role = origin`.execute(db);
}

/** A date as an instant at `hour` o'clock in Panama (UTC−5, no daylight saving). */
const at = (day: number, hour: number): number => day * 24 * HOUR + (hour + 5) * HOUR;

export async function seedRedemptionDemo(db: Kysely<Database>, opts: RedemptionDemoOptions): Promise<{ redemptionRecords: number; redemptionPeople: number }> {
  const rnd = seededRandom(opts.seed ?? 5758);
  const share = opts.share ?? 0.35;
  const today = dayNumber(opts.today);
  const now = Date.now();
  let mark = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    opts.log?.(`redemption demo: ${name} ${Math.round(t - mark)} ms`);
    mark = t;
  };

  const users = new Map((await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.programmes', 'demo.legal', 'demo.legal2', 'demo.technical_board']).execute()).map((u) => [u.username, u.id]));
  const programmesUser = users.get('demo.programmes');
  const legal = users.get('demo.legal');
  const legal2 = users.get('demo.legal2') ?? legal;
  const board = users.get('demo.technical_board');
  if (!programmesUser || !legal || !legal2 || !board) return { redemptionRecords: 0, redemptionPeople: 0 };

  // The sentenced people held today, in a fixed order; about a third take part in programmes.
  const sentenced = await db
    .selectFrom('persons as p')
    .innerJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'p.id').on('e.released_at', 'is', null))
    .innerJoin('legal_status_periods as l', (j) => j.onRef('l.episode_id', '=', 'e.id').on('l.valid_to', 'is', null))
    .select(['p.id', 'p.prisoner_number', 'p.location_facility_code', 'e.id as episode_id', 'e.facility_code'])
    .where('p.custody_status', '=', 'in_custody')
    .where('l.status', '=', 'sentenced')
    .orderBy('p.prisoner_number')
    .execute();
  phase('sentenced people');
  const chosen = sentenced.filter(() => rnd() < share);
  if (!chosen.length) return { redemptionRecords: 0, redemptionPeople: 0 };
  const custody = await loadCustodyRecords(db, { episodeIds: chosen.map((c) => c.episode_id) }, opts.timeZone);
  phase('custody records');

  const ids = demoIds(opts.seed ?? 5758, now - 60_000);
  const rows: Row[] = [];
  const people = new Set<string>();
  let resolution = 0;
  // Month m months back from the current one: its first and last day.
  const current = new Date(`${opts.today.slice(0, 7)}-01T00:00:00Z`);
  const monthBounds = (back: number): [number, number] => {
    const first = new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - back, 1));
    const last = new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - back + 1, 0));
    return [dayNumber(first.toISOString().slice(0, 10)), dayNumber(last.toISOString().slice(0, 10))];
  };

  for (const c of chosen) {
    const records = custody.get(c.episode_id);
    if (!records) continue;
    const periods = buildCustodyPeriods(records, opts.today).map((p) => ({ from: dayNumber(p.from), to: p.to === null ? Number.POSITIVE_INFINITY : dayNumber(p.to) }));
    if (!periods.length) continue;
    const kind: ActivityKind = pickWeighted(rnd, [['work', 6], ['study', 3], ['teaching', 1]]);
    let programme = pickWeighted(rnd, programmes[kind]);
    const monthsBack = 2 + Math.floor(rnd() * 11); // taking part for 2 to 12 months
    const facility = c.location_facility_code ?? c.facility_code;
    for (let back = monthsBack; back >= 1; back--) {
      if (rnd() < 0.1) continue; // a month without activity
      if (rnd() < 0.08) programme = pickWeighted(rnd, programmes[kind]); // moved to another programme
      const [mFrom, mTo] = monthBounds(back);
      if (mTo >= today) continue;
      const run = longestCustodyRun(periods, mFrom, mTo);
      if (!run || run[1] - run[0] + 1 < 7) continue;
      const [from, to] = run;
      const length = Math.min(to - from + 1, maxPeriodDays);
      const days = kind === 'teaching' ? null : Math.max(1, Math.round(length * (0.5 + rnd() * 0.4)));
      const hours = kind === 'teaching' ? Math.max(8, Math.round(length * (0.8 + rnd() * 1.6))) : null;
      // Certified a few days after the month; the board meets about three weeks later; the judge decides within two months.
      const certifiedAt = Math.min(at(to + 2 + Math.floor(rnd() * 5), 10), now - 2 * HOUR);
      const status = back >= 4 ? (rnd() < 0.05 ? 'refused' : 'approved') : back === 3 || (back === 2 && rnd() < 0.5) ? 'evaluated' : 'certified';
      const evaluated = status !== 'certified';
      const decided = status === 'approved' || status === 'refused';
      const evaluatedAt = evaluated ? Math.min(at(to + 20 + Math.floor(rnd() * 10), 15), now - HOUR) : null;
      const decisionDay = decided ? Math.min(to + 40 + Math.floor(rnd() * 30), today - 1) : null;
      const certifier = rnd() < 0.85 ? programmesUser : legal;
      rows.push({
        id: ids(),
        person_id: c.id,
        episode_id: c.episode_id,
        facility_code: facility,
        activity_kind: kind,
        programme,
        period_from: toIsoDate(from),
        period_to: toIsoDate(to),
        days,
        hours,
        status,
        certified_by: certifier,
        certified_at: new Date(certifiedAt),
        evaluated_by: evaluated ? board : null,
        evaluated_at: evaluatedAt === null ? null : new Date(evaluatedAt),
        evaluation: evaluated ? (status === 'refused' ? 'unfavourable' : 'favourable') : null,
        evaluation_note: evaluated ? (status === 'refused' ? 'demo: inasistencias reiteradas al programa' : 'demo: acta de la Junta Técnica, cumplimiento satisfactorio') : null,
        decided_by: decided ? (certifier === legal ? legal2 : legal) : null,
        decided_at: decisionDay === null ? null : new Date(Math.min(at(decisionDay, 16), now - HOUR)),
        decision_reference: decided ? `JC-${facility}-${toIsoDate(decisionDay!).slice(0, 4)}-${String(++resolution).padStart(5, '0')}` : null,
        decision_date: decisionDay === null ? null : toIsoDate(decisionDay),
        decision_note: null,
        version: 1 + (evaluated ? 1 : 0) + (decided ? 1 : 0),
      });
      people.add(c.id);
    }
  }
  phase('plan');
  await bulkLoad(db, () => insertBatched(db, 'redemption_records', rows), phase);
  phase('insert');
  return { redemptionRecords: rows.length, redemptionPeople: people.size };
}
