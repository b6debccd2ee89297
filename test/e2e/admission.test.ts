// A full admission in Spanish, as it happens at an admission desk: a records officer registers
// the commitment order, a legal officer verifies it (four eyes), the officer admits a person
// who was held before (the returning file is found by the misspelled name and linked), and
// the person's page shows the same prisoner number. Every page passes the accessibility check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkAccessibility, newPage, signInAs, startE2E, type E2E } from './harness.ts';
import { insertPerson } from '../../src/modules/persons/repository.ts';

let e2e: E2E;
let returning: { id: string; prisonerNumber: string };

before(async () => {
  e2e = await startE2E();
  const db = e2e.server.state.db;
  const id = async (u: string) => (await db.selectFrom('users').select('id').where('username', '=', u).executeTakeFirstOrThrow()).id;
  // Someone held at Colón in 2019 and released: their file must be found again.
  returning = await insertPerson(db, { givenNames: 'José', firstSurname: 'Pérez', secondSurname: 'Rodríguez', sex: 'male', dateOfBirth: '1988-04-12', nationality: 'PA', documents: [{ kind: 'cedula', number: '8-745-1203' }] }, null);
  const order = await db
    .insertInto('judicial_orders')
    .values({ kind: 'commitment', authority_kind: 'court', issuing_authority: 'Juzgado de Garantías de Colón', case_number: '2019-00871', order_date: '2019-03-02', subject_name: 'José Pérez Rodríguez', person_id: returning.id, facility_code: 'CO-NES', legal_status: 'pretrial', registered_by: await id('demo.records_officer'), status: 'verified', verified_by: await id('demo.legal'), verified_at: new Date('2019-03-02T15:00:00Z'), verification_method: 'telephone' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('custody_episodes')
    .values({ person_id: returning.id, facility_code: 'CO-NES', admission_order_id: order.id, arrested_at: new Date('2019-03-01T20:00:00Z'), arrest_place: 'Colón', admitted_at: new Date('2019-03-02T18:00:00Z'), released_at: new Date('2020-01-15T15:00:00Z'), release_reason: 'court_order' })
    .execute();
  await db.updateTable('persons').set({ custody_status: 'released', location_facility_code: 'CO-NES' }).where('id', '=', returning.id).execute();
});
after(() => e2e.close());

test('a full admission of a returning person, in Spanish', async () => {
  const officer = await newPage(e2e);
  try {
    await admit(officer);
  } catch (e) {
    await officer.screenshot({ path: '/tmp/e2e-admission-failure.png', fullPage: true });
    throw new Error(`at ${officer.url()}: ${(e as Error).message}`, { cause: e });
  }
});

async function admit(officer: Page): Promise<void> {
  // 1. The records officer registers the commitment order.
  await signInAs(officer, e2e.baseUrl, 'demo.records_officer');
  await officer.waitForURL(`${e2e.baseUrl}/`);
  assert.equal(await officer.getAttribute('html', 'lang'), 'es');
  await officer.goto(`${e2e.baseUrl}/orders/new`);
  await checkAccessibility(officer, 'registro de orden');
  await officer.check('input[name="kind"][value="commitment"]');
  await officer.check('input[name="authorityKind"][value="court"]');
  await officer.fill('#issuingAuthority', 'Juzgado de Garantías del Primer Circuito Judicial de Panamá');
  await officer.fill('#caseNumber', '2026-01234');
  const today = new Date();
  await officer.fill('input[name="orderDate-day"]', String(today.getUTCDate() > 1 ? today.getUTCDate() - 1 : 1));
  await officer.fill('input[name="orderDate-month"]', String(today.getUTCMonth() + 1));
  await officer.fill('input[name="orderDate-year"]', String(today.getUTCFullYear()));
  await officer.fill('#subjectName', 'José Pérez Rodríguez');
  await officer.selectOption('#facilityCode', 'PA-LJ');
  await officer.check('input[name="legalStatus"][value="pretrial"]');
  await officer.click('main form button[type="submit"]');
  await officer.waitForURL(/\/orders\/[0-9a-f-]{36}(\?|$)/);
  const orderUrl = officer.url().split('?')[0]!;
  const orderId = orderUrl.split('/').pop()!;
  await checkAccessibility(officer, 'orden registrada');

  // 2. A legal officer verifies it, recording how.
  const legal = await newPage(e2e);
  await signInAs(legal, e2e.baseUrl, 'demo.legal');
  await legal.waitForURL(`${e2e.baseUrl}/`);
  await legal.goto(orderUrl);
  await checkAccessibility(legal, 'verificación de orden');
  await legal.check('input[name="method"][value="telephone"]');
  await legal.fill('#note', 'Confirmado por teléfono con la secretaría del Juzgado');
  await legal.click('form[action$="/verify"] button[type="submit"]');
  await legal.waitForLoadState();

  // 3. The officer admits, step by step.
  await officer.goto(`${e2e.baseUrl}/admissions/new`);
  await checkAccessibility(officer, 'nueva admisión');
  await officer.check('input[name="facilityCode"][value="PA-LJ"]');
  await officer.click('main button[type="submit"]');
  await officer.waitForURL(/\/order(\?|$)/);
  await checkAccessibility(officer, 'paso: orden');
  await officer.check(`input[name="orderId"][value="${orderId}"]`);
  await officer.click('button[value="continue"]');
  await officer.waitForURL(/\/person(\?|$)/);
  await checkAccessibility(officer, 'paso: persona');
  await officer.fill('#person-givenNames', 'Jose');
  await officer.fill('#person-firstSurname', 'Peres');
  await officer.fill('#person-secondSurname', 'Rodriguez');
  await officer.check('input[name="person-sex"][value="male"]');
  await officer.fill('#person-dateOfBirth', '1988-04-12');
  await officer.click('button[value="continue"]');
  await officer.waitForURL(/\/matches(\?|$)/);
  await checkAccessibility(officer, 'posibles coincidencias');
  assert.match(await officer.textContent('main') ?? '', new RegExp(returning.prisonerNumber));
  await officer.check(`input[name="choice"][value="${returning.id}"]`);
  await officer.click('button[value="continue"]');
  await officer.waitForURL(/\/arrest(\?|$)/);
  await checkAccessibility(officer, 'paso: detención');
  const now = new Date(Date.now() - 5 * 3600_000 - 60_000); // Panama local time, a minute ago
  const local = (d: Date) => d.toISOString().slice(0, 16);
  await officer.fill('#arrest-at', local(new Date(now.getTime() - 3 * 3600_000)));
  await officer.fill('#arrest-place', 'San Miguelito');
  await officer.fill('#admittedAt', local(now));
  await officer.click('button[value="continue"]');
  for (const step of ['family', 'health', 'property', 'rights']) {
    await officer.waitForURL(new RegExp(`/${step}(\\?|$)`));
    await checkAccessibility(officer, `paso: ${step}`);
    if (step === 'property') await officer.check('input[name="propertySignedOff"]');
    if (step === 'rights') {
      await officer.check('input[name="rightsInformation-given"]');
      await officer.fill('#rightsInformation-language', 'es');
      await officer.fill('#rightsInformation-givenAt', local(now));
    }
    await officer.click('button[value="continue"]');
  }
  await officer.waitForURL(/\/review(\?|$)/);
  await checkAccessibility(officer, 'revisión');
  await officer.click('main form[action$="/complete"] button[type="submit"], main button[value="complete"]');
  await officer.waitForURL(/\/persons\/[0-9a-f-]{36}/);
  assert.ok(officer.url().includes(returning.id), 'the admission is linked to the existing file');
  assert.match(await officer.textContent('main') ?? '', new RegExp(returning.prisonerNumber));
  await checkAccessibility(officer, 'ficha de la persona');
  const episodes = await e2e.server.state.db.selectFrom('custody_episodes').select(['facility_code', 'released_at']).where('person_id', '=', returning.id).orderBy('admitted_at').execute();
  assert.deepEqual(episodes.map((e) => [e.facility_code, e.released_at === null]), [['CO-NES', false], ['PA-LJ', true]]);
}
