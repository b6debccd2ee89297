// The sentence computation through the running application: every golden case
// (test/fixtures/sentence-cases) and every regression case (src/modules/sentence/cases)
// through POST /api/v1/sentence-computations, signed in with a session and with a partner's
// Bearer token; the real `compute-sentence` command in a child process; and the
// /sentence-calculator page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv } from './helpers/app.ts';
import { tryComputeSentence } from '../src/modules/sentence/engine.ts';
import { todayIn } from '../src/platform/time.ts';
import { formatDate } from '../src/platform/i18n/i18n.ts';
import type { SentenceResult, SentenceValidationError } from '../src/modules/sentence/types.ts';

const root = path.resolve(import.meta.dirname, '..');
const url = '/api/v1/sentence-computations';

interface Case {
  file: string;
  name: string;
  input: unknown;
  expected: Record<string, unknown>;
}

function loadCases(dir: string): Case[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Omit<Case, 'file'>) }));
}

const cases = [...loadCases(path.join(root, 'test/fixtures/sentence-cases')), ...loadCases(path.join(root, 'src/modules/sentence/cases'))];
const isInvalid = (c: Case) => typeof c.expected.error === 'object' && c.expected.error !== null;
const byName = (name: string): Case => cases.find((c) => c.name === name) ?? assert.fail(`no case ${name}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every key of `expected` is in `actual` with an equal value (recursively for objects). */
function assertPartial(actual: unknown, expected: unknown, at = ''): void {
  if (isPlainObject(expected)) {
    assert.ok(isPlainObject(actual), `${at}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertPartial(actual[k], v, at === '' ? k : `${at}.${k}`);
  } else {
    assert.deepStrictEqual(actual, expected, `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function engineResult(input: unknown): SentenceResult {
  const r = tryComputeSentence(input);
  if (!r.ok) assert.fail(r.error.message);
  return r.result;
}

function engineError(input: unknown): SentenceValidationError {
  const r = tryComputeSentence(input);
  if (r.ok) assert.fail('the engine accepts this input');
  return r.error;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

interface ErrorBody {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
}

let env: TestEnv;
let spanish: Session;
let english: Session;
let partner: Record<string, string>;

before(async () => {
  env = await startTestApp();
  spanish = await signIn(env, await createUser(env, { username: 'sc.legal', roles: ['legal'] }));
  english = await signIn(env, await createUser(env, { username: 'sc.english', roles: ['records_officer'] }));
  const res = await env.app.inject({ method: 'PUT', url: '/api/v1/account/language', headers: english.headers, payload: { language: 'en' } });
  assert.equal(res.statusCode, 204, res.body);
  partner = await bearerFor(env, await createUser(env, { username: 'sc.partner', roles: ['partner'] }));
});
after(() => env.close());

const post = (headers: Record<string, string>, payload: unknown) => env.app.inject({ method: 'POST', url, headers, payload: payload as object });

describe('POST /api/v1/sentence-computations: every case', () => {
  test('there are cases, valid and invalid', () => {
    assert.ok(cases.filter(isInvalid).length >= 5);
    assert.ok(cases.filter((c) => !isInvalid(c)).length >= 20);
  });

  for (const c of cases) {
    for (const [who, headers] of [['session', () => spanish.headers], ['partner token', () => partner]] as const) {
      test(`${c.file} (${who})`, async () => {
        const res = await post(headers(), c.input);
        if (!isInvalid(c)) {
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json() as Record<string, unknown>;
          assertPartial(body, c.expected);
          // The same result as the library (and so as the command): nothing dropped or added.
          assert.deepStrictEqual(body, JSON.parse(JSON.stringify(engineResult(c.input))));
        } else {
          const e = engineError(c.input);
          assert.equal(res.statusCode, e.kind === 'schema' ? 400 : 422, res.body);
          const body = res.json() as ErrorBody;
          assert.equal(body.error.code, e.kind === 'schema' ? 'bad_request' : 'rule_violation');
          assert.equal(body.error.fields?.[0]?.path, e.path, res.body);
          const expectedPath = (c.expected.error as { path?: string }).path;
          if (expectedPath !== undefined) assert.equal(body.error.fields?.[0]?.path, expectedPath);
        }
      });
    }
  }
});

describe('POST /api/v1/sentence-computations: access, language, types', () => {
  const valid = byName('01-simple-continuous').input;
  const overlap = byName('14-invalid-overlap').input;

  test('unauthenticated → 401, whatever the body', async () => {
    for (const payload of [valid, { nonsense: true }]) {
      const res = await post({}, payload);
      assert.equal(res.statusCode, 401);
      assert.equal((res.json() as ErrorBody).error.code, 'unauthenticated');
    }
  });

  test('an unknown token → 401', async () => {
    const res = await post({ authorization: 'Bearer not-a-token' }, valid);
    assert.equal(res.statusCode, 401);
  });

  test('a session without the CSRF token → 403', async () => {
    const res = await post({ cookie: spanish.cookie }, valid);
    assert.equal(res.statusCode, 403);
    assert.equal((res.json() as ErrorBody).error.code, 'csrf');
  });

  test('messages follow the user\'s language: Spanish by default, English when chosen', async () => {
    const e = engineError(overlap);
    const es = (await post(spanish.headers, overlap)).json() as ErrorBody;
    const en = (await post(english.headers, overlap)).json() as ErrorBody;
    assert.equal(es.error.fields?.[0]?.message, e.messages.es);
    assert.equal(en.error.fields?.[0]?.message, e.messages.en);
    assert.equal(es.error.message, e.messages.es);
    assert.equal(en.error.message, e.messages.en);
    assert.notEqual(es.error.message, en.error.message);
  });

  test('a schema error names the field (400)', async () => {
    const input = structuredClone(valid) as { custody: { from: string }[] };
    input.custody[0]!.from = '2025-02-30';
    const res = await post(spanish.headers, input);
    assert.equal(res.statusCode, 400);
    const body = res.json() as ErrorBody;
    assert.equal(body.error.code, 'bad_request');
    assert.equal(body.error.fields?.[0]?.path, 'custody[0].from');
  });

  test('malformed JSON → 400, never 500', async () => {
    const res = await env.app.inject({ method: 'POST', url, headers: { ...spanish.headers, 'content-type': 'application/json' }, payload: '{"asOf": ' });
    assert.equal(res.statusCode, 400);
    assert.equal((res.json() as ErrorBody).error.code, 'bad_request');
  });

  test('years given as the string "8" is rejected (400), as by the command', async () => {
    const input = { asOf: '2026-11-29', custody: [{ from: '2025-06-01', to: null, kind: 'prison' }], sentences: [{ id: 'S', years: '8', months: 0, days: 0 }] };
    assert.equal(engineError(input).path, 'sentences[0].years');
    const res = await post(partner, input);
    assert.equal(res.statusCode, 400, `coercion turned "8" into 8: ${res.body.slice(0, 200)}`);
    assert.equal((res.json() as ErrorBody).error.fields?.[0]?.path, 'sentences[0].years');
  });
});

describe('the compute-sentence command (a real process)', () => {
  // A data directory that must never come to exist: the command opens no database.
  const dataDir = path.join(os.tmpdir(), `custodia-no-data-${crypto.randomBytes(6).toString('hex')}`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CUSTODIA_DATA_DIR: dataDir };
  delete childEnv.NODE_TEST_CONTEXT; // the child is a plain program, not a test file
  const run = (input: unknown) =>
    spawnSync(process.execPath, ['src/main.ts', 'compute-sentence'], { input: JSON.stringify(input), cwd: root, env: childEnv, encoding: 'utf8', timeout: 60_000 });

  test('valid input → exit 0 and the library\'s result', () => {
    const c = byName('r00-spec-example');
    const r = run(c.input);
    assert.equal(r.status, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(engineResult(c.input))));
  });

  test('invalid input → exit 2 and {"error":{"code":"invalid_input",…}} naming the field', () => {
    const c = byName('14-invalid-overlap');
    const r = run(c.input);
    assert.equal(r.status, 2, r.stderr);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string; path: string } };
    assert.equal(body.error.code, 'invalid_input');
    assert.equal(body.error.path, engineError(c.input).path);
    assert.ok(body.error.message.startsWith(`${body.error.path}: `));
  });

  test('it neither needs nor creates a data directory', () => {
    assert.equal(fs.existsSync(dataDir), false, dataDir);
    assert.equal(fs.existsSync(`${dataDir}.audit-key`), false);
    assert.equal(fs.existsSync(`${dataDir}.audit-checkpoint.json`), false);
  });
});

describe('the /sentence-calculator page', () => {
  const page = (s: Session, fields: Record<string, string>, csrf = true) =>
    env.app.inject({
      method: 'POST',
      url: '/sentence-calculator',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...(csrf ? { _csrf: s.csrf } : {}), ...fields }).toString(),
    });

  // Golden case 01 as typed into the form.
  const case01 = {
    asOf: '2026-11-29',
    'custody-0-from': '2025-06-01',
    'custody-0-to': '',
    'custody-0-kind': 'prison',
    'sentences-0-id': 'S',
    'sentences-0-years': '2',
    'sentences-0-months': '0',
    'sentences-0-days': '0',
    'sentences-0-relation': '',
  };

  test('GET shows the form, asOf defaulting to today in the configured time zone', async () => {
    const res = await env.app.inject({ url: '/sentence-calculator', headers: { cookie: spanish.cookie } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Cómputo de la pena<\/h1>/);
    assert.match(res.body, new RegExp(`id="asOf" name="asOf" type="text"[^>]*value="${todayIn(env.settings.timeZone)}"`));
    assert.match(res.body, /name="_csrf" value="[^"]+"/);
    for (const id of ['custody-3-to', 'sentences-3-consecutiveTo', 'activities-5-approved', 'measures-2-appearances', 'reductions-2-reference', 'json']) {
      assert.match(res.body, new RegExp(`<label[^>]*for="${id}"`), `a label for ${id}`);
    }
  });

  test('signed out → sent to sign in', async () => {
    const res = await env.app.inject({ url: '/sentence-calculator' });
    assert.equal(res.statusCode, 302);
    assert.match(String(res.headers.location), /^\/login/);
  });

  test('POST without the CSRF field → 403', async () => {
    const res = await page(spanish, case01, false);
    assert.equal(res.statusCode, 403);
  });

  test('POST the form for case 01: the expiry date, formatted, and the trace', async () => {
    const res = await page(spanish, case01);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    const expected = byName('01-simple-continuous').expected as { dates: { expiry: string } };
    const result = engineResult(byName('01-simple-continuous').input);
    assert.match(res.body, new RegExp(`<strong data-testid="expiry">${escapeHtml(formatDate('es', expected.dates.expiry))}</strong>`));
    const trace = res.body.slice(res.body.indexOf('data-testid="trace"'));
    const first = result.trace[0]!;
    assert.ok(trace.includes(`<li><strong>${escapeHtml(first.rule)}</strong> — ${escapeHtml(first.es)}</li>`), 'the first trace step, in Spanish');
    assert.ok(res.body.includes('Libertad condicional (dos tercios)'));
    assert.ok(res.body.includes(`value="2025-06-01"`), 'the values are kept');
  });

  test('the page follows the user\'s language', async () => {
    const res = await page(english, case01);
    assert.equal(res.statusCode, 200);
    const result = engineResult(byName('01-simple-continuous').input);
    assert.match(res.body, new RegExp(`<strong data-testid="expiry">${escapeHtml(formatDate('en', '2027-05-31'))}</strong>`));
    assert.ok(res.body.includes(escapeHtml(result.trace[0]!.en)));
    assert.ok(res.body.includes('Conditional release (two thirds)'));
  });

  test('pasted JSON wins over the form, and overrides are shown', async () => {
    const c = byName('r08-overrides-no-milestone-redemption');
    const res = await page(spanish, { ...case01, json: JSON.stringify(c.input) });
    assert.equal(res.statusCode, 200);
    const expiry = engineResult(c.input) as { dates: { expiry: string } };
    assert.notEqual(expiry.dates.expiry, '2027-05-31', 'not case 01 from the form');
    assert.match(res.body, new RegExp(`<strong data-testid="expiry">${escapeHtml(formatDate('es', expiry.dates.expiry))}</strong>`));
    for (const name of Object.keys((c.expected as { overrides: object }).overrides)) assert.ok(res.body.includes(`<code class="custodia-mono">${name}</code>`), name);
    assert.ok(res.body.includes(escapeHtml(JSON.stringify(c.input, null, 2))), 'the input JSON in the details block');
  });

  test('an invalid period → 422 with an error summary linking to the field, values kept', async () => {
    const res = await page(spanish, {
      asOf: '2026-11-29',
      'custody-0-from': '2025-01-01',
      'custody-0-to': '2025-06-30',
      'custody-0-kind': 'prison',
      // row 2 left blank: the engine's custody[1] is the form's third row
      'custody-2-from': '2025-06-01',
      'custody-2-to': '',
      'custody-2-kind': 'prison',
      'sentences-0-years': '1',
    });
    assert.equal(res.statusCode, 422);
    const e = engineError(byName('14-invalid-overlap').input);
    assert.match(e.path, /^custody\[1\]\.(from|to)$/);
    const id = `custody-2-${e.path.split('.')[1]!}`;
    assert.match(res.body, /class="govuk-error-summary"/);
    assert.match(res.body, new RegExp(`<a href="#${id}">Períodos de custodia, fila 3, [^:]+: ${escapeHtml(e.messages.es).replace(/[()[\]]/g, '\\$&')}</a>`));
    assert.match(res.body, new RegExp(`id="${id}-error"`));
    assert.match(res.body, new RegExp(`class="govuk-input govuk-input--width-10 govuk-input--error" id="${id}"`));
    assert.ok(res.body.includes('value="2025-06-30"'), 'the values are kept');
    assert.ok(!res.body.includes('data-testid="sentence-result"'));
  });

  test('unparsable pasted JSON → 400 pointing at the JSON box', async () => {
    const res = await page(spanish, { ...case01, json: '{"asOf": ' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<a href="#json">/);
    assert.match(res.body, /id="json-error"/);
  });
});
