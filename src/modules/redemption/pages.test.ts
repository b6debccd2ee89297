// The redemption pages through their HTML forms (no JavaScript), in Spanish and in English: the
// person page's section, a period entered (refused first, naming the field), the centre's
// pending list evaluated in bulk by the Junta Técnica, the decision on the record's page with
// four eyes, and a programme's month with its per-line error report.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, signIn, type Session } from '../../../test/helpers/app.ts';
import { admitHeld, daysAgo, setUpRedemptionWorld, type Held, type RedemptionWorld } from './test-support.ts';

let w: RedemptionWorld;
const s: Record<string, Session> = {};
before(async () => {
  w = await setUpRedemptionWorld();
  const legalEn = await createUser(w.env, { username: 'legal.en', roles: ['legal'] });
  const boardEn = await createUser(w.env, { username: 'junta.en', roles: ['technical_board'], facilities: ['PA-LJ'] });
  await w.env.state.db.updateTable('users').set({ language: 'en' }).where('id', 'in', [legalEn.id, boardEn.id]).execute();
  for (const k of ['legal1', 'legal2', 'programmes', 'board'] as const) s[k] = await signIn(w.env, w.users[k]);
  s.legalEn = await signIn(w.env, legalEn);
  s.boardEn = await signIn(w.env, boardEn);
});
after(() => w.env.close());

const page = (who: string, url: string) => w.env.app.inject({ url, headers: { cookie: s[who]!.cookie } });
const post = (who: string, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams({ _csrf: s[who]!.csrf });
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return w.env.app.inject({ method: 'POST', url, headers: { cookie: s[who]!.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
};
const versionIn = (html: string, action: string): string => {
  const i = html.indexOf(`action="${action}"`);
  assert.ok(i >= 0, `no form for ${action}`);
  return /name="version" value="(\d+)"/.exec(html.slice(i))![1]!;
};

describe('a period from entry to approval, in Spanish', () => {
  let p: Held;
  let recordUrl: string;
  before(async () => {
    p = await admitHeld(w, 200);
  });

  test('the person page shows the section with its totals and the entry form', async () => {
    const res = await page('legal1', `/persons/${p.personId}`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(res.body, /href="#redemption">Redención de pena</);
    assert.match(res.body, /data-testid="redemption-section"/);
    assert.match(res.body, /Aprobado \(cuenta\)/);
    assert.match(res.body, /Proyectado \(pendiente\)/);
    assert.match(res.body, new RegExp(`action="/persons/${p.personId}/redemption"`));
    // Programmes staff do not hold legal.read: no section.
    const other = await page('programmes', `/persons/${p.personId}`);
    assert.doesNotMatch(other.body, /data-testid="redemption-section"/);
  });

  test('a refused period comes back with the error on its field, nothing stored', async () => {
    const res = await post('legal1', `/persons/${p.personId}/redemption`, { kind: 'work', programme: 'Panadería', from: daysAgo(w, 40), to: daysAgo(w, 31), amount: '12' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /href="#amount"/);
    assert.match(res.body, /12 días superan la duración del período \(10 días\)/);
    assert.match(res.body, /value="Panadería"/);
    const outside = await post('legal1', `/persons/${p.personId}/redemption`, { kind: 'work', programme: 'Panadería', from: daysAgo(w, 230), to: daysAgo(w, 221), amount: '5' });
    assert.equal(outside.statusCode, 422);
    assert.match(outside.body, /href="#from"/);
    assert.match(outside.body, /no está dentro de la custodia/);
    assert.equal((await w.env.state.db.selectFrom('redemption_records').select('id').where('person_id', '=', p.personId).execute()).length, 0);
  });

  test('a good period is certified and listed as projected', async () => {
    const res = await post('programmes', `/persons/${p.personId}/redemption`, { kind: 'work', programme: 'Panadería', from: daysAgo(w, 40), to: daysAgo(w, 31), amount: '8' });
    assert.equal(res.statusCode, 302, res.body.slice(0, 500));
    assert.equal(res.headers.location, `/persons/${p.personId}/redemption?done=created`);
    const ledger = await page('legal1', String(res.headers.location));
    assert.equal(ledger.statusCode, 200);
    assert.match(ledger.body, /Período registrado y certificado/);
    assert.match(ledger.body, /data-status="certified"/);
    const m = /href="(\/redemption-records\/[0-9a-f-]{36})"/.exec(ledger.body);
    assert.ok(m);
    recordUrl = m[1]!;
  });

  test('the Junta Técnica evaluates the centre\'s pending list in bulk', async () => {
    const list = await page('board', '/facilities/PA-LJ/redemption');
    assert.equal(list.statusCode, 200, list.body.slice(0, 300));
    assert.match(list.body, /Por evaluar \(certificados\)/);
    const id = recordUrl.split('/').pop()!;
    const box = new RegExp(`name="items" type="checkbox" value="(${id}:\\d+)"`).exec(list.body);
    assert.ok(box, 'a checkbox for the record');
    const none = await post('board', '/facilities/PA-LJ/redemption/evaluate', { evaluation: 'favourable', note: 'Acta 3-2026' });
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Seleccione al menos un registro/);
    const ok = await post('board', '/facilities/PA-LJ/redemption/evaluate', { items: [box[1]!], evaluation: 'favourable', note: 'Acta 3-2026' });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 500));
    const after = await page('board', String(ok.headers.location));
    assert.match(after.body, /Evaluaciones registradas: 1/);
  });

  test('whoever certified cannot decide; a second legal officer does, on the record\'s page', async () => {
    // programmes certified it; legal1 and legal2 both may decide. Make legal1 the certifier of another record to see the four-eyes notice.
    const asLegal2 = await page('legal2', recordUrl);
    assert.equal(asLegal2.statusCode, 200);
    assert.match(asLegal2.body, /Decisión del Juez de Cumplimiento/);
    const version = versionIn(asLegal2.body, `${recordUrl}/decide`);
    const blank = await post('legal2', `${recordUrl}/decide`, { decision: 'approved', reference: '', date: w.today, note: '', version });
    assert.equal(blank.statusCode, 422);
    assert.match(blank.body, /href="#reference"/);
    const ok = await post('legal2', `${recordUrl}/decide`, { decision: 'approved', reference: 'Res. JC-31-2026', date: w.today, note: '', version });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 500));
    const done = await page('legal2', String(ok.headers.location));
    assert.match(done.body, /Aprobación registrada/);
    assert.match(done.body, /data-status="approved"/);
    assert.match(done.body, /Res\. JC-31-2026/);
  });

  test('the certifier sees the four-eyes notice instead of the decision form', async () => {
    const q = await admitHeld(w, 100);
    const created = await post('legal1', `/persons/${q.personId}/redemption`, { kind: 'teaching', programme: 'Alfabetización (monitor)', from: daysAgo(w, 30), to: daysAgo(w, 21), amount: '40' });
    assert.equal(created.statusCode, 302, created.body.slice(0, 500));
    const ledger = await page('legal1', String(created.headers.location));
    const url = /href="(\/redemption-records\/[0-9a-f-]{36})"/.exec(ledger.body)![1]!;
    const rec = await page('board', url);
    const ev = await post('board', `${url}/evaluate`, { evaluation: 'favourable', note: 'Acta 4-2026', version: versionIn(rec.body, `${url}/evaluate`) });
    assert.equal(ev.statusCode, 302, ev.body.slice(0, 500));
    const mine = await page('legal1', url);
    assert.match(mine.body, /data-testid="four-eyes"/);
    assert.doesNotMatch(mine.body, new RegExp(`action="${url}/decide"`));
    const forced = await post('legal1', `${url}/decide`, { decision: 'approved', reference: 'Res. 1', date: w.today, version: versionIn((await page('legal2', url)).body, `${url}/decide`) });
    assert.equal(forced.statusCode, 422);
    assert.match(forced.body, /otro funcionario/);
  });
});

describe('the same pages in English', () => {
  test('section, refusal and the monthly entry with its per-line report', async () => {
    const p = await admitHeld(w, 200);
    const person = await page('legalEn', `/persons/${p.personId}`);
    assert.equal(person.statusCode, 200);
    assert.match(person.body, /href="#redemption">Sentence redemption</);
    assert.match(person.body, /Approved \(counts\)/);

    const bad = await post('legalEn', `/persons/${p.personId}/redemption`, { kind: 'teaching', programme: 'Literacy', from: daysAgo(w, 12), to: daysAgo(w, 11), amount: '49' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /49 hours exceed the period&#39;s maximum \(48 hours/);

    const d = new Date(`${w.today.slice(0, 7)}-01T12:00:00Z`);
    d.setUTCDate(0);
    const month = d.toISOString().slice(0, 7);
    const form = await page('legalEn', '/redemption/bulk');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Monthly entry per programme/);
    const refused = await post('legalEn', '/redemption/bulk', { facilityCode: 'PA-LJ', kind: 'work', programme: 'Bakery', month, rows: `${p.prisonerNumber}; 20\nPPL-999999 3\n\n${p.prisonerNumber}, 40` });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Nothing was entered: there are 2 problems on 2 lines/);
    assert.match(refused.body, /data-testid="bulk-report"/);
    assert.match(refused.body, /<td class="govuk-table__cell">2<\/td>\s*<td class="govuk-table__cell">PPL-999999<\/td>/);
    assert.match(refused.body, /<td class="govuk-table__cell">4<\/td>/);
    assert.equal((await w.env.state.db.selectFrom('redemption_records').select('id').where('person_id', '=', p.personId).execute()).length, 0);

    const ok = await post('legalEn', '/redemption/bulk', { facilityCode: 'PA-LJ', kind: 'work', programme: 'Bakery', month, rows: `${p.prisonerNumber}; 20` });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 800));
    const done = await page('legalEn', String(ok.headers.location));
    assert.match(done.body, /1 periods entered and certified/);

    const pending = await page('boardEn', '/facilities/PA-LJ/redemption');
    assert.match(pending.body, /To evaluate \(certified\)/);
    assert.match(pending.body, /Bakery/);
    const index = await page('boardEn', '/redemption');
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /href="\/facilities\/PA-LJ\/redemption"/);
  });
});
