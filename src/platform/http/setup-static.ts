// Stylesheets, scripts and images: GOV.UK Frontend, MoJ Frontend and our own.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

const root = path.resolve(import.meta.dirname, '../../..');

export async function setUpStaticAssets(app: FastifyInstance): Promise<void> {
  const mounts: [string, string][] = [
    ['/assets/govuk/', 'node_modules/govuk-frontend/dist/govuk'],
    ['/assets/images/', 'node_modules/govuk-frontend/dist/govuk/assets/images'],
    ['/assets/moj/', 'node_modules/@ministryofjustice/frontend/moj'],
    ['/assets/app/', 'src/platform/views/assets'],
  ];
  for (const [prefix, dir] of mounts) {
    await app.register(fastifyStatic, {
      root: path.join(root, dir),
      prefix,
      decorateReply: false,
      index: false,
      list: false,
      maxAge: '1h',
      allowedPath: (p) => !p.endsWith('.scss') && !p.endsWith('.map') && !p.endsWith('.njk'),
    });
  }
}
