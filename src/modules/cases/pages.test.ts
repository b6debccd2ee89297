// The cases pages through their HTML forms (no JavaScript), in Spanish and in English: the
// person page's section, opening a case with charges (errors re-rendered on the form, nothing
// stored), charging and scheduling on the case page, the daily court list with "take to court",
// and the administrators' offence catalogue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, signIn, type Session } from '../../../test/helpers/app.ts';
import { encryptSecret } from '../../platform/audit/keys.ts';
import { newTotpSecret, totpCode } from '../../platform/auth/totp.ts';
import { admitPerson, counts, setUpCaseWorld, type CaseWorld } from './test-support.ts';

let w: CaseWorld;
const s: Record<string, Session> = {};
before(async () => {
  w = await setUpCaseWorld();
  for (const k of ['officer', 'legal1', 'duty'] as const) s[k] = await signIn(w.env, w.users[k]);
  // An English-speaking legal officer.
  const english = await createUser(w.env, { username: 'legal.english', roles: ['legal', 'records_officer'], facilities: ['PA-LJ'] });
  await w.env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', english.id).execute();
  s.english = await signIn(w.env, english);
  // An administrator signs in to pages with a second factor.
  const admin = await createUser(w.env, { username: 'admin.paginas', roles: ['admin'] });
  const secret = newTotpSecret();
  await w.env.state.db.updateTable('users').set({ totp_secret_enc: encryptSecret(w.env.state.keys, secret), totp_enabled_at: new Date(), totp_last_step: null }).where('id', '=', admin.id).execute();
  s.admin = await signIn(w.env, admin, await totpCode(secret));
});
after(() => w.env.close());

const page = (who: string, url: string) => w.env.app.inject({ url, headers: { cookie: s[who]!.cookie } });
const post = (who: string, url: string, fields: Record<string, string>) =>
  w.env.app.inject({
    method: 'POST',
    url,
    headers: { cookie: s[who]!.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s[who]!.csrf, ...fields }).toString(),
  });
/** Now as a datetime-local value in Panama. */
const localNow = (): string => new Date().toLocaleString('sv-SE', { timeZone: 'America/Panama' }).slice(0, 16).replace(' ', 'T');
const versionIn = (html: string, action: string): string => {
  const i = html.indexOf(`action="${action}"`);
  assert.ok(i >= 0, `no form for ${action}`);
  return /name="version" value="(\d+)"/.exec(html.slice(i))![1]!;
};

const newCase = {
  authorityKind: 'prosecutor',
  authorityName: 'Fiscalía Metropolitana de Drogas',
  caseNumber: 'FMD-2026-0042',
  judgeName: '',
  defenceKind: 'public_defender',
  defenceName: '',
  stage: 'investigation',
  charge0Code: 'DROGAS-POSESION-AGR',
  charge0Counts: '1',
  charge1Code: '',
  charge1Counts: '1',
  charge2Code: 'ARMA-POSESION',
  charge2Counts: '1',
};

describe('in Spanish', () => {
  test('the person page lists the admission\'s case; a case is opened through the form, errors shown on it', async () => {
    const { personId } = await admitPerson(w);
    const person = await page('officer', `/persons/${personId}`);
    assert.equal(person.statusCode, 200);
    assert.match(person.body, /Causas penales/);
    assert.match(person.body, /data-testid="cases-section"/);
    assert.match(person.body, /Investigación/);
    assert.match(person.body, /href="\/persons\/[0-9a-f-]+\/cases\/new"/);

    const form = await page('officer', `/persons/${personId}/cases/new`);
    assert.equal(form.statusCode, 200, form.body.slice(0, 300));
    assert.match(form.body, /Registrar una causa penal/);
    assert.match(form.body, /Art\. 219 – Robo agravado/);

    // No case number and a zero count on the third charge: the form again, both named, nothing stored.
    const stored = async () => ({ ...(await counts(w)), audit_log: 0 }); // the form shown again reads (and audits) the person's cases
    const before = await stored();
    const bad = await post('officer', `/persons/${personId}/cases`, { ...newCase, caseNumber: ' ', charge2Counts: '0' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#caseNumber"/);
    assert.deepEqual(await stored(), before);
    const badCount = await post('officer', `/persons/${personId}/cases`, { ...newCase, charge2Counts: '0' });
    assert.equal(badCount.statusCode, 422);
    assert.match(badCount.body, /href="#charges-2-counts"/);
    assert.match(badCount.body, /value="FMD-2026-0042"/, 'what was typed is kept');

    const created = await post('officer', `/persons/${personId}/cases`, newCase);
    assert.equal(created.statusCode, 302, created.body.slice(0, 500));
    const m = /^\/cases\/([0-9a-f-]{36})\?done=created$/.exec(String(created.headers.location));
    assert.ok(m, String(created.headers.location));
    const casePage = await page('officer', m[0]);
    assert.equal(casePage.statusCode, 200);
    assert.match(casePage.body, /Causa registrada/);
    assert.match(casePage.body, /Causa FMD-2026-0042/);
    assert.match(casePage.body, /Posesión agravada de drogas/);
    assert.match(casePage.body, /Posesión ilícita de arma de fuego/);
    assert.match(casePage.body, /Fiscalía/);
    const again = await page('officer', `/persons/${personId}`);
    assert.match(again.body, /Causa FMD-2026-0042/);
  });

  test('the case page: add a charge, change the stage (409 on a stale form), schedule today, take to court from the daily list', async () => {
    const { personId } = await admitPerson(w);
    const created = await post('legal1', `/persons/${personId}/cases`, { ...newCase, caseNumber: 'FMD-2026-0077', charge2Code: '' });
    const url = String(created.headers.location).replace(/\?.*$/, '');
    let html = (await page('legal1', url)).body;

    const charge = await post('legal1', `${url}/charges`, { offenceCode: 'BLANQUEO', counts: '1', version: versionIn(html, `${url}/charges`) });
    assert.equal(charge.statusCode, 302, charge.body.slice(0, 500));
    html = (await page('legal1', url)).body;
    assert.match(html, /Blanqueo de capitales/);

    const version = versionIn(html, url);
    const edit = { ...newCase, caseNumber: 'FMD-2026-0077', stage: 'trial', version };
    assert.equal((await post('legal1', url, edit)).statusCode, 302);
    const stale = await post('legal1', url, { ...edit, stage: 'appeal' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /govuk-error-summary/);
    html = (await page('legal1', url)).body;
    assert.match(html, /data-testid="case-stage">Juicio</);

    // A hearing now at a court (the case is at a prosecutor's office: the court is required).
    const noCourt = await post('legal1', `${url}/hearings`, { scheduledAt: localNow(), court: '', purpose: 'Audiencia de revisión de medida cautelar' });
    assert.equal(noCourt.statusCode, 422);
    assert.match(noCourt.body, /href="#court"/);
    const hearing = await post('legal1', `${url}/hearings`, { scheduledAt: localNow(), court: 'Juzgado de Garantías del Primer Circuito Judicial de Panamá', purpose: 'Audiencia de revisión de medida cautelar' });
    assert.equal(hearing.statusCode, 302, hearing.body.slice(0, 500));

    // The duty officer's daily list: the person is there, taken to court from it.
    const list = await page('duty', '/facilities/PA-LJ/court-list');
    assert.equal(list.statusCode, 200, list.body.slice(0, 300));
    assert.match(list.body, /Personas por llevar al tribunal/);
    const take = /action="(\/hearings\/([0-9a-f-]{36})\/take)"/.exec(list.body.slice(list.body.indexOf(`/cases/${url.slice(7)}`) - 2000));
    assert.ok(take, 'a take-to-court form for the case');
    const taken = await post('duty', take[1]!, { outAt: localNow(), version: versionIn(list.body, take[1]!), back: '/facilities/PA-LJ/court-list' });
    assert.equal(taken.statusCode, 302, taken.body.slice(0, 800));
    assert.equal(taken.headers.location, '/facilities/PA-LJ/court-list?done=taken');
    const out = await w.env.state.db.selectFrom('movements').select('kind').where('person_id', '=', personId).orderBy('occurred_at', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.equal(out.kind, 'court_out');
    const after = await page('duty', '/facilities/PA-LJ/court-list?done=taken');
    assert.match(after.body, /Salida al tribunal registrada/);
    assert.match(after.body, /En el tribunal/);
    // The list of a centre out of scope is not found.
    assert.equal((await page('duty', '/facilities/CO-NES/court-list')).statusCode, 404);
  });
});

describe('in English', () => {
  test('the person page\'s section, the case page and the court list', async () => {
    const { personId } = await admitPerson(w);
    const person = await page('english', `/persons/${personId}`);
    assert.equal(person.statusCode, 200);
    assert.match(person.body, /Criminal cases/);
    assert.match(person.body, /Record a case/);
    const created = await post('english', `/persons/${personId}/cases`, { ...newCase, caseNumber: 'FMD-2026-0100', stage: 'first_instance', charge0Code: 'ROBO-AGR', charge2Code: '' });
    assert.equal(created.statusCode, 302, created.body.slice(0, 500));
    const casePage = await page('english', String(created.headers.location));
    assert.match(casePage.body, /Case recorded/);
    assert.match(casePage.body, /Aggravated robbery/);
    assert.match(casePage.body, /First-instance sentence/);
    const bad = await post('english', String(created.headers.location).replace(/\?.*$/, '') + '/close', { reason: 'dismissed', closedOn: '2020-01-01', version: '1' });
    assert.ok([409, 422].includes(bad.statusCode));
    assert.match(bad.body, /There is a problem/);
    const list = await page('english', '/facilities/PA-LJ/court-list');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /People to take to court/);
  });

  test('the administrators\' offence catalogue: search, add with errors shown, deactivate', async () => {
    const list = await page('admin', '/admin/offences?q=robo');
    assert.equal(list.statusCode, 200, list.body.slice(0, 300));
    assert.match(list.body, /Catálogo de delitos/);
    assert.match(list.body, /ROBO-AGR/);
    assert.doesNotMatch(list.body, /BLANQUEO/);
    const bad = await post('admin', '/admin/offences', { code: 'TALA-ILEGAL', article: '', nameEs: 'Tala ilegal', nameEn: 'Illegal logging', category: 'environment' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /href="#article"/);
    const created = await post('admin', '/admin/offences', { code: 'TALA-ILEGAL', article: '409', nameEs: 'Tala ilegal', nameEn: 'Illegal logging', category: 'environment' });
    assert.equal(created.statusCode, 302, created.body.slice(0, 500));
    assert.equal(created.headers.location, '/admin/offences/TALA-ILEGAL?done=created');
    const entry = await page('admin', '/admin/offences/TALA-ILEGAL?done=created');
    assert.match(entry.body, /Delito añadido al catálogo/);
    const off = await post('admin', '/admin/offences/TALA-ILEGAL/deactivate', { version: versionIn(entry.body, '/admin/offences/TALA-ILEGAL/deactivate') });
    assert.equal(off.statusCode, 302);
    assert.match((await page('admin', '/admin/offences/TALA-ILEGAL?done=deactivated')).body, /Delito desactivado/);
    // The others may not maintain it.
    assert.equal((await page('legal1', '/admin/offences')).statusCode, 403);
  });
});
