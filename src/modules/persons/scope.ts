// Person scope. A user reaches a person held in, in transit to or from, or last released from
// one of the user's centres: persons.location_facility_code holds the centre holding them (or
// that last released them, or that they left in transit) and transit_facility_code the centre
// they are travelling to. Always a WHERE clause, never a filter in memory.
//
//   db.selectFrom('persons as p').selectAll('p').where(personScopeCondition(actor))
import { sql, type ExpressionBuilder, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';

type PersonsAsP = Database & { p: Database['persons'] };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => uuidPattern.test(s);

/** The condition "person p is in the actor's scope", for `.where(...)` on `persons as p`. */
export function personScopeCondition(actor: Pick<Actor, 'facilities'>) {
  const codes = actor.facilities;
  return (eb: ExpressionBuilder<PersonsAsP, 'p'>): Expression<SqlBool> => {
    if (codes === null) return eb.val(true) as unknown as Expression<SqlBool>;
    if (codes.length === 0) return eb.val(false) as unknown as Expression<SqlBool>;
    return eb.or([eb('p.location_facility_code', 'in', codes), eb('p.transit_facility_code', 'in', codes)]);
  };
}

/** The same condition as raw SQL, for hand-written queries on `persons p`. */
export function personScopeSql(actor: Pick<Actor, 'facilities'>) {
  const codes = actor.facilities;
  if (codes === null) return sql<boolean>`true`;
  if (codes.length === 0) return sql<boolean>`false`;
  return sql<boolean>`(p.location_facility_code in (${sql.join(codes)}) or p.transit_facility_code in (${sql.join(codes)}))`;
}

export interface ScopedPerson {
  id: string;
  prisoner_number: string;
  location_facility_code: string | null;
  version: number;
}

/** The file a merged-away id now lives in: a 404 that says where to look. */
export function mergedAway(survivorId: string, survivorNumber: string): AppError {
  return new AppError(404, 'person_merged', 'persons.errors.mergedInto', { id: survivorId, number: survivorNumber });
}

/**
 * The person if the actor reaches them; 404 otherwise, exactly as for an id that does not
 * exist. A file merged into another answers 404 with code person_merged naming the survivor
 * (when the survivor is in scope).
 */
export async function requirePersonInScope(db: Kysely<Database>, actor: Pick<Actor, 'facilities'>, personId: string, opts: { forUpdate?: boolean } = {}): Promise<ScopedPerson> {
  if (!isUuid(personId)) throw notFound();
  let q = db
    .selectFrom('persons as p')
    .select(['p.id', 'p.prisoner_number', 'p.location_facility_code', 'p.version', 'p.merged_into'])
    .where('p.id', '=', personId)
    .where(personScopeCondition(actor));
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  if (row.merged_into) {
    const survivor = await db
      .selectFrom('persons as p')
      .select(['p.id', 'p.prisoner_number'])
      .where('p.id', '=', row.merged_into)
      .where(personScopeCondition(actor))
      .executeTakeFirst();
    throw survivor ? mergedAway(survivor.id, survivor.prisoner_number) : notFound();
  }
  return { id: row.id, prisoner_number: row.prisoner_number, location_facility_code: row.location_facility_code, version: row.version };
}
