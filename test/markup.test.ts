// A name is text, never markup. A person whose names carry HTML and template syntax is admitted
// through the API (with an alias, an order naming them, a transfer, an absence, an alert, a
// release and an admission draft about them); then every page of the application that takes
// no form input — discovered from the route table, not listed here — is fetched by a user who
// may see them all. On every page the markup is escaped (shown as text, never a live tag),
// {{7*7}} is not evaluated, nothing fails; the pages that show the person's name do show it
// (escaped); and the PDF copies of the file render.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createUser, signIn, type Session } from './helpers/app.ts';
import { admissionBody, api, newPerson, verifiedOrder } from '../src/modules/admission/test-support.ts';
import { setUpMovementWorld, type MovementWorld } from '../src/modules/movements/test-support.ts';

// Each payload is wrapped in sentinels so that its rendering can be found exactly.
const script = 'Xs<script>alert(1)</script>sX';
const img = 'Xi"><img src=x onerror=alert(1)>iX';
const template = 'Xt{{7*7}}${7*7}#{7*7}tX';
const ampersand = "Xa&lt;b&amp;'aX"; // already-escaped text must be escaped again, not decoded

/** What each payload must look like in HTML: escaped, attribute-safe, unevaluated. */
const escaped: Record<string, RegExp> = {
  script: /Xs&lt;script&gt;alert\(1\)&lt;\/script&gt;sX/,
  img: /Xi(&quot;|&#34;)&gt;&lt;img src=x onerror=alert\(1\)&gt;iX/,
  template: /Xt\{\{7\*7\}\}\$\{7\*7\}#\{7\*7\}tX/,
  ampersand: /Xa&amp;lt;b&amp;amp;(&#39;|&#x27;|')aX/,
};
/** Signs of live markup or evaluated templates: none may ever appear. */
const live: [string, RegExp][] = [
  ['a live <script> from a name', /<script>alert\(1\)/i],
  ['a live <img onerror> from a name', /<img src=x onerror/i],
  ['an attribute broken out of', /Xi"></i],
  ['an evaluated template', /Xt49|\$\{49|#\{49|Xt\{\{49/],
  ['decoded entities', /Xa<b&'aX|Xa&lt;b&amp;'aX/],
];

let w: MovementWorld;
let viewer: Session;
const ids: Record<string, string> = {};

before(async () => {
  w = await setUpMovementWorld();
  const db = w.env.state.db;
  // One user who may read every page (every staff role but the administrator's, national).
  const user = await createUser(w.env, { username: 'markup.viewer', roles: ['records_officer', 'director', 'legal', 'duty_officer', 'health', 'technical_board', 'programmes', 'statistician'] });
  viewer = await signIn(w.env, user);
  ids.user = w.users.officer.id;

  const orderId = await verifiedOrder(w, { subjectName: `${script} ${img}`, notes: template });
  const person = newPerson({ givenNames: `Ana ${script}`, firstSurname: `Ruiz ${img}`, secondSurname: template, marriedSurname: ampersand, sex: 'male', aliases: [{ alias: `${img} ${template}` }] });
  const admitted = await api(w, 'POST', '/api/v1/admissions', w.h.officer!, admissionBody(orderId, { person, facilityCode: 'PA-LJ' }));
  assert.equal(admitted.status, 201, JSON.stringify(admitted.body));
  ids.person = admitted.body.personId as string;
  ids.episode = admitted.body.episodeId as string;
  ids.order = orderId;

  const transfer = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId: ids.person, toFacilityCode: 'PA-LJT', reason: `Acercamiento ${script}` });
  assert.equal(transfer.status, 201, JSON.stringify(transfer.body));
  ids.transfer = transfer.body.id as string;

  const alert = await api(w, 'POST', '/api/v1/alerts', w.h.director!, { typeCode: 'escape_risk', personId: ids.person, facilityCode: 'PA-LJ', summary: `Riesgo ${img} ${template}`, details: script });
  assert.equal(alert.status, 201, JSON.stringify(alert.body));
  ids.alert = alert.body.id as string;

  const absence = await api(w, 'POST', '/api/v1/absences', w.h.officer!, { personId: ids.person, kind: 'court', destination: `Juzgado ${img}`, reason: template });
  assert.equal(absence.status, 201, JSON.stringify(absence.body));
  ids.absence = absence.body.id as string;

  // A second person (also with markup) is recorded for release: a release waits for a second
  // officer, so this person stays on the roll too.
  const order2 = await verifiedOrder(w, { subjectName: script });
  const second = await api(w, 'POST', '/api/v1/admissions', w.h.officer!, admissionBody(order2, { person: newPerson({ givenNames: `Luis ${script}`, firstSurname: img, sex: 'male' }) }));
  assert.equal(second.status, 201, JSON.stringify(second.body));
  ids.person2 = second.body.personId as string;
  const caseNumber = (await db.selectFrom('judicial_orders').select('case_number').where('id', '=', order2).executeTakeFirstOrThrow()).case_number;
  const releaseOrder = await verifiedOrder(w, { kind: 'release', legalStatus: null, subjectName: img, caseNumber });
  const release = await api(w, 'POST', '/api/v1/releases', w.h.officer!, { personId: ids.person2, orderId: releaseOrder, reason: 'court_order', notes: template });
  assert.equal(release.status, 201, JSON.stringify(release.body));
  ids.release = release.body.id as string;

  const draft = await api(w, 'POST', '/api/v1/admission-drafts', w.h.officer!, { facilityCode: 'PA-LJ', data: { person: { givenNames: script, firstSurname: img, secondSurname: template } } });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  ids.draft = draft.body.id as string;
  ids.unit = (await db.selectFrom('placements').select('unit_id').where('episode_id', '=', ids.episode).executeTakeFirstOrThrow()).unit_id;
});
after(() => w?.env.close());

const fetchPage = (url: string) => w.env.app.inject({ url, headers: { cookie: viewer.cookie } });

function problemsIn(html: string): string[] {
  return live.filter(([, re]) => re.test(html)).map(([what]) => what);
}

// The pages that must show the person (or the record about them) by name, escaped.
const mustShow = (): [string, (keyof typeof escaped)[]][] => [
  [`/persons?q=${encodeURIComponent('Ruiz')}`, ['img']],
  [`/persons/${ids.person}`, ['script', 'img', 'template', 'ampersand']],
  ['/facilities/PA-LJ/roll', ['script']],
  [`/units/${ids.unit}`, ['script']],
  ['/transfers', ['script']],
  [`/transfers/${ids.transfer}`, ['script']],
  [`/persons/${ids.person}/movements`, ['script']],
  ['/facilities/PA-LJ/absences', ['script']],
  ['/releases', ['script']],
  [`/releases/${ids.release}`, ['script']],
  ['/orders?status=all', ['script']],
  [`/orders/${ids.order}`, ['script', 'img']],
  ['/', ['img']], // the alert, on the director's home page
  ['/alerts', ['img']],
  [`/alerts/${ids.alert}`, ['img', 'template']],
];

test('the pages that show the person show the name as text', async () => {
  for (const [url, payloads] of mustShow()) {
    const res = await fetchPage(url);
    assert.equal(res.statusCode, 200, `${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    assert.deepEqual(problemsIn(res.body), [], url);
    for (const p of payloads) assert.match(res.body, escaped[p]!, `${url} does not show the ${p} payload escaped`);
  }
});

/** Parameter values for the discovered page routes: the records made above. */
async function fill(url: string): Promise<string | null> {
  const tables = (await sql<{ table_name: string }>`select table_name from information_schema.columns where column_name = 'person_id' and table_schema = 'public'`.execute(w.env.state.db)).rows.map((r) => r.table_name);
  let out = url;
  for (const m of url.matchAll(/:(\w+)/g)) {
    const name = m[1]!;
    const segment = url.slice(0, m.index).split('/').filter(Boolean).pop() ?? '';
    let value: string | undefined;
    if (name === 'code') value = 'PA-LJ';
    else if (name === 'unitId') value = ids.unit;
    else if (name === 'mergeId' || name === 'item' || name === 'chargeId' || name === 'offenceCode') value = undefined;
    else {
      const byName: Record<string, string | undefined> = { users: ids.user, persons: ids.person, transfers: ids.transfer, orders: ids.order, alerts: ids.alert, releases: ids.release, drafts: ids.draft, absences: ids.absence };
      value = byName[segment];
      // Another module's record about the person (a case, a hearing, a redemption record …).
      for (const table of tables.filter((t) => t === segment.replace(/-/g, '_') || t.endsWith(`_${segment.replace(/-/g, '_')}`))) {
        value ??= (await sql<{ id: string }>`select id::text as id from ${sql.table(table)} where person_id in (${ids.person}, ${ids.person2}) limit 1`.execute(w.env.state.db).catch(() => ({ rows: [] as { id: string }[] }))).rows[0]?.id;
      }
    }
    if (!value) return null;
    out = out.replace(`:${name}`, value);
  }
  return out;
}

test('no page renders the markup live, evaluates the template or fails', async () => {
  const routes = w.env.app.routeTable.filter((r) => r.method === 'GET' && !r.url.startsWith('/api/') && !r.url.startsWith('/assets/') && r.access !== 'public' && !r.url.includes('*'));
  let fetched = 0;
  const skipped: string[] = [];
  for (const r of routes) {
    const url = await fill(r.url);
    if (!url) {
      skipped.push(r.url);
      continue;
    }
    const res = await fetchPage(url);
    fetched++;
    assert.ok(res.statusCode < 500, `${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (String(res.headers['content-type']).startsWith('text/html')) assert.deepEqual(problemsIn(res.body), [], url);
  }
  console.log(`markup: ${fetched} pages fetched; skipped (no record to name): ${skipped.join(', ') || 'none'}`);
  assert.ok(fetched >= 30, `only ${fetched} pages fetched (skipped: ${skipped.join(', ')})`);
});

test('the PDF copies of the file render with the markup in the names', async () => {
  for (const url of [`/persons/${ids.person}/admission-record.pdf`, `/persons/${ids.person}/file-copy.pdf`, `/api/v1/persons/${ids.person}/file-copy`, `/api/v1/persons/${ids.person}/admission-record?episode=${ids.episode}`]) {
    const res = await w.env.app.inject({ url, headers: { cookie: viewer.cookie } });
    assert.equal(res.statusCode, 200, `${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    assert.match(String(res.headers['content-type']), /application\/pdf/, url);
    assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-', url);
  }
});

test('the API returns the names exactly as written', async () => {
  const res = await api(w, 'GET', `/api/v1/persons/${ids.person}`, w.h.officer!);
  assert.equal(res.status, 200);
  assert.equal(res.body.givenNames, `Ana ${script}`);
  assert.equal(res.body.firstSurname, `Ruiz ${img}`);
  assert.equal(res.body.secondSurname, template);
  assert.equal(res.body.marriedSurname, ampersand);
});
