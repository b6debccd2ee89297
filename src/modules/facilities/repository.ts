// SQL for centres, units, cells and their capacity history. The capacity on a date is the
// entry with the latest effective_from on or before it (ties: the latest recorded), found by
// a LATERAL lookup that walks capacity_history_target_idx backwards and stops at one row.
// Facility scope is always a WHERE clause here, never a filter in memory.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { CapacitySource, Database, UnitKind } from '../../platform/db/schema.ts';

type Db = Kysely<Database>;
/** null = national scope; otherwise the facility codes the caller reaches. */
export type Scope = string[] | null;

export interface CapacityOnDate {
  capacity: number | null;
  capacity_source: CapacitySource | null;
  capacity_effective_from: string | null;
}

const capacityColumns = ['c.capacity', 'c.source as capacity_source', 'c.effective_from as capacity_effective_from'] as const;

/** WHERE f.code is within the scope (an empty scope reaches nothing). */
function inScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database & { f: Database['facilities'] }, 'f'>) =>
    scope === null ? eb.val(true) : scope.length === 0 ? eb.val(false) : eb('f.code', 'in', scope);
}

/** Centres in scope with the facility-level capacity in force on `date`. */
function facilitiesWithCapacity(db: Db, scope: Scope, date: string) {
  return db
    .selectFrom('facilities as f')
    .leftJoinLateral(
      (eb) => eb
          .selectFrom('capacity_history as c')
          .select(capacityColumns)
          .whereRef('c.facility_code', '=', 'f.code')
          .where('c.unit_id', 'is', null)
          .where('c.cell_id', 'is', null)
          .where('c.effective_from', '<=', date)
          .orderBy('c.effective_from', 'desc')
          .orderBy('c.recorded_at', 'desc')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('cap'),
      (join) => join.onTrue(),
    )
    .selectAll('f')
    .select(['cap.capacity', 'cap.capacity_source', 'cap.capacity_effective_from'])
    .where(inScope(scope));
}

export async function listFacilities(db: Db, scope: Scope, date: string) {
  return facilitiesWithCapacity(db, scope, date).orderBy('f.code').execute();
}

export async function findFacility(db: Db, scope: Scope, code: string, date: string) {
  return facilitiesWithCapacity(db, scope, date).where('f.code', '=', code).executeTakeFirst();
}

export interface UnitRow extends CapacityOnDate {
  id: string;
  code: string;
  name: string;
  kind: UnitKind;
  synthetic: boolean;
  cell_count: number;
}

function unitsQuery(db: Db, facilityCode: string, date: string) {
  return db
    .selectFrom('units as u')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('capacity_history as c')
          .select(capacityColumns)
          .whereRef('c.facility_code', '=', 'u.facility_code')
          .whereRef('c.unit_id', '=', 'u.id')
          .where('c.cell_id', 'is', null)
          .where('c.effective_from', '<=', date)
          .orderBy('c.effective_from', 'desc')
          .orderBy('c.recorded_at', 'desc')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('cap'),
      (join) => join.onTrue(),
    )
    .select((eb) => [
      'u.id',
      'u.code',
      'u.name',
      'u.kind',
      'u.synthetic',
      'cap.capacity',
      'cap.capacity_source',
      'cap.capacity_effective_from',
      eb.selectFrom('cells as ce').select(sql<number>`count(*)`.as('n')).whereRef('ce.unit_id', '=', 'u.id').as('cell_count'),
    ])
    .where('u.facility_code', '=', facilityCode);
}

/** Units of a facility already found in scope (callers check the facility first). */
export async function listUnits(db: Db, facilityCode: string, date: string): Promise<UnitRow[]> {
  return (await unitsQuery(db, facilityCode, date).orderBy('u.code').execute()) as UnitRow[];
}

export async function findUnit(db: Db, facilityCode: string, unitId: string, date: string): Promise<UnitRow | undefined> {
  return (await unitsQuery(db, facilityCode, date).where('u.id', '=', unitId).executeTakeFirst()) as UnitRow | undefined;
}

export async function listCells(db: Db, facilityCode: string, unitId: string, date: string) {
  return db
    .selectFrom('cells as ce')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('capacity_history as c')
          .select(capacityColumns)
          .where('c.facility_code', '=', facilityCode)
          .whereRef('c.unit_id', '=', 'ce.unit_id')
          .whereRef('c.cell_id', '=', 'ce.id')
          .where('c.effective_from', '<=', date)
          .orderBy('c.effective_from', 'desc')
          .orderBy('c.recorded_at', 'desc')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('cap'),
      (join) => join.onTrue(),
    )
    .select(['ce.id', 'ce.code', 'ce.synthetic', 'cap.capacity', 'cap.capacity_source', 'cap.capacity_effective_from'])
    .where('ce.unit_id', '=', unitId)
    .orderBy('ce.code')
    .execute();
}

/** The cell with its unit, if it belongs to the facility. */
export async function findCell(db: Db, facilityCode: string, cellId: string) {
  return db
    .selectFrom('cells as ce')
    .innerJoin('units as u', 'u.id', 'ce.unit_id')
    .select(['ce.id', 'ce.unit_id'])
    .where('ce.id', '=', cellId)
    .where('u.facility_code', '=', facilityCode)
    .executeTakeFirst();
}

export interface CapacityTarget {
  facilityCode: string;
  unitId: string | null;
  cellId: string | null;
}

/** The entry in force for one target on a date (the "before" of a new entry). */
export async function capacityFor(db: Db, target: CapacityTarget, date: string) {
  return db
    .selectFrom('capacity_history as c')
    .select(['c.id', 'c.capacity', 'c.source', 'c.effective_from'])
    .where('c.facility_code', '=', target.facilityCode)
    .where('c.unit_id', target.unitId === null ? 'is' : '=', target.unitId)
    .where('c.cell_id', target.cellId === null ? 'is' : '=', target.cellId)
    .where('c.effective_from', '<=', date)
    .orderBy('c.effective_from', 'desc')
    .orderBy('c.recorded_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertCapacity(
  db: Db,
  entry: CapacityTarget & { capacity: number | null; source: CapacitySource; effectiveFrom: string; reason: string; recordedBy: string },
): Promise<number> {
  const row = await db
    .insertInto('capacity_history')
    .values({
      facility_code: entry.facilityCode,
      unit_id: entry.unitId,
      cell_id: entry.cellId,
      capacity: entry.capacity,
      source: entry.source,
      effective_from: entry.effectiveFrom,
      reason: entry.reason,
      recorded_by: entry.recordedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** History entries of a facility (its units and cells too), the most recently recorded first. */
export async function capacityHistory(db: Db, facilityCode: string, opts: { unitId?: string | undefined; withCells?: boolean; id?: number } = {}) {
  return db
    .selectFrom('capacity_history as h')
    .leftJoin('units as u', 'u.id', 'h.unit_id')
    .leftJoin('cells as ce', 'ce.id', 'h.cell_id')
    .leftJoin('users as us', 'us.id', 'h.recorded_by')
    .select([
      'h.id',
      'h.facility_code',
      'h.unit_id',
      'u.code as unit_code',
      'u.name as unit_name',
      'h.cell_id',
      'ce.code as cell_code',
      'h.capacity',
      'h.source',
      'h.effective_from',
      'h.reason',
      'h.recorded_at',
      'us.username as recorded_by',
    ])
    .where('h.facility_code', '=', facilityCode)
    .$if(opts.unitId !== undefined, (qb) => qb.where('h.unit_id', '=', opts.unitId!))
    .$if(opts.withCells === false, (qb) => qb.where('h.cell_id', 'is', null))
    .$if(opts.id !== undefined, (qb) => qb.where('h.id', '=', opts.id!))
    .orderBy('h.recorded_at', 'desc')
    .orderBy('h.id', 'desc')
    .execute();
}

export type HistoryRow = Awaited<ReturnType<typeof capacityHistory>>[number];
