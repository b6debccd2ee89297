// The OpenAPI 3.1 document, generated from the route schemas of every /api/v1 route.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';

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
      return { schema: s as never, url };
    },
  });
}
