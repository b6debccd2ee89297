// Who acts in a request, as the alerts service needs it: the actor and their audit identity.
import type { FastifyRequest } from 'fastify';
import { auditActorOf } from '../../platform/http/context.ts';
import type { Caller } from './service.ts';

export function callerOf(req: FastifyRequest): Caller {
  return { actor: req.actor!, audit: auditActorOf(req) };
}
