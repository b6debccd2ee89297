// sameJson agrees with comparing canonical JSON text, whatever the order of the keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../../platform/audit/chain.ts';
import { sameJson } from './same-json.ts';

const shuffled = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(shuffled);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffled(x)]));
  return v;
};

test('property: equal to its key-shuffled copy; agrees with canonical JSON on any two values', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  fc.assert(fc.property(json, (a) => sameJson(a, shuffled(a)) && sameJson(JSON.parse(JSON.stringify(a)), a)), { numRuns: 300 });
  fc.assert(fc.property(json, json, (a, b) => sameJson(a, b) === (canonicalJson(a) === canonicalJson(b))), { numRuns: 300 });
  assert.equal(sameJson({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), true);
  assert.equal(sameJson({ a: 1 }, { a: 1, b: null }), false);
  assert.equal(sameJson([1, 2], { 0: 1, 1: 2 }), false);
});
