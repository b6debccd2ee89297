// Housing over HTTP: the JSON API (thin: each route calls one service function) and the pages
// (pages.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { auditActorOf } from '../../platform/http/context.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as housing from './service.ts';
import * as S from './schemas.ts';
import { housingPages } from './pages.ts';

const tags = ['housing'];

export const callerOf = (req: FastifyRequest): housing.Caller => ({ actor: req.actor!, audit: auditActorOf(req) });

export async function housingRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): housing.Deps => app.state;

  app.get(
    '/api/v1/facilities/:code/housing',
    {
      config: { access: 'facility.read' },
      schema: {
        tags,
        summary: 'A centre\'s units and cells: capacity (as of today) against occupants now; overcrowding is flagged, never refused',
        params: S.CodeParams,
        response: { 200: S.FacilityHousing, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => housing.getFacilityHousing(deps(), req.actor!, (req.params as { code: string }).code),
  );

  app.get(
    '/api/v1/units/:unitId/occupants',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'Who occupies a unit now (optionally one cell), with the unit\'s and cells\' occupancy (the read is audited)',
        params: S.UnitParams,
        querystring: S.OccupantsQuery,
        response: { 200: S.UnitOccupants, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => housing.getUnitOccupants(deps(), callerOf(req), (req.params as { unitId: string }).unitId, req.query as { cellId?: string }),
  );

  app.post(
    '/api/v1/persons/:id/placement',
    {
      config: { access: 'housing.assign' },
      schema: {
        tags,
        summary:
          'Move a person to another unit or cell of their centre (accepts Idempotency-Key). Breaking a separation rule answers 422 naming the rule and the field, unless a user with housing.override sends an override with its reason (recorded, audited and alerted)',
        params: S.PersonParams,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) }),
        body: S.MoveBody,
        response: { 201: S.Placement, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => housing.movePerson({ ...deps(), db: trx }, callerOf(req), (req.params as { id: string }).id, req.body as housing.MoveInput)),
  );

  housingPages(app);
}
