// The roll over HTTP: the JSON API (thin: each route calls one service function) and the pages
// (pages.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { auditActorOf } from '../../platform/http/context.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as roll from './service.ts';
import * as S from './schemas.ts';
import { rollPages } from './pages.ts';

const tags = ['roll'];

export const callerOf = (req: FastifyRequest): roll.Caller => ({ actor: req.actor!, audit: auditActorOf(req) });
const codeOf = (req: FastifyRequest): string => (req.params as { code: string }).code;

export async function rollRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): roll.Deps => app.state;

  app.get(
    '/api/v1/facilities/:code/roll',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'The roll of a centre at an instant (default now; any past instant is reproduced from the records): per unit who should be present, who is out, who escaped, and the last count (the read is audited)',
        params: S.CodeParams,
        querystring: S.RollQuery,
        response: { 200: S.Roll, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => roll.getRoll(deps(), callerOf(req), codeOf(req), req.query as { at?: string; unitId?: string }),
  );

  app.post(
    '/api/v1/facilities/:code/roll-counts',
    {
      config: { access: 'roll.record' },
      schema: {
        tags,
        summary: 'Record a unit\'s count (accepts Idempotency-Key). The server computes who should be present at countedAt; a difference raises a roll_discrepancy alert',
        params: S.CodeParams,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) }),
        body: S.CountBody,
        response: { 201: S.RecordedCount, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => roll.recordCount({ ...deps(), db: trx }, callerOf(req), codeOf(req), req.body as roll.CountInput)),
  );

  rollPages(app);
}
