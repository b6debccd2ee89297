// The release-control pages through their HTML forms (no JavaScript), in Spanish and in
// English: the centre's daily control with the red list and an explanation recorded from it,
// the pretrial list, a person's release control with the confirmation button, the overview,
// the section on the person's page, and the release form showing the computation beside the
// release order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, type Session } from '../../../test/helpers/app.ts';
import { createViewEnvironment } from '../../platform/http/setup-views.ts';
import { formatDate, formatDateTime, formatNumber, translator } from '../../platform/i18n/i18n.ts';
import { admitPerson } from '../movements/test-support.ts';
import { releaseCheckIn } from './service.ts';
import { openAlerts, sentenceOpenCases, sentencedEnding, setUpControlWorld, storeComputation, type ControlWorld } from './test-support.ts';
import { runReleaseControl } from './service.ts';
import { loadActor } from '../../platform/access/actor.ts';

let w: ControlWorld;
const s: Record<string, Session> = {};
before(async () => {
  w = await setUpControlWorld();
  // The legal office at La Joya works in English.
  await w.env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', w.users.legalLJ.id).execute();
  for (const k of ['director', 'legal3', 'legalLJ', 'officer', 'officerColon', 'duty', 'directorNational'] as const) s[k] = await signIn(w.env, w.users[k]);
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

describe('the centre\'s daily control', () => {
  test('the red list in Spanish: an explanation too short is refused on the form, a good one clears the red state', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await sentenceOpenCases(w, personId, episodeId);
    const computationId = await sentencedEnding(w, personId, episodeId, 4);
    await runReleaseControl(w.env.state.db, { today: w.today });
    const res = await page('director', '/facilities/PA-LJ/release-control');
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /Lista roja/);
    assert.match(res.body, /Sin explicación/);
    assert.match(res.body, new RegExp(`data-person-id="${personId}" data-testid="overdue-row"`));
    assert.match(res.body, /Registrar la explicación/);

    const url = `/persons/${personId}/release-control/explain`;
    const short = await post('director', url, { explanation: 'corta', computationId, back: '/facilities/PA-LJ/release-control' });
    assert.equal(short.statusCode, 422);
    assert.match(short.body, /govuk-error-summary/);
    assert.match(short.body, new RegExp(`href="#explanation-${personId}"`));
    assert.match(short.body, /entre 10 y 2000 caracteres/);
    const ok = await post('director', url, { explanation: 'El Juzgado de Cumplimiento enviará la boleta mañana', computationId, back: '/facilities/PA-LJ/release-control' });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 500));
    assert.equal(ok.headers.location, '/facilities/PA-LJ/release-control?done=explained');
    const after = await page('director', '/facilities/PA-LJ/release-control?done=explained');
    assert.match(after.body, /Explicación registrada/);
    assert.match(after.body, /El Juzgado de Cumplimiento enviará la boleta mañana/);
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), []);

    // Headquarters' overview lists it across centres.
    const overview = await page('directorNational', '/release-control');
    assert.equal(overview.statusCode, 200);
    assert.match(overview.body, new RegExp(`data-person-id="${personId}"`));
    assert.match(overview.body, /href="\/facilities\/PA-LJ\/release-control"/);
  });

  test('in English, with the confirmation button for a second legal user; releases due today and the two-thirds agenda', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await sentenceOpenCases(w, personId, episodeId);
    const computationId = await sentencedEnding(w, personId, episodeId, 0);
    const res = await page('legalLJ', '/facilities/PA-LJ/release-control');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Red list/);
    assert.match(res.body, /Due today/);
    assert.match(res.body, /Junta Técnica&#39;s agenda|Junta Técnica's agenda/);
    assert.match(res.body, /Not confirmed/);
    assert.match(res.body, new RegExp(`action="/persons/${personId}/release-control/confirm"`));
    const confirmed = await post('legalLJ', `/persons/${personId}/release-control/confirm`, { computationId, back: '/facilities/PA-LJ/release-control' });
    assert.equal(confirmed.statusCode, 302, confirmed.body.slice(0, 500));
    const again = await page('legalLJ', '/facilities/PA-LJ/release-control?done=confirmed');
    assert.match(again.body, /Computation confirmed/);
    assert.doesNotMatch(again.body, new RegExp(`action="/persons/${personId}/release-control/confirm"`));
    // A stale confirmation (already confirmed): the board again, with the error at the row.
    const stale = await post('legalLJ', `/persons/${personId}/release-control/confirm`, { computationId, back: '/facilities/PA-LJ/release-control' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, new RegExp(`href="#confirm-${personId}"`));
  });

  test('scope and permissions: another centre 404, no legal.read 403', async () => {
    assert.equal((await page('officerColon', '/facilities/PA-LJ/release-control')).statusCode, 404);
    assert.equal((await page('officerColon', '/facilities/PA-LJ/pretrial')).statusCode, 404);
    assert.equal((await page('duty', '/facilities/PA-LJ/release-control')).statusCode, 403);
    assert.equal((await page('duty', '/release-control')).statusCode, 403);
  });
});

describe('the pretrial list', () => {
  test('in Spanish and English, longest first, with the level reached', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await storeComputation(w, { personId, episodeId, status: 'pretrial', pretrialDays: 1200 });
    const es = await page('director', '/facilities/PA-LJ/pretrial');
    assert.equal(es.statusCode, 200);
    assert.match(es.body, /Detención provisional/);
    assert.match(es.body, /Tope superado/);
    const first = /data-person-id="([0-9a-f-]{36})" data-testid="pretrial-row"/.exec(es.body);
    assert.equal(first?.[1], personId, 'the longest is first');
    const en = await page('legalLJ', '/facilities/PA-LJ/pretrial');
    assert.match(en.body, /Provisional detention/);
    assert.match(en.body, /Ceiling exceeded/);
    assert.match(en.body, /1,200/);
  });
});

describe('a person\'s release control', () => {
  test('the computation, the cases and the confirmation; the section on the person\'s page', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const cases = await sentenceOpenCases(w, personId, episodeId);
    const computationId = await sentencedEnding(w, personId, episodeId, -30);
    const asSigner = await page('legalLJ', `/persons/${personId}/release-control`);
    assert.equal(asSigner.statusCode, 200, asSigner.body.slice(0, 500));
    assert.match(asSigner.body, /Sentence computation/);
    assert.match(asSigner.body, new RegExp(cases[0]!));
    assert.match(asSigner.body, /Confirm the computation/);
    const res = await post('legal3', `/persons/${personId}/release-control/confirm`, { computationId });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/persons/${personId}/release-control?done=confirmed`);
    const done = await page('legal3', `/persons/${personId}/release-control?done=confirmed`);
    assert.match(done.body, /Cómputo confirmado/);
    assert.match(done.body, /Confirmado/);
    const file = await page('director', `/persons/${personId}`);
    assert.equal(file.statusCode, 200);
    assert.match(file.body, /Control de libertad/);
    assert.match(file.body, new RegExp(`href="/persons/${personId}/release-control"`));
  });
});

describe('the release form', () => {
  test('shows the computation beside the release order (rendered with the release check)', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await sentenceOpenCases(w, personId, episodeId);
    await sentencedEnding(w, personId, episodeId, 1);
    const actor = (await loadActor(w.env.state.db, w.users.officer.id, 'session'))!;
    const check = await releaseCheckIn(w.env.state.db, actor, personId, w.today);
    const env = createViewEnvironment();
    for (const lang of ['es', 'en'] as const) {
      const t = translator(lang);
      const html = env.render('movements/views/release-new.njk', {
        t,
        lang,
        actor,
        can: () => true,
        csrfToken: 'x',
        fmtDate: (d: string) => formatDate(lang, d),
        fmtDateTime: (d: Date | string) => formatDateTime(lang, d, 'America/Panama'),
        fmtNumber: (n: number) => formatNumber(lang, n),
        person: { person: { prisonerNumber: 'PPL-1', name: 'Persona', custodyStatus: 'in_custody', locationFacilityCode: 'PA-LJ' } },
        personId,
        check,
        orderItems: [{ value: 'o1', text: '2026-00001 – Juzgado' }],
        reasonItems: [{ value: 'sentence_served', text: 'sentence served' }],
        form: {},
      });
      assert.match(html, /data-testid="side-by-side"/);
      assert.match(html, /data-testid="computation"/);
      assert.match(html, new RegExp(formatDate(lang, check.computation!.expiryDate!)));
      assert.match(html, lang === 'es' ? /Sin confirmar/ : /Not confirmed/);
      assert.match(html, /name="orderId"/);
      assert.ok(html.indexOf('data-testid="computation"') < html.indexOf('name="orderId"'));
    }
  });
});
