// A person's movements as a timeline (every movement with when it happened and when it was
// recorded), with what the person's page of movements needs to offer the next step: where the
// person is, the open absence, the active transfer, the pending release and the death case.
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { CustodyStatus, MovementKind } from '../../platform/db/schema.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { inTransaction, personRef, type Caller, type Deps, type PersonRef } from './common.ts';
import * as repo from './repository.ts';

/** An entry recorded more than this after it happened is shown as a late entry. */
export const lateEntryMs = 60 * 60_000;

export interface MovementView {
  id: string;
  episodeId: string;
  kind: MovementKind;
  occurredAt: string;
  recordedAt: string;
  late: boolean;
  fromFacilityCode: string | null;
  fromFacilityName: string | null;
  toFacilityCode: string | null;
  toFacilityName: string | null;
  orderId: string | null;
  orderCaseNumber: string | null;
  reason: string | null;
  recordedBy: string | null;
}

export interface PersonMovements {
  personId: string;
  person: PersonRef & { sex: string; custodyStatus: CustodyStatus; locationFacilityCode: string | null; locationFacilityName: string | null; transitFacilityCode: string | null };
  episode: { id: string; admittedAt: string; facilityCode: string } | null;
  openAbsence: { id: string; kind: string; destination: string | null; outAt: string; expectedBackAt: string | null; version: number } | null;
  activeTransferId: string | null;
  pendingReleaseId: string | null;
  deathCaseId: string | null;
  movements: MovementView[];
}

/** The movements of a person in the caller's scope (404 otherwise), newest first; the read is audited. */
export async function personMovements(deps: Deps, caller: Caller, personId: string): Promise<PersonMovements> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    await requirePersonInScope(trx, caller.actor, personId);
    const p = await trx
      .selectFrom('persons as p')
      .leftJoin('facilities as f', 'f.code', 'p.location_facility_code')
      .select(['p.id', 'p.prisoner_number', 'p.given_names', 'p.first_surname', 'p.second_surname', 'p.sex', 'p.custody_status', 'p.location_facility_code', 'f.name as location_name', 'p.transit_facility_code'])
      .where('p.id', '=', personId)
      .executeTakeFirstOrThrow();
    const episode = await trx.selectFrom('custody_episodes').select(['id', 'admitted_at', 'facility_code']).where('person_id', '=', personId).where('released_at', 'is', null).executeTakeFirst();
    const absence = episode
      ? await trx.selectFrom('absences').select(['id', 'kind', 'destination', 'out_at', 'expected_back_at', 'version']).where('episode_id', '=', episode.id).where('back_at', 'is', null).executeTakeFirst()
      : undefined;
    const scope = facilityScope(caller.actor);
    const transfer = await repo.transfersQuery(trx, scope).where('t.person_id', '=', personId).where('t.status', 'in', ['requested', 'authorized', 'in_transit']).executeTakeFirst();
    const release = await repo.releasesQuery(trx, scope).where('r.person_id', '=', personId).where('r.status', '=', 'recorded').executeTakeFirst();
    const death = await trx.selectFrom('death_cases').select('id').where('person_id', '=', personId).orderBy('died_at', 'desc').executeTakeFirst();
    const rows = await repo.movementsOf(trx, personId).limit(500).execute();
    await recordAudit(trx, caller.audit, { action: 'movements.read', targetType: 'person', targetId: personId, facilityCode: p.location_facility_code, personId, details: { returned: rows.length } });
    return {
      personId,
      person: {
        ...personRef(p),
        sex: p.sex,
        custodyStatus: p.custody_status,
        locationFacilityCode: p.location_facility_code,
        locationFacilityName: p.location_name,
        transitFacilityCode: p.transit_facility_code,
      },
      episode: episode ? { id: episode.id, admittedAt: episode.admitted_at.toISOString(), facilityCode: episode.facility_code } : null,
      openAbsence: absence ? { id: absence.id, kind: absence.kind, destination: absence.destination, outAt: absence.out_at.toISOString(), expectedBackAt: absence.expected_back_at?.toISOString() ?? null, version: absence.version } : null,
      activeTransferId: transfer?.id ?? null,
      pendingReleaseId: release?.id ?? null,
      deathCaseId: death?.id ?? null,
      movements: rows.map((m) => ({
        id: m.id,
        episodeId: m.episode_id,
        kind: m.kind,
        occurredAt: m.occurred_at.toISOString(),
        recordedAt: m.recorded_at.toISOString(),
        late: m.recorded_at.getTime() - m.occurred_at.getTime() > lateEntryMs,
        fromFacilityCode: m.from_facility_code,
        fromFacilityName: m.from_facility_name,
        toFacilityCode: m.to_facility_code,
        toFacilityName: m.to_facility_name,
        orderId: m.order_id,
        orderCaseNumber: m.order_case_number,
        reason: m.reason,
        recordedBy: m.recorded_by_name,
      })),
    };
  });
}
