// Security headers with a strict Content-Security-Policy (no inline script or style), cookies,
// form bodies for pages, per-route rate limits, and API bodies restricted to JSON.
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { AppError } from './errors.ts';
import { isApiPath } from './context.ts';

export async function setUpWebSecurity(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1_048_576 });
  // Limits apply only to routes that opt in (sign-in, token creation).
  await app.register(rateLimit, { global: false });
  app.addHook('preValidation', async (req) => {
    const ct = req.headers['content-type'];
    if (isApiPath(req.url) && req.body !== undefined && ct && !/^application\/json\b/i.test(ct)) {
      throw new AppError(415, 'unsupported_media_type', 'errors.mediaType');
    }
  });
  app.addHook('onSend', async (_req, reply) => {
    if (!_req.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
  });
}
