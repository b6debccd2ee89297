// Who acts in a request, as the legal-time service needs it: the actor and their audit identity.
import type { FastifyRequest } from 'fastify';
import { auditActorOf } from '../../platform/http/context.ts';
import type { Caller } from './service.ts';

export const callerOf = (req: FastifyRequest): Caller => ({ actor: req.actor!, audit: auditActorOf(req) });
