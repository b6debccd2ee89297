// The foundation as people use it: sign in, switch language, create a user, enrol a second
// factor — with an accessibility check on every page visited.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccessibility, newPage, signInAdmin, signInAs, startE2E, type E2E } from './harness.ts';
import { totpCode } from '../../src/platform/auth/totp.ts';

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
});
after(() => e2e.close());

test('sign in, switch to English and back, sign out', async () => {
  const page = await newPage(e2e);
  await page.goto(`${e2e.baseUrl}/login`);
  await checkAccessibility(page, 'sign-in page');
  await signInAs(page, e2e.baseUrl, 'demo.records_officer');
  await page.waitForURL(`${e2e.baseUrl}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.match(await page.textContent('h1') ?? '', /Bienvenido/);
  await checkAccessibility(page, 'home (es)');
  await page.click('button:has-text("English")');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1') ?? '', /Welcome/);
  await checkAccessibility(page, 'home (en)');
  // Remembered for the user: a new session starts in English.
  await page.click('[data-testid="sign-out"]');
  await page.waitForURL(/\/login/);
  await signInAs(page, e2e.baseUrl, 'demo.records_officer');
  await page.waitForURL(`${e2e.baseUrl}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('button:has-text("Español")');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  await page.close();
});

test('an administrator signs in with the second factor and creates a user', async () => {
  const page = await newPage(e2e);
  await signInAdmin(page, e2e);
  await page.goto(`${e2e.baseUrl}/admin/users`);
  await checkAccessibility(page, 'user list');
  await page.goto(`${e2e.baseUrl}/admin/users/new`);
  await checkAccessibility(page, 'new user form');
  await page.fill('#username', 'maria.gonzalez');
  await page.fill('#displayName', 'María González');
  await page.fill('#password', 'la luna sobre el canal');
  await page.check('input[name="roles"][value="records_officer"]');
  await page.check('input[name="scope"][value="facilities"]');
  await page.check('input[name="facilities"][value="PA-LJ"]');
  await page.click('form[action="/admin/users"] button[type="submit"]');
  await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}/);
  assert.match(await page.textContent('main') ?? '', /maria\.gonzalez/);
  await checkAccessibility(page, 'user page');
  await page.goto(`${e2e.baseUrl}/admin/roles`);
  await checkAccessibility(page, 'roles page');
  await page.close();

  // The new user signs in and must change the password set by the administrator.
  const theirs = await newPage(e2e);
  await signInAs(theirs, e2e.baseUrl, 'maria.gonzalez', 'la luna sobre el canal');
  await theirs.goto(`${e2e.baseUrl}/account/password`);
  await checkAccessibility(theirs, 'password page');
  await theirs.close();
});

test('a user enrols a second factor and needs it at the next sign-in', async () => {
  const page = await newPage(e2e);
  await signInAs(page, e2e.baseUrl, 'demo.director');
  await page.waitForURL(`${e2e.baseUrl}/`);
  await page.goto(`${e2e.baseUrl}/account/mfa`);
  await checkAccessibility(page, 'second-factor page');
  const secret = (await page.textContent('[data-testid="totp-secret"]'))!.trim();
  await page.fill('#code', await totpCode(secret));
  await page.click('form[action="/account/mfa"] button[type="submit"]');
  await page.waitForURL(/\/account/);
  await checkAccessibility(page, 'account page');
  await page.click('[data-testid="sign-out"]');
  await signInAs(page, e2e.baseUrl, 'demo.director');
  await page.waitForURL(/\/login\/mfa/);
  await checkAccessibility(page, 'second-factor sign-in');
  await page.fill('#code', await totpCode(secret, Date.now() + 30_000));
  await page.click('main button[type="submit"]');
  await page.waitForURL(`${e2e.baseUrl}/`);
  await page.close();
});

test('centres, audit and API pages pass the accessibility check', async () => {
  const page = await newPage(e2e);
  await signInAs(page, e2e.baseUrl, 'demo.inspector');
  await page.waitForURL(`${e2e.baseUrl}/`);
  for (const url of ['/facilities', '/facilities/PA-NLJ', '/audit', '/api/docs', '/account/sessions', '/sentence-calculator']) {
    const res = await page.goto(`${e2e.baseUrl}${url}`);
    assert.equal(res?.status(), 200, url);
    await checkAccessibility(page, url);
  }
  await page.close();
});
