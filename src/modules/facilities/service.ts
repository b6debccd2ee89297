// Facilities use cases: read centres, units and cells with the capacity in force on a date,
// and record a new capacity entry. Capacity is never overwritten: a change, or a correction of
// the past, is a new effective-dated entry with its reason, audited with what it replaces.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { fieldRule, notFound } from '../../platform/http/errors.ts';
import * as repo from './repository.ts';
import type { CapacityInput } from './schemas.ts';
import { addYears, todayIn } from '../../platform/time.ts';

export interface Deps {
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const capacityOf = (r: repo.CapacityOnDate) => ({ capacity: r.capacity, capacitySource: r.capacity_source, capacityEffectiveFrom: r.capacity_effective_from });

type FacilityRow = NonNullable<Awaited<ReturnType<typeof repo.findFacility>>>;

function facilityBody(f: FacilityRow) {
  return {
    code: f.code,
    name: f.name,
    province: f.province,
    populationGroup: f.population_group,
    securityLevel: f.security_level,
    publishedPopulation: f.published_population,
    publishedPopulationAsOf: f.published_population_as_of,
    note: f.note,
    ...capacityOf(f),
  };
}

function unitBody(u: repo.UnitRow) {
  return { id: u.id, code: u.code, name: u.name, kind: u.kind, synthetic: u.synthetic, cellCount: Number(u.cell_count), ...capacityOf(u) };
}

export function historyBody(h: repo.HistoryRow) {
  return {
    id: h.id,
    level: h.cell_id ? ('cell' as const) : h.unit_id ? ('unit' as const) : ('facility' as const),
    facilityCode: h.facility_code,
    unitId: h.unit_id,
    unitCode: h.unit_code,
    cellId: h.cell_id,
    cellCode: h.cell_code,
    capacity: h.capacity,
    source: h.source,
    effectiveFrom: h.effective_from,
    reason: h.reason,
    recordedAt: h.recorded_at.toISOString(),
    recordedBy: h.recorded_by,
  };
}

export type CapacityEntryBody = ReturnType<typeof historyBody>;

/** The date a request asks about: the one given, or today where the centres are. */
export const asOf = (deps: Deps, date: string | undefined): string => date ?? todayIn(deps.settings.timeZone);

export async function listFacilities(deps: Deps, actor: Actor, date?: string) {
  requireAccess(actor, 'facility.read');
  const rows = await repo.listFacilities(deps.db, facilityScope(actor), asOf(deps, date));
  return rows.map(facilityBody);
}

/** One centre with its units; 404 when unknown or outside the caller's scope. */
export async function getFacility(deps: Deps, actor: Actor, code: string, date?: string) {
  requireAccess(actor, 'facility.read');
  const day = asOf(deps, date);
  const f = await repo.findFacility(deps.db, facilityScope(actor), code, day);
  if (!f) throw notFound();
  const units = await repo.listUnits(deps.db, f.code, day);
  return { date: day, ...facilityBody(f), units: units.map(unitBody) };
}

export async function getUnit(deps: Deps, actor: Actor, code: string, unitId: string, date?: string) {
  requireAccess(actor, 'facility.read');
  const day = asOf(deps, date);
  const f = await repo.findFacility(deps.db, facilityScope(actor), code, day);
  if (!f) throw notFound();
  const unit = await repo.findUnit(deps.db, f.code, unitId, day);
  if (!unit) throw notFound();
  const cells = await repo.listCells(deps.db, f.code, unit.id, day);
  return {
    date: day,
    facility: { code: f.code, name: f.name },
    ...unitBody(unit),
    cells: cells.map((c) => ({ id: c.id, code: c.code, synthetic: c.synthetic, ...capacityOf(c) })),
  };
}

export async function getCapacityHistory(deps: Deps, actor: Actor, code: string, opts: { unitId?: string | undefined; withCells?: boolean } = {}) {
  requireAccess(actor, 'facility.read');
  const f = await repo.findFacility(deps.db, facilityScope(actor), code, asOf(deps, undefined));
  if (!f) throw notFound();
  return (await repo.capacityHistory(deps.db, f.code, opts)).map(historyBody);
}

/** The earliest date a capacity may take effect from: nothing in this register is older. */
const earliestEffectiveFrom = '1900-01-01';

/**
 * Records a capacity for a centre, one of its units or one of its cells, effective from a date.
 * Runs in the caller's transaction (idempotent() opens it, so that an Idempotency-Key and the
 * entry commit together); the audit entry is written in that same transaction.
 */
export async function recordCapacity(trx: Transaction<Database>, settings: Settings, caller: Caller, code: string, input: CapacityInput): Promise<CapacityEntryBody> {
  requireAccess(caller.actor, 'facility.manage');
  const f = await repo.findFacility(trx, facilityScope(caller.actor), code, input.effectiveFrom);
  if (!f) throw notFound();
  const reason = input.reason.trim();
  if (reason.length < 3 || reason.length > 500) throw fieldRule('reason', 'facilities.errors.reasonLength', { min: 3, max: 500 });
  const latest = addYears(todayIn(settings.timeZone), 1);
  if (input.effectiveFrom > latest) throw fieldRule('effectiveFrom', 'facilities.errors.tooFarAhead', { date: latest });
  if (input.effectiveFrom < earliestEffectiveFrom) throw fieldRule('effectiveFrom', 'facilities.errors.tooEarly', { date: earliestEffectiveFrom });

  // A cell names its unit; the unit may be given too, but must then be the cell's own.
  let unitId = input.unitId ?? null;
  const cellId = input.cellId ?? null;
  if (cellId !== null) {
    const cell = await repo.findCell(trx, f.code, cellId);
    if (!cell) throw fieldRule('cellId', 'facilities.errors.cellNotInFacility');
    if (unitId !== null && cell.unit_id !== unitId) throw fieldRule('cellId', 'facilities.errors.cellNotInUnit');
    unitId = cell.unit_id;
  } else if (unitId !== null && !(await repo.findUnit(trx, f.code, unitId, input.effectiveFrom))) {
    throw fieldRule('unitId', 'facilities.errors.unitNotInFacility');
  }

  const target = { facilityCode: f.code, unitId, cellId };
  const before = await repo.capacityFor(trx, target, input.effectiveFrom);
  const source = input.source ?? 'official';
  const id = await repo.insertCapacity(trx, { ...target, capacity: input.capacity, source, effectiveFrom: input.effectiveFrom, reason, recordedBy: caller.actor.userId });
  await recordAudit(trx, caller.audit, {
    action: 'facility.capacity.recorded',
    targetType: cellId ? 'cell' : unitId ? 'unit' : 'facility',
    targetId: cellId ?? unitId ?? f.code,
    facilityCode: f.code,
    // What was in force on that date before this entry, and what is from now on.
    before: before ? { capacity: before.capacity, source: before.source, effectiveFrom: before.effective_from, entryId: before.id } : null,
    after: { capacity: input.capacity, source, effectiveFrom: input.effectiveFrom, entryId: id },
    details: { reason },
  });
  const [entry] = await repo.capacityHistory(trx, f.code, { id });
  return historyBody(entry!);
}
