// Custody as the staff of La Joya do it, in Spanish: a housing move refused by the separation
// rules and then made by the director with a recorded override; a transfer requested by one
// officer, authorized by another, departed and arrived; a release on a verified boleta de
// libertad, recorded by one officer and confirmed by another. Accessibility checked throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkAccessibility, newPage, signInAs, startE2E, type E2E } from './harness.ts';

let e2e: E2E;
let personId = '';
let sentencedUnitId = '';
let heldCase = { case_number: '', authority_kind: 'court' as 'court' | 'prosecutor' };

before(async () => {
  e2e = await startE2E();
  const db = e2e.server.state.db;
  // A man held before trial at La Joya, in the pretrial unit.
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'p.id').on('e.released_at', 'is', null))
    .innerJoin('legal_status_periods as l', (j) => j.onRef('l.episode_id', '=', 'e.id').on('l.valid_to', 'is', null))
    .select('p.id')
    .where('p.location_facility_code', '=', 'PA-LJ')
    .where('l.status', '=', 'pretrial')
    .where('p.date_of_birth', '<', '2000-01-01')
    // held in exactly one case, which the boleta below names (a release leaves no case open)
    .where((eb) => eb.selectFrom('criminal_cases as c').select((x) => x.fn.countAll<number>().as('n')).whereRef('c.episode_id', '=', 'e.id').where('c.closed_on', 'is', null), '=', 1)
    .limit(1)
    .executeTakeFirstOrThrow();
  personId = row.id;
  heldCase = await db.selectFrom('criminal_cases as c').innerJoin('custody_episodes as e', 'e.id', 'c.episode_id').select(['c.case_number', 'c.authority_kind']).where('e.person_id', '=', personId).where('e.released_at', 'is', null).where('c.closed_on', 'is', null).executeTakeFirstOrThrow();
  sentencedUnitId = (await db.selectFrom('units').select('id').where('facility_code', '=', 'PA-LJ').where('kind', '=', 'sentenced').executeTakeFirstOrThrow()).id;
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
    await page.screenshot({ path: `/tmp/e2e-custody-${label.replace(/\W+/g, '-')}.png`, fullPage: true });
    throw new Error(`${label} at ${page.url()}: ${(e as Error).message}`, { cause: e });
  }
}

test('housing → transfer → release, in Spanish', async () => {
  const officer = await as('demo.records_officer');
  const director = await as('demo.director');

  await step(officer, 'separation refused', async () => {
    await officer.goto(`${e2e.baseUrl}/persons/${personId}/placement?unitId=${sentencedUnitId}`);
    await checkAccessibility(officer, 'ubicación');
    await officer.fill('#reason', 'Reorganización del pabellón');
    await officer.click('[data-testid="placement-form"] button[type="submit"]');
    await officer.waitForLoadState();
    assert.match(await officer.textContent('.govuk-error-summary') ?? '', /separa|Regla/i);
    await checkAccessibility(officer, 'ubicación rechazada');
  });

  await step(director, 'override by the director', async () => {
    await director.goto(`${e2e.baseUrl}/persons/${personId}/placement?unitId=${sentencedUnitId}`);
    await director.fill('#reason', 'Reorganización del pabellón');
    await director.fill('#overrideReason', 'Medida temporal de protección por amenazas en el pabellón de detención provisional');
    await director.click('[data-testid="placement-form"] button[type="submit"]');
    await director.waitForLoadState();
    assert.equal(await director.locator('.govuk-error-summary').count(), 0);
  });
  const placement = await e2e.server.state.db.selectFrom('placements').select(['unit_id', 'override_rule', 'override_reason']).where('valid_to', 'is', null).innerJoin('custody_episodes as e', 'e.id', 'placements.episode_id').where('e.person_id', '=', personId).executeTakeFirstOrThrow();
  assert.equal(placement.unit_id, sentencedUnitId);
  assert.match(placement.override_rule ?? '', /legal_status/);

  let transferUrl = '';
  await step(officer, 'transfer requested', async () => {
    await officer.goto(`${e2e.baseUrl}/transfers/new?personId=${personId}`);
    await checkAccessibility(officer, 'solicitud de traslado');
    await officer.selectOption('#toFacilityCode', 'PA-LJT');
    await officer.fill('#reason', 'Acercamiento familiar');
    await officer.click('form[action="/transfers"] button[type="submit"]');
    await officer.waitForURL(/\/transfers\/[0-9a-f-]{36}/);
    transferUrl = officer.url().split('?')[0]!;
    await checkAccessibility(officer, 'traslado solicitado');
  });
  await step(director, 'transfer authorized by another officer', async () => {
    await director.goto(transferUrl);
    await director.fill('#note', 'Autorizado por la dirección');
    await director.click('form[action$="/authorize"] button:not([formaction])');
    await director.waitForLoadState();
  });
  await step(officer, 'departure and arrival', async () => {
    await officer.goto(transferUrl);
    await officer.click('form[action$="/depart"] button[type="submit"]');
    await officer.waitForLoadState();
    await officer.goto(transferUrl);
    await officer.click('form[action$="/arrive"] button[type="submit"]');
    await officer.waitForLoadState();
    await checkAccessibility(officer, 'traslado completado');
  });
  const person = await e2e.server.state.db.selectFrom('persons').select(['location_facility_code', 'custody_status']).where('id', '=', personId).executeTakeFirstOrThrow();
  assert.deepEqual(person, { location_facility_code: 'PA-LJT', custody_status: 'in_custody' });

  let orderUrl = '';
  await step(officer, 'boleta de libertad registered', async () => {
    await officer.goto(`${e2e.baseUrl}/orders/new`);
    await officer.check('input[name="kind"][value="release"]');
    await officer.check(`input[name="authorityKind"][value="${heldCase.authority_kind}"]`);
    await officer.fill('#issuingAuthority', 'Juzgado de Garantías del Primer Circuito Judicial de Panamá');
    await officer.fill('#caseNumber', heldCase.case_number);
    const d = new Date();
    await officer.fill('input[name="orderDate-day"]', String(d.getUTCDate() > 1 ? d.getUTCDate() - 1 : 1));
    await officer.fill('input[name="orderDate-month"]', String(d.getUTCMonth() + 1));
    await officer.fill('input[name="orderDate-year"]', String(d.getUTCFullYear()));
    await officer.fill('#subjectName', 'Persona de prueba');
    await officer.fill('#personId', personId);
    await officer.selectOption('#facilityCode', 'PA-LJT');
    await officer.click('main form button[type="submit"]');
    await officer.waitForURL(/\/orders\/[0-9a-f-]{36}/);
    orderUrl = officer.url().split('?')[0]!;
  });
  const legal = await as('demo.legal');
  await step(legal, 'boleta verified', async () => {
    await legal.goto(orderUrl);
    await legal.check('input[name="method"][value="telephone"]');
    await legal.fill('#note', 'Confirmada por teléfono con el Juzgado');
    await legal.click('form[action$="/verify"] button[type="submit"]');
    await legal.waitForLoadState();
  });
  let releaseUrl = '';
  await step(officer, 'release recorded', async () => {
    await officer.goto(`${e2e.baseUrl}/releases/new?personId=${personId}`);
    await checkAccessibility(officer, 'registro de libertad');
    await officer.check(`input[name="orderId"][value="${orderUrl.split('/').pop()}"]`);
    await officer.check('input[name="reason"][value="court_order"]');
    await officer.click('form[action="/releases"] button[type="submit"]');
    await officer.waitForURL(/\/releases\/[0-9a-f-]{36}/);
    releaseUrl = officer.url().split('?')[0]!;
  });
  const stillHeld = await e2e.server.state.db.selectFrom('persons').select('custody_status').where('id', '=', personId).executeTakeFirstOrThrow();
  assert.equal(stillHeld.custody_status, 'in_custody', 'the release waits for a second officer');
  const second = await as('demo.records_officer2');
  await step(second, 'release confirmed by another officer', async () => {
    await second.goto(releaseUrl);
    await checkAccessibility(second, 'confirmación de libertad');
    await second.check('input[name="propertyReturned"]');
    await second.click('form[action$="/confirm"] button[type="submit"]');
    await second.waitForLoadState();
  });
  const released = await e2e.server.state.db.selectFrom('persons').select('custody_status').where('id', '=', personId).executeTakeFirstOrThrow();
  assert.equal(released.custody_status, 'released');
});
