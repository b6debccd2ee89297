// Runs every golden case (test/fixtures/sentence-cases, a byte-for-byte copy of the shared
// spec corpus) and every regression case of this module (./cases) through the library and
// through the command-line function, comparing each field of `expected` exactly.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tryComputeSentence } from './engine.ts';
import { runComputeSentence } from './cli.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const goldenDir = path.join(repoRoot, 'test/fixtures/sentence-cases');
const regressionDir = path.join(import.meta.dirname, 'cases');
const sharedDir = path.resolve(repoRoot, '../shared/spec/sentence-cases');

interface Case {
  name: string;
  description: string;
  input: unknown;
  expected: Record<string, unknown>;
}

function loadCases(dir: string): { file: string; c: Case }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, c: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Case }));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every key of `expected` must be present in `actual` with an equal value (recursively for objects). */
function assertPartial(actual: unknown, expected: unknown, at: string): void {
  if (isPlainObject(expected)) {
    assert.ok(isPlainObject(actual), `${at}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertPartial(actual[k], v, at === '' ? k : `${at}.${k}`);
  } else {
    assert.deepStrictEqual(actual, expected, `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function runSuite(title: string, dir: string): void {
  const cases = loadCases(dir);
  describe(title, () => {
    test('folder is not empty', () => assert.ok(cases.length > 0, dir));
    for (const { file, c } of cases) {
      const invalid = isPlainObject(c.expected['error']);
      describe(file, () => {
        test('library', () => {
          const r = tryComputeSentence(c.input);
          if (invalid) {
            assert.equal(r.ok, false, `${c.name} should be rejected`);
            if (!r.ok) {
              assertPartial(r.error, c.expected['error'], 'error');
              assert.ok(r.error.path.length > 0 || r.error.key === 'not_object', 'error names a field');
            }
          } else {
            assert.equal(r.ok, true, r.ok ? '' : r.error.message);
            if (r.ok) assertPartial(r.result, c.expected, '');
          }
        });
        test('command line', async () => {
          const out = await runComputeSentence(JSON.stringify(c.input));
          const body = JSON.parse(out.stdout) as Record<string, unknown>;
          if (invalid) {
            assert.equal(out.exitCode, 2);
            assertPartial(body, c.expected, '');
            const err = body['error'] as { message: string; path: string };
            assert.ok(err.message.startsWith(`${err.path}: `), 'the message names the field');
          } else {
            assert.equal(out.exitCode, 0, out.stdout);
            assertPartial(body, c.expected, '');
          }
        });
      });
    }
  });
}

runSuite('golden cases (test/fixtures/sentence-cases)', goldenDir);
runSuite('regression cases (src/modules/sentence/cases)', regressionDir);

// Without ../shared (a fresh clone) there is nothing to compare with: reported as skipped.
// CI runs beside a copy of shared/, where the comparison runs.
test('the fixture copy matches ../shared/spec/sentence-cases byte for byte', { skip: !existsSync(sharedDir) && 'no ../shared beside this repository' }, () => {
  const names = (d: string) => readdirSync(d).filter((f) => f.endsWith('.json')).sort();
  assert.deepStrictEqual(names(goldenDir), names(sharedDir));
  for (const f of names(sharedDir)) {
    assert.ok(
      readFileSync(path.join(goldenDir, f)).equals(readFileSync(path.join(sharedDir, f))),
      `${f} differs from the shared spec`,
    );
  }
});

test('regression case names match their file names and carry a description', () => {
  for (const { file, c } of loadCases(regressionDir)) {
    assert.equal(`${c.name}.json`, file);
    assert.ok(c.description.length > 20, `${file}: explain the arithmetic`);
  }
});
