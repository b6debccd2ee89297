// `npx custodia recompute-sentences [--as-of YYYY-MM-DD]`: recomputes the sentence (or pretrial
// days) of everyone held from the records, as the daily run does, and prints what changed and
// how long each part took. Exit 0 on success (people whose records the engine refused are
// listed, with the field, and nothing is stored for them); 2 on a bad argument.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { isCalendarDate, todayIn } from '../../platform/time.ts';
import { recomputeAll } from './recompute.ts';

export async function recomputeSentencesCommand(db: Kysely<Database>, timeZone: string, args: string[], print: (line: string) => void = console.log): Promise<number> {
  let asOf: string;
  try {
    const { values } = parseArgs({ args, options: { 'as-of': { type: 'string' } }, allowPositionals: false });
    asOf = values['as-of'] ?? todayIn(timeZone);
  } catch (e) {
    print(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (!isCalendarDate(asOf)) {
    print('--as-of must be a date written YYYY-MM-DD');
    return 2;
  }
  const s = await recomputeAll(db, { asOf, cause: 'recompute-all', actorId: null, timeZone });
  print(`recomputed as of ${s.asOf}: ${s.held} held (${s.sentenced} sentenced, ${s.pretrial} pretrial)`);
  print(`  ${s.stored} new computations (${s.first} first ones), ${s.refreshed} brought to the date, ${s.unchanged} unchanged; ${s.datesMoved} dates moved`);
  print(`  ${s.timings.totalMs} ms (read ${s.timings.loadMs}, compute ${s.timings.computeMs}, store ${s.timings.storeMs})`);
  if (s.failed.length) {
    print(`  ${s.failed.length} refused by the engine (nothing stored for them):`);
    for (const f of s.failed.slice(0, 50)) print(`    person ${f.personId}: ${f.message}`);
  }
  return 0;
}
