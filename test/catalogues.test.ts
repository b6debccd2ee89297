// Spanish and English catalogues have the same keys, and the copies of shared reference data
// in this repository match ../shared whenever it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalogueKeys } from '../src/platform/i18n/i18n.ts';

const root = path.resolve(import.meta.dirname, '..');
const shared = path.resolve(root, '../shared');

test('es and en catalogues have the same keys', () => {
  const es = catalogueKeys('es');
  const en = catalogueKeys('en');
  assert.deepEqual(es.filter((k) => !en.includes(k)), [], 'keys only in Spanish');
  assert.deepEqual(en.filter((k) => !es.includes(k)), [], 'keys only in English');
});

// Without ../shared (a fresh clone) there is nothing to compare with: reported as skipped.
const original = path.join(shared, 'data/facilities-pa.csv');
test('seed/facilities-pa.csv matches ../shared/data/facilities-pa.csv', { skip: !fs.existsSync(original) && 'no ../shared beside this repository' }, () => {
  assert.equal(fs.readFileSync(path.join(root, 'seed/facilities-pa.csv'), 'utf8'), fs.readFileSync(original, 'utf8'));
});
