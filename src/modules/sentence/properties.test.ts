// Property-based tests (fast-check) over randomly generated VALID inputs:
//   - the engine agrees with a naive day-by-day reference written straight from the spec;
//   - more credits never make a date later; milestones stay in order;
//   - a further consecutive sentence never makes expiry earlier;
//   - the order of custody periods, activity records, measures and reductions is irrelevant;
//   - the result does not depend on the machine's time zone (child processes under TZ).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import fc from 'fast-check';
import { tryComputeSentence } from './engine.ts';
import { dayNumber, toIsoDate } from './dates.ts';
import type { SentencedResult, SentenceInput, SentenceResult, ActivityRecord, Measure, SentenceItem } from './types.ts';

const NUM_RUNS = 150;

// ---------------------------------------------------------------------------------------
// Generator of valid inputs

const D2000 = dayNumber('2000-01-01');
const D2024 = dayNumber('2024-12-31');

interface Raw {
  base: number;
  periods: { gap: number; len: number }[];
  lastOpen: boolean;
  asOfOffset: number;
  sentences: { years: number; months: number; days: number; rel: 'concurrent' | 'consecutive' | 'none'; toPick: number | null }[];
  activities: { w: number; s: number; l: number; kind: 'work' | 'study' | 'teaching'; amount: number; approved: boolean | null }[];
  reporting: number[];
  restrictions: { gap: number; len: number }[];
  reductions: number[];
  rules: Partial<Record<string, number | boolean>> | null;
}

const rawArb: fc.Arbitrary<Raw> = fc.record({
  base: fc.integer({ min: D2000, max: D2024 }),
  periods: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), len: fc.integer({ min: 1, max: 2500 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
  lastOpen: fc.boolean(),
  asOfOffset: fc.integer({ min: -30, max: 6000 }),
  sentences: fc.array(
    fc.record({
      years: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 30 })),
      months: fc.integer({ min: 0, max: 30 }),
      days: fc.integer({ min: 0, max: 400 }),
      rel: fc.constantFrom('concurrent' as const, 'consecutive' as const, 'none' as const),
      toPick: fc.option(fc.nat(), { nil: null }),
    }),
    { maxLength: 3 },
  ),
  activities: fc.array(
    fc.record({
      w: fc.nat(),
      s: fc.nat(),
      l: fc.nat(),
      kind: fc.constantFrom('work' as const, 'study' as const, 'teaching' as const),
      amount: fc.nat(),
      approved: fc.option(fc.boolean(), { nil: null }),
    }),
    { maxLength: 12 },
  ),
  reporting: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 2 }),
  restrictions: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 1, max: 500 }) }), {
    maxLength: 2,
  }),
  reductions: fc.array(fc.integer({ min: 0, max: 1200 }), { maxLength: 2 }),
  rules: fc.option(
    fc.record(
      {
        maxAggregateYears: fc.integer({ min: 1, max: 60 }),
        redemptionDaysPerCredit: fc.integer({ min: 1, max: 4 }),
        teachingHoursPerDay: fc.integer({ min: 1, max: 12 }),
        redemptionThresholdYears: fc.integer({ min: 0, max: 10 }),
        redemptionCountsTowardMilestones: fc.boolean(),
        reportingAppearancesPerDay: fc.integer({ min: 1, max: 10 }),
        restrictionDaysPerDay: fc.integer({ min: 1, max: 10 }),
        pretrialAlertDays: fc.integer({ min: 1, max: 900 }),
      },
      { requiredKeys: [] },
    ),
    { nil: null },
  ),
});

function build(r: Raw): SentenceInput {
  const iso = toIsoDate;
  const asOf = r.base + r.asOfOffset;
  // Custody: sorted, non-overlapping (a gap of 0 makes adjacent periods), last maybe open.
  const periods: { from: number; to: number }[] = [];
  let cur = r.base;
  r.periods.forEach((p, i) => {
    const from = i === 0 ? cur : cur + p.gap;
    periods.push({ from, to: from + p.len - 1 });
    cur = from + p.len;
  });
  const open = r.lastOpen;
  if (open) periods[periods.length - 1]!.to = Infinity;
  const kinds = ['prison', 'provisional_detention', 'house_arrest', 'hospital'] as const;
  const custody = periods.map((p, i) => ({
    from: iso(p.from),
    to: p.to === Infinity ? null : iso(p.to),
    kind: kinds[(p.from + i) % 4]!,
  }));

  // Activity windows: runs of adjacent custody days, clipped at asOf.
  const windows: { from: number; to: number }[] = [];
  for (const p of periods) {
    const to = Math.min(p.to, asOf);
    if (to < p.from) continue;
    const last = windows[windows.length - 1];
    if (last !== undefined && last.to + 1 === p.from) last.to = to;
    else windows.push({ from: p.from, to });
  }
  const activities: ActivityRecord[] = [];
  const taken: { from: number; to: number }[] = [];
  if (windows.length > 0) {
    for (const a of r.activities) {
      const w = windows[a.w % windows.length]!;
      const from = w.from + (a.s % (w.to - w.from + 1));
      const to = from + (a.l % Math.min(w.to - from + 1, 400));
      if (taken.some((t) => from <= t.to && t.from <= to)) continue; // records never overlap
      taken.push({ from, to });
      const length = to - from + 1;
      const base = { from: iso(from), to: iso(to), ...(a.approved === null ? {} : { approved: a.approved }) };
      activities.push(
        a.kind === 'teaching'
          ? { kind: 'teaching', ...base, hours: a.amount % (Math.min(24 * length, 4000) + 1) }
          : { kind: a.kind, ...base, days: a.amount % (length + 1) },
      );
    }
  }

  // Measures: restrictions placed before the first custody day, never overlapping it or each other.
  const measures: Measure[] = r.reporting.map((n) => ({ kind: 'periodic_reporting', appearances: n }));
  let end = periods[0]!.from - 1;
  for (const x of r.restrictions) {
    const to = end - x.gap;
    const from = to - x.len + 1;
    measures.push({ kind: 'territorial_restriction', from: iso(from), to: iso(to) });
    end = from - 1;
  }

  const sentences: SentenceItem[] = r.sentences.map((s, i) => {
    const item: SentenceItem = { id: `S${i + 1}`, years: s.years, months: s.months, days: s.days };
    if (s.years === 0 && s.months === 0 && s.days === 0) item.days = 1;
    if (i > 0 && s.rel !== 'none') item.relation = s.rel;
    if (i > 0 && s.rel === 'consecutive' && s.toPick !== null) item.consecutiveTo = `S${(s.toPick % i) + 1}`;
    return item;
  });

  const input: SentenceInput = { asOf: iso(asOf), custody, sentences };
  if (activities.length > 0) input.activities = activities;
  if (measures.length > 0) input.measures = measures;
  if (r.reductions.length > 0) input.reductions = r.reductions.map((days) => ({ days, reference: 'DE' }));
  if (r.rules !== null) input.rules = r.rules;
  return input;
}

const inputArb = rawArb.map(build);
const sentencedArb = inputArb.filter((i) => (i.sentences ?? []).length > 0);

function compute(input: SentenceInput): SentenceResult {
  const r = tryComputeSentence(input);
  if (!r.ok) throw new Error(`generator produced an invalid input: ${r.error.message}\n${JSON.stringify(input)}`);
  return r.result;
}

const sentenced = (input: SentenceInput) => compute(input) as SentencedResult;
const withoutTrace = (r: SentenceResult) => ({ ...r, trace: undefined });

/** Null (no date yet) is later than any date. */
const notLater = (a: string | null, b: string | null) => b === null || (a !== null && a <= b);

// ---------------------------------------------------------------------------------------
// Naive reference: the spec's conventions read literally, one day at a time, with Date.UTC.

const MS = 86400000;
const utc = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / MS;
const fmt = (d: number) => new Date(d * MS).toISOString().slice(0, 10);
function addStepwise(start: number, y: number, m: number, d: number): number {
  const s = new Date(start * MS);
  const lastDay = (yy: number, mm: number) => new Date(Date.UTC(yy, mm + 1, 0)).getUTCDate();
  let yy = s.getUTCFullYear() + y;
  let mm = s.getUTCMonth();
  let dd = Math.min(s.getUTCDate(), lastDay(yy, mm));
  const total = mm + m;
  yy += Math.floor(total / 12);
  mm = total % 12;
  dd = Math.min(dd, lastDay(yy, mm));
  return Date.UTC(yy, mm, dd) / MS + d;
}

function reference(input: SentenceInput): Record<string, unknown> {
  const P = {
    maxAggregateYears: 50,
    redemptionDaysPerCredit: 2,
    teachingHoursPerDay: 8,
    redemptionThresholdYears: 5,
    redemptionCountsTowardMilestones: true,
    reportingAppearancesPerDay: 5,
    restrictionDaysPerDay: 5,
    pretrialAlertDays: 365,
    ...input.rules,
  };
  const asOf = utc(input.asOf);
  const per = input.custody.map((c) => [utc(c.from), c.to === null ? Infinity : utc(c.to)] as const).sort((a, b) => a[0] - b[0]);
  const S = per[0]![0];
  const inCustody = (d: number) => per.some(([f, t]) => f <= d && d <= t);
  let C = 0;
  for (let d = S; d <= asOf; d++) if (inCustody(d)) C++;
  const nth = (N: number): number | null => {
    let k = 0;
    N = Math.max(N, 1);
    for (const [f, t] of per)
      for (let d = f; d <= t; d++) {
        if (++k === N) return d;
      }
    return null;
  };
  const iso = (d: number | null) => (d === null ? null : fmt(d));
  if ((input.sentences ?? []).length === 0)
    return { status: 'pretrial', startDate: fmt(S), custodyDays: C, pretrialDays: C, pretrialAlertDate: iso(nth(P.pretrialAlertDays)) };
  const ends = new Map<string, number>();
  let latest = -Infinity;
  input.sentences!.forEach((s, i) => {
    const consecutive = i > 0 && s.relation === 'consecutive';
    const start = !consecutive ? S : s.consecutiveTo !== undefined ? ends.get(s.consecutiveTo)! + 1 : latest + 1;
    const e = addStepwise(start, s.years, s.months, s.days) - 1;
    ends.set(s.id, e);
    latest = Math.max(latest, e);
  });
  const cap = addStepwise(S, P.maxAggregateYears, 0, 0) - 1;
  const end = Math.min(latest, cap);
  const T = end - S + 1;
  const long = latest > addStepwise(S, P.redemptionThresholdYears, 0, 0) - 1;
  const red = (input.reductions ?? []).reduce((a, r) => a + r.days, 0);
  const Tp = Math.max(0, T - red);
  let M = 0;
  for (const m of input.measures ?? [])
    M +=
      m.kind === 'periodic_reporting'
        ? Math.floor(m.appearances / P.reportingAppearancesPerDay)
        : Math.floor((utc(m.to) - utc(m.from) + 1) / P.restrictionDaysPerDay);
  const plain = long ? nth(Math.ceil(Tp / 3) - M) : null;
  let A = 0, U = 0;
  for (const a of input.activities ?? []) {
    const days = a.kind === 'teaching' ? Math.floor(a.hours / P.teachingHoursPerDay) : a.days;
    const f = utc(a.from), t = utc(a.to);
    let after = 0;
    for (let d = f; d <= t; d++) if (plain !== null && d > plain) after++;
    const counted = !long ? days : plain === null ? 0 : Math.floor((days * after) / (t - f + 1));
    if (a.approved === true) A += counted;
    else U += counted;
  }
  const R = Math.floor(A / P.redemptionDaysPerCredit);
  const Rm = P.redemptionCountsTowardMilestones ? R : 0;
  let o = nth(Math.ceil(Tp / 3) - M - (long ? 0 : Rm));
  let w = nth(Math.ceil((2 * Tp) / 3) - M - Rm);
  const x = Tp - M - R <= 0 ? S : nth(Tp - M - R);
  if (x !== null) {
    if (o === null || o > x) o = x;
    if (w === null || w > x) w = x;
  }
  if (o !== null && w !== null && w < o) w = o;
  const served = C + M + R;
  return {
    status: 'sentenced',
    startDate: fmt(S),
    termDays: T,
    capApplied: latest > cap,
    effectiveTermDays: Tp,
    credits: { measures: M, redemption: R, reductions: red },
    projectedRedemption: Math.floor(U / P.redemptionDaysPerCredit),
    custodyDays: C,
    servedDays: served,
    remainingDays: Math.max(0, Tp - served),
    dates: { oneThird: iso(o), twoThirds: iso(w), conditionalReleaseEligibility: iso(w), expiry: iso(x) },
    overdue: inCustody(asOf) && x !== null && asOf > x,
  };
}

function pick(result: SentenceResult, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (result as unknown as Record<string, unknown>)[k];
  return out;
}

/** Deterministic shuffle driven by a generated seed. */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const a = xs.slice();
  let s = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

// ---------------------------------------------------------------------------------------

describe('properties', () => {
  test('the generator only produces valid inputs', () => {
    fc.assert(fc.property(inputArb, (i) => void compute(i)), { numRuns: 300 });
  });

  test('agrees with a naive day-by-day reading of the spec', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const expected = reference(input);
        assert.deepStrictEqual(pick(compute(input), Object.keys(expected)), expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('more credits (measures, approved redemption, reductions) never make a date later', () => {
    fc.assert(
      fc.property(
        sentencedArb,
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 900 }),
        fc.nat(),
        (input, appearances, reduction, which) => {
          const before = sentenced(input);
          const variants: SentenceInput[] = [
            { ...input, measures: [...(input.measures ?? []), { kind: 'periodic_reporting', appearances }] },
            { ...input, reductions: [...(input.reductions ?? []), { days: reduction }] },
          ];
          const acts = input.activities ?? [];
          const unapproved = acts.findIndex((a) => a.approved !== true);
          if (unapproved >= 0) {
            const k = (unapproved + which) % acts.length;
            variants.push({ ...input, activities: acts.map((a, i) => (i === k ? { ...a, approved: true } : a)) });
          }
          for (const v of variants) {
            const after = sentenced(v);
            for (const d of ['oneThird', 'twoThirds', 'expiry'] as const)
              assert.ok(notLater(after.dates[d], before.dates[d]), `${d}: ${after.dates[d]} is later than ${before.dates[d]}`);
            assert.ok(after.remainingDays <= before.remainingDays);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('oneThird ≤ twoThirds ≤ expiry, and twoThirds is the conditional-release date', () => {
    fc.assert(
      fc.property(sentencedArb, (input) => {
        const { dates } = sentenced(input);
        assert.ok(notLater(dates.oneThird, dates.twoThirds), JSON.stringify(dates));
        assert.ok(notLater(dates.twoThirds, dates.expiry), JSON.stringify(dates));
        assert.equal(dates.conditionalReleaseEligibility, dates.twoThirds);
        if (dates.expiry !== null) assert.ok(dates.oneThird !== null && dates.twoThirds !== null);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('adding a consecutive sentence never makes expiry earlier', () => {
    fc.assert(
      fc.property(
        sentencedArb,
        fc.record({ years: fc.integer({ min: 0, max: 10 }), months: fc.integer({ min: 0, max: 12 }), days: fc.integer({ min: 1, max: 200 }) }),
        fc.option(fc.nat(), { nil: null }),
        (input, term, toPick) => {
          const ss = input.sentences!;
          const extra: SentenceItem = { id: 'EXTRA', ...term, relation: 'consecutive' };
          if (toPick !== null) extra.consecutiveTo = ss[toPick % ss.length]!.id;
          const before = sentenced(input);
          const after = sentenced({ ...input, sentences: [...ss, extra] });
          assert.ok(notLater(before.dates.expiry, after.dates.expiry), `${after.dates.expiry} < ${before.dates.expiry}`);
          assert.ok(after.termDays >= before.termDays);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('the order of custody periods, activities, measures and reductions does not matter', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffled: SentenceInput = { ...input, custody: shuffle(input.custody, seed) };
        if (input.activities) shuffled.activities = shuffle(input.activities, seed + 1);
        if (input.measures) shuffled.measures = shuffle(input.measures, seed + 2);
        if (input.reductions) shuffled.reductions = shuffle(input.reductions, seed + 3);
        // The trace cites records by their position in the list, so compare everything else.
        assert.deepStrictEqual(withoutTrace(compute(shuffled)), withoutTrace(compute(input)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the result does not depend on the machine time zone', async () => {
    const inputs = fc.sample(inputArb, { seed: 20261129, numRuns: 200 });
    const here = JSON.stringify(inputs.map((i) => tryComputeSentence(i)));
    const engineUrl = pathToFileURL(path.join(import.meta.dirname, 'engine.ts')).href;
    const script = `
      import { tryComputeSentence } from ${JSON.stringify(engineUrl)};
      let text = '';
      process.stdin.setEncoding('utf8');
      for await (const chunk of process.stdin) text += chunk;
      process.stdout.write(JSON.stringify(JSON.parse(text).map((i) => tryComputeSentence(i))));
    `;
    const runIn = (tz: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          { env: { ...process.env, TZ: tz }, maxBuffer: 256 * 1024 * 1024 },
          (err, stdout, stderr) => (err ? reject(new Error(`${tz}: ${err.message}\n${stderr}`)) : resolve(stdout)),
        );
        child.stdin!.end(JSON.stringify(inputs));
      });
    const zones = ['Pacific/Kiritimati', 'America/Panama', 'Pacific/Pago_Pago'];
    const outputs = await Promise.all(zones.map(runIn));
    zones.forEach((tz, i) => assert.equal(outputs[i], here, `different result under TZ=${tz}`));
  });
});
