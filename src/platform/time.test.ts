import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dateIn, endOfDay } from './time.ts';

test('today in Panama is not the UTC date late in the evening', () => {
  // 2026-11-30 02:00 UTC is still 29 November in Panama (UTC−5).
  assert.equal(dateIn('America/Panama', new Date('2026-11-30T02:00:00Z')), '2026-11-29');
  assert.equal(dateIn('UTC', new Date('2026-11-30T02:00:00Z')), '2026-11-30');
});

test('the end of a day is the next local midnight', () => {
  assert.equal(endOfDay('2026-11-29', 'America/Panama').toISOString(), '2026-11-30T05:00:00.000Z');
  assert.equal(endOfDay('2024-02-29', 'UTC').toISOString(), '2024-03-01T00:00:00.000Z');
  // Across a daylight-saving change (Madrid, last Sunday of March).
  assert.equal(endOfDay('2026-03-28', 'Europe/Madrid').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(endOfDay('2026-03-29', 'Europe/Madrid').toISOString(), '2026-03-29T22:00:00.000Z');
});

test('every instant of a day falls before its end and on or after the previous end', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.constantFrom('America/Panama', 'Europe/Madrid', 'Pacific/Kiritimati', 'UTC'), (at, tz) => {
      const day = dateIn(tz, at);
      assert.ok(at < endOfDay(day, tz));
      assert.equal(dateIn(tz, new Date(endOfDay(day, tz).getTime() - 1)), day);
    }),
  );
});
