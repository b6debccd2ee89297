// After migrations: record whether this database is a demo, refuse to mix demo and real data,
// load the reference list of centres, and seed the demo on its first start.
import { sql } from 'kysely';
import type { AppState } from '../http/context.ts';
import { loadReferenceFacilities } from '../../modules/facilities/reference-data.ts';
import { seedDemo, printDemoSignIn } from '../../modules/demo/seed.ts';

interface DatabaseMeta {
  demo: boolean;
  createdAt: string;
  demoSeededAt?: string;
}

export class DemoRefusedError extends Error {}

/**
 * The server calls this with seeding on; one-off commands with it off, so that a command run
 * before the first start still finds the centres (and the server seeds the demo later).
 */
export async function prepareDatabase(state: AppState, io: { print: (l: string) => void; log: (m: string) => void }, opts: { seed?: boolean } = {}): Promise<void> {
  const seed = opts.seed ?? true;
  const { db, settings } = state;
  const meta = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(727003)`.execute(trx);
    const row = await trx.selectFrom('app_meta').select('value').where('key', '=', 'database').executeTakeFirst();
    let m = row?.value as DatabaseMeta | undefined;
    if (!m) {
      const users = (await trx.selectFrom('users').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;
      m = { demo: settings.demo && users === 0, createdAt: new Date().toISOString() };
      await trx.insertInto('app_meta').values({ key: 'database', value: JSON.stringify(m) }).execute();
      await loadReferenceFacilities(trx, { synthetic: m.demo });
    }
    if (settings.demo && !m.demo) {
      throw new DemoRefusedError('CUSTODIA_DEMO=1 refused: this database holds real (non-demo) data. Use an empty database for the demo.');
    }
    return m;
  });
  if (!seed) return;
  if (meta.demo && !meta.demoSeededAt) {
    const started = Date.now();
    const secrets = await seedDemo(state);
    meta.demoSeededAt = new Date().toISOString();
    await db.updateTable('app_meta').set({ value: JSON.stringify(meta), updated_at: new Date() }).where('key', '=', 'database').execute();
    io.log(`demo seeded in ${Date.now() - started} ms`);
    await printDemoSignIn(state, io.print, secrets);
  } else if (meta.demo) {
    await printDemoSignIn(state, io.print, null);
  }
  state.settings = { ...settings, demo: meta.demo };
}
