// The roll page in Spanish: per unit who should be present, who is out, the last count and
// its difference; a past roll from the date and time picker (read only); the count form for
// duty officers, with its errors on the page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '../../../test/helpers/app.ts';
import { isoToLocal } from '../admission/local-time.ts';
import { absence, DAY, HOUR, hold, sessionOf, setUpWorld, type World } from '../housing/test-support.ts';

let w: World;
let duty: Session;
let director: Session;

before(async () => {
  w = await setUpWorld();
  duty = await sessionOf(w, 'duty');
  director = await sessionOf(w, 'director');
  await hold(w, { unit: w.lj.G, cell: 'G-01', admittedAt: new Date(Date.now() - 3 * DAY), givenNames: 'Horacio' });
  const out = await hold(w, { unit: w.lj.G, cell: 'G-01', admittedAt: new Date(Date.now() - 3 * DAY), givenNames: 'Ignacio' });
  await absence(w, out, 'court', new Date(Date.now() - 2 * HOUR));
});
after(() => w.env.close());

const page = (s: Session, url: string) => w.env.app.inject({ url, headers: { cookie: s.cookie } });
const post = (s: Session, url: string, fields: Record<string, string>) =>
  w.env.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString() });

describe('the roll page', () => {
  test('the current roll: units, who is out and why, a count form per unit for duty officers', async () => {
    const res = await page(duty, '/facilities/PA-LJ/roll');
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /<html lang="es"/);
    assert.match(res.body, /Conteo de la población/);
    assert.match(res.body, /Audiencia judicial/);
    assert.match(res.body, /Ignacio Prueba/);
    assert.match(res.body, new RegExp(`id="counted-${w.lj.G.id}"`));
    // A director reads the roll but does not count.
    const read = await page(director, '/facilities/PA-LJ/roll');
    assert.equal(read.statusCode, 200);
    assert.doesNotMatch(read.body, /roll-counts/);
  });

  test('a unit\'s list of who should be present', async () => {
    const res = await page(duty, `/facilities/PA-LJ/roll?unitId=${w.lj.G.id}`);
    assert.match(res.body, /data-testid="roll-expected"/);
    assert.match(res.body, /Horacio Prueba/);
  });

  test('a past roll from the picker, read only; a future one is refused on the picker', async () => {
    const local = isoToLocal(new Date(Date.now() - 4 * DAY).toISOString(), w.env.settings.timeZone);
    const res = await page(duty, `/facilities/PA-LJ/roll?at=${encodeURIComponent(local)}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Conteo reconstruido a partir de los registros/);
    assert.doesNotMatch(res.body, /name="counted"/);
    assert.doesNotMatch(res.body, /Horacio Prueba/);
    const future = isoToLocal(new Date(Date.now() + DAY).toISOString(), w.env.settings.timeZone);
    const bad = await page(duty, `/facilities/PA-LJ/roll?at=${encodeURIComponent(future)}`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /no pueden ser posteriores a este momento/);
    assert.match(bad.body, /href="#at"/);
  });

  test('a count with a difference: recorded, highlighted, alerted', async () => {
    const res = await post(duty, '/facilities/PA-LJ/roll-counts', { unitId: w.lj.G.id, counted: '3', notes: 'Conteo de las 18:00' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.match(String(res.headers.location), /done=counted&difference=2/);
    const shown = await page(duty, String(res.headers.location));
    assert.match(shown.body, /diferencia de 2/);
    assert.match(shown.body, /data-testid="difference">\+2</);
    const alerts = await w.env.state.db.selectFrom('alerts').selectAll().where('type_code', '=', 'roll_discrepancy').execute();
    assert.equal(alerts.length, 1);
  });

  test('a count form left empty comes back with the error on its unit', async () => {
    const res = await post(duty, '/facilities/PA-LJ/roll-counts', { unitId: w.lj.P.id, counted: '' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Escriba cuántas personas contó/);
    assert.match(res.body, new RegExp(`href="#counted-${w.lj.P.id}"`));
  });
});
