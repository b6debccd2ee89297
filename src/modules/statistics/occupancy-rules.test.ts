// The counting rules, the chart and the CSV, without a database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageOn, asOfInstant, countHeld, inForceAt, isYoungAdult, occupancyRate, provincesOf, roundOneDecimal, sharePercent, totalOf, type FacilityFigures } from './occupancy-rules.ts';
import { axisMax, occupancyBarChart } from './chart.ts';
import { occupancyCsv } from './csv.ts';
import { coalesced } from './service.ts';
import { translator } from '../../platform/i18n/i18n.ts';

test('a date means the end of that day in the time zone', () => {
  assert.equal(asOfInstant('2025-03-10', 'America/Panama').toISOString(), '2025-03-11T05:00:00.000Z');
  assert.equal(asOfInstant('2025-03-10', 'UTC').toISOString(), '2025-03-11T00:00:00.000Z');
  const at = asOfInstant('2025-03-10', 'America/Panama');
  assert.equal(inForceAt(new Date('2025-03-11T04:59:59Z'), null, at), true, 'began during the day');
  assert.equal(inForceAt(at, null, at), false, 'begins at midnight: the next day');
  assert.equal(inForceAt(new Date('2025-01-01'), at, at), true, 'ends at midnight: held at the end of the day');
  assert.equal(inForceAt(new Date('2025-01-01'), new Date('2025-03-11T04:00:00Z'), at), false, 'ended during the day');
});

test('occupancy rate: one decimal, half away from zero; null without capacity', () => {
  assert.equal(occupancyRate(213, 40), 532.5);
  assert.equal(occupancyRate(2, 3), 66.7);
  assert.equal(occupancyRate(1, 8), 12.5);
  assert.equal(occupancyRate(10, null), null);
  assert.equal(occupancyRate(10, 0), null);
  assert.equal(roundOneDecimal(0.05), 0.1);
  assert.equal(roundOneDecimal(1.005), 1);
  assert.equal(sharePercent(1, 3), 33.3);
  assert.equal(sharePercent(0, 0), null);
});

test('ages: whole years on the date; young adults are 18 to 20', () => {
  assert.equal(ageOn('2005-03-11', '2025-03-10'), 19);
  assert.equal(ageOn('2005-03-10', '2025-03-10'), 20);
  assert.equal(ageOn('2004-02-29', '2025-02-28'), 20);
  assert.equal(isYoungAdult({ dateOfBirth: '2007-03-10' }, '2025-03-10'), true);
  assert.equal(isYoungAdult({ dateOfBirth: '2007-03-11' }, '2025-03-10'), false);
  assert.equal(isYoungAdult({ dateOfBirth: '2004-03-10' }, '2025-03-10'), false);
  assert.equal(isYoungAdult({ dateOfBirth: null }, '2025-03-10'), false);
});

test('counting: unsentenced, other apart, women, foreign; totals add up; unknown capacity', () => {
  const c = countHeld(
    [
      { facilityCode: 'A', legalStatus: 'pretrial', sex: 'male', nationality: 'PA', dateOfBirth: '2006-01-01' },
      { facilityCode: 'A', legalStatus: 'other', sex: 'female', nationality: 'CO', dateOfBirth: '1980-01-01' },
      { facilityCode: 'B', legalStatus: 'sentenced', sex: 'intersex', nationality: 'PA', dateOfBirth: null },
    ],
    '2025-03-10',
  );
  assert.deepEqual(c.get('A'), { population: 2, unsentenced: 1, other: 1, women: 1, foreign: 1, youngAdults: 1 });
  assert.deepEqual(c.get('B'), { population: 1, unsentenced: 0, other: 0, women: 0, foreign: 0, youngAdults: 0 });
  const f = (code: string, province: string, capacity: number | null, population: number): FacilityFigures => ({ code, name: code, province, capacity, capacitySource: capacity === null ? null : 'official', population, occupancyRate: occupancyRate(population, capacity), unsentenced: 1, other: 0, women: 0, foreign: 0, youngAdults: 0 });
  const t = totalOf([f('A', 'X', 100, 150), f('B', 'Y', 50, 25)]);
  assert.deepEqual([t.capacity, t.population, t.occupancyRate, t.unsentenced], [150, 175, 116.7, 2]);
  const unknown = totalOf([f('A', 'X', 100, 150), f('C', 'Y', null, 5)]);
  assert.deepEqual([unknown.capacity, unknown.occupancyRate, unknown.centresWithoutCapacity], [null, null, 1]);
  const empty = totalOf([f('A', 'X', 100, 150), f('D', 'Y', null, 0)]);
  assert.deepEqual([empty.capacity, empty.occupancyRate], [100, 150], 'a centre holding nobody without capacity leaves the total known');
  const provinces = provincesOf([f('A', 'Panamá', 100, 150), f('B', 'Colón', 50, 25), f('C', 'Panamá', 10, 5)]);
  assert.deepEqual(provinces.map((p) => [p.province, p.population, p.capacity]), [['Colón', 25, 50], ['Panamá', 155, 110]]);
});

test('the chart: accessible SVG, one bar per centre, the 100 % line, no inline style', () => {
  const svg = occupancyBarChart(
    [
      { label: 'PA-LJ', name: 'La Joya', value: 253.3 },
      { label: 'PA-CEF', name: 'CEFERE <&>', value: null },
      { label: 'DA-LPA', name: 'La Palma', value: 88.9 },
    ],
    { title: 'Ocupación', desc: 'Barras', missing: 'sin capacidad', percent: (n) => `${n} %` },
  );
  assert.match(svg, /^<svg [^>]*role="img" aria-labelledby="occupancy-chart-title occupancy-chart-desc"/);
  assert.match(svg, /<title id="occupancy-chart-title">Ocupación<\/title><desc id="occupancy-chart-desc">Barras<\/desc>/);
  assert.equal((svg.match(/<rect /g) ?? []).length, 2);
  assert.match(svg, /CEFERE &lt;&amp;&gt;: sin capacidad/);
  assert.doesNotMatch(svg, /style=/);
  assert.equal(axisMax([253.3, null, 88.9]), 300);
  assert.equal(axisMax([20]), 100);
});

test('the CSV: header row, quoted text, empty cells for unknowns, totals last', () => {
  const fac = (code: string, name: string, capacity: number | null): FacilityFigures => ({ code, name, province: 'Panamá', capacity, capacitySource: capacity === null ? null : 'synthetic', population: 3, occupancyRate: occupancyRate(3, capacity), unsentenced: 1, other: 0, women: 3, foreign: 0, youngAdults: 0 });
  const facilities = [fac('PA-CEF', 'Centro Femenino, "CEFERE"', null), fac('PA-TIN', 'Tinajitas', 300)];
  const csv = occupancyCsv(translator('en'), { date: '2025-03-10', facilities, provinces: provincesOf(facilities), national: totalOf(facilities) });
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'date,level,code,name,province,official_capacity,capacity_source,people_held,occupancy_percent,unsentenced,other_legal_status,women,foreign_nationals,aged_18_to_20');
  assert.equal(lines[1], '2025-03-10,centre,PA-CEF,"Centro Femenino, ""CEFERE""",Panamá,,,3,,1,0,3,0,0');
  assert.equal(lines[2], '2025-03-10,centre,PA-TIN,Tinajitas,Panamá,300,synthetic,3,1,1,0,3,0,0');
  assert.equal(lines[3], '2025-03-10,province,,Panamá,Panamá,,,6,,2,0,6,0,0');
  assert.equal(lines[4], '2025-03-10,national,,National,,,,6,,2,0,6,0,0');
  assert.equal(lines[5], '');
});

test('identical requests share one computation, never one already running', async () => {
  const db = {};
  let runs = 0;
  const gates: (() => void)[] = [];
  const run = () => {
    const n = ++runs;
    return new Promise<number>((resolve) => gates.push(() => resolve(n)));
  };
  // Let the event loop turn (enough for a scheduled start; the wait ends early once `until`).
  const turn = async (until: () => boolean = () => false) => {
    for (let i = 0; i < 50 && !until(); i++) await new Promise((r) => setImmediate(r));
  };
  const a = coalesced(db, 'k', run);
  const b = coalesced(db, 'k', run);
  await turn(() => runs >= 1);
  assert.equal(runs, 1, 'a and b arrived before the statement started: one run');
  const c = coalesced(db, 'k', run);
  const d = coalesced(db, 'k', run);
  await turn();
  assert.equal(runs, 1, 'c and d arrived while it ran: they wait');
  gates.shift()!();
  assert.deepEqual([await a, await b], [1, 1]);
  await turn(() => runs >= 2);
  assert.equal(runs, 2, 'one more run serves c and d');
  gates.shift()!();
  assert.deepEqual([await c, await d], [2, 2]);
  const other = coalesced(db, 'other', run);
  await turn(() => runs >= 3);
  gates.shift()!();
  assert.equal(await other, 3, 'another key computes on its own');
  await assert.rejects(coalesced(db, 'k', () => Promise.reject(new Error('down'))), /down/);
  assert.equal(await coalesced(db, 'k', async () => 5), 5, 'a failure is not remembered');
});
