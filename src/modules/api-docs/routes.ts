// The API for programs: the OpenAPI document, and a page that shows it to people.
import type { FastifyInstance } from 'fastify';

interface Operation {
  summary?: string;
  tags?: string[];
  'x-permission'?: string;
  security?: unknown[];
}

export async function apiDocsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.get('/api/docs', { config: { access: 'public' } }, async (req, reply) => {
    const doc = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths ?? {})
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          summary: op.summary ?? '',
          tag: op.tags?.[0] ?? '',
          access: op.security && op.security.length === 0 ? 'public' : (op['x-permission'] ?? 'signed-in'),
        })),
      )
      .sort((a, b) => a.tag.localeCompare(b.tag) || a.path.localeCompare(b.path));
    return reply.page('api-docs/views/docs.njk', { pageTitle: req.t('apiDocs.title'), operations });
  });
}
