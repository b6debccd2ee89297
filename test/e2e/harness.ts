// Browser tests: the real server (demo data, embedded database in a temporary directory) and
// Debian's Chromium driven by playwright-core, with an axe accessibility check on every page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server.ts';
import { testSettings } from '../helpers/app.ts';
import { totpCode } from '../../src/platform/auth/totp.ts';

export interface E2E {
  server: RunningServer;
  browser: Browser;
  baseUrl: string;
  adminTotpSecret: string;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-e2e-'));
  const printed: string[] = [];
  const settings = testSettings({ dataDir: path.join(dir, 'data'), demo: true, demoScale: 0.02, port: 0, host: '127.0.0.1' }, dir);
  const server = await startServer(settings, { print: (l) => printed.push(l) });
  await server.ready;
  const port = (server.app.server.address() as AddressInfo).port;
  const adminTotpSecret = printed.map((l) => /authenticator app: (\S+)/.exec(l)?.[1]).find(Boolean) ?? '';
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    server,
    browser,
    baseUrl: `http://127.0.0.1:${port}`,
    adminTotpSecret,
    async close() {
      await browser.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A page in its own browser context (its own cookies), as axe requires. */
export async function newPage(e2e: E2E): Promise<Page> {
  const context = await e2e.browser.newContext();
  return context.newPage();
}

/** No serious or critical accessibility violation on the page as it is now. */
export async function checkAccessibility(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`),
    [],
    `accessibility problems on ${label}`,
  );
}

export async function signInAs(page: Page, baseUrl: string, username: string, password = 'custodia-demo'): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('[data-testid="sign-in"]');
}

export async function signInAdmin(page: Page, e2e: E2E): Promise<void> {
  await signInAs(page, e2e.baseUrl, 'demo.admin');
  await page.waitForURL(/\/login\/mfa/);
  await page.fill('#code', await totpCode(e2e.adminTotpSecret));
  await page.click('main button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
