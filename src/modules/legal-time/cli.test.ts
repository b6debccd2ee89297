// `npx custodia recompute-sentences`: recomputes everyone held and says what changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { recomputeSentencesCommand } from './cli.ts';
import { heldSince, sentenceBody, setUpLegalWorld, verifiedLegal, computationOf, type World } from './test-support.ts';

let w: World;
before(async () => {
  w = await setUpLegalWorld();
});
after(async () => {
  await w.env.close();
});

test('recompute-sentences computes everyone held (pretrial too), then finds nothing to change', async () => {
  const sentenced = await heldSince(w, '2024-01-10');
  await verifiedLegal(w, 'sentence', sentenceBody(sentenced, { years: 2 }));
  const pretrial = await heldSince(w, '2025-06-01');
  // Computed at admission (today); the arrest was then corrected to 1 June 2025 directly in the
  // database, as a restore or a migration of old records would: the command must catch up.
  assert.equal((await computationOf(w, pretrial.personId))!.cause, 'admission');
  const lines: string[] = [];
  assert.equal(await recomputeSentencesCommand(w.env.state.db, w.env.settings.timeZone, [], (l) => lines.push(l)), 0);
  assert.match(lines[0]!, /2 held \(1 sentenced, 1 pretrial\)/);
  assert.match(lines[1]!, /1 new computations \(0 first ones\)/);
  const p = (await computationOf(w, pretrial.personId))!;
  assert.equal(p.status, 'pretrial');
  assert.equal(p.pretrial_alert_date, '2026-05-31');
  lines.length = 0;
  assert.equal(await recomputeSentencesCommand(w.env.state.db, w.env.settings.timeZone, [], (l) => lines.push(l)), 0);
  assert.match(lines[1]!, /0 new computations \(0 first ones\), 0 brought to the date, 2 unchanged/);
  assert.equal(await recomputeSentencesCommand(w.env.state.db, w.env.settings.timeZone, ['--as-of', '2025-02-30'], (l) => lines.push(l)), 2);
  const audit = await w.env.state.db.selectFrom('audit_log').select('details').where('action', '=', 'sentence.recompute_all').execute();
  assert.equal(audit.length, 2);
});
