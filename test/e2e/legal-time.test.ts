// Legal time in Spanish, as the legal office works it: one legal officer registers the sentence
// of a person held before trial, a second one verifies it with the court (four eyes), and the
// person's page shows the computation built from the records — start, two thirds, end date —
// with the trace one click away. Every page passes the accessibility check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkAccessibility, newPage, signInAs, startE2E, type E2E } from './harness.ts';

let e2e: E2E;
let personId = '';
let caseId = '';

before(async () => {
  e2e = await startE2E();
  const db = e2e.server.state.db;
  // Someone held before trial at La Joya in exactly one open case, with no sentence yet.
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'p.id').on('e.released_at', 'is', null))
    .innerJoin('legal_status_periods as l', (j) => j.onRef('l.episode_id', '=', 'e.id').on('l.valid_to', 'is', null))
    .innerJoin('criminal_cases as c', (j) => j.onRef('c.episode_id', '=', 'e.id').on('c.closed_on', 'is', null))
    .select(['p.id', 'c.id as caseId'])
    .where('p.location_facility_code', '=', 'PA-LJ')
    .where('l.status', '=', 'pretrial')
    .where((eb) => eb.selectFrom('criminal_cases as k').select((x) => x.fn.countAll<number>().as('n')).whereRef('k.episode_id', '=', 'e.id').where('k.closed_on', 'is', null), '=', 1)
    .orderBy('p.prisoner_number')
    .limit(1)
    .executeTakeFirstOrThrow();
  personId = row.id;
  caseId = row.caseId;
});
after(() => e2e.close());

async function as(username: string): Promise<Page> {
  const page = await newPage(e2e);
  await signInAs(page, e2e.baseUrl, username);
  await page.waitForURL(`${e2e.baseUrl}/`);
  return page;
}

async function step(page: Page, label: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    await page.screenshot({ path: `/tmp/e2e-legal-${label.replace(/\W+/g, '-')}.png`, fullPage: true });
    throw new Error(`${label} at ${page.url()}: ${(e as Error).message}`, { cause: e });
  }
}

test('a sentence registered by one legal officer, verified by another, and the dates on the person page, in Spanish', async () => {
  const db = e2e.server.state.db;
  const legal = await as('demo.legal');
  let orderUrl = '';
  await step(legal, 'sentence registered', async () => {
    await legal.goto(`${e2e.baseUrl}/orders/legal/new?kind=sentence&personId=${personId}`);
    await checkAccessibility(legal, 'sentence form');
    await legal.selectOption('#caseId', caseId);
    await legal.fill('#years', '4');
    await legal.fill('#months', '6');
    await legal.fill('#days', '0');
    await legal.check('input[name="relation"][value="concurrent"]');
    await legal.check('input[name="authorityKind"][value="court"]');
    await legal.fill('#issuingAuthority', 'Tribunal de Juicio del Primer Circuito Judicial de Panamá');
    const d = new Date();
    await legal.fill('input[name="orderDate-day"]', String(d.getUTCDate() > 1 ? d.getUTCDate() - 1 : 1));
    await legal.fill('input[name="orderDate-month"]', String(d.getUTCMonth() + 1));
    await legal.fill('input[name="orderDate-year"]', String(d.getUTCFullYear()));
    await legal.click('main form button[type="submit"]');
    await legal.waitForURL(/\/orders\/[0-9a-f-]{36}/);
    orderUrl = legal.url().split('?')[0]!;
  });
  // Registered is not verified: nothing is computed from it yet.
  const before = await db.selectFrom('sentence_computations').select('status').where('person_id', '=', personId).where('superseded_at', 'is', null).executeTakeFirst();
  assert.notEqual(before?.status, 'sentenced', 'an unverified sentence changes nothing');

  const second = await as('demo.legal2');
  await step(second, 'sentence verified', async () => {
    await second.goto(orderUrl);
    await checkAccessibility(second, 'order to verify');
    await second.check('input[name="method"][value="telephone"]');
    await second.fill('#note', 'Confirmado por teléfono con la secretaría del tribunal');
    await second.click('form[action$="/verify"] button[type="submit"]');
    await second.waitForURL(/done=verified/);
  });

  const stored = await db.selectFrom('sentence_computations').select(['status', 'start_date', 'expiry_date', 'two_thirds_date']).where('person_id', '=', personId).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
  assert.equal(stored.status, 'sentenced');
  await step(second, 'dates on the person page', async () => {
    await second.goto(`${e2e.baseUrl}/persons/${personId}#legal-time`);
    const section = second.locator('section:has(> h2#legal-time)');
    await section.getByText('Fecha de cumplimiento de la pena').first().waitFor();
    const expiry = (await section.locator('[data-testid="expiry"]').first().textContent()) ?? '';
    const start = (await section.locator('[data-testid="start-date"]').first().textContent()) ?? '';
    assert.ok(expiry.includes(stored.expiry_date!.slice(0, 4)), `end date shown: ${expiry} (stored ${stored.expiry_date})`);
    assert.ok(start.includes(stored.start_date!.slice(0, 4)), `start date shown: ${start} (stored ${stored.start_date})`);
    await checkAccessibility(second, 'person page with the computation');
  });
});
