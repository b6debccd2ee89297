// The demo's criminal cases, charges and court hearings (step 1 of demo/legal.ts), consistent
// with each person held today: one case per current custody episode from its commitment order
// (authority and case number), one to three charges from the catalogue in a plausible mix
// (drugs, robbery, homicide, weapons…; more drugs and theft among women), a stage that follows
// the legal status (pretrial: investigation or trial; sentenced: final or appeal), a second open
// case for some sentenced people (sentenced in one case, pretrial in another), the past
// legalization hearing of the pretrial case, and upcoming hearings for some — including some
// today at La Joya (PA-LJ), so that its daily court list is never empty. Released episodes of
// the history get no cases. Deterministic (seeded), written in bulk.
import { sql, type Kysely } from 'kysely';
import type { CaseStage, Database } from '../../platform/db/schema.ts';
import { localToIso } from '../admission/local-time.ts';
import * as N from '../demo/names.ts';
import { demoIds, insertBatched, pick, seededRandom, weighted, type Row } from '../demo/population.ts';

export interface CasesDemoOptions {
  scale: number;
  timeZone: string;
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
  seed?: number;
  now?: Date;
  /** Phase timings, for the benchmarks. */
  log?: (message: string) => void;
}

/** The centre whose daily court list always has people on it. */
export const demoCourtListFacility = 'PA-LJ';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The first offence of a case, by weight (men, women). */
const menOffences: readonly [string, number][] = [
  ['DROGAS-POSESION-AGR', 18],
  ['DROGAS-TRAFICO', 7],
  ['DROGAS-CULTIVO', 1],
  ['ROBO-AGR', 15],
  ['ROBO', 5],
  ['HOM-AGRAVADO', 7],
  ['HOM-SIMPLE', 6],
  ['FEMICIDIO', 1],
  ['ARMA-POSESION', 8],
  ['HURTO-AGR', 5],
  ['HURTO', 3],
  ['VIOLACION', 4],
  ['ACTOS-LIBIDINOSOS', 2],
  ['ESTUPRO', 1],
  ['VIOLENCIA-DOMESTICA', 3],
  ['LESIONES-AGR', 2],
  ['PANDILLERISMO', 3],
  ['SECUESTRO', 1],
  ['EXTORSION', 1],
  ['ESTAFA', 1],
  ['BLANQUEO', 1],
  ['PECULADO', 0.3],
  ['CORRUPCION', 0.3],
];
const womenOffences: readonly [string, number][] = [
  ['DROGAS-POSESION-AGR', 30],
  ['DROGAS-TRAFICO', 15],
  ['HURTO', 6],
  ['HURTO-AGR', 4],
  ['ESTAFA', 5],
  ['ROBO-AGR', 4],
  ['ROBO', 2],
  ['HOM-SIMPLE', 3],
  ['HOM-AGRAVADO', 2],
  ['BLANQUEO', 3],
  ['VIOLENCIA-DOMESTICA', 2],
  ['LESIONES', 2],
  ['TRATA-PERSONAS', 1],
  ['ARMA-POSESION', 1],
  ['PECULADO', 0.5],
];

/** Offences that often come with a first one: [offence, probability]. */
const companions: Record<string, readonly [string, number][]> = {
  'ROBO-AGR': [['ARMA-POSESION', 0.4], ['PANDILLERISMO', 0.08], ['LESIONES', 0.08]],
  ROBO: [['LESIONES', 0.1]],
  'HOM-AGRAVADO': [['ARMA-POSESION', 0.5], ['PANDILLERISMO', 0.15]],
  'HOM-SIMPLE': [['ARMA-POSESION', 0.35], ['LESIONES-AGR', 0.1]],
  SECUESTRO: [['ARMA-POSESION', 0.4], ['ASOCIACION-ILICITA', 0.3]],
  EXTORSION: [['PANDILLERISMO', 0.4], ['ARMA-POSESION', 0.2]],
  'DROGAS-POSESION-AGR': [['ARMA-POSESION', 0.1], ['ASOCIACION-ILICITA', 0.05]],
  'DROGAS-TRAFICO': [['ASOCIACION-ILICITA', 0.2], ['BLANQUEO', 0.1]],
  PANDILLERISMO: [['ARMA-POSESION', 0.4], ['DROGAS-POSESION-AGR', 0.2], ['HOM-AGRAVADO', 0.08]],
  'VIOLENCIA-DOMESTICA': [['LESIONES', 0.2]],
  VIOLACION: [['PRIVACION-LIBERTAD', 0.08]],
  ESTAFA: [['FALSIFICACION-DOC', 0.25]],
  PECULADO: [['CORRUPCION', 0.2], ['BLANQUEO', 0.2]],
  BLANQUEO: [['ASOCIACION-ILICITA', 0.2]],
};
/** Offences of a second case opened while in prison. */
const inPrisonOffences: readonly [string, number][] = [
  ['DROGAS-POSESION-AGR', 5],
  ['LESIONES-AGR', 3],
  ['HOM-SIMPLE', 1],
  ['ARMA-POSESION', 2],
  ['ROBO-AGR', 2],
  ['EXTORSION', 1],
  ['EVASION', 1],
];
const repeatable = new Set(['ROBO-AGR', 'ROBO', 'HURTO', 'HURTO-AGR', 'ESTAFA', 'EXTORSION', 'ACTOS-LIBIDINOSOS']);
const attemptable = new Set(['HOM-AGRAVADO', 'HOM-SIMPLE', 'FEMICIDIO', 'ROBO-AGR', 'ROBO', 'VIOLACION', 'HURTO-AGR']);

const prosecutors = [
  'Fiscalía Metropolitana de Drogas',
  'Fiscalía Metropolitana de Homicidio y Femicidio',
  'Fiscalía Metropolitana de Delitos contra el Patrimonio',
  'Fiscalía Regional de Colón',
  'Fiscalía Regional de Chiriquí',
  'Fiscalía Regional de Panamá Oeste',
];
const trialCourts = ['Tribunal de Juicio del Primer Circuito Judicial', 'Tribunal de Juicio de Veraguas', 'Tribunal de Juicio de Colón'];
const guaranteeCourts = N.courts.filter((c) => c.startsWith('Juzgado de Garantías'));
const purposes: Record<CaseStage, string[]> = {
  investigation: ['Audiencia de revisión de medida cautelar', 'Audiencia de imputación de cargos', 'Audiencia de prórroga del término de investigación', 'Audiencia de afectación de derechos'],
  trial: ['Audiencia intermedia', 'Audiencia de juicio oral', 'Audiencia de acuerdo de pena', 'Audiencia de lectura de sentencia'],
  first_instance: ['Audiencia de lectura de sentencia'],
  appeal: ['Audiencia de apelación'],
  final: ['Audiencia ante el Juez de Cumplimiento'],
};

function lawyer(rnd: () => number): string {
  const female = rnd() < 0.45;
  return `${female ? 'Lcda.' : 'Lcdo.'} ${pick(rnd, female ? N.femaleGivenNames : N.maleGivenNames)} ${pick(rnd, N.surnames)}`;
}
const judge = (rnd: () => number): string => `${pick(rnd, rnd() < 0.5 ? N.femaleGivenNames : N.maleGivenNames)} ${pick(rnd, N.surnames)} ${pick(rnd, N.surnames)}`;

interface HeldEpisode {
  episode_id: string;
  person_id: string;
  authority_kind: 'court' | 'prosecutor';
  issuing_authority: string;
  case_number: string;
  facility: string | null;
  sex: string;
  status: string | null;
  admitted_at: Date;
  arrested_at: Date;
}

/** Seeds the cases of the people held today; returns the counts written. */
export async function seedCasesDemo(db: Kysely<Database>, opts: CasesDemoOptions): Promise<Record<string, number>> {
  let mark = performance.now();
  const tick = (phase: string) => {
    const t = performance.now();
    opts.log?.(`cases demo, ${phase}: ${Math.round(t - mark)} ms`);
    mark = t;
  };
  const rnd = seededRandom(opts.seed ?? 20261130);
  const now = (opts.now ?? new Date()).getTime();
  const ids = demoIds((opts.seed ?? 20261130) + 7, now);
  const held = (
    await sql<HeldEpisode>`select e.id as episode_id, e.person_id, o.authority_kind, o.issuing_authority, o.case_number,
        p.location_facility_code as facility, p.sex, s.status, e.admitted_at, e.arrested_at
      from custody_episodes e
      join persons p on p.id = e.person_id
      join judicial_orders o on o.id = e.admission_order_id
      left join legal_status_periods s on s.episode_id = e.id and s.valid_to is null
      where e.released_at is null
      order by e.admitted_at, e.id`.execute(db)
  ).rows;
  tick(`${held.length} held episodes read`);
  if (!held.length) return { criminalCases: 0, caseCharges: 0, courtHearings: 0 };
  const users = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.legal', 'demo.records_officer']).execute();
  const legal = users.find((u) => u.username === 'demo.legal')?.id ?? null;
  const registrar = users.find((u) => u.username === 'demo.records_officer')?.id ?? legal;

  // Wall-clock times where the centres are: midnight of each day found once.
  const midnights = new Map<string, number>();
  const at = (day: string, hour: number, minute: number): Date => {
    let m = midnights.get(day);
    if (m === undefined) {
      m = Date.parse(localToIso(`${day}T00:00`, opts.timeZone)!);
      midnights.set(day, m);
    }
    return new Date(m + hour * HOUR + minute * 60_000);
  };
  const dayAfter = (days: number): string => new Date(Date.parse(`${opts.today}T12:00:00Z`) + days * DAY).toISOString().slice(0, 10);
  /** A working day 1–60 days ahead. */
  const upcomingDay = (): string => {
    for (;;) {
      const d = dayAfter(1 + Math.floor(rnd() * 60));
      const dow = new Date(`${d}T12:00:00Z`).getUTCDay();
      if (dow !== 0 && dow !== 6) return d;
    }
  };
  const hearingTime = (day: string) => at(day, 8 + Math.floor(rnd() * 7), pick(rnd, [0, 15, 30, 45]));

  const cases: Row[] = [];
  const charges: Row[] = [];
  const hearings: Row[] = [];

  const addCharges = (caseId: string, first: string, openedAt: Date, max: number) => {
    const codes = [first];
    for (const [code, p] of companions[first] ?? []) if (codes.length < max && !codes.includes(code) && rnd() < p) codes.push(code);
    codes.forEach((code, i) =>
      charges.push({
        id: ids(),
        case_id: caseId,
        offence_code: code,
        counts: repeatable.has(code) && rnd() < 0.15 ? 2 + Math.floor(rnd() * 2) : 1,
        attempted: attemptable.has(code) && i === 0 && rnd() < 0.08,
        added_at: new Date(openedAt.getTime() + i),
        added_by: legal,
      }),
    );
  };
  const addHearing = (caseId: string, personId: string, when: Date, court: string, purpose: string, status: 'scheduled' | 'held' = 'scheduled', outcome: string | null = null) =>
    hearings.push({ id: ids(), case_id: caseId, person_id: personId, scheduled_at: when, court, purpose, status, outcome, created_at: new Date(Math.min(now, when.getTime() - 7 * DAY)), created_by: registrar });

  // People at PA-LJ held pretrial: a few of them go to court today.
  let ljLeft = held.filter((h) => h.facility === demoCourtListFacility && h.status === 'pretrial').length;
  let ljWanted = Math.min(ljLeft, Math.max(6, Math.round(ljLeft * 0.03)));

  for (const h of held) {
    const female = h.sex === 'female';
    const status = h.status ?? 'pretrial';
    const daysHeld = (now - h.admitted_at.getTime()) / DAY;
    const stage: CaseStage =
      status === 'sentenced' ? (rnd() < 0.82 ? 'final' : 'appeal') : status === 'pretrial' ? (rnd() < Math.min(0.7, 0.15 + daysHeld / 900) ? 'trial' : 'investigation') : 'investigation';
    const defence = weighted(rnd, [['public_defender', 72], ['private_lawyer', 25], ['unknown', 3]]) as 'public_defender' | 'private_lawyer' | 'unknown';
    const caseId = ids();
    cases.push({
      id: caseId,
      person_id: h.person_id,
      episode_id: h.episode_id,
      authority_kind: h.authority_kind,
      authority_name: h.issuing_authority,
      case_number: h.case_number,
      judge_name: rnd() < 0.85 ? judge(rnd) : null,
      defence_kind: defence,
      defence_name: defence === 'unknown' ? null : defence === 'public_defender' && rnd() < 0.4 ? null : lawyer(rnd),
      stage,
      opened_at: h.admitted_at,
      opened_by: legal,
    });
    addCharges(caseId, weighted(rnd, female ? womenOffences : menOffences), h.admitted_at, 3);

    if (status === 'pretrial') {
      // The hearing that legalized the arrest and ordered provisional detention (CPP art. 226).
      const legalization = new Date(h.arrested_at.getTime() + (14 + Math.floor(rnd() * 20)) * HOUR);
      addHearing(caseId, h.person_id, legalization, pick(rnd, guaranteeCourts), 'Audiencia de control de aprehensión e imputación', 'held', 'Se legalizó la aprehensión, se imputaron cargos y se impuso la detención provisional.');
      const court = stage === 'trial' ? pick(rnd, trialCourts) : h.authority_kind === 'court' ? h.issuing_authority : pick(rnd, guaranteeCourts);
      let today = rnd() < 0.015;
      if (h.facility === demoCourtListFacility) {
        // Exactly ljWanted of them, spread over the list.
        today = ljWanted > 0 && (rnd() < ljWanted / ljLeft || ljWanted >= ljLeft);
        ljLeft--;
        if (today) ljWanted--;
      }
      if (today) addHearing(caseId, h.person_id, hearingTime(opts.today), court, pick(rnd, purposes[stage]));
      else if (rnd() < 0.2) addHearing(caseId, h.person_id, hearingTime(upcomingDay()), court, pick(rnd, purposes[stage]));
    } else if (status === 'sentenced' && stage === 'appeal' && rnd() < 0.2) {
      addHearing(caseId, h.person_id, hearingTime(upcomingDay()), 'Segundo Tribunal Superior de Justicia del Primer Distrito Judicial', purposes.appeal[0]!);
    }

    // Sentenced in one case, pretrial in another: an offence while held (or an older case reopened).
    if (status === 'sentenced' && daysHeld > 60 && rnd() < 0.1) {
      const second = ids();
      const openedAt = new Date(h.admitted_at.getTime() + (30 + Math.floor(rnd() * Math.max(1, daysHeld - 45))) * DAY);
      const secondStage: CaseStage = rnd() < 0.75 ? 'investigation' : 'trial';
      const prosecutor = rnd() < 0.6;
      cases.push({
        id: second,
        person_id: h.person_id,
        episode_id: h.episode_id,
        authority_kind: prosecutor ? 'prosecutor' : 'court',
        authority_name: prosecutor ? pick(rnd, prosecutors) : pick(rnd, guaranteeCourts),
        case_number: `${new Date(openedAt).getUTCFullYear()}-${String(Math.floor(rnd() * 99999)).padStart(5, '0')}-B`,
        judge_name: prosecutor ? null : judge(rnd),
        defence_kind: 'public_defender',
        defence_name: null,
        stage: secondStage,
        opened_at: openedAt,
        opened_by: legal,
      });
      addCharges(second, weighted(rnd, inPrisonOffences), openedAt, 2);
      if (rnd() < 0.3) addHearing(second, h.person_id, hearingTime(upcomingDay()), pick(rnd, secondStage === 'trial' ? trialCourts : guaranteeCourts), pick(rnd, purposes[secondStage]));
    }
  }

  tick('rows built');
  // The rows reference what the query above read: as the rest of the seed, they skip the
  // foreign-key triggers (row by row, they would cost more than the writes themselves).
  const superuser = (await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db)).rows[0]?.su === true;
  if (superuser) await sql`set local session_replication_role = replica`.execute(db);
  // Secondary indexes are built once after the load rather than row by row.
  const indexes = (
    await sql<{ name: string; def: string }>`select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def from pg_index i
      where i.indrelid in ('criminal_cases'::regclass, 'case_charges'::regclass, 'court_hearings'::regclass) and not i.indisprimary
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
      order by i.indrelid, i.indexrelid`.execute(db)
  ).rows;
  for (const i of indexes) await sql`drop index ${sql.raw(i.name)}`.execute(db);
  await insertBatched(db, 'criminal_cases', cases);
  tick('cases written');
  await insertBatched(db, 'case_charges', charges);
  tick('charges written');
  await insertBatched(db, 'court_hearings', hearings);
  tick('hearings written');
  for (const i of indexes) await sql.raw(i.def).execute(db);
  tick(`${indexes.length} indexes rebuilt`);
  if (superuser) await sql`set local session_replication_role = origin`.execute(db);
  await sql`analyze criminal_cases, case_charges, court_hearings`.execute(db);
  tick('analyzed');
  return { criminalCases: cases.length, caseCharges: charges.length, courtHearings: hearings.length };
}
