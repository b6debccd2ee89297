// Housing through the API, against a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): occupancy with overcrowding flagged and allowed, moves that close and open
// placements, separation refusals, an audited and alerted override by a director, a refused
// override by anyone else, and bad input answered 4xx naming the field with nothing written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { absence, api, countRows, DAY, HOUR, hold, openPlacement, paths, releaseAt, setUpWorld, type World } from './test-support.ts';

let w: World;
before(async () => {
  w = await setUpWorld();
});
after(() => w.env.close());

const move = (personId: string, body: Record<string, unknown>, who: keyof World['h'] = 'officer', headers: Record<string, string> = {}) =>
  api(w, 'POST', `/api/v1/persons/${personId}/placement`, { ...w.h[who], ...headers }, body);

async function placementsOf(episodeId: string) {
  return w.env.state.db.selectFrom('placements').selectAll().where('episode_id', '=', episodeId).orderBy('valid_from').execute();
}

async function auditOf(action: string, personId: string) {
  return w.env.state.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('person_id', '=', personId).orderBy('id').execute();
}

/** Nothing written by a refused move: the same placements, no move audited, no alert. */
async function snapshot(episodeId: string) {
  return { placements: JSON.stringify(await placementsOf(episodeId)), total: await countRows(w, 'placements'), alerts: await countRows(w, 'alerts') };
}

describe('occupancy', () => {
  test('cells and units show capacity against occupants; overcrowding is flagged, not refused', async () => {
    // C-01 has one place: two people in it.
    await hold(w, { unit: w.lj.C, cell: 'C-01', legalStatus: 'sentenced' });
    await hold(w, { unit: w.lj.C, cell: 'C-01', legalStatus: 'sentenced' });
    const r = await api(w, 'GET', '/api/v1/facilities/PA-LJ/housing', w.h.officer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const units = r.body.units as { code: string; capacity: number; occupants: number; overcrowded: boolean; overcrowdedCells: number; cells: { code: string; capacity: number; occupants: number; overcrowded: boolean }[] }[];
    const c = units.find((u) => u.code === 'C')!;
    const c01 = c.cells.find((x) => x.code === 'C-01')!;
    assert.deepEqual({ capacity: c01.capacity, occupants: c01.occupants, overcrowded: c01.overcrowded }, { capacity: 1, occupants: 2, overcrowded: true });
    assert.equal(c.overcrowdedCells, 1);
    assert.equal(c.capacity, 5);
    assert.equal(c.overcrowded, false);
    assert.ok((r.body.totals as { overcrowdedCells: number }).overcrowdedCells >= 1);
    assert.equal((r.body.facility as { populationGroup: string }).populationGroup, 'men');

    // Out of scope: 404, as for a centre that does not exist.
    assert.equal((await api(w, 'GET', '/api/v1/facilities/PA-LJ/housing', w.h.officerColon)).status, 404);
    assert.equal((await api(w, 'GET', '/api/v1/facilities/XX-NONE/housing', w.h.officer)).status, 404);
  });

  test('a move into a full cell is allowed and says the cell is now overcrowded', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'sentenced' });
    const r = await move(p.personId, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-01'], reason: 'Condena firme' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const occ = r.body.occupancy as { cell: { capacity: number; occupants: number; overcrowded: boolean } };
    assert.equal(occ.cell.overcrowded, true);
    assert.equal(occ.cell.capacity, 1);
    assert.ok(occ.cell.occupants >= 2);
  });

  test('a unit\'s occupants: who, in which cell, legal status, age, who is out; the read is audited', async () => {
    const p = await hold(w, { unit: w.lj.G, cell: 'G-02', legalStatus: 'pretrial', dateOfBirth: '1980-01-01' });
    await absence(w, p, 'court', new Date(Date.now() - 2 * HOUR));
    const escaped = await hold(w, { unit: w.lj.G, cell: 'G-02' });
    await absence(w, escaped, 'escape', new Date(Date.now() - HOUR));
    const r = await api(w, 'GET', `/api/v1/units/${w.lj.G.id}/occupants?cellId=${w.lj.G.cells['G-02']}`, w.h.director);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const occupants = r.body.occupants as { personId: string; cellCode: string; legalStatus: string; age: number; out: { kind: string } | null }[];
    const mine = occupants.find((o) => o.personId === p.personId)!;
    assert.equal(mine.cellCode, 'G-02');
    assert.equal(mine.legalStatus, 'pretrial');
    assert.ok(mine.age >= 45);
    assert.equal(mine.out?.kind, 'court');
    // Escaped people are not held: not an occupant.
    assert.ok(!occupants.some((o) => o.personId === escaped.personId));
    const audited = await w.env.state.db.selectFrom('audit_log').selectAll().where('action', '=', 'housing.occupants.read').where('target_id', '=', w.lj.G.id).execute();
    assert.ok(audited.length >= 1);
    assert.equal((await api(w, 'GET', `/api/v1/units/${w.lj.G.id}/occupants`, w.h.officerColon)).status, 404);
    assert.equal((await api(w, 'GET', `/api/v1/units/${w.colon.R.id}/occupants`, w.h.officer)).status, 404);
  });
});

describe('moving', () => {
  test('a move closes the open placement and opens the new one at the same instant, audited with before and after', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const r = await move(p.personId, { unitId: w.lj.P.id, cellId: w.lj.P.cells['P-02'], reason: 'Clasificación inicial' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((r.body.unit as { code: string }).code, 'P');
    assert.equal((r.body.cell as { code: string }).code, 'P-02');
    assert.deepEqual(r.body.separation, { ruleSetId: 'SEP-2026/1', problems: [] });
    assert.equal(r.body.override, null);
    const rows = await placementsOf(p.episodeId);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.valid_to!.getTime(), rows[1]!.valid_from.getTime());
    assert.equal(rows[1]!.valid_to, null);
    assert.equal(rows[1]!.override_rule, null);
    assert.equal(rows[1]!.recorded_by, w.users.officer.id);
    const [entry] = await auditOf('housing.placement.moved', p.personId);
    assert.ok(entry);
    assert.equal(entry.actor_id, w.users.officer.id);
    assert.equal(entry.facility_code, 'PA-LJ');
    assert.equal((entry.before_value as { unitCode: string }).unitCode, 'R');
    assert.equal((entry.after_value as { unitCode: string; cellCode: string }).cellCode, 'P-02');
  });

  test('a late entry dates the move back, but not before the current placement began nor into the future', async () => {
    const admitted = new Date(Date.now() - 3 * DAY);
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', admittedAt: admitted });
    const before = await snapshot(p.episodeId);
    let r = await move(p.personId, { unitId: w.lj.P.id, reason: 'Anotación tardía', at: new Date(admitted.getTime() - HOUR).toISOString() });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['at']);
    r = await move(p.personId, { unitId: w.lj.P.id, reason: 'Anotación tardía', at: new Date(Date.now() + DAY).toISOString() });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['at']);
    assert.deepEqual(await snapshot(p.episodeId), before);
    const at = new Date(admitted.getTime() + DAY);
    r = await move(p.personId, { unitId: w.lj.P.id, cellId: null, reason: 'Anotación tardía', at: at.toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const rows = await placementsOf(p.episodeId);
    assert.equal(rows[0]!.valid_to!.getTime(), at.getTime());
    assert.equal(rows[1]!.valid_from.getTime(), at.getTime());
    assert.ok(rows[1]!.recorded_at.getTime() > at.getTime());
  });

  test('a repeated Idempotency-Key moves once', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const body = { unitId: w.lj.P.id, cellId: w.lj.P.cells['P-01'], reason: 'Clasificación' };
    const a = await move(p.personId, body, 'officer', { 'idempotency-key': `move-${p.personId}` });
    const b = await move(p.personId, body, 'officer', { 'idempotency-key': `move-${p.personId}` });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.equal((await placementsOf(p.episodeId)).length, 2);
  });
});

describe('separation', () => {
  test('a pretrial person into the sentenced unit is refused, naming the rule and the field; nothing is written', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const before = await snapshot(p.episodeId);
    const r = await move(p.personId, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02'], reason: 'Traslado interno' });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error!.code, 'separation_rule');
    assert.match(r.body.error!.message, /separación/);
    assert.deepEqual(paths(r.body), ['unitId']);
    assert.match(r.body.error!.fields![0]!.message, /condenad/);
    assert.match(r.body.error!.fields![0]!.message, /Mandela 11/);
    assert.deepEqual(await snapshot(p.episodeId), before);
    assert.equal((await auditOf('housing.placement.moved', p.personId)).length, 0);
  });

  test('an under-21 into a cell with adults is refused on the cell; the young adults\' unit takes them', async () => {
    await hold(w, { unit: w.lj.G, cell: 'G-01', legalStatus: 'pretrial', dateOfBirth: '1975-03-03' });
    const young = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', dateOfBirth: new Date(Date.now() - 19 * 365.25 * DAY).toISOString().slice(0, 10) });
    let r = await move(young.personId, { unitId: w.lj.G.id, cellId: w.lj.G.cells['G-01'], reason: 'Clasificación' });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['cellId']);
    assert.match(r.body.error!.fields![0]!.message, /edad/);
    r = await move(young.personId, { unitId: w.lj.J.id, cellId: w.lj.J.cells['J-01'], reason: 'Clasificación' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // And an adult may not join them there.
    const adult = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', dateOfBirth: '1970-01-01' });
    r = await move(adult.personId, { unitId: w.lj.J.id, cellId: w.lj.J.cells['J-01'], reason: 'Clasificación' });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body).sort(), ['cellId', 'unitId']);
  });

  test('a stated gender identity other than the recorded sex always needs an override', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', genderIdentity: 'mujer trans' });
    const r = await move(p.personId, { unitId: w.lj.P.id, cellId: w.lj.P.cells['P-01'], reason: 'Clasificación' });
    assert.equal(r.status, 422);
    assert.match(r.body.error!.fields![0]!.message, /identidad de género/);
    const ok = await move(p.personId, { unitId: w.lj.P.id, cellId: w.lj.P.cells['P-01'], reason: 'Clasificación', override: { reason: 'Decisión individual: celda de protección, a petición de la persona' } }, 'director');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual((ok.body.override as { rules: string[] }).rules, ['gender_identity']);
  });

  test('a woman held in a men\'s centre cannot be placed there without an override', async () => {
    const p = await hold(w, { unit: w.lj.R, sex: 'female', legalStatus: 'pretrial' });
    const r = await move(p.personId, { unitId: w.lj.S.id, reason: 'Clasificación' });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['unitId']);
    assert.match(r.body.error!.fields![0]!.message, /centro de hombres/);
  });

  test('an override by someone without housing.override is refused (403) and writes nothing', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const before = await snapshot(p.episodeId);
    const r = await move(p.personId, { unitId: w.lj.C.id, reason: 'Traslado', override: { reason: 'Porque sí, por orden verbal' } }, 'officer');
    assert.equal(r.status, 403);
    assert.deepEqual(await snapshot(p.episodeId), before);
  });

  test('a director\'s override is recorded on the placement, audited, and raises a separation_override alert', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const reasonText = 'Único espacio con vigilancia médica nocturna disponible';
    // Too short a reason is refused first, naming the field.
    let r = await move(p.personId, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02'], reason: 'Traslado', override: { reason: 'corto' } }, 'director');
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['override.reason']);
    r = await move(p.personId, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02'], reason: 'Traslado por salud', override: { reason: reasonText } }, 'director');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const override = r.body.override as { rules: string[]; reason: string; by: { id: string }; alertId: string };
    assert.deepEqual(override.rules, ['legal_status']);
    assert.equal(override.by.id, w.users.director.id);
    const problems = (r.body.separation as { problems: { rule: string; field: string }[] }).problems;
    assert.ok(problems.some((x) => x.rule === 'legal_status' && x.field === 'unitId'));

    const row = await openPlacement(w, p.episodeId);
    assert.equal(row.override_rule, 'legal_status');
    assert.equal(row.override_reason, reasonText);
    assert.equal(row.override_by, w.users.director.id);

    const [overridden] = await auditOf('housing.separation.overridden', p.personId);
    assert.ok(overridden);
    assert.equal(overridden.actor_id, w.users.director.id);
    assert.deepEqual((overridden.after_value as { rules: string[] }).rules, ['legal_status']);
    const [moved] = await auditOf('housing.placement.moved', p.personId);
    assert.equal((moved!.after_value as { override: { reason: string } }).override.reason, reasonText);

    const alert = await w.env.state.db.selectFrom('alerts').selectAll().where('id', '=', override.alertId).executeTakeFirstOrThrow();
    assert.equal(alert.type_code, 'separation_override');
    assert.equal(alert.person_id, p.personId);
    assert.equal(alert.facility_code, 'PA-LJ');
    assert.equal(alert.raised_by, w.users.director.id);
    assert.equal(alert.recipient_role, 'director');
    assert.match(alert.summary, /legal_status/);
    assert.equal((await auditOf('alert.raised', p.personId)).length, 1);
  });

  test('reception and health take anyone of the centre\'s sex, whatever their status or age', async () => {
    await hold(w, { unit: w.lj.S, cell: 'S-01', legalStatus: 'sentenced', dateOfBirth: '1950-01-01' });
    const young = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', dateOfBirth: new Date(Date.now() - 19 * 365.25 * DAY).toISOString().slice(0, 10) });
    const r = await move(young.personId, { unitId: w.lj.S.id, cellId: w.lj.S.cells['S-01'], reason: 'Atención médica' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
});

describe('bad input: 4xx naming the field, nothing written', () => {
  test('a cell of another unit, an unknown cell, a unit of another centre, the same place', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const before = await snapshot(p.episodeId);
    const cases: [Record<string, unknown>, string][] = [
      [{ unitId: w.lj.P.id, cellId: w.lj.G.cells['G-01'], reason: 'Clasificación' }, 'cellId'],
      [{ unitId: w.lj.P.id, cellId: '00000000-0000-4000-8000-000000000000', reason: 'Clasificación' }, 'cellId'],
      [{ unitId: w.colon.G.id, reason: 'Clasificación' }, 'unitId'],
      [{ unitId: '00000000-0000-4000-8000-000000000000', reason: 'Clasificación' }, 'unitId'],
      [{ unitId: w.lj.R.id, cellId: w.lj.R.cells['R-01'], reason: 'Clasificación' }, 'cellId'],
      [{ unitId: w.lj.P.id, reason: ' x ' }, 'reason'],
    ];
    for (const [body, path] of cases) {
      const r = await move(p.personId, body);
      assert.equal(r.status, 422, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), [path], JSON.stringify(r.body));
      assert.ok(r.body.error!.fields![0]!.message.length > 5);
    }
    const shape = await move(p.personId, { unitId: 'not-a-uuid', reason: 'x' });
    assert.equal(shape.status, 400);
    assert.deepEqual(await snapshot(p.episodeId), before);
  });

  test('a released person, a person in transit, an escaped person: 422 on personId', async () => {
    const released = await hold(w, { unit: w.lj.R });
    await releaseAt(w, released, new Date(Date.now() - HOUR));
    const transit = await hold(w, { unit: w.lj.R });
    await w.env.state.db.updateTable('persons').set({ custody_status: 'in_transit', transit_facility_code: 'CO-NES' }).where('id', '=', transit.personId).execute();
    const escaped = await hold(w, { unit: w.lj.R });
    await absence(w, escaped, 'escape', new Date(Date.now() - HOUR));
    for (const [p, message] of [[released, /no está bajo custodia/], [transit, /traslado/], [escaped, /evadida/]] as const) {
      const total = await countRows(w, 'placements');
      const r = await move(p.personId, { unitId: w.lj.P.id, reason: 'Clasificación' });
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.deepEqual(paths(r.body), ['personId']);
      assert.match(r.body.error!.fields![0]!.message, message);
      assert.equal(await countRows(w, 'placements'), total);
    }
  });

  test('a person outside the caller\'s scope is not found; permissions are checked', async () => {
    const colon = await hold(w, { facility: 'CO-NES', unit: w.colon.R });
    assert.equal((await move(colon.personId, { unitId: w.colon.G.id, reason: 'Clasificación' })).status, 404);
    assert.equal((await move(colon.personId, { unitId: w.colon.G.id, reason: 'Clasificación' }, 'officerColon')).status, 201);
    const p = await hold(w, { unit: w.lj.R });
    assert.equal((await move(p.personId, { unitId: w.lj.P.id, reason: 'Clasificación' }, 'duty')).status, 403);
    assert.equal((await move(p.personId, { unitId: w.lj.P.id, reason: 'Clasificación' }, 'inspector')).status, 403);
  });

  test('the error messages follow the caller\'s language', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    await w.env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', w.users.officer.id).execute();
    try {
      const r = await move(p.personId, { unitId: w.lj.C.id, reason: 'Internal move' });
      assert.equal(r.status, 422);
      assert.match(r.body.error!.fields![0]!.message, /untried and convicted/);
    } finally {
      await w.env.state.db.updateTable('users').set({ language: 'es' }).where('id', '=', w.users.officer.id).execute();
    }
  });
});

