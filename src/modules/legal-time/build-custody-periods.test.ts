// The custody periods built from an episode's records: examples, and properties over random
// records (fast-check) against a day-by-day reference written straight from the rules:
// the periods never overlap, only the last is open, every day has the kind the rules give it,
// and the total of custody days is the number of days the records hold the person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dayNumber, toIsoDate } from '../sentence/dates.ts';
import { tryComputeSentence } from '../sentence/engine.ts';
import type { CustodyPeriod } from '../sentence/types.ts';
import { buildCustodyPeriods, type CustodyRecords } from './build-custody-periods.ts';

const none = { hospital: [], escapes: [], credits: [] };

test('an episode still open is one open prison period from the day of the arrest', () => {
  assert.deepEqual(buildCustodyPeriods({ arrestedOn: '2024-03-10', releasedOn: null, ...none }, '2026-11-29'), [{ from: '2024-03-10', to: null, kind: 'prison' }]);
});

test('a released episode ends on the day of release; a release after the computation date is not known yet', () => {
  const r: CustodyRecords = { arrestedOn: '2024-03-10', releasedOn: '2025-01-05', ...none };
  assert.deepEqual(buildCustodyPeriods(r, '2026-11-29'), [{ from: '2024-03-10', to: '2025-01-05', kind: 'prison' }]);
  assert.deepEqual(buildCustodyPeriods(r, '2024-12-31'), [{ from: '2024-03-10', to: null, kind: 'prison' }]);
  assert.deepEqual(buildCustodyPeriods(r, '2024-03-09'), []);
});

test('the days strictly between an escape and the recapture are not custody', () => {
  const r: CustodyRecords = { arrestedOn: '2024-01-01', releasedOn: null, hospital: [], escapes: [{ from: '2024-02-10', to: '2024-02-20' }], credits: [] };
  assert.deepEqual(buildCustodyPeriods(r, '2026-01-01'), [
    { from: '2024-01-01', to: '2024-02-10', kind: 'prison' },
    { from: '2024-02-20', to: null, kind: 'prison' },
  ]);
  // Escaped and recaptured the next day: no day lost.
  const quick = { ...r, escapes: [{ from: '2024-02-10', to: '2024-02-11' }] };
  assert.deepEqual(buildCustodyPeriods(quick, '2026-01-01'), [{ from: '2024-01-01', to: null, kind: 'prison' }]);
  // Not recaptured: custody ended on the day of the escape.
  const gone = { ...r, escapes: [{ from: '2024-02-10', to: null }] };
  assert.deepEqual(buildCustodyPeriods(gone, '2026-01-01'), [{ from: '2024-01-01', to: '2024-02-10', kind: 'prison' }]);
});

test('a hospital absence is custody of kind hospital; credited house arrest before the arrest counts day for day', () => {
  const r: CustodyRecords = {
    arrestedOn: '2024-01-01',
    releasedOn: null,
    hospital: [{ from: '2024-05-01', to: '2024-05-03' }],
    escapes: [],
    credits: [
      { from: '2023-06-01', to: '2023-12-31', kind: 'house_arrest' },
      // Overlaps the episode and the first credit: only its own days before 2023-06-01 count.
      { from: '2023-05-20', to: '2024-02-01', kind: 'prison' },
    ],
  };
  assert.deepEqual(buildCustodyPeriods(r, '2026-01-01'), [
    { from: '2023-05-20', to: '2023-05-31', kind: 'prison' },
    { from: '2023-06-01', to: '2023-12-31', kind: 'house_arrest' },
    { from: '2024-01-01', to: '2024-04-30', kind: 'prison' },
    { from: '2024-05-01', to: '2024-05-03', kind: 'hospital' },
    { from: '2024-05-04', to: null, kind: 'prison' },
  ]);
});

// ---------------------------------------------------------------------------------------
// Properties

type Kind = CustodyPeriod['kind'];
const BASE = dayNumber('2020-01-01');

const spanArb = fc.record({ from: fc.integer({ min: 0, max: 400 }), len: fc.integer({ min: 0, max: 60 }), open: fc.boolean() });
const recordsArb = fc.record({
  arrest: fc.integer({ min: 100, max: 300 }),
  release: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  escapes: fc.array(spanArb, { maxLength: 3 }),
  hospital: fc.array(spanArb, { maxLength: 3 }),
  credits: fc.array(fc.record({ from: fc.integer({ min: 0, max: 500 }), len: fc.integer({ min: 0, max: 120 }), kind: fc.constantFrom<'house_arrest' | 'hospital' | 'prison'>('house_arrest', 'hospital', 'prison') }), { maxLength: 3 }),
  limit: fc.integer({ min: 50, max: 700 }),
});

type Raw = typeof recordsArb extends fc.Arbitrary<infer T> ? T : never;

const iso = (offset: number) => toIsoDate(BASE + offset);

function toRecords(raw: Raw): CustodyRecords {
  return {
    arrestedOn: iso(raw.arrest),
    releasedOn: raw.release === null ? null : iso(raw.arrest + raw.release),
    escapes: raw.escapes.map((e) => ({ from: iso(raw.arrest + e.from), to: e.open ? null : iso(raw.arrest + e.from + e.len) })),
    hospital: raw.hospital.map((h) => ({ from: iso(raw.arrest + h.from), to: h.open ? null : iso(raw.arrest + h.from + h.len) })),
    credits: raw.credits.map((c) => ({ from: iso(c.from), to: iso(c.from + c.len), kind: c.kind })),
  };
}

/** What the rules say about day d (offset from BASE), as known on `limit`; null = not custody. */
function referenceKind(raw: Raw, d: number): Kind | null {
  const known = (x: number | null) => (x === null || x > raw.limit ? Infinity : x);
  const arrest = raw.arrest;
  if (arrest <= raw.limit) {
    const end = known(raw.release === null ? null : arrest + raw.release);
    if (d >= arrest && d <= end) {
      const inGap = raw.escapes.some((e) => {
        const out = arrest + e.from;
        if (out > raw.limit) return false;
        const back = known(e.open ? null : out + e.len);
        return d > out && d < back;
      });
      if (inGap) return null;
      const inHospital = raw.hospital.some((h) => {
        const out = arrest + h.from;
        if (out > raw.limit) return false;
        return d >= out && d <= known(h.open ? null : out + h.len);
      });
      return inHospital ? 'hospital' : 'prison';
    }
  }
  if (d > raw.limit) return null;
  for (const c of raw.credits) {
    const insideEpisode = arrest <= raw.limit && d >= arrest && d <= known(raw.release === null ? null : arrest + raw.release);
    if (!insideEpisode && d >= c.from && d <= c.from + c.len) return c.kind;
  }
  return null;
}

function kindOn(periods: CustodyPeriod[], d: number): Kind | null {
  for (const p of periods) {
    if (BASE + d >= dayNumber(p.from) && (p.to === null || BASE + d <= dayNumber(p.to))) return p.kind;
  }
  return null;
}

test('property: sorted, never overlapping, only the last open, accepted by the engine', () => {
  fc.assert(
    fc.property(recordsArb, (raw) => {
      const periods = buildCustodyPeriods(toRecords(raw), iso(raw.limit));
      for (let i = 1; i < periods.length; i++) {
        const prev = periods[i - 1]!;
        assert.notEqual(prev.to, null, 'only the last period may be open');
        assert.ok(dayNumber(prev.to!) < dayNumber(periods[i]!.from), 'periods overlap or are unsorted');
      }
      for (const p of periods) if (p.to !== null) assert.ok(p.from <= p.to);
      if (periods.length > 0) {
        const r = tryComputeSentence({ asOf: iso(raw.limit), custody: periods });
        assert.ok(r.ok, JSON.stringify(r));
      }
    }),
    { numRuns: 400 },
  );
});

test('property: every day has the kind the rules give it, and the total of days is invariant', () => {
  fc.assert(
    fc.property(recordsArb, (raw) => {
      const periods = buildCustodyPeriods(toRecords(raw), iso(raw.limit));
      let expectedTotal = 0;
      for (let d = 0; d <= raw.limit + 30; d++) {
        const want = referenceKind(raw, d);
        assert.equal(kindOn(periods, d), want, `day ${iso(d)}`);
        if (want !== null && d <= raw.limit) expectedTotal++;
      }
      const limitDay = BASE + raw.limit;
      const total = periods.reduce((n, p) => n + Math.min(p.to === null ? limitDay : dayNumber(p.to), limitDay) - dayNumber(p.from) + 1, 0);
      assert.equal(total, expectedTotal);
    }),
    { numRuns: 400 },
  );
});
