import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addYears, isCalendarDate, todayIn } from './time.ts';

test('today is the date where the centres are, not the UTC date', () => {
  const evening = new Date('2025-01-01T03:30:00Z'); // 22:30 on 31 December in Panama
  assert.equal(todayIn('America/Panama', evening), '2024-12-31');
  assert.equal(todayIn('UTC', evening), '2025-01-01');
});

test('calendar dates', () => {
  assert.ok(isCalendarDate('2024-02-29'));
  assert.ok(!isCalendarDate('2025-02-29'));
  assert.ok(!isCalendarDate('2025-1-01'));
  assert.ok(!isCalendarDate('2025-13-01'));
});

test('a year later; 29 February becomes 28 February', () => {
  assert.equal(addYears('2025-06-15', 1), '2026-06-15');
  assert.equal(addYears('2024-02-29', 1), '2025-02-28');
  assert.equal(addYears('2023-12-31', 1), '2024-12-31');
});
