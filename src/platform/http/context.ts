// What every request handler can reach: the database, settings and keys (AppState), and per
// request the actor, the session and the caller's language.
import type { Kysely } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../access/actor.ts';
import type { Permission } from '../access/permissions.ts';
import type { AuditActor } from '../audit/audit.ts';
import type { Keys } from '../audit/keys.ts';
import type { ActiveSession } from '../auth/sessions.ts';
import type { DatabaseKind } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import type { Language, Translate } from '../i18n/i18n.ts';

export interface AppState {
  db: Kysely<Database>;
  dbKind: DatabaseKind;
  settings: Settings;
  keys: Keys;
  version: string;
  /** False until migrations and the demo seed have finished: /health answers 503. */
  ready: boolean;
}

/**
 * Who may call a route: 'public' (no sign-in), 'signed-in' (any user: self-service), or a
 * named permission. Every route declares one; a test enumerates them.
 */
export type RouteAccess = 'public' | 'signed-in' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Reachable while a password change or second-factor enrolment is pending. */
    allowPending?: boolean;
  }
  interface FastifyInstance {
    state: AppState;
  }
  interface FastifyRequest {
    actor: Actor | null;
    session: ActiveSession | null;
    tokenId: string | null;
    lang: Language;
    t: Translate;
  }
}

export function auditActorOf(req: { actor: Actor | null; id: string; ip: string }): AuditActor {
  return { actorId: req.actor?.userId ?? null, actorName: req.actor?.username ?? 'anonymous', requestId: req.id, sourceIp: req.ip };
}

export const isApiPath = (url: string): boolean => url.startsWith('/api/');
