// Ten years and more of custody history behind the people held today, for the demo: about
// 150,000 persons, 250,000 custody episodes and 1,000,000 movements at scale 1 (admissions,
// transfers, court appearances, escapes and releases), consistent with the counting rules of
// statistics/occupancy-rules.ts, so that occupancy on past dates follows the published national
// totals (../shared/domain/panama.md): about 15,600 held in 2014, 60 % of them unsentenced,
// rising to today's population with about 35 % unsentenced; women about 5 %.
//
// How: today's people (population.ts) are fixed. Their current episodes get a past (a pretrial
// phase before the sentence, the centre that admitted them before a transfer, court trips).
// Then a day-by-day simulation from 2014-01-01 admits, sentences, transfers and releases the
// other episodes so that, at the end of every day and in every centre, the people held (today's
// people already admitted plus the simulated ones) match the target curves; some of those
// episodes are earlier stays of today's people (returning persons). Every release rests on a
// release order verified by a second user. Placements (unit and cell) go back one year
// (placementHistoryDays). Everything is generated in memory from seeded
// generators and written in bulk (secondary indexes and exclusion constraints are rebuilt once
// at the end, foreign-key triggers are skipped when the database role may do so: the rows are
// consistent by construction, and the tests check it).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { endOfDay } from '../../platform/time.ts';
import { formatPrisonerNumber, normalizeDocumentNumber, searchTextOf } from '../persons/identity.ts';
import { openedOn } from '../facilities/reference-data.ts';
import * as N from './names.ts';
import {
  cedula,
  demoIds,
  HOUR,
  insertBatched,
  isoDate,
  loadHousing,
  pick,
  planPopulation,
  populationPlan,
  seededRandom,
  unitOf,
  weighted,
  type Housing,
  type Row,
  type TodayPerson,
} from './population.ts';

/** The first day of the simulated history (the first published figure is of September 2014). */
export const historyStart = '2014-01-01';

/**
 * The published national totals the past follows (panama.md), before scaling; the last point,
 * today, is the population seeded by population.ts. January 2014 is extrapolated.
 */
export const nationalTotals: readonly [string, number][] = [
  ['2014-01-01', 15_300],
  ['2014-09-15', 15_578],
  ['2016-04-15', 17_197],
  ['2020-04-15', 17_899],
  ['2022-05-15', 20_554],
  ['2023-11-15', 23_342],
  ['2024-07-15', 24_182],
  ['2025-05-15', 24_527],
];
/** Unsentenced share (panama.md: ~60 % in 2014, 62.6 % end of 2015, 42 % in 2020, 35 % since 2022). */
export const unsentencedShares: readonly [string, number][] = [
  ['2014-01-01', 0.6],
  ['2014-09-15', 0.6],
  ['2015-12-31', 0.626],
  ['2020-04-15', 0.42],
  ['2022-05-15', 0.35],
  ['2024-07-15', 0.35],
];
/** Women held (panama.md: 1,077 in 2014, 925 in 2020, 1,078 in 2022); today: the women's centres. */
export const womenTotals: readonly [string, number][] = [
  ['2014-01-01', 1_060],
  ['2014-09-15', 1_077],
  ['2020-04-15', 925],
  ['2022-05-15', 1_078],
];
/** The accusatory system applies nationwide from this date: pretrial detention got shorter. */
export const accusatorySystemFrom = '2016-09-02';

/** What the full demo aims at, per unit of scale (issue 5). */
export const historyTargets = { persons: 150_000, episodes: 250_000, movements: 1_000_000 } as const;

export interface SeedPeopleOptions {
  scale: number;
  now?: Date;
  timeZone: string;
  seed?: number;
  /** false: only today's people, each with a current episode without a past. */
  history?: boolean;
  /** Progress lines (phase and milliseconds), for measuring the seed. */
  log?: (line: string) => void;
}

export interface SeedCounts {
  persons: number;
  heldToday: number;
  episodes: number;
  movements: number;
  transfers: number;
  courtAppearances: number;
  escapes: number;
  releases: number;
}

// ---------------------------------------------------------------------------------------------
// Days

/** Local days of the configured time zone, numbered from the history's start (day 0). */
class Calendar {
  private readonly starts = new Map<number, number>();
  private readonly origin: number;
  readonly timeZone: string;
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.origin = Date.parse(`${historyStart}T00:00:00Z`);
  }
  /** YYYY-MM-DD of day d. */
  date(d: number): string {
    return new Date(this.origin + d * 86_400_000).toISOString().slice(0, 10);
  }
  /** The day number of a date. */
  day(date: string): number {
    return Math.round((Date.parse(`${date}T00:00:00Z`) - this.origin) / 86_400_000);
  }
  /** The first instant of day d in the time zone (ms). */
  start(d: number): number {
    let s = this.starts.get(d);
    if (s === undefined) {
      s = endOfDay(this.date(d - 1), this.timeZone).getTime();
      this.starts.set(d, s);
    }
    return s;
  }
  /** The day an instant falls on. */
  dayOf(ms: number): number {
    let d = Math.floor((ms - this.origin) / 86_400_000);
    while (this.start(d + 1) <= ms) d++;
    while (this.start(d) > ms) d--;
    return d;
  }
  /** An instant on day d between two local hours. */
  at(d: number, fromHour: number, toHour: number, rnd: () => number): number {
    return this.start(d) + Math.floor((fromHour + rnd() * (toHour - fromHour)) * 60) * 60_000;
  }
}

/** A piecewise-linear curve through [day, value] points (flat outside them). */
function curve(points: [number, number][]): (d: number) => number {
  const ps = [...points].sort((a, b) => a[0] - b[0]);
  return (d) => {
    if (d <= ps[0]![0]) return ps[0]![1];
    for (let i = 1; i < ps.length; i++) {
      const [d1, v1] = ps[i]!;
      if (d <= d1) {
        const [d0, v0] = ps[i - 1]!;
        return v0 + ((v1 - v0) * (d - d0)) / (d1 - d0);
      }
    }
    return ps[ps.length - 1]![1];
  };
}

// ---------------------------------------------------------------------------------------------
// Timelines: one custody episode as instants, whatever produced it (today's people or the
// simulation); rows are built from them.

interface Timeline {
  episodeId: string;
  owner: Owner;
  /** Facility stays: the first from the admission, each next one from a transfer's arrival. */
  stays: { fac: string; from: number }[];
  departures: number[];
  firstStatus: 'pretrial' | 'sentenced' | 'other';
  sentencedAt: number | null;
  releasedAt: number | null;
  releaseReason: string | null;
  trips: [number, number][];
  escapes: [number, number][];
  /** Today's person's current episode: its order, episode row and placement are kept. */
  today?: TodayPerson;
  /** Entries recorded days late (a few admissions, so that corrections show in the past). */
  lateBy: number;
}

interface Owner {
  personId: string;
  today?: TodayPerson;
  group: string;
  sex: 'male' | 'female';
  dateOfBirth: string;
  nationality: string;
  /** First day a new episode may start, and last day an episode may end (sim). */
  free: number;
  deadline: number;
  firstAdmittedAt: number;
  lastFacility: string;
  episodes: number;
}

interface Fac {
  code: string;
  i: number;
  group: string;
  maximum: boolean;
  opened: number;
  todayCount: number;
}

// ---------------------------------------------------------------------------------------------
// Random helpers

function normal(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
const logNormal = (rnd: () => number, median: number, sigma: number) => median * Math.exp(sigma * normal(rnd));
function poisson(rnd: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rnd)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rnd();
  } while (p > l);
  return k - 1;
}

// ---------------------------------------------------------------------------------------------
// The simulation

/** Durations in days, before the calibration multiplier. */
function pretrialDays(rnd: () => number, day: number, reform: number, sentenced: boolean): number {
  if (sentenced) return Math.min(1500, Math.max(5, logNormal(rnd, day < reform ? 330 : 170, 0.7)));
  return rnd() < 0.4 ? 1 + rnd() * 13 : Math.min(1200, Math.max(3, logNormal(rnd, 80, 0.9)));
}
function sentenceDays(rnd: () => number): number {
  const r = rnd();
  if (r < 0.3) return 60 + rnd() * 305;
  if (r < 0.75) return 365 + rnd() * 1095;
  return 1460 + rnd() * 2540;
}

interface SimEp {
  owner: Owner;
  /** The admitting centre; `fac` is the current one, `moves` the transfers' destinations. */
  first: number;
  fac: number;
  admit: number;
  status: 0 | 1;
  direct: boolean;
  sent: number;
  release: number;
  released: boolean;
  moves: [number, number][];
  pos: number;
  ver: number;
  reason: string;
}

interface SimInput {
  cal: Calendar;
  facs: Fac[];
  last: number;
  today: TodayPerson[];
  todayTimelines: Map<string, Timeline>;
  scale: number;
  seed: number;
  targets: { hp: Int32Array[]; hs: Int32Array[] };
}

interface SimResult {
  eps: SimEp[];
  owners: Owner[];
}

function simulate(input: SimInput, mult: number, pToday: number, pReturn: number): SimResult {
  const { cal, facs, last, targets } = input;
  const rnd = seededRandom(input.seed + 7);
  const reform = cal.day(accusatorySystemFrom);
  const groups = [...new Set(facs.map((f) => f.group))];
  const open: SimEp[][][] = facs.map(() => [[], []]);
  const events: ([SimEp, 0 | 1 | 2, number] | undefined)[][] = Array.from({ length: last + 2 }, () => []);
  const eps: SimEp[] = [];
  const owners: Owner[] = [];
  const pool = new Map<string, Owner[]>(groups.map((g) => [g, []]));
  // Today's people by group, ordered by the day of their current admission.
  const todayByGroup = new Map<string, { owner: Owner; day: number }[]>(groups.map((g) => [g, []]));
  for (const p of input.today) {
    const tl = input.todayTimelines.get(p.episodeId)!;
    const owner = tl.owner;
    owner.free = -1e9;
    owner.episodes = 0;
    todayByGroup.get(p.group)!.push({ owner, day: cal.dayOf(p.admittedAt.getTime()) });
  }
  for (const list of todayByGroup.values()) list.sort((a, b) => a.day - b.day);

  const add = (ep: SimEp) => {
    const l = open[ep.fac]![ep.status]!;
    ep.pos = l.length;
    l.push(ep);
  };
  const remove = (ep: SimEp) => {
    const l = open[ep.fac]![ep.status]!;
    const lastEp = l.pop()!;
    if (lastEp !== ep) {
      l[ep.pos] = lastEp;
      lastEp.pos = ep.pos;
    }
  };
  const schedule = (ep: SimEp, day: number, kind: 0 | 1 | 2) => {
    if (day <= last) events[day]!.push([ep, kind, ep.ver]);
  };
  const ageOk = (o: Owner, day: number) => Date.parse(`${o.dateOfBirth}T00:00:00Z`) + 18 * 365.25 * 86_400_000 <= cal.start(day);

  const newOwner = (group: string, day: number): Owner => {
    const sex = group === 'women' ? 'female' : group === 'men' ? 'male' : rnd() < 0.5 ? 'female' : 'male';
    // Ages at admission, younger than the ages of the people held on a day (population.ts),
    // who have aged since they were admitted.
    const age = 18 + 62 * Math.pow(rnd(), 2.1);
    const birth = cal.start(day) - (age * 365.25 + rnd() * 300) * 86_400_000;
    const o: Owner = { personId: '', group, sex, dateOfBirth: isoDate(new Date(birth)), nationality: rnd() < 0.1 ? weighted(rnd, N.foreignNationalities) : 'PA', free: 1e9, deadline: last, firstAdmittedAt: 0, lastFacility: '', episodes: 0 };
    owners.push(o);
    return o;
  };

  const chooseOwner = (group: string, day: number): Owner => {
    const r = rnd();
    if (r < pToday) {
      const list = todayByGroup.get(group)!;
      // Only people whose current admission is at least two months away.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.day < day + 60) lo = mid + 1;
        else hi = mid;
      }
      for (let k = 0; k < 6 && lo < list.length; k++) {
        const c = list[lo + Math.floor(rnd() * (list.length - lo))]!;
        if (c.owner.free <= day && ageOk(c.owner, day)) {
          c.owner.deadline = c.day - 10 - Math.floor(rnd() * 40);
          c.owner.free = 1e9;
          return c.owner;
        }
      }
    } else if (r < pToday + pReturn) {
      const list = pool.get(group)!;
      for (let k = 0; k < 6 && list.length > 0; k++) {
        const j = Math.floor(rnd() * list.length);
        const c = list[j]!;
        if (c.free <= day) {
          list[j] = list[list.length - 1]!;
          list.pop();
          c.free = 1e9;
          return c;
        }
      }
    }
    return newOwner(group, day);
  };

  /** Plans an episode admitted on `day` (or, for the initial stock, before day 0). */
  const plan = (ep: SimEp, day: number, direct: boolean) => {
    const deadline = Math.max(day + 1, ep.owner.deadline);
    if (direct) {
      ep.status = 1;
      ep.sent = ep.admit;
      ep.release = Math.min(deadline, Math.max(day + 1, Math.round(ep.admit + sentenceDays(rnd) * mult)));
    } else {
      const sentenced = rnd() < 0.55;
      const x = Math.max(1, Math.round(pretrialDays(rnd, ep.admit, reform, sentenced) * mult));
      if (sentenced && ep.admit + x < deadline) {
        ep.sent = ep.admit + x;
        ep.release = Math.min(deadline, Math.max(ep.sent + 1, ep.sent + Math.round(sentenceDays(rnd) * mult)));
      } else {
        ep.sent = -1;
        ep.release = Math.min(deadline, Math.max(day + 1, ep.admit + x));
      }
    }
    if (ep.sent > day && ep.status === 0) schedule(ep, ep.sent, 0);
    schedule(ep, ep.release, 1);
    if (ep.release - day > 150 && rnd() < 0.1) schedule(ep, day + 30 + Math.floor(rnd() * (ep.release - day - 60)), 2);
  };

  const admit = (f: number, day: number, direct: boolean) => {
    const owner = chooseOwner(facs[f]!.group, day);
    const ep: SimEp = { owner, first: f, fac: f, admit: day, status: direct ? 1 : 0, direct, sent: -1, release: 0, released: false, moves: [], pos: 0, ver: 0, reason: '' };
    owner.episodes++;
    eps.push(ep);
    add(ep);
    plan(ep, day, direct);
  };

  const release = (ep: SimEp, day: number) => {
    remove(ep);
    ep.released = true;
    ep.release = day;
    ep.reason = ep.status === 1 ? weighted(rnd, [['sentence_served', 75], ['conditional_release', 20], ['court_order', 5]]) : weighted(rnd, [['court_order', 65], ['bail', 35]]);
    const o = ep.owner;
    o.free = day + 30 + Math.floor(rnd() * 300);
    o.lastFacility = facs[ep.fac]!.code;
    if (!o.today) pool.get(o.group)!.push(o);
  };

  const sentence = (ep: SimEp, day: number) => {
    remove(ep);
    ep.status = 1;
    ep.sent = day;
    add(ep);
  };

  const transfer = (ep: SimEp, to: number, day: number) => {
    remove(ep);
    ep.fac = to;
    ep.moves.push([day, to]);
    add(ep);
  };

  /** Of a few random candidates, the one due out soonest (releases keep their natural order). */
  const dueSoonest = (list: SimEp[]): SimEp => {
    let best = list[Math.floor(rnd() * list.length)]!;
    for (let k = 0; k < 2; k++) {
      const c = list[Math.floor(rnd() * list.length)]!;
      if (c.release < best.release) best = c;
    }
    return best;
  };

  const movable = (ep: SimEp, day: number) => ep.admit < day && (ep.moves.length === 0 || ep.moves[ep.moves.length - 1]![0] < day) && ep.release > day && ep.sent !== day;

  // The stock held on day 0: admitted before the history starts, part-way through their stay.
  for (const f of facs) {
    for (const status of [0, 1] as const) {
      const n = (status === 0 ? targets.hp : targets.hs)[f.i]![0]!;
      for (let k = 0; k < n; k++) {
        const owner = newOwner(f.group, 0);
        owner.free = 1e9;
        owner.episodes++;
        const x = Math.max(2, Math.round(pretrialDays(rnd, -1, reform, true) * mult));
        const ep: SimEp = { owner, first: f.i, fac: f.i, admit: 0, status, direct: false, sent: -1, release: 0, released: false, moves: [], pos: 0, ver: 0, reason: '' };
        if (status === 0) {
          ep.admit = -Math.floor(rnd() * x);
          if (rnd() < 0.55) {
            ep.sent = ep.admit + x;
            ep.release = Math.max(ep.sent + 1, ep.sent + Math.round(sentenceDays(rnd) * mult));
            schedule(ep, ep.sent, 0);
          } else ep.release = Math.max(1, ep.admit + x);
        } else {
          const y = Math.max(2, Math.round(sentenceDays(rnd) * mult));
          ep.sent = -Math.floor(rnd() * y);
          ep.admit = ep.sent - x;
          ep.release = ep.sent + y;
        }
        ep.release = Math.min(ep.release, last);
        schedule(ep, ep.release, 1);
        if (ep.release > 200 && rnd() < 0.1) schedule(ep, 30 + Math.floor(rnd() * (ep.release - 60)), 2);
        eps.push(ep);
        add(ep);
      }
    }
  }

  for (let day = 0; day <= last; day++) {
    for (const ev of events[day]!) {
      const [ep, kind, ver] = ev!;
      if (ep.released) continue;
      if (kind === 0) {
        if (ep.status === 0) sentence(ep, day);
      } else if (kind === 1) {
        if (ver === ep.ver && ep.release === day) release(ep, day);
      } else if (movable(ep, day)) {
        const f = facs[ep.fac]!;
        const options = facs.filter((g) => g.group === f.group && g.i !== f.i && g.opened <= day && !g.maximum);
        if (options.length) {
          // Towards the centre furthest below its target.
          let best = options[0]!;
          let gap = -Infinity;
          for (const g of options) {
            const d = targets.hp[g.i]![day]! + targets.hs[g.i]![day]! - open[g.i]![0]!.length - open[g.i]![1]!.length;
            if (d > gap) {
              gap = d;
              best = g;
            }
          }
          transfer(ep, best.i, day);
        }
      }
    }
    events[day] = [];

    // Rebalance between centres of a group (openings, closures): transfers, a few a day.
    for (const g of groups) {
      const members = facs.filter((f) => f.group === g);
      const gap = (f: Fac) => targets.hp[f.i]![day]! + targets.hs[f.i]![day]! - open[f.i]![0]!.length - open[f.i]![1]!.length;
      let budget = Math.max(2, Math.round(150 * input.scale));
      for (;;) {
        let from: Fac | null = null;
        let to: Fac | null = null;
        for (const f of members) {
          const d = gap(f);
          const threshold = Math.max(3, 0.03 * (targets.hp[f.i]![day]! + targets.hs[f.i]![day]!));
          if (d < -threshold && (!from || d < gap(from))) from = f;
          if (d > threshold && f.opened <= day && (!to || d > gap(to))) to = f;
        }
        if (!from || !to || budget <= 0) break;
        const k = Math.min(budget, -gap(from), gap(to));
        let moved = 0;
        for (let n = 0; n < k * 3 && moved < k; n++) {
          const status = open[from.i]![1]!.length > 0 && rnd() < 0.7 ? 1 : 0;
          const list = open[from.i]![status]!;
          if (list.length === 0) break;
          const ep = list[Math.floor(rnd() * list.length)]!;
          if (!movable(ep, day)) continue;
          transfer(ep, to.i, day);
          moved++;
        }
        budget -= k;
        if (moved === 0) break;
      }
    }

    // Each centre's stocks meet their targets at the end of the day.
    for (const f of facs) {
      const hs = targets.hs[f.i]![day]!;
      const hp = targets.hp[f.i]![day]!;
      const sentencedList = open[f.i]![1]!;
      const pretrialList = open[f.i]![0]!;
      if (sentencedList.length < hs) {
        let need = hs - sentencedList.length;
        for (let n = 0; need > 0 && pretrialList.length > 0 && n < need * 3; n++) {
          const ep = pretrialList[Math.floor(rnd() * pretrialList.length)]!;
          if (ep.admit >= day) continue;
          sentence(ep, day);
          ep.ver++;
          ep.release = Math.min(Math.max(day + 1, ep.owner.deadline), Math.max(day + 1, day + Math.round(sentenceDays(rnd) * mult)));
          schedule(ep, ep.release, 1);
          need--;
        }
        while (sentencedList.length < hs && f.opened <= day) admit(f.i, day, true);
      } else {
        while (sentencedList.length > hs) release(dueSoonest(sentencedList), day);
      }
      if (f.opened <= day) while (pretrialList.length < hp) admit(f.i, day, false);
      while (pretrialList.length > hp) release(dueSoonest(pretrialList), day);
    }
  }
  // Anyone still held by the simulation on its last day is released that day.
  for (const f of facs) for (const status of [0, 1]) while (open[f.i]![status]!.length) release(open[f.i]![status]![0]!, last);
  return { eps, owners };
}

// ---------------------------------------------------------------------------------------------
// Today's people: the past of their current episode

function todayTimelines(cal: Calendar, facs: Fac[], people: TodayPerson[], now: number, seed: number): Map<string, Timeline> {
  const rnd = seededRandom(seed + 3);
  const reform = cal.day(accusatorySystemFrom);
  const todayDay = cal.dayOf(now);
  const byCode = new Map(facs.map((f) => [f.code, f]));
  const out = new Map<string, Timeline>();
  for (const p of people) {
    const a = p.admittedAt.getTime();
    const aDay = cal.dayOf(a);
    const span = todayDay - 1 - aDay;
    const owner: Owner = { personId: p.personId, today: p, group: p.group, sex: p.sex, dateOfBirth: p.dateOfBirth, nationality: p.nationality, free: -1e9, deadline: aDay - 10, firstAdmittedAt: a, lastFacility: p.facility, episodes: 0 };
    const tl: Timeline = { episodeId: p.episodeId, owner, stays: [{ fac: p.facility, from: a }], departures: [], firstStatus: p.legalStatus, sentencedAt: null, releasedAt: null, releaseReason: null, trips: [], escapes: [], today: p, lateBy: 0 };
    // Most sentenced people were held pretrial first (their commitment order said so).
    if (p.legalStatus === 'sentenced' && span > 20 && rnd() < 0.85) {
      const x = Math.min(span - 3, Math.max(7, Math.round(pretrialDays(rnd, aDay, reform, true))));
      tl.firstStatus = 'pretrial';
      tl.sentencedAt = Math.max(a + HOUR, cal.at(aDay + x, 9, 12, rnd));
      p.order.legal_status = 'pretrial';
    }
    // Admitted elsewhere: the maximum-security centre receives transfers only; a centre opened
    // after the admission received the person at its opening; some others moved once.
    const f = byCode.get(p.facility)!;
    let transferDay = -1;
    let origin: Fac | undefined;
    const candidates = (day: number) => facs.filter((g) => g.group === f.group && g.code !== f.code && !g.maximum && g.opened <= day && g.todayCount > 0);
    if (span > 3) {
      if (f.maximum) {
        origin = pickFac(rnd, candidates(aDay));
        transferDay = aDay + 1 + Math.floor(rnd() * Math.min(span - 1, 365));
      } else if (f.opened > aDay) {
        origin = pickFac(rnd, candidates(aDay));
        transferDay = Math.min(todayDay - 1, Math.max(f.opened, aDay + 1) + Math.floor(rnd() * 45));
      } else if (span > 120 && rnd() < 0.12) {
        origin = pickFac(rnd, candidates(aDay));
        transferDay = aDay + 10 + Math.floor(rnd() * (span - 20));
      }
    }
    if (origin && transferDay > aDay && transferDay < todayDay) {
      let arrival = cal.at(transferDay, 12, 16, rnd);
      let departure = Math.max(a + 30 * 60_000, arrival - Math.floor((1.5 + rnd() * 3) * 60) * 60_000);
      arrival = Math.max(arrival, departure + HOUR);
      if (tl.sentencedAt !== null && Math.abs(tl.sentencedAt - arrival) < 30 * 60_000) arrival += HOUR;
      tl.stays = [{ fac: origin.code, from: a }, { fac: p.facility, from: arrival }];
      departure = Math.min(departure, arrival - 30 * 60_000);
      tl.departures = [departure];
    }
    out.set(p.episodeId, tl);
  }
  return out;
}

function pickFac(rnd: () => number, list: Fac[]): Fac | undefined {
  if (list.length === 0) return undefined;
  const total = list.reduce((s, f) => s + f.todayCount, 0);
  let x = rnd() * total;
  for (const f of list) if ((x -= f.todayCount) < 0) return f;
  return list[list.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Targets

function buildTargets(cal: Calendar, facs: Fac[], last: number, scale: number, today: TodayPerson[], tls: Map<string, Timeline>) {
  const todayDay = last + 1;
  const total = today.length;
  const women = today.filter((p) => p.group === 'women').length;
  const pretrial = today.filter((p) => p.legalStatus === 'pretrial').length;
  const pts = (xs: readonly [string, number][], k: number, end: number): [number, number][] => [...xs.map(([d, v]): [number, number] => [cal.day(d), v * k]), [todayDay, end]];
  const nat = curve(pts(nationalTotals, scale, total));
  const wom = curve(pts(womenTotals, scale, women));
  const share = curve(pts(unsentencedShares, 1, total ? pretrial / total : 0.35));
  const days = last + 1;
  // Today's people already held on each day, per centre and status (difference arrays).
  const cp = facs.map(() => new Int32Array(days + 1));
  const cs = facs.map(() => new Int32Array(days + 1));
  const index = new Map(facs.map((f) => [f.code, f.i]));
  const addRange = (arr: Int32Array, from: number, to: number) => {
    const a = Math.max(0, from);
    const b = Math.min(days, to);
    if (a < b) {
      arr[a]! += 1;
      arr[b]! -= 1;
    }
  };
  for (const tl of tls.values()) {
    const sent = tl.sentencedAt === null ? (tl.firstStatus === 'pretrial' ? Infinity : -Infinity) : cal.dayOf(tl.sentencedAt);
    tl.stays.forEach((s, k) => {
      const from = cal.dayOf(s.from);
      const to = k + 1 < tl.stays.length ? cal.dayOf(tl.stays[k + 1]!.from) : days;
      const f = index.get(s.fac)!;
      addRange(cp[f]!, from, Math.min(to, sent));
      addRange(cs[f]!, Math.max(from, sent), to);
    });
  }
  for (const arr of [...cp, ...cs]) for (let d = 1; d <= days; d++) arr[d]! += arr[d - 1]!;
  const hp = facs.map(() => new Int32Array(days));
  const hs = facs.map(() => new Int32Array(days));
  const groups = [...new Set(facs.map((f) => f.group))];
  for (let d = 0; d < days; d++) {
    const n = nat(d);
    const w = Math.min(n, wom(d));
    const p = share(d);
    for (const g of groups) {
      const members = facs.filter((f) => f.group === g);
      const weight = (f: Fac) => f.todayCount * Math.min(1, Math.max(0, (d - f.opened) / 60));
      const sum = members.reduce((s, f) => s + weight(f), 0);
      const groupTotal = g === 'women' ? w : n - w;
      for (const f of members) {
        const target = sum > 0 ? (groupTotal * weight(f)) / sum : 0;
        hp[f.i]![d] = Math.max(0, Math.round(target * p - cp[f.i]![d]!));
        hs[f.i]![d] = Math.max(0, Math.round(target * (1 - p) - cs[f.i]![d]!));
      }
    }
  }
  return { hp, hs };
}

// ---------------------------------------------------------------------------------------------
// From the simulation to timelines: instants, trips, escapes

function simTimelines(cal: Calendar, facs: Fac[], sim: SimResult, ids: () => string, seed: number): Timeline[] {
  const rnd = seededRandom(seed + 11);
  const out: Timeline[] = [];
  for (const ep of sim.eps) {
    const admittedAt = cal.at(ep.admit, 6, 11, rnd);
    let t = admittedAt;
    const stays: Timeline['stays'] = [{ fac: facs[ep.first]!.code, from: admittedAt }];
    const departures: number[] = [];
    const sentencedAt = ep.sent >= 0 && ep.sent !== ep.admit && ep.sent < ep.release ? ep.sent : null;
    let sentAt: number | null = null;
    const events: [number, 'move' | 'sent', number][] = ep.moves.map(([d, to]) => [d, 'move', to]);
    if (sentencedAt !== null) events.push([sentencedAt, 'sent', 0]);
    events.sort((a, b) => a[0] - b[0] || (a[1] === 'sent' ? 1 : -1));
    for (const [d, kind, to] of events) {
      if (kind === 'move') {
        const dep = Math.max(t + 30 * 60_000, cal.at(d, 8, 11, rnd));
        const arr = Math.max(dep + HOUR, cal.at(d, 12, 16, rnd));
        departures.push(dep);
        stays.push({ fac: facs[to]!.code, from: arr });
        t = arr;
      } else {
        sentAt = Math.max(t + 20 * 60_000, cal.at(d, 9, 12, rnd));
        t = sentAt;
      }
    }
    const releasedAt = Math.max(t + 30 * 60_000, cal.at(ep.release, 14, 19, rnd));
    const tl: Timeline = {
      episodeId: ids(),
      owner: ep.owner,
      stays,
      departures,
      firstStatus: ep.direct || (ep.status === 1 && sentencedAt === null) ? 'sentenced' : 'pretrial',
      sentencedAt: sentAt,
      releasedAt,
      releaseReason: ep.reason,
      trips: [],
      escapes: [],
      lateBy: rnd() < 0.003 ? 1 + Math.floor(rnd() * 4) : 0,
    };
    out.push(tl);
  }
  return out;
}

/** Court trips (while pretrial above all) and a few escapes, on days without other events. */
function addTripsAndEscapes(cal: Calendar, tls: Timeline[], lastDay: number, tripsWanted: number, seed: number): { trips: number; escapes: number } {
  const rnd = seededRandom(seed + 13);
  const windows = tls.map((tl) => {
    const a = cal.dayOf(tl.stays[0]!.from) + 1;
    const end = (tl.releasedAt === null ? lastDay + 1 : cal.dayOf(tl.releasedAt)) - 1;
    const sent = tl.sentencedAt === null ? (tl.firstStatus === 'pretrial' ? end + 1 : a) : cal.dayOf(tl.sentencedAt);
    return { a: Math.max(a, -1e9), end, sent };
  });
  const weightOf = (w: { a: number; end: number; sent: number }) => Math.max(0, Math.min(w.end, w.sent - 1) - w.a + 1) + Math.max(0, w.end - Math.max(w.a, w.sent) + 1) / 6;
  const totalWeight = windows.reduce((s, w) => s + weightOf(w), 0);
  const rate = totalWeight > 0 ? tripsWanted / totalWeight : 0;
  let trips = 0;
  let escapes = 0;
  tls.forEach((tl, k) => {
    const w = windows[k]!;
    if (w.end < w.a) return;
    const busy = new Set<number>([...tl.stays.map((s) => cal.dayOf(s.from)), ...tl.departures.map((d) => cal.dayOf(d))]);
    if (tl.sentencedAt !== null) busy.add(cal.dayOf(tl.sentencedAt));
    // Escapes: rare, recaptured within weeks (the simulated stays only).
    if (!tl.today && w.end - w.a > 60 && rnd() < 0.0015) {
      const e = w.a + 10 + Math.floor(rnd() * (w.end - w.a - 30));
      const len = 1 + Math.floor(rnd() * 20);
      let free = true;
      for (let d = e; d <= e + len; d++) if (busy.has(d)) free = false;
      if (free && e + len < w.end) {
        tl.escapes.push([cal.at(e, 1, 5, rnd), cal.at(e + len, 8, 18, rnd)]);
        for (let d = e; d <= e + len; d++) busy.add(d);
        escapes++;
      }
    }
    const n = poisson(rnd, rate * weightOf(w));
    const days: number[] = [];
    for (let i = 0; i < n; i++) {
      const pretrialPart = Math.max(0, Math.min(w.end, w.sent - 1) - w.a + 1);
      const sentencedPart = Math.max(0, w.end - Math.max(w.a, w.sent) + 1) / 6;
      const d = rnd() * (pretrialPart + sentencedPart) < pretrialPart ? w.a + Math.floor(rnd() * pretrialPart) : Math.max(w.a, w.sent) + Math.floor(rnd() * (w.end - Math.max(w.a, w.sent) + 1));
      if (d < w.a || d > w.end || busy.has(d)) continue;
      busy.add(d);
      days.push(d);
    }
    days.sort((x, y) => x - y);
    for (const d of days) tl.trips.push([cal.at(d, 6, 8, rnd), cal.at(d, 13, 18, rnd)]);
    trips += days.length;
  });
  return { trips, escapes };
}

// ---------------------------------------------------------------------------------------------
// Rows

interface Users {
  registrar: string;
  verifier: string;
  director: string;
}

type Tables = Record<'orders' | 'episodes' | 'staged' | 'sentences' | 'placements' | 'transfers' | 'absences', Row[]>;
const emptyTables = (): Tables => ({ orders: [], episodes: [], staged: [], sentences: [], placements: [], transfers: [], absences: [] });

interface RowContext {
  cal: Calendar;
  housing: Housing;
  facs: Map<string, Fac>;
  users: Users;
  ids: () => string;
  rnd: () => number;
  /** Episodes released before this instant get no placements (placementHistoryDays). */
  placementsFrom: number;
}

/**
 * How far back the history has placements (unit and cell): the roll of any day of the last year
 * can be reproduced unit by unit; older episodes keep their facility stays (enough for the
 * occupancy, the roll per centre and the person's timeline) but no placements, which keeps the
 * first start of the full demo within a minute.
 */
export const placementHistoryDays = 365;

const lag = (ctx: RowContext, at: number, days = 0) => new Date(at + days * 86_400_000 + Math.floor(2 + ctx.rnd() * 80) * 60_000);

function unitFor(ctx: RowContext, fac: string, status: string, young: boolean) {
  const f = ctx.facs.get(fac)!;
  const kind = f.maximum ? 'maximum' : young ? 'young_adults' : status === 'pretrial' ? 'pretrial' : 'sentenced';
  return unitOf(ctx.housing, fac, kind);
}

/**
 * First pass, per episode: today's people's orders and episodes as population.ts planned them;
 * for the older history, one staging row (demo_episodes) from which SQL derives the commitment
 * order, the release order and the episode (deriveEpisodes).
 */
function episodeFacts(ctx: RowContext, tl: Timeline, n: number, out: Tables): void {
  const { rnd } = ctx;
  const admittedAt = tl.stays[0]!.from;
  // When the admission was recorded (a few are recorded days late): the episode's created_at,
  // from which the first stay, the first legal-status period and the admission movement take
  // their recorded_at (deriveRows).
  const recordedAt = lag(ctx, admittedAt, tl.lateBy);
  if (tl.today) {
    out.orders.push(tl.today.order);
    out.episodes.push({ ...tl.today.episode, created_at: recordedAt });
    return;
  }
  out.staged.push({
    n,
    id: tl.episodeId,
    person_id: tl.owner.personId,
    facility_code: tl.stays[tl.stays.length - 1]!.fac,
    first_facility: tl.stays[0]!.fac,
    first_status: tl.firstStatus,
    court: pick(rnd, N.courts),
    case_number: `${new Date(admittedAt).getUTCFullYear()}-${String(Math.floor(rnd() * 99999)).padStart(5, '0')}`,
    arrested_at: new Date(admittedAt - Math.floor((6 + rnd() * 40) * 60) * 60_000),
    arrest_place: pick(rnd, N.arrestPlaces),
    admitted_at: new Date(admittedAt),
    released_at: tl.releasedAt === null ? null : new Date(tl.releasedAt),
    release_reason: tl.releaseReason,
    created_at: recordedAt,
  });
}

/** The centre an episode's person was in at an instant. */
const facilityAt = (tl: Timeline) => (at: number) => {
  let fac = tl.stays[0]!.fac;
  for (const s of tl.stays) if (s.from <= at) fac = s.fac;
  return fac;
};

function addPlacements(ctx: RowContext, tl: Timeline, out: Tables): void {
  const { users, ids, rnd } = ctx;
  const end = tl.releasedAt;
  const facAt = facilityAt(tl);
  const rec = (at: number) => lag(ctx, at);
  const endOr = (x: number | null) => (x === null ? null : new Date(x));
  const birth = Date.parse(`${tl.owner.dateOfBirth}T00:00:00Z`);
  const young = (at: number) => at - birth < 21 * 365.25 * 86_400_000;
  const bounds = [...tl.stays.map((s) => s.from), ...(tl.sentencedAt !== null && tl.today ? [tl.sentencedAt] : [])].sort((a, b) => a - b);
  const segments: { from: number; fac: string; unit: string | null; cell: string | null }[] = [];
  bounds.forEach((from, k) => {
    const fac = facAt(from);
    const status = tl.sentencedAt !== null && from >= tl.sentencedAt ? 'sentenced' : tl.firstStatus;
    let unit: string | null;
    let cell: string | null;
    if (tl.today && k === bounds.length - 1) {
      unit = tl.today.unitId;
      cell = tl.today.cellId;
    } else {
      const u = unitFor(ctx, fac, status, young(from));
      unit = u?.id ?? null;
      const cells = u ? (ctx.housing.cells.get(u.id) ?? []) : [];
      cell = cells.length ? cells[Math.floor(rnd() * cells.length)]! : null;
    }
    const prev = segments[segments.length - 1];
    if (prev && prev.fac === fac && prev.unit === unit && !(tl.today && k === bounds.length - 1)) return;
    segments.push({ from, fac, unit, cell });
  });
  segments.forEach((s, k) => {
    if (s.unit === null) return;
    const next = segments[k + 1];
    out.placements.push({ id: ids(), episode_id: tl.episodeId, facility_code: s.fac, unit_id: s.unit, cell_id: s.cell, valid_from: new Date(s.from), valid_to: next ? new Date(next.from) : endOr(end), reason: k === 0 ? 'demo: ubicación' : 'demo: cambio de ubicación', recorded_at: rec(s.from), recorded_by: users.registrar });
  });
}

/** Second pass, per episode (its episode row now exists): sentence, transfers, placements, absences. */
function episodeDetails(ctx: RowContext, tl: Timeline, out: Tables): void {
  const { users, ids, rnd } = ctx;
  const personId = tl.owner.personId;
  const end = tl.releasedAt;
  const court = pick(rnd, N.courts);
  const rec = (at: number) => lag(ctx, at);

  // Legal status: the first period follows the commitment order; the sentence, when there is
  // one, starts the second (both derived in SQL from the episode, its order and this row).
  if (tl.sentencedAt !== null) out.sentences.push({ episode_id: tl.episodeId, sentenced_at: new Date(tl.sentencedAt), recorded_at: rec(tl.sentencedAt) });

  // Transfers (the facility stays, split at each arrival, and the movements are derived in SQL).
  tl.stays.forEach((s, k) => {
    const next = tl.stays[k + 1];
    if (next) {
      const departed = tl.departures[k]!;
      out.transfers.push({ id: ids(), person_id: personId, episode_id: tl.episodeId, from_facility_code: s.fac, to_facility_code: next.fac, reason: 'demo: redistribución de la población', status: 'arrived', requested_by: users.registrar, requested_at: new Date(departed - 7 * 86_400_000), authorized_by: users.director, authorized_at: new Date(departed - 5 * 86_400_000), departed_at: new Date(departed), arrived_at: new Date(next.from) });
    }
  });

  // Placements: where in the centre, changing at each arrival and, for the people held today,
  // when the sentence moved them from the pretrial to the sentenced unit (one placement per stay
  // in the history of the last year, none before). Today's placement is kept as it is.
  if (tl.today || (end !== null && end >= ctx.placementsFrom)) addPlacements(ctx, tl, out);

  // Court appearances and escapes: absences (their movements are derived in SQL).
  const facAt = facilityAt(tl);
  for (const [outAt, backAt] of tl.trips) {
    const fac = facAt(outAt);
    out.absences.push({ id: ids(), episode_id: tl.episodeId, person_id: personId, facility_code: fac, kind: 'court', destination: court, reason: 'demo: audiencia', out_at: new Date(outAt), expected_back_at: new Date(backAt), back_at: new Date(backAt), recorded_at: rec(outAt), recorded_by: users.registrar, back_recorded_by: users.registrar });
  }
  for (const [outAt, backAt] of tl.escapes) {
    const fac = facAt(outAt);
    out.absences.push({ id: ids(), episode_id: tl.episodeId, person_id: personId, facility_code: fac, kind: 'escape', destination: null, reason: 'demo: evasión', out_at: new Date(outAt), expected_back_at: null, back_at: new Date(backAt), recorded_at: rec(outAt), recorded_by: users.registrar, back_recorded_by: users.registrar });
  }
}


/**
 * The older history's commitment orders, release orders and custody episodes, derived in SQL
 * from demo_episodes (faster than sending 700,000 rows): both orders registered by one demo user
 * and verified by another, the commitment order with the episode's first legal status, in the
 * name the person bears (persons are written first). Identifiers follow `idPrefix`'s series:
 * the n-th staged episode's orders are …-c-n and …-r-n (in separate ranges, so that each insert
 * appends to the primary key).
 */
async function deriveEpisodes(db: Kysely<Database>, idPrefix: string, users: Users, timeZone: string): Promise<void> {
  const prefix = idPrefix.slice(0, 24);
  const orderId = (range: number) => sql`(${prefix} || lpad(to_hex(${range}::bigint * 4294967296 + x.n), 12, '0'))::uuid`;
  const name = sql`concat_ws(' ', p.given_names, p.first_surname, p.second_surname)`;
  const orders = sql`id, kind, authority_kind, issuing_authority, case_number, order_date, subject_name, person_id, facility_code, legal_status, status,
    registered_by, registered_at, verified_by, verified_at, verification_method, verification_note`;
  await sql`insert into judicial_orders (${orders})
    select ${orderId(1)}, 'commitment', 'court', x.court, x.case_number, (x.admitted_at at time zone ${timeZone})::date, ${name}, x.person_id, x.first_facility, x.first_status, 'verified',
      ${users.registrar}::uuid, x.admitted_at - interval '2 hours', ${users.verifier}::uuid, x.admitted_at - interval '1 hour', 'telephone', 'demo: confirmado con el despacho judicial'
    from demo_episodes x join persons p on p.id = x.person_id order by x.n`.execute(db);
  await sql`insert into judicial_orders (${orders})
    select ${orderId(2)}, 'release', 'court', x.court, x.case_number, (x.released_at at time zone ${timeZone})::date, ${name}, x.person_id, x.facility_code, null, 'verified',
      ${users.registrar}::uuid, greatest(x.admitted_at + interval '1 minute', x.released_at - interval '6 hours'),
      ${users.verifier}::uuid, greatest(x.admitted_at + interval '2 minutes', x.released_at - interval '4 hours'), 'telephone', 'demo: boleta confirmada con el despacho judicial'
    from demo_episodes x join persons p on p.id = x.person_id where x.released_at is not null order by x.n`.execute(db);
  await sql`insert into custody_episodes (id, person_id, facility_code, admission_order_id, arrested_at, arrest_place, admitted_at, admitted_by,
      rights_information_language, rights_information_given_at, released_at, release_reason, release_order_id, created_at)
    select x.id, x.person_id, x.facility_code, ${orderId(1)}, x.arrested_at, x.arrest_place, x.admitted_at, ${users.registrar}::uuid,
      'es', x.admitted_at, x.released_at, x.release_reason, case when x.released_at is null then null else ${orderId(2)} end, x.created_at
    from demo_episodes x order by x.n`.execute(db);
}

/**
 * Rows derived in SQL from those just written — several times faster than sending them — in
 * this order: the facility stays (from each episode and its transfers: the first from the
 * admission, each next one from an arrival, the last ending at the release), the legal-status
 * periods (the first from the commitment order's status, the second from the sentence in
 * demo_sentences), and the journal of movements (an admission per episode, transfer_out and
 * transfer_in per transfer, out and back per absence — court_out and court_return, escape and
 * recapture —, a release per released episode). The admission's entries are recorded when the
 * episode was (created_at: a few days late for some), the others a few minutes after they
 * happened. Only for a database whose custody records are all the seed's (seedPeople checks).
 * Identifiers continue `idPrefix`'s ordered series. Returns the number of movements.
 */
async function deriveRows(db: Kysely<Database>, idPrefix: string): Promise<number> {
  // The first 24 characters of an identifier from demoIds() belong to it alone: a counter after
  // them gives a series that sorts after it and meets no other identifier.
  const prefix = idPrefix.slice(0, 24);
  let offset = 0;
  const id = () => sql`(${prefix} || lpad(to_hex(${offset}::bigint + row_number() over ()), 12, '0'))::uuid`;
  const lag = (at: string, key: string) => sql`${sql.raw(at)} + make_interval(mins => 2 + mod(abs(hashtext(${sql.raw(key)}::text)), 80))`;
  const transfers = sql`(select t.*, row_number() over w as k, lead(t.arrived_at) over w as next_arrival
    from transfers t where t.arrived_at is not null window w as (partition by t.episode_id order by t.arrived_at))`;
  const stay = sql`id, episode_id, person_id, facility_code, from_at, to_at, recorded_at, recorded_by`;
  const status = sql`id, episode_id, status, valid_from, valid_to, order_id, reason, recorded_at, recorded_by`;
  const movement = sql`id, episode_id, person_id, kind, occurred_at, recorded_at, from_facility_code, to_facility_code, order_id, reason, recorded_by`;
  const steps = [
    () => sql`insert into facility_stays (${stay})
      select ${id()}, e.id, e.person_id, coalesce(t.from_facility_code, e.facility_code), e.admitted_at, coalesce(t.arrived_at, e.released_at), e.created_at, e.admitted_by
      from custody_episodes e left join ${transfers} t on t.episode_id = e.id and t.k = 1`,
    () => sql`insert into facility_stays (${stay})
      select ${id()}, t.episode_id, t.person_id, t.to_facility_code, t.arrived_at, coalesce(t.next_arrival, e.released_at), ${lag('t.arrived_at', 't.id')}, t.requested_by
      from ${transfers} t join custody_episodes e on e.id = t.episode_id`,
    () => sql`insert into legal_status_periods (${status})
      select ${id()}, e.id, coalesce(o.legal_status, 'pretrial'), e.admitted_at, coalesce(x.sentenced_at, e.released_at), e.admission_order_id, 'demo: orden de ingreso', e.created_at, e.admitted_by
      from custody_episodes e join judicial_orders o on o.id = e.admission_order_id left join demo_sentences x on x.episode_id = e.id`,
    () => sql`insert into legal_status_periods (${status})
      select ${id()}, e.id, 'sentenced', x.sentenced_at, e.released_at, null, 'demo: sentencia de primera instancia', x.recorded_at, e.admitted_by
      from demo_sentences x join custody_episodes e on e.id = x.episode_id`,
    () => sql`insert into movements (${movement})
      select ${id()}, e.id, e.person_id, 'admission', e.admitted_at, e.created_at, null, s.facility_code, e.admission_order_id, 'ingreso', e.admitted_by
      from custody_episodes e join facility_stays s on s.episode_id = e.id and s.from_at = e.admitted_at`,
    () => sql`insert into movements (${movement})
      select ${id()}, t.episode_id, t.person_id, 'transfer_out', t.departed_at, ${lag('t.departed_at', 't.id')}, t.from_facility_code, t.to_facility_code, null, 'traslado', t.requested_by
      from transfers t where t.departed_at is not null`,
    () => sql`insert into movements (${movement})
      select ${id()}, t.episode_id, t.person_id, 'transfer_in', t.arrived_at, ${lag('t.arrived_at', 't.id')}, t.from_facility_code, t.to_facility_code, null, 'traslado', t.requested_by
      from transfers t where t.arrived_at is not null`,
    () => sql`insert into movements (${movement})
      select ${id()}, a.episode_id, a.person_id, case a.kind when 'escape' then 'escape' else a.kind || '_out' end, a.out_at, a.recorded_at, a.facility_code, null, a.order_id,
        case a.kind when 'court' then 'audiencia' when 'escape' then 'evasión' when 'hospital' then 'atención médica' else 'permiso' end, a.recorded_by
      from absences a`,
    () => sql`insert into movements (${movement})
      select ${id()}, a.episode_id, a.person_id, case a.kind when 'escape' then 'recapture' else a.kind || '_return' end, a.back_at, ${lag('a.back_at', 'a.id')}, null, a.facility_code, null,
        case a.kind when 'court' then 'regreso de audiencia' when 'escape' then 'recaptura' else 'regreso' end, a.back_recorded_by
      from absences a where a.back_at is not null`,
    () => sql`insert into movements (${movement})
      select ${id()}, e.id, e.person_id, 'release', e.released_at, ${lag('e.released_at', 'e.id')}, e.facility_code, null, e.release_order_id, e.release_reason, e.admitted_by
      from custody_episodes e where e.released_at is not null`,
  ];
  let movements = 0;
  for (const [k, step] of steps.entries()) {
    const n = Number((await step().execute(db)).numAffectedRows ?? 0);
    offset += n;
    if (k >= 4) movements += n;
  }
  return movements;
}

// ---------------------------------------------------------------------------------------------
// Bulk loading

/** The tables the seed fills in bulk, parents first. */
const bulkTables = ['persons', 'person_documents', 'person_aliases', 'person_contacts', 'person_children', 'health_declarations', 'judicial_orders', 'custody_episodes', 'legal_status_periods', 'placements', 'facility_stays', 'transfers', 'absences', 'movements'] as const;

/**
 * Runs `load` with the secondary indexes and exclusion constraints of the bulk tables dropped,
 * then rebuilds them from their own definitions (read from the catalogue, so indexes added by
 * later migrations come back too): building an index once is far faster than maintaining it
 * row by row, and the rebuild checks every uniqueness and exclusion rule over the whole data.
 * Foreign-key triggers are skipped when the role may (superuser: PGlite always, a PostgreSQL
 * owner account usually); all in the caller's transaction, so a failure leaves nothing.
 */
async function withBulkLoad<T>(db: Kysely<Database>, load: () => Promise<T>, tick: (phase: string) => void = () => undefined): Promise<T> {
  const tables = sql.join(bulkTables.map((t) => sql`${t}::regclass`));
  const superuser = (await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db)).rows[0]?.su === true;
  if (superuser) await sql`set local session_replication_role = replica`.execute(db);
  const constraints = (await sql<{ tbl: string; name: string; def: string }>`
    select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
    from pg_constraint where contype = 'x' and conrelid in (${tables}) order by conrelid, conname`.execute(db)).rows;
  const indexes = (await sql<{ name: string; def: string }>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i
    where i.indrelid in (${tables}) and not i.indisprimary
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by i.indrelid, i.indexrelid`.execute(db)).rows;
  for (const c of constraints) await sql`alter table ${sql.raw(c.tbl)} drop constraint ${sql.ref(c.name)}`.execute(db);
  for (const i of indexes) await sql`drop index ${sql.raw(i.name)}`.execute(db);
  const result = await load();
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  for (const i of indexes) await sql.raw(i.def).execute(db);
  tick(`${indexes.length} indexes rebuilt`);
  for (const c of constraints) await sql`alter table ${sql.raw(c.tbl)} add constraint ${sql.ref(c.name)} ${sql.raw(c.def)}`.execute(db);
  tick(`${constraints.length} exclusion constraints rebuilt`);
  if (superuser) await sql`set local session_replication_role = origin`.execute(db);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The seed

async function demoUsers(db: Kysely<Database>): Promise<Users> {
  const rows = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.records_officer', 'demo.legal', 'demo.director']).execute();
  const id = (u: string) => {
    const r = rows.find((x) => x.username === u);
    if (!r) throw new Error(`the demo needs the user ${u}`);
    return r.id;
  };
  return { registrar: id('demo.records_officer'), verifier: id('demo.legal'), director: id('demo.director') };
}

/**
 * Seeds the people held today and, unless `history` is false, the history behind them, in the
 * caller's transaction. Returns what was written.
 */
export async function seedPeople(db: Kysely<Database>, opts: SeedPeopleOptions): Promise<SeedCounts> {
  const now = (opts.now ?? new Date()).getTime();
  const seed = opts.seed ?? 20261129;
  let mark = performance.now();
  const tick = (phase: string) => {
    const t = performance.now();
    opts.log?.(`${phase}: ${Math.round(t - mark)} ms`);
    mark = t;
  };
  const withHistory = opts.history ?? true;
  if ((await sql<{ any: boolean }>`select exists (select 1 from custody_episodes) as any`.execute(db)).rows[0]!.any) throw new Error('the demo people are seeded once, on a database without custody records');
  const users = await demoUsers(db);
  const housing = await loadHousing(db);
  const ids = demoIds(seed, now);
  const cal = new Calendar(opts.timeZone);
  const planned = planPopulation({ scale: opts.scale, today: new Date(now), seed, registrar: users.registrar, verifier: users.verifier, ids, housing });
  const plans = populationPlan(opts.scale);
  const facs: Fac[] = plans.map((p, i) => ({ code: p.code, i, group: p.group, maximum: p.maximum, opened: openedOn[p.code] ? cal.day(openedOn[p.code]!) : -1e6, todayCount: p.count }));
  const byCode = new Map(facs.map((f) => [f.code, f]));
  const lastDay = cal.dayOf(now) - 1;

  tick('today planned');
  const todayTls = withHistory ? todayTimelines(cal, facs, planned.people, now, seed) : simpleTimelines(planned.people);
  let historyTls: Timeline[] = [];
  let owners: Owner[] = [];
  if (withHistory) {
    const targets = buildTargets(cal, facs, lastDay, opts.scale, planned.people, todayTls);
    const input: SimInput = { cal, facs, last: lastDay, today: planned.people, todayTimelines: todayTls, scale: opts.scale, seed, targets };
    // Durations are calibrated so that the number of episodes comes out near its target, and
    // the share of returning people so that the number of persons does: the defaults are what
    // the calibration finds at scale 1; other scales re-run the simulation when more than 3 % off.
    const wanted = Math.max(1, Math.round(historyTargets.episodes * opts.scale) - planned.people.length);
    const wantedPersons = Math.max(1, Math.round(historyTargets.persons * opts.scale) - planned.people.length);
    const returning = Math.min(0.9, Math.max(0, 1 - wantedPersons / wanted));
    let mult = 0.956;
    let sim = simulate(input, mult, 0.05, returning);
    for (let k = 0; k < 4 && Math.abs(sim.eps.length / wanted - 1) > 0.03; k++) {
      mult *= sim.eps.length / wanted;
      sim = simulate(input, mult, 0.05, returning);
    }
    owners = sim.owners;
    tick(`simulated (duration multiplier ${mult.toFixed(3)}, returning ${returning.toFixed(2)})`);
    historyTls = simTimelines(cal, facs, sim, ids, seed);
  }
  const all = [...historyTls, ...todayTls.values()];
  let tripCount = 0;
  let escapeCount = 0;
  if (withHistory) {
    const transfers = all.reduce((s, tl) => s + tl.departures.length, 0);
    const fixed = all.length + historyTls.length + 2 * transfers;
    const tripsWanted = Math.max(0, Math.round((historyTargets.movements * opts.scale - fixed) / 2));
    ({ trips: tripCount, escapes: escapeCount } = addTripsAndEscapes(cal, all, lastDay, tripsWanted, seed));
  }

  tick('timelines, trips and escapes');
  // Prisoner numbers in order of first admission, from the sequence (never reused).
  for (const tl of historyTls) if (tl.owner.firstAdmittedAt === 0 || tl.stays[0]!.from < tl.owner.firstAdmittedAt) tl.owner.firstAdmittedAt = tl.stays[0]!.from;
  const todayOwners = [...todayTls.values()].map((tl) => tl.owner);
  for (const o of todayOwners) o.firstAdmittedAt = Math.min(o.firstAdmittedAt, o.today!.admittedAt.getTime());
  for (const tl of historyTls) {
    const o = tl.owner;
    if (o.today) o.firstAdmittedAt = Math.min(o.firstAdmittedAt, tl.stays[0]!.from);
  }
  const everyone = [...todayOwners, ...owners.filter((o) => o.episodes > 0)].sort((a, b) => a.firstAdmittedAt - b.firstAdmittedAt);
  const first = Number((await sql<{ n: string }>`select nextval('prisoner_number_seq') as n`.execute(db)).rows[0]!.n);
  if (everyone.length > 1) await sql`select setval('prisoner_number_seq', ${first + everyone.length - 1})`.execute(db);

  const rnd = seededRandom(seed + 17);
  const personRows: Row[] = [];
  const documents: Row[] = [...planned.rows.documents];
  const aliases: Row[] = [...planned.rows.aliases];
  everyone.forEach((o, k) => {
    const number = formatPrisonerNumber(first + k);
    if (o.today) {
      const row = o.today.person;
      personRows.push({ ...row, prisoner_number: number });
      return;
    }
    o.personId = ids();
    const female = o.sex === 'female';
    const givenNames = (female ? pick(rnd, N.femaleGivenNames) : pick(rnd, N.maleGivenNames)) + (rnd() < 0.4 ? ` ${pick(rnd, N.secondGivenNames)}` : '');
    const firstSurname = pick(rnd, N.surnames);
    const secondSurname = rnd() < 0.95 ? pick(rnd, N.surnames) : null;
    const foreign = o.nationality !== 'PA';
    const document = foreign ? { kind: 'passport', number: `${o.nationality}${Math.floor(1e6 + rnd() * 8.9e6)}`, country: o.nationality } : { kind: 'cedula', number: cedula(rnd), country: 'PA' };
    const personAliases = rnd() < 0.06 ? [pick(rnd, N.aliases)] : [];
    personRows.push({
      id: o.personId,
      prisoner_number: number,
      given_names: givenNames,
      first_surname: firstSurname,
      second_surname: secondSurname,
      sex: o.sex,
      date_of_birth: o.dateOfBirth,
      birth_date_estimated: rnd() < 0.03,
      nationality: o.nationality,
      languages: o.nationality === 'US' ? ['en', 'es'] : ['es'],
      literacy: rnd() < 0.08 ? 'illiterate' : rnd() < 0.1 ? 'partial' : 'literate',
      location_facility_code: o.lastFacility,
      custody_status: 'released',
      search_text: searchTextOf({ givenNames, firstSurname, secondSurname }, personAliases, [document.number]),
    });
    documents.push({ person_id: o.personId, kind: document.kind, number: document.number, number_normalized: normalizeDocumentNumber(document.number), issuing_country: document.country });
    for (const alias of personAliases) aliases.push({ person_id: o.personId, alias, kind: 'alias' });
  });
  for (const o of todayOwners) o.personId = o.today!.personId;

  const ctx: RowContext = { cal, housing, facs: byCode, users, ids, rnd, placementsFrom: now - placementHistoryDays * 86_400_000 };
  all.sort((a, b) => a.stays[0]!.from - b.stays[0]!.from);
  const counts: SeedCounts = { persons: personRows.length, heldToday: planned.people.length, episodes: all.length, movements: 0, transfers: 0, courtAppearances: tripCount, escapes: escapeCount, releases: historyTls.length };
  tick('persons planned');
  // Staging tables (temporary: cheap to fill, gone at commit) from which SQL derives rows.
  await sql`create temporary table demo_episodes (n integer not null, id uuid not null, person_id uuid not null, facility_code text not null, first_facility text not null,
    first_status text not null, court text not null, case_number text not null, arrested_at timestamptz not null, arrest_place text not null,
    admitted_at timestamptz not null, released_at timestamptz, release_reason text, created_at timestamptz not null) on commit drop`.execute(db);
  await sql`create temporary table demo_sentences (episode_id uuid not null, sentenced_at timestamptz not null, recorded_at timestamptz not null) on commit drop`.execute(db);
  await withBulkLoad(db, async () => {
    tick('indexes dropped');
    await insertBatched(db, 'persons', personRows);
    await insertBatched(db, 'person_documents', documents.map((r) => ({ id: ids(), ...r })));
    await insertBatched(db, 'person_aliases', aliases.map((r) => ({ id: ids(), ...r })));
    await insertBatched(db, 'person_contacts', planned.rows.contacts.map((r) => ({ id: ids(), ...r })));
    await insertBatched(db, 'person_children', planned.rows.children.map((r) => ({ id: ids(), ...r })));
    await insertBatched(db, 'health_declarations', planned.rows.health.map((r) => ({ id: ids(), ...r })));
    tick('persons written');
    let building = 0;
    const chunk = 8_000;
    const idSeries = ids();
    for (let i = 0; i < all.length; i += chunk) {
      const out = emptyTables();
      const b0 = performance.now();
      all.slice(i, i + chunk).forEach((tl, k) => episodeFacts(ctx, tl, i + k + 1, out));
      building += performance.now() - b0;
      await insertBatched(db, 'judicial_orders', out.orders);
      await insertBatched(db, 'custody_episodes', out.episodes);
      await insertBatched(db, 'demo_episodes' as never, out.staged);
    }
    await deriveEpisodes(db, idSeries, users, opts.timeZone);
    tick('orders and episodes written');
    for (let i = 0; i < all.length; i += chunk) {
      const out = emptyTables();
      const b0 = performance.now();
      for (const tl of all.slice(i, i + chunk)) episodeDetails(ctx, tl, out);
      building += performance.now() - b0;
      await insertBatched(db, 'demo_sentences' as never, out.sentences);
      await insertBatched(db, 'placements', out.placements);
      await insertBatched(db, 'transfers', out.transfers);
      await insertBatched(db, 'absences', out.absences);
    }
    tick(`episodes written (of which building rows ${Math.round(building)} ms)`);
    counts.movements = await deriveRows(db, ids());
    tick('stays, legal status and movements derived');
  }, tick);
  // Planner statistics now (PGlite has no autovacuum to gather them), from a smaller sample
  // than the default: enough for these tables' plans, three times faster.
  await sql`set local default_statistics_target = 30`.execute(db);
  await sql`analyze ${sql.join(bulkTables.map((t) => sql.table(t)))}`.execute(db);
  tick('analyzed');
  return counts;
}

/** Today's people without a past: one stay from the admission, the status of their order. */
function simpleTimelines(people: TodayPerson[]): Map<string, Timeline> {
  return new Map(
    people.map((p) => {
      const owner: Owner = { personId: p.personId, today: p, group: p.group, sex: p.sex, dateOfBirth: p.dateOfBirth, nationality: p.nationality, free: 0, deadline: 0, firstAdmittedAt: p.admittedAt.getTime(), lastFacility: p.facility, episodes: 0 };
      return [p.episodeId, { episodeId: p.episodeId, owner, stays: [{ fac: p.facility, from: p.admittedAt.getTime() }], departures: [], firstStatus: p.legalStatus, sentencedAt: null, releasedAt: null, releaseReason: null, trips: [], escapes: [], today: p, lateBy: 0 }];
    }),
  );
}
