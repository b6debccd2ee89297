// "Today" follows the configured time zone, not the machine's or UTC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { todayIn } from './time.ts';

test('late evening in Panama is still today there, though already tomorrow in UTC', () => {
  const now = new Date('2026-11-30T02:30:00Z'); // 21:30 on 29 November in Panama (UTC−5)
  assert.equal(todayIn('America/Panama', now), '2026-11-29');
  assert.equal(todayIn('UTC', now), '2026-11-30');
});

test('early morning UTC in Asia is already the next day there', () => {
  assert.equal(todayIn('Asia/Tokyo', new Date('2026-12-31T15:00:00Z')), '2027-01-01');
});

test('the format is always YYYY-MM-DD with leading zeros', () => {
  assert.match(todayIn('America/Panama', new Date('2026-01-05T17:00:00Z')), /^2026-01-05$/);
});
