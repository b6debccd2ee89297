// The demo's legal-time records (steps 2 and 4 of demo/legal.ts).
//
// Step 2, seedLegalTimeOrders: for every sentenced person held today, a verified sentence on the
// case of their commitment order, long enough for the end date to lie ahead (from a couple of
// hundred days to years away, after every credit the demo gives them); some consecutive second
// sentences, house arrest before the arrest credited day for day, credit for an earlier episode
// of the same case, periodic reporting and territorial restriction (CPP art. 232) and executive
// reductions. All registered by demo.legal and verified by demo.legal2.
//
// Step 4, computeLegalTimeDemo: a handful of sentenced people are due for release today and
// three are overdue (their sentence set to end on those days, for the release-control lists),
// then everyone held — sentenced and pretrial — is computed and stored (recomputeAll).
//
// Deterministic (seeded) and written in bulk. If the cases module has not written the cases
// yet, the case of the commitment order is opened here (never twice).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { demoIds, insertBatched, seededRandom, type Row } from '../demo/population.ts';
import { addTerm, dayNumber, toIsoDate } from '../sentence/dates.ts';
import { recomputeAll, type RecomputeSummary } from './recompute.ts';

export interface LegalTimeDemoOptions {
  scale: number;
  timeZone: string;
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
  seed?: number;
  /** Progress of the phases, for timing (default: silent). */
  tick?: (phase: string) => void;
}

const HOUR = 3_600_000;

const trialCourts = [
  'Tribunal de Juicio del Primer Circuito Judicial de Panamá',
  'Tribunal de Juicio del Segundo Circuito Judicial de San Miguelito',
  'Juzgado Segundo de Circuito Penal de Colón',
  'Tribunal de Juicio del Circuito Judicial de Chiriquí',
  'Juzgado Primero de Circuito Penal de Veraguas',
  'Tribunal de Juicio del Circuito Judicial de Coclé',
];
const guaranteeCourts = ['Juzgado de Garantías del Primer Circuito Judicial de Panamá', 'Juzgado de Garantías de San Miguelito', 'Juzgado de Garantías de Colón', 'Juzgado de Garantías de Chiriquí'];
/** Executive decrees of sentence reduction (rebaja de pena). */
const decrees: readonly [string, string][] = [
  ['DE 270', '2020-04-14'],
  ['DE 271', '2020-04-14'],
  ['DE 535', '2023-12-20'],
  ['DE 7', '2026-01-07'],
];

/** The largest years-and-months term not longer than `days` from `start`, and the days left over. */
export function termOfDays(start: number, days: number): { years: number; months: number; days: number } {
  let years = Math.floor(days / 366);
  while (addTerm(start, { years: years + 1, months: 0, days: 0 }) - start <= days) years++;
  let months = 0;
  while (months < 11 && addTerm(start, { years, months: months + 1, days: 0 }) - start <= days) months++;
  const rest = days - (addTerm(start, { years, months, days: 0 }) - start);
  return { years, months, days: rest };
}

interface HeldSentenced {
  person_id: string;
  episode_id: string;
  facility: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  case_id: string | null;
  case_number: string;
  authority_kind: 'court' | 'prosecutor';
  issuing_authority: string;
  arrested_on: string;
  sentenced_on: string | null;
  earlier_episode_id: string | null;
  earlier_from: string | null;
  earlier_to: string | null;
  earlier_case_number: string | null;
}

/**
 * Runs `load` with foreign-key triggers skipped when the role may (superuser: PGlite always),
 * as the demo's history does: every id written here was just read from the database.
 */
export async function withoutForeignKeyChecks<T>(db: Kysely<Database>, load: () => Promise<T>): Promise<T> {
  const superuser = (await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db)).rows[0]?.su === true;
  if (!superuser) return load();
  await sql`set local session_replication_role = replica`.execute(db);
  try {
    return await load();
  } finally {
    await sql`set local session_replication_role = origin`.execute(db);
  }
}

/** Step 2: verified sentences and the other legal orders of the sentenced people held today. */
export async function seedLegalTimeOrders(db: Kysely<Database>, opts: LegalTimeDemoOptions): Promise<Record<string, number>> {
  const seed = opts.seed ?? 6006;
  const rnd = seededRandom(seed);
  const now = Date.now();
  const ids = demoIds(seed, now - 120_000);
  const tz = opts.timeZone;
  const today = dayNumber(opts.today);
  const users = new Map((await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.legal', 'demo.legal2', 'demo.records_officer']).execute()).map((u) => [u.username, u.id]));
  const registrar = users.get('demo.legal') ?? users.get('demo.records_officer');
  const verifier = users.get('demo.legal2');
  if (!registrar || !verifier || registrar === verifier) return { sentenceOrders: 0 };

  // Cases of the commitment orders, opened here only where the cases module has not.
  await sql`insert into criminal_cases (person_id, episode_id, authority_kind, authority_name, case_number, stage, opened_at, opened_by)
    select e.person_id, e.id, o.authority_kind, o.issuing_authority, o.case_number, 'final', e.admitted_at, ${registrar}::uuid
    from custody_episodes e
    join judicial_orders o on o.id = e.admission_order_id
    join legal_status_periods s on s.episode_id = e.id and s.valid_to is null and s.status = 'sentenced'
    where e.released_at is null and not exists (select 1 from criminal_cases k where k.episode_id = e.id)`.execute(db);

  const tick = opts.tick ?? (() => undefined);
  tick('cases checked');
  const people = (
    await sql<HeldSentenced>`select e.person_id, e.id as episode_id, coalesce(p.location_facility_code, e.facility_code) as facility,
        p.given_names, p.first_surname, p.second_surname,
        k.id as case_id, coalesce(k.case_number, o.case_number) as case_number, o.authority_kind, o.issuing_authority,
        (e.arrested_at at time zone ${tz}::text)::date::text as arrested_on,
        (s.valid_from at time zone ${tz}::text)::date::text as sentenced_on,
        pe.id as earlier_episode_id, (pe.arrested_at at time zone ${tz}::text)::date::text as earlier_from,
        (pe.released_at at time zone ${tz}::text)::date::text as earlier_to, po.case_number as earlier_case_number
      from custody_episodes e
      join persons p on p.id = e.person_id
      join judicial_orders o on o.id = e.admission_order_id
      join legal_status_periods s on s.episode_id = e.id and s.valid_to is null and s.status = 'sentenced'
      left join lateral (select k.id, k.case_number from criminal_cases k where k.episode_id = e.id order by (k.case_number = o.case_number) desc, k.opened_at, k.id limit 1) k on true
            left join lateral (select x.id, x.arrested_at, x.released_at, x.admission_order_id from custody_episodes x where x.person_id = e.person_id and x.released_at is not null and x.released_at < e.arrested_at order by x.released_at desc limit 1) pe on true
      left join judicial_orders po on po.id = pe.admission_order_id
      where e.released_at is null
      order by p.prisoner_number`.execute(db)
  ).rows;

  tick(`${people.length} sentenced people read`);
  const orders: Row[] = [];
  const sentences: Row[] = [];
  const credits: Row[] = [];
  const measures: Row[] = [];
  const reductions: Row[] = [];
  const earlierCases: Row[] = [];
  const counts = { consecutive: 0, houseArrest: 0, earlierEpisode: 0, reporting: 0, restriction: 0, reductions: 0 };

  /** A verified order: registered on `day` by demo.legal, verified a few hours later by demo.legal2. */
  const order = (h: HeldSentenced, kind: string, caseId: string, caseNumber: string, authority: string, day: number): string => {
    const id = ids();
    const registeredAt = Math.min(Date.parse(`${toIsoDate(day)}T15:00:00Z`) + Math.floor(rnd() * 6) * HOUR, now - 2 * HOUR);
    orders.push({
      id,
      kind,
      authority_kind: 'court',
      issuing_authority: authority,
      case_number: caseNumber,
      order_date: toIsoDate(day),
      subject_name: [h.given_names, h.first_surname, h.second_surname].filter(Boolean).join(' '),
      person_id: h.person_id,
      facility_code: h.facility,
      status: 'verified',
      registered_by: registrar,
      registered_at: new Date(registeredAt),
      verified_by: verifier,
      verified_at: new Date(Math.min(registeredAt + (2 + Math.floor(rnd() * 40)) * HOUR, now - HOUR)),
      verification_method: rnd() < 0.7 ? 'electronic' : 'telephone',
      verification_note: 'demo: confirmada con la secretaría judicial',
      version: 2,
      case_id: caseId,
    });
    return id;
  };

  for (const h of people) {
    if (!h.case_id) continue;
    const arrest = dayNumber(h.arrested_on);
    if (arrest > today) continue;
    const elapsed = today - arrest + 1;
    // Custody credited before the arrest (day for day): shifts the end date earlier by as much.
    let before = 0;
    let earliestFree = arrest; // nothing credited on or after this day
    const earlierEnd = h.earlier_to ? dayNumber(h.earlier_to) : null;
    if (h.earlier_episode_id && earlierEnd !== null && h.earlier_from && earlierEnd - dayNumber(h.earlier_from) < 730 && rnd() < 0.35) {
      // Released, then arrested again for the same case: the earlier custody is credited.
      const from = dayNumber(h.earlier_from);
      if (h.earlier_case_number !== h.case_number) {
        earlierCases.push({ id: ids(), person_id: h.person_id, episode_id: h.earlier_episode_id, authority_kind: h.authority_kind, authority_name: h.issuing_authority, case_number: h.case_number, stage: 'investigation', closed_on: toIsoDate(earlierEnd), closure_reason: 'detention_lifted', opened_at: new Date(Date.parse(`${toIsoDate(from)}T16:00:00Z`)), opened_by: registrar });
      }
      const id = order(h, 'custody_credit', h.case_id, h.case_number, h.issuing_authority, Math.min(today - 1, arrest + 20 + Math.floor(rnd() * 60)));
      credits.push({ order_id: id, case_id: h.case_id, custody_kind: 'earlier_episode', from_date: toIsoDate(from), to_date: toIsoDate(earlierEnd), source_episode_id: h.earlier_episode_id });
      before += earlierEnd - from + 1;
      earliestFree = from;
      counts.earlierEpisode++;
    } else if (rnd() < 0.08 && (earlierEnd === null || earlierEnd < arrest - 260)) {
      // House arrest (CPP art. 231) up to the day before the arrest.
      const length = 30 + Math.floor(rnd() * 210);
      const id = order(h, 'provisional_custody', h.case_id, h.case_number, h.issuing_authority.includes('Garant') ? h.issuing_authority : guaranteeCourts[Math.floor(rnd() * guaranteeCourts.length)]!, arrest - length);
      credits.push({ order_id: id, case_id: h.case_id, custody_kind: rnd() < 0.9 ? 'house_arrest' : 'hospital', from_date: toIsoDate(arrest - length), to_date: toIsoDate(arrest - 1), source_episode_id: null });
      before += length;
      earliestFree = arrest - length;
      counts.houseArrest++;
    }
    // Non-custodial measures before custody (CPP art. 232).
    let measureCredit = 0;
    if (rnd() < 0.1) {
      const appearances = 6 + Math.floor(rnd() * 60);
      const id = order(h, 'measure', h.case_id, h.case_number, guaranteeCourts[Math.floor(rnd() * guaranteeCourts.length)]!, earliestFree - 200);
      measures.push({ order_id: id, case_id: h.case_id, measure_kind: 'periodic_reporting', appearances, from_date: null, to_date: null });
      measureCredit += Math.floor(appearances / 5);
      counts.reporting++;
      if (rnd() < 0.35 && (earlierEnd === null || earlierEnd < earliestFree - 200)) {
        const from = earliestFree - 180 + Math.floor(rnd() * 30);
        const to = earliestFree - 1 - Math.floor(rnd() * 20);
        const rid = order(h, 'measure', h.case_id, h.case_number, guaranteeCourts[Math.floor(rnd() * guaranteeCourts.length)]!, from);
        measures.push({ order_id: rid, case_id: h.case_id, measure_kind: 'territorial_restriction', appearances: null, from_date: toIsoDate(from), to_date: toIsoDate(to) });
        measureCredit += Math.floor((to - from + 1) / 5);
        counts.restriction++;
      }
    }
    // An executive reduction granted after the arrest.
    let reductionDays = 0;
    const decree = decrees.filter(([, d]) => dayNumber(d) > arrest + 180 && dayNumber(d) < today);
    const sentencedOn = Math.min(today - 1, Math.max(arrest, h.sentenced_on ? dayNumber(h.sentenced_on) : arrest + Math.floor(Math.min(elapsed - 1, 400) * rnd())));
    if (decree.length && rnd() < 0.06) {
      const [number, date] = decree[Math.floor(rnd() * decree.length)]!;
      reductionDays = 60 + Math.floor(rnd() * 300);
      const id = order(h, 'reduction', h.case_id, h.case_number, 'Órgano Ejecutivo (Ministerio de Gobierno)', dayNumber(date));
      reductions.push({ order_id: id, days: reductionDays, decree_number: number, decree_date: date });
      counts.reductions++;
    }

    // The sentence(s): custody so far, the credits, and from 200 days to years still to serve.
    const ahead = 200 + Math.floor(rnd() < 0.6 ? rnd() * 1100 : rnd() * 3600);
    const start = arrest - before;
    const total = elapsed + before + ahead + measureCredit + reductionDays;
    const court = trialCourts[Math.floor(rnd() * trialCourts.length)]!;
    if (rnd() < 0.1 && total > 900) {
      // Two sentences, the second consecutive to the first (CP art. 52: they add up).
      const secondLength = 365 + Math.floor(rnd() * Math.min(1800, total - 500));
      const firstTerm = termOfDays(start, total - secondLength);
      const firstId = order(h, 'sentence', h.case_id, h.case_number, court, sentencedOn);
      sentences.push({ order_id: firstId, case_id: h.case_id, ...firstTerm, relation: 'concurrent', consecutive_to: null, sentenced_on: toIsoDate(sentencedOn), court, rule_set_id: null });
      const secondStart = addTerm(start, firstTerm);
      const secondOn = Math.min(today - 1, sentencedOn + 30 + Math.floor(rnd() * 300));
      const secondId = order(h, 'sentence', h.case_id, h.case_number, court, secondOn);
      sentences.push({ order_id: secondId, case_id: h.case_id, ...termOfDays(secondStart, secondLength), relation: 'consecutive', consecutive_to: firstId, sentenced_on: toIsoDate(secondOn), court, rule_set_id: null });
      counts.consecutive++;
    } else {
      const id = order(h, 'sentence', h.case_id, h.case_number, court, sentencedOn);
      sentences.push({ order_id: id, case_id: h.case_id, ...termOfDays(start, total), relation: 'concurrent', consecutive_to: null, sentenced_on: toIsoDate(sentencedOn), court, rule_set_id: null });
    }
  }

  tick(`${orders.length} orders planned`);
  await withoutForeignKeyChecks(db, async () => {
    await insertBatched(db, 'criminal_cases', earlierCases);
    await insertBatched(db, 'judicial_orders', orders);
    tick('judicial_orders written');
    await insertBatched(db, 'sentence_orders', sentences);
    await insertBatched(db, 'custody_credit_orders', credits);
    await insertBatched(db, 'measure_orders', measures);
    await insertBatched(db, 'reduction_orders', reductions);
  });
  tick('details written');
  await sql`analyze sentence_orders, custody_credit_orders, measure_orders, reduction_orders`.execute(db);
  tick('analyzed');
  return {
    sentenceOrders: sentences.length,
    consecutiveSentences: counts.consecutive,
    houseArrestOrders: counts.houseArrest,
    earlierEpisodeCredits: counts.earlierEpisode,
    measureOrders: counts.reporting + counts.restriction,
    reductionOrders: counts.reductions,
  };
}

/** Step 4: a few sentences end today or ended days ago; then everyone held is computed. */
export async function computeLegalTimeDemo(
  db: Kysely<Database>,
  opts: LegalTimeDemoOptions & { dueToday?: number; overdueDays?: readonly number[] },
): Promise<{ counts: Record<string, number>; summary: RecomputeSummary }> {
  const today = dayNumber(opts.today);
  const dueToday = opts.dueToday ?? Math.max(2, Math.round(6 * Math.min(1, opts.scale * 4)));
  const overdueDays = opts.overdueDays ?? [2, 5, 11];
  const targets = [...Array.from({ length: dueToday }, () => 0), ...overdueDays];
  // Candidates: one verified sentence and nothing else that counts — no credited custody, measure,
  // reduction or redemption record, no hospital stay or escape — so custody runs without a gap
  // from the arrest and the term's last day is the end date.
  const tz = opts.timeZone;
  const candidates = (
    await sql<{ order_id: string; arrested_on: string }>`select min(s.order_id::text)::uuid as order_id, (e.arrested_at at time zone ${tz}::text)::date::text as arrested_on
      from custody_episodes e
      join criminal_cases k on k.episode_id = e.id
      join sentence_orders s on s.case_id = k.id
      join judicial_orders o on o.id = s.order_id and o.status = 'verified'
      where e.released_at is null and e.arrested_at < ${new Date(Date.parse(`${opts.today}T12:00:00Z`) - 400 * 86_400_000)}
        and not exists (select 1 from absences a where a.episode_id = e.id and a.kind in ('hospital', 'escape'))
        and not exists (select 1 from redemption_records r where r.episode_id = e.id)
        and not exists (select 1 from criminal_cases k2 join judicial_orders x on x.case_id = k2.id
                        where k2.episode_id = e.id and x.kind in ('provisional_custody', 'measure', 'reduction', 'custody_credit') and x.status <> 'rejected')
      group by e.id, e.person_id, e.arrested_at
      having count(*) = 1
      order by e.person_id`.execute(db)
  ).rows;
  const step = Math.max(1, Math.floor(candidates.length / Math.max(1, targets.length)));
  let adjusted = 0;
  for (let i = 0; i < targets.length && i * step < candidates.length; i++) {
    const c = candidates[i * step]!;
    const start = dayNumber(c.arrested_on);
    const end = today - targets[i]!; // custody without a gap: the end date is the term's last day
    await db.updateTable('sentence_orders').set(termOfDays(start, end - start + 1)).where('order_id', '=', c.order_id).execute();
    adjusted++;
  }
  const summary = await withoutForeignKeyChecks(db, () => recomputeAll(db, { asOf: opts.today, cause: 'demo', actorId: null, timeZone: opts.timeZone }));
  return { counts: { sentenceComputations: summary.stored, computationsFailed: summary.failed.length, releasesDueOrOverdue: adjusted }, summary };
}
