// The legal order pages without JavaScript, in Spanish and English: each kind's form renders;
// a bad sentence re-renders the form with the error summary and stores nothing; a good one
// waits in the verification queue, a second officer verifies it on the order page, and the
// person page then shows the dates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, type Session } from '../../../test/helpers/app.ts';
import { legalOrderKinds } from './legal-schemas.ts';
import { heldSince, legalCounts, setUpLegalWorld, type HeldPerson, type World } from '../legal-time/test-support.ts';

let w: World;
let p: HeldPerson;
let s: { legal1: Session; legal2: Session };
before(async () => {
  w = await setUpLegalWorld();
  p = await heldSince(w, '2024-01-10');
  s = { legal1: await signIn(w.env, w.users.legal1), legal2: await signIn(w.env, w.users.legal2) };
});
after(async () => {
  await w.env.close();
});

const get = (session: Session, url: string) => w.env.app.inject({ url, headers: { cookie: session.cookie } });
/** The page language is the user's choice (remembered per user). */
async function setLanguage(session: Session, lang: 'es' | 'en') {
  const r = await w.env.app.inject({ method: 'POST', url: '/language', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: session.csrf, lang, next: '/' }).toString() });
  assert.equal(r.statusCode, 302);
}
const post = (session: Session, url: string, fields: Record<string, string>) =>
  w.env.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'es' }, payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString() });

test('every kind\'s form renders in Spanish and English, and the section links to them', async () => {
  for (const lang of ['en', 'es'] as const) {
    await setLanguage(s.legal1, lang);
    for (const kind of legalOrderKinds) {
      const r = await get(s.legal1, `/orders/legal/new?kind=${kind}&personId=${p.personId}`);
      assert.equal(r.statusCode, 200, `${kind} ${lang}: ${r.body.slice(0, 500)}`);
      assert.match(r.body, new RegExp(`action="/orders/legal/${kind}"`));
      assert.match(r.body, lang === 'es' ? /Causa penal/ : /Criminal case/);
    }
  }
  assert.equal((await get(s.legal1, `/orders/legal/new?kind=nonsense&personId=${p.personId}`)).statusCode, 404);
  const person = await get(s.legal1, `/persons/${p.personId}`);
  assert.match(person.body, /\/orders\/legal\/new\?kind=sentence&amp;personId=/);
});

test('a sentence registered and verified through the pages; the person page shows the dates', async () => {
  const fields = {
    personId: p.personId,
    caseId: p.caseId,
    years: '0',
    months: '0',
    days: '0',
    relation: 'concurrent',
    authorityKind: 'court',
    issuingAuthority: 'Tribunal de Juicio del Primer Circuito',
    'orderDate-day': '2',
    'orderDate-month': '6',
    'orderDate-year': '2025',
  };
  const before = await legalCounts(w);
  const bad = await post(s.legal1, '/orders/legal/sentence', fields);
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /govuk-error-summary/);
  assert.match(bad.body, /cero años, cero meses y cero días/);
  assert.deepEqual(await legalCounts(w), before);

  const ok = await post(s.legal1, '/orders/legal/sentence', { ...fields, years: '3', months: '6' });
  assert.equal(ok.statusCode, 302, ok.body.slice(0, 1000));
  const id = /^\/orders\/([0-9a-f-]{36})\?done=registered$/.exec(String(ok.headers.location))![1]!;

  // The verification queue of the second officer.
  const queue = await get(s.legal2, '/orders');
  assert.match(queue.body, new RegExp(`/orders/${id}`));
  assert.match(queue.body, /Sentencia condenatoria/);
  const orderPage = await get(s.legal2, `/orders/${id}`);
  assert.match(orderPage.body, /data-testid="legal-details"/);
  assert.match(orderPage.body, /no cambia el cómputo de la pena/);
  const version = /name="version" value="(\d+)"/.exec(orderPage.body)![1]!;
  const verified = await post(s.legal2, `/orders/${id}/verify`, { method: 'telephone', note: 'Confirmado con la secretaría del tribunal', version });
  assert.equal(verified.statusCode, 302, verified.body.slice(0, 1000));

  const person = await get(s.legal1, `/persons/${p.personId}`);
  assert.match(person.body, /Fecha de cumplimiento de la pena/);
  assert.match(person.body, /data-testid="start-date">[^<]*2024/);
  assert.match(person.body, /data-testid="expiry">[^<]*2027/); // 3 y 6 m from 2024-01-10 → 2027-07-09
  assert.match(person.body, /verificación de una orden: Sentencia condenatoria/);
  await setLanguage(s.legal1, 'en');
  const en = await get(s.legal1, `/persons/${p.personId}`);
  assert.match(en.body, /End of the sentence/);
  assert.match(en.body, /libertad condicional/);
});
