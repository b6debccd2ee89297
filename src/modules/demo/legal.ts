// The demo's legal records, consistent with each demo person's legal status: cases and
// charges, hearings, sentences and the other orders, redemption records, and finally the
// stored computation of every person held. Each step belongs to the module that owns the
// records; the order matters (later steps read what earlier ones wrote).
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export interface LegalDemoOptions {
  scale: number;
  timeZone: string;
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
}

export async function seedLegalDemo(db: Kysely<Database>, opts: LegalDemoOptions): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // 1. cases, charges and hearings (cases module)
  // 2. sentences, provisional custody outside prison, measures, reductions (legal-time module)
  // 3. redemption records (redemption module)
  // 4. the computation of every person held (legal-time module)
  void db;
  void opts;
  return counts;
}
