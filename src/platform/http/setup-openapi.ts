// The OpenAPI 3.1 document, generated from the route schemas of every /api/v1 route.
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TSchema } from 'typebox';
import { errors } from './schemas.ts';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The errors the platform itself answers on a route, whatever its handler does, so that the
 * document lists every status a caller can get: 400 (a body that is not JSON, an address that
 * does not decode, a bad Idempotency-Key), 401/403 (access, CSRF, a pending password change),
 * 413/415 (a body too large or not JSON), 422 (an Idempotency-Key reused for another request).
 */
function platformResponses(method: string | string[], config: FastifyContextConfig, schema: Record<string, unknown>): Record<number, TSchema> {
  const methods = Array.isArray(method) ? method : [method];
  const takesBody = methods.some((m) => bodyMethods.has(m));
  const hasParams = Boolean(schema.params || schema.querystring || schema.body);
  const idempotent = JSON.stringify(schema.headers ?? {}).toLowerCase().includes('idempotency-key');
  const codes: number[] = [];
  if (takesBody || hasParams || idempotent) codes.push(400);
  if (config.access !== 'public') {
    codes.push(401);
    if (takesBody || !config.allowPending || config.access !== 'signed-in') codes.push(403);
  }
  if (takesBody) codes.push(413, 415);
  if (idempotent) codes.push(422);
  return errors(...codes);
}

export async function setUpOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Custodia API',
        version: app.state.version,
        description:
          'Sistema de Información Penitenciaria. Authenticate with `Authorization: Bearer <token>` or a session cookie from ' +
          '`POST /api/v1/auth/login` (then send `X-CSRF-Token` on state-changing calls). Errors: `{"error":{"code","message","fields"?}}`. ' +
          'Create requests accept `Idempotency-Key`; editable records carry `version`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'custodia_sid' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const hide = !url.startsWith('/api/v1');
      const s = { ...(schema ?? {}), ...(hide ? { hide: true } : {}) } as Record<string, unknown>;
      const access = route.config?.access;
      if (access === 'public') s.security = [];
      if (access && access !== 'public') s['x-permission'] = access;
      if (!hide) s.response = { ...platformResponses(route.method, route.config ?? {}, s), ...((s.response as object | undefined) ?? {}) };
      return { schema: s as never, url };
    },
  });
}
