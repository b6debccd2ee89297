// GET /health: 503 until migrations and seeding are done, then the database kind and version.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Health = Type.Object({ status: Type.String(), database: Type.Union([Type.Literal('pglite'), Type.Literal('postgresql')]), version: Type.String() });

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', { config: { access: 'public' }, schema: { hide: true, response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const { ready, dbKind, version } = app.state;
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'starting', database: dbKind, version };
  });
}
