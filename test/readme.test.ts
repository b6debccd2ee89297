// The README keeps its two-command quick start and the role × permission table of the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { rolesTable } from '../scripts/roles-table.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');

test('the README has the two-command quick start', () => {
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /npm ci && npm test/);
});

test('the README\'s role × permission table is the one in roles.ts', () => {
  assert.ok(readme.includes(rolesTable()), 'regenerate it with: npx node scripts/roles-table.ts');
});
