// The OpenAPI document is valid 3.1 (checked by a third-party parser) and covers every
// /api/v1 route.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, type TestEnv } from './helpers/app.ts';

let env: TestEnv;
before(async () => {
  env = await startTestApp();
});
after(() => env.close());

test('GET /api/openapi.json is a valid OpenAPI 3.1 document', async () => {
  const res = await env.app.inject({ url: '/api/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.equal(doc.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(doc) as never);
});

test('every /api/v1 route is documented with its responses', async () => {
  const doc = (await env.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
  for (const r of env.app.routeTable.filter((x) => x.url.startsWith('/api/v1'))) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.url} missing from the OpenAPI document`);
    assert.ok(op.responses && Object.keys(op.responses).some((c) => c.startsWith('2')), `${r.method} ${r.url} has no success response`);
  }
});

test('/api/docs shows the operations to people', async () => {
  const res = await env.app.inject({ url: '/api/docs' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /\/api\/v1\/sentence-computations/);
});
