// The demo's legal records, consistent with each demo person's legal status: cases and
// charges, hearings, sentences and the other orders, redemption records, and finally the
// stored computation of every person held. Each step belongs to the module that owns the
// records; the order matters (later steps read what earlier ones wrote).
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { seedCasesDemo } from '../cases/demo.ts';
import { seedRedemptionDemo } from '../redemption/demo.ts';
import { computeLegalTimeDemo, seedLegalTimeOrders } from '../legal-time/demo.ts';

export interface LegalDemoOptions {
  scale: number;
  timeZone: string;
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
}

export async function seedLegalDemo(db: Kysely<Database>, opts: LegalDemoOptions): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // 1. cases, charges and hearings (cases module)
  Object.assign(counts, await seedCasesDemo(db, opts));
  // 2. sentences, provisional custody outside prison, measures, reductions (legal-time module)
  Object.assign(counts, await seedLegalTimeOrders(db, opts));
  // 3. redemption records (redemption module)
  Object.assign(counts, await seedRedemptionDemo(db, { timeZone: opts.timeZone, today: opts.today }));
  // 4. the computation of every person held (legal-time module)
  Object.assign(counts, (await computeLegalTimeDemo(db, opts)).counts);
  return counts;
}
