// Reference data the movement forms offer (centres, units, orders, the property to hand back),
// each behind the same access check and scope as the use case it serves. Lists of centres and
// units are reference data (not audited); orders and property belong to a person's file and are
// read only for a person the caller reaches.
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { uuidPattern, type Caller, type Deps } from './common.ts';
import * as repo from './repository.ts';

/** Every centre (a transfer may go anywhere), with its population group. */
export async function allFacilities(deps: Deps, caller: Caller) {
  requireAccess(caller.actor, 'person.read');
  return repo.facilities(deps.db, null);
}

/** The centres of the caller's scope (filters). */
export async function facilitiesInScope(deps: Deps, caller: Caller) {
  requireAccess(caller.actor, 'person.read');
  return repo.facilities(deps.db, facilityScope(caller.actor));
}

/** A centre the caller reaches, or 404 (unknown and out of scope alike). */
export async function facilityInScope(deps: Deps, caller: Caller, code: string) {
  requireAccess(caller.actor, 'person.read');
  if (!inScope(caller.actor, code)) throw notFound();
  const f = (await repo.facilities(deps.db, null)).find((x) => x.code === code);
  if (!f) throw notFound();
  return f;
}

/** The units of a centre the caller reaches (where an arrival may be placed). */
export async function unitsOfFacility(deps: Deps, caller: Caller, code: string) {
  await facilityInScope(deps, caller, code);
  return repo.unitsOf(deps.db, code);
}

/** The verified orders about a person the caller reaches (the order behind a movement). */
export async function verifiedOrdersOfPerson(deps: Deps, caller: Caller, personId: string) {
  requireAccess(caller.actor, 'person.read');
  await requirePersonInScope(deps.db, caller.actor, personId);
  return repo.verifiedOrdersOf(deps.db, personId);
}

/** The property inventory of a custody episode of a person the caller reaches. */
export async function propertyOfEpisode(deps: Deps, caller: Caller, personId: string, episodeId: string) {
  requireAccess(caller.actor, 'person.read');
  await requirePersonInScope(deps.db, caller.actor, personId);
  if (!uuidPattern.test(episodeId)) throw notFound();
  const episode = await deps.db.selectFrom('custody_episodes').select('id').where('id', '=', episodeId).where('person_id', '=', personId).executeTakeFirst();
  if (!episode) throw notFound();
  return repo.propertyOf(deps.db, episodeId);
}
