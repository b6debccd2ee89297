// The roll against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): the roll of
// past instants equals what the movements journal says, replayed independently (admissions at
// different times, a court absence, a release, a transfer arrival written as facility-stay
// rows, an escape, a hospital stay); it does not change after later admissions; counts store
// the server's expected figure and a difference raises an alert; bad input is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { absence, api, countRows, DAY, HOUR, hold, paths, releaseAt, setUpWorld, transferArrival, type Held, type World } from '../housing/test-support.ts';
import { expectedRoll } from './service.ts';

let w: World;
const base = new Date(Math.floor((Date.now() - 10 * DAY) / HOUR) * HOUR);
const at = (days: number, hours = 0) => new Date(base.getTime() + days * DAY + hours * HOUR);
const people: Record<string, Held> = {};

before(async () => {
  w = await setUpWorld();
  const { lj, colon } = w;
  people.A = await hold(w, { unit: lj.G, cell: 'G-01', admittedAt: at(0), givenNames: 'Alberto' });
  people.B = await hold(w, { unit: lj.P, cell: 'P-01', admittedAt: at(1), givenNames: 'Bruno' });
  people.C = await hold(w, { unit: lj.C, cell: 'C-02', legalStatus: 'sentenced', admittedAt: at(2), givenNames: 'Carlos' });
  await absence(w, people.C, 'court', at(4), at(4, 8));
  people.D = await hold(w, { unit: lj.G, cell: 'G-01', admittedAt: at(1), givenNames: 'Diego' });
  await releaseAt(w, people.D, at(5));
  people.E = await hold(w, { facility: 'CO-NES', unit: colon.R, admittedAt: at(0), givenNames: 'Esteban' });
  await transferArrival(w, people.E, 'CO-NES', 'PA-LJ', lj.R, at(3), at(3, 6));
  people.F = await hold(w, { unit: lj.G, cell: 'G-02', admittedAt: at(2), givenNames: 'Fernando' });
  await absence(w, people.F, 'escape', at(6));
  people.G = await hold(w, { unit: lj.P, cell: 'P-02', admittedAt: at(1), givenNames: 'Gabriel' });
  await absence(w, people.G, 'hospital', at(6));
});
after(() => w.env.close());

type State = { facility: string; status: 'present' | 'out' | 'escaped' | 'released'; kind?: string };

/**
 * Who a centre holds at `t`, replayed from the movements journal alone (an independent
 * derivation, not the roll's query): present, out (by kind) and escaped person ids.
 */
async function fromMovements(facility: string, t: Date) {
  const rows = await w.env.state.db.selectFrom('movements').selectAll().where('occurred_at', '<=', t).orderBy('occurred_at').orderBy('recorded_at').execute();
  const state = new Map<string, State>();
  for (const m of rows) {
    const s = state.get(m.person_id);
    switch (m.kind) {
      case 'admission':
        state.set(m.person_id, { facility: m.to_facility_code!, status: 'present' });
        break;
      case 'transfer_out':
        state.set(m.person_id, { facility: s!.facility, status: 'out', kind: 'transit' });
        break;
      case 'transfer_in':
        state.set(m.person_id, { facility: m.to_facility_code!, status: 'present' });
        break;
      case 'court_out':
      case 'hospital_out':
      case 'leave_out':
        state.set(m.person_id, { facility: s!.facility, status: 'out', kind: m.kind.replace('_out', '') });
        break;
      case 'court_return':
      case 'hospital_return':
      case 'leave_return':
      case 'recapture':
        state.set(m.person_id, { facility: s!.facility, status: 'present' });
        break;
      case 'escape':
        state.set(m.person_id, { facility: s!.facility, status: 'escaped' });
        break;
      case 'release':
      case 'death':
        state.set(m.person_id, { facility: s!.facility, status: 'released' });
        break;
    }
  }
  const of = (status: State['status']) => [...state].filter(([, s]) => s.facility === facility && s.status === status).map(([id]) => id).sort();
  return { present: of('present'), out: of('out'), escaped: of('escaped') };
}

async function rollAt(facility: string, t: Date, who: keyof World['h'] = 'duty') {
  const r = await api(w, 'GET', `/api/v1/facilities/${facility}/roll?at=${encodeURIComponent(t.toISOString())}`, w.h[who]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as Roll;
}

interface Roll {
  at: string;
  units: { unitId: string; code: string; expected: { id: string; name: string }[]; out: { person: { id: string }; kind: string; since: string }[]; escaped: { person: { id: string } }[]; expectedPresent: number; lastCount: { counted: number; difference: number } | null }[];
  unplaced: { expected: { id: string }[]; out: { person: { id: string }; kind: string }[]; escaped: unknown[] };
  totals: { held: number; expectedPresent: number; out: number; escaped: number; unplaced: number };
}

function idsOf(roll: Roll) {
  const present = [...roll.units.flatMap((u) => u.expected.map((p) => p.id)), ...roll.unplaced.expected.map((p) => p.id)].sort();
  const out = [...roll.units.flatMap((u) => u.out.map((o) => o.person.id)), ...roll.unplaced.out.map((o) => o.person.id)].sort();
  const escaped = roll.units.flatMap((u) => u.escaped.map((o) => o.person.id)).sort();
  return { present, out, escaped };
}

const idList = (...keys: string[]) => keys.map((k) => people[k]!.personId).sort();

describe('the roll of a past instant', () => {
  test('equals what the movements journal says, at every instant, in both centres', async () => {
    const instants = [at(0, 12), at(1, 12), at(3, 2), at(4, 2), at(4, 9), at(5, 1), at(6, 1), new Date()];
    for (const t of instants) {
      for (const facility of ['PA-LJ', 'CO-NES']) {
        const roll = await rollAt(facility, t, facility === 'PA-LJ' ? 'duty' : 'inspector');
        const derived = await fromMovements(facility, t);
        assert.deepEqual(idsOf(roll), derived, `${facility} at ${t.toISOString()}`);
        assert.equal(roll.totals.held, derived.present.length + derived.out.length);
        assert.equal(roll.totals.expectedPresent, derived.present.length);
        assert.equal(roll.totals.unplaced, 0);
      }
    }
  });

  test('by hand: who is where, who is out and why, who escaped', async () => {
    // Half a day in: only A at La Joya; E at Colón.
    assert.deepEqual(idsOf(await rollAt('PA-LJ', at(0, 12))).present, idList('A'));
    // E in transit (departed Colón, not yet arrived): counts at Colón, placed in no unit (the
    // placement ends at the departure), shown out in transit.
    const inTransit = await rollAt('CO-NES', at(3, 2), 'inspector');
    assert.deepEqual(inTransit.unplaced.out.map((o) => [o.person.id, o.kind]), [[people.E!.personId, 'transit']]);
    assert.ok(inTransit.units.every((u) => u.out.length === 0 && u.expected.length === 0));
    assert.deepEqual(inTransit.totals, { held: 1, expectedPresent: 0, out: 1, escaped: 0, unplaced: 0 });
    // C at court on day 4; E arrived in La Joya's reception.
    const court = await rollAt('PA-LJ', at(4, 2));
    const unitC = court.units.find((u) => u.code === 'C')!;
    assert.deepEqual(unitC.out.map((o) => [o.person.id, o.kind, o.since]), [[people.C!.personId, 'court', at(4).toISOString()]]);
    assert.equal(unitC.expectedPresent, 0);
    assert.deepEqual(court.units.find((u) => u.code === 'R')!.expected.map((p) => p.id), [people.E!.personId]);
    assert.deepEqual(court.units.find((u) => u.code === 'G')!.expected.map((p) => p.id).sort(), idList('A', 'D', 'F'));
    // After day 6: D released (gone), F escaped (apart, not held), G in hospital (out, held).
    const late = await rollAt('PA-LJ', at(6, 1));
    const g = late.units.find((u) => u.code === 'G')!;
    assert.deepEqual(g.expected.map((p) => p.id), [people.A!.personId]);
    assert.deepEqual(g.escaped.map((e) => e.person.id), [people.F!.personId]);
    assert.deepEqual(late.units.find((u) => u.code === 'P')!.out.map((o) => o.kind), ['hospital']);
    assert.deepEqual(late.totals, { held: 5, expectedPresent: 4, out: 1, escaped: 1, unplaced: 0 });
  });

  test('stays the same after later admissions and moves; a late entry dated before it is part of it', async () => {
    const t = at(4, 2);
    const first = await rollAt('PA-LJ', t);
    const later = await hold(w, { unit: w.lj.G, cell: 'G-02', admittedAt: new Date(Date.now() - HOUR) });
    const move = await api(w, 'POST', `/api/v1/persons/${people.A!.personId}/placement`, w.h.officer, { unitId: w.lj.G.id, cellId: w.lj.G.cells['G-02'], reason: 'Cambio de celda' });
    assert.equal(move.status, 201, JSON.stringify(move.body));
    const again = await rollAt('PA-LJ', t);
    assert.deepEqual(again, first);
    assert.ok(idsOf(await rollAt('PA-LJ', new Date())).present.includes(later.personId));

    // An admission recorded now but dated before t changes the roll of t (occurrence, not recording, counts).
    const lateEntry = await hold(w, { unit: w.lj.G, cell: 'G-01', admittedAt: at(3) });
    const corrected = await rollAt('PA-LJ', t);
    assert.equal(corrected.totals.held, first.totals.held + 1);
    assert.ok(idsOf(corrected).present.includes(lateEntry.personId));
  });

  test('one unit only, and the service function used by other modules', async () => {
    const unitOnly = await api(w, 'GET', `/api/v1/facilities/PA-LJ/roll?unitId=${w.lj.P.id}&at=${encodeURIComponent(at(4, 2).toISOString())}`, w.h.duty);
    assert.equal(unitOnly.status, 200);
    assert.deepEqual((unitOnly.body.units as { code: string }[]).map((u) => u.code), ['P']);
    const roll = await expectedRoll(w.env.state.db, { facilityCode: 'PA-LJ', at: at(4, 2) });
    assert.deepEqual(roll.units.find((u) => u.code === 'P')!.expected.map((p) => p.id).sort(), idList('B', 'G'));
    assert.equal(roll.at, at(4, 2).toISOString());
  });

  test('the read is audited; a future instant, a bad instant, another centre\'s unit, a centre out of scope are refused', async () => {
    const before = await w.env.state.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'roll.read').executeTakeFirstOrThrow();
    await rollAt('PA-LJ', at(2));
    const afterCount = await w.env.state.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'roll.read').executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n) + 1);
    let r = await api(w, 'GET', `/api/v1/facilities/PA-LJ/roll?at=${encodeURIComponent(new Date(Date.now() + DAY).toISOString())}`, w.h.duty);
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['at']);
    r = await api(w, 'GET', '/api/v1/facilities/PA-LJ/roll?at=ayer', w.h.duty);
    assert.equal(r.status, 400);
    r = await api(w, 'GET', `/api/v1/facilities/PA-LJ/roll?unitId=${w.colon.R.id}`, w.h.duty);
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['unitId']);
    assert.equal((await api(w, 'GET', '/api/v1/facilities/PA-LJ/roll', w.h.officerColon)).status, 404);
  });
});

describe('counts', () => {
  const count = (body: Record<string, unknown>, who: keyof World['h'] = 'duty', headers: Record<string, string> = {}) =>
    api(w, 'POST', '/api/v1/facilities/PA-LJ/roll-counts', { ...w.h[who], ...headers }, body);

  test('a count equal to the roll raises nothing; a count with a difference raises a roll_discrepancy alert', async () => {
    const roll = await rollAt('PA-LJ', new Date());
    const g = roll.units.find((u) => u.code === 'G')!;
    const alertsBefore = await countRows(w, 'alerts');
    let r = await count({ unitId: w.lj.G.id, counted: g.expectedPresent });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.difference, 0);
    assert.equal(r.body.alertId, null);
    assert.equal(await countRows(w, 'alerts'), alertsBefore);

    r = await count({ unitId: w.lj.G.id, counted: g.expectedPresent - 1, notes: 'Falta una persona en el conteo de las 18:00' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.expectedPresent, g.expectedPresent);
    assert.equal(r.body.difference, -1);
    const alert = await w.env.state.db.selectFrom('alerts').selectAll().where('id', '=', r.body.alertId as string).executeTakeFirstOrThrow();
    assert.equal(alert.type_code, 'roll_discrepancy');
    assert.equal(alert.facility_code, 'PA-LJ');
    assert.equal(alert.raised_by, w.users.duty.id);
    assert.equal((alert.details as { difference: number }).difference, -1);
    const stored = await w.env.state.db.selectFrom('roll_counts').selectAll().where('id', '=', r.body.id as string).executeTakeFirstOrThrow();
    assert.equal(stored.expected_present, g.expectedPresent);
    assert.equal(stored.counted, g.expectedPresent - 1);
    const audited = await w.env.state.db.selectFrom('audit_log').selectAll().where('action', '=', 'roll.count.recorded').where('target_id', '=', stored.id).executeTakeFirstOrThrow();
    assert.equal((audited.after_value as { difference: number }).difference, -1);

    // The roll shows the last count and its difference.
    const shown = (await rollAt('PA-LJ', new Date())).units.find((u) => u.code === 'G')!;
    assert.deepEqual({ counted: shown.lastCount!.counted, difference: shown.lastCount!.difference }, { counted: g.expectedPresent - 1, difference: -1 });
  });

  test('a late count is compared with the roll of its own instant', async () => {
    const r = await count({ unitId: w.lj.C.id, counted: 1, countedAt: at(4, 2).toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.expectedPresent, 0); // C was at court
    assert.equal(r.body.difference, 1);
    assert.ok(r.body.alertId);
  });

  test('bad input names the field and writes nothing; only duty officers count', async () => {
    const before = { counts: await countRows(w, 'roll_counts'), alerts: await countRows(w, 'alerts') };
    const cases: [Record<string, unknown>, number, string[]][] = [
      [{ unitId: w.colon.R.id, counted: 3 }, 422, ['unitId']],
      [{ unitId: '00000000-0000-4000-8000-000000000000', counted: 3 }, 422, ['unitId']],
      [{ unitId: w.lj.G.id, counted: 3, countedAt: new Date(Date.now() + HOUR).toISOString() }, 422, ['countedAt']],
      [{ unitId: w.lj.G.id, counted: -1 }, 400, ['counted']],
      [{ unitId: w.lj.G.id, counted: '3' }, 400, ['counted']],
      [{ unitId: w.lj.G.id }, 400, ['counted']],
    ];
    for (const [body, status, fields] of cases) {
      const r = await count(body);
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), fields, JSON.stringify(r.body));
    }
    assert.equal((await count({ unitId: w.lj.G.id, counted: 3 }, 'officer')).status, 403);
    assert.equal((await count({ unitId: w.lj.G.id, counted: 3 }, 'director')).status, 403);
    assert.deepEqual({ counts: await countRows(w, 'roll_counts'), alerts: await countRows(w, 'alerts') }, before);
  });

  test('a repeated Idempotency-Key records one count', async () => {
    const n = await countRows(w, 'roll_counts');
    const a = await count({ unitId: w.lj.P.id, counted: 1 }, 'duty', { 'idempotency-key': 'conteo-p-1' });
    const b = await count({ unitId: w.lj.P.id, counted: 1 }, 'duty', { 'idempotency-key': 'conteo-p-1' });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.body.id, a.body.id);
    assert.equal(await countRows(w, 'roll_counts'), n + 1);
  });
});
