// The reference list of Panama's centres (seed/facilities-pa.csv, a copy of the shared data):
// names, provinces, population groups and published figures. Capacities that were published
// are recorded as official; a demo also fills the blanks with plausible values marked
// synthetic, never presented as official.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export const facilitiesCsv = path.resolve(import.meta.dirname, '../../../seed/facilities-pa.csv');

export interface FacilityRow {
  code: string;
  name: string;
  province: string;
  population_group: 'men' | 'women' | 'mixed';
  security: string;
  capacity: string;
  population: string;
  as_of: string;
  note: string;
}

export function readFacilityRows(file = facilitiesCsv): FacilityRow[] {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as FacilityRow[];
}

/** Plausible capacities for centres without a published figure (demo only). */
export const syntheticCapacity: Readonly<Record<string, number>> = {
  'PA-CEF': 420,
  'PA-TIN': 300,
  'PA-PCO': 200,
  'PO-CHO': 850,
  'CO-NES': 1446,
  'CO-FEM': 100,
};

/** Plausible populations for centres without a published figure (demo only), so that the
 * national total is near today's ~24,000 and women about 5 %. */
export const syntheticPopulation: Readonly<Record<string, number>> = {
  'PA-CEF': 600,
  'PA-ESM': 350,
  'PA-TIN': 250,
  'PA-PCO': 90,
  'PO-CHO': 700,
  'CO-FEM': 100,
};

/** Capacities count from this date (the published figures' era), or from a centre's opening. */
export const referenceEffectiveFrom = '2014-01-01';
export const openedOn: Readonly<Record<string, string>> = { 'PA-NLJ': '2014-06-01', 'PA-ESM': '2026-01-01' };

export async function loadReferenceFacilities(db: Kysely<Database>, opts: { synthetic: boolean }): Promise<void> {
  const rows = readFacilityRows();
  for (const r of rows) {
    await db
      .insertInto('facilities')
      .values({
        code: r.code,
        name: r.name,
        province: r.province,
        population_group: r.population_group,
        security_level: r.security || null,
        published_population: r.population ? Number(r.population) : null,
        published_population_as_of: r.as_of || null,
        note: r.note || null,
      })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
    const official = r.capacity ? Number(r.capacity) : null;
    const synthetic = syntheticCapacity[r.code];
    if (official !== null || (opts.synthetic && synthetic !== undefined)) {
      await db
        .insertInto('capacity_history')
        .values({
          facility_code: r.code,
          capacity: official ?? synthetic!,
          source: official !== null ? 'official' : 'synthetic',
          effective_from: openedOn[r.code] ?? referenceEffectiveFrom,
          reason: official !== null ? `published figure (${r.as_of || 'date unknown'})` : 'demo: no published figure, plausible synthetic value',
        })
        .execute();
    }
  }
}
