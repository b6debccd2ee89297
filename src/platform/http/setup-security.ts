// Security headers with a strict Content-Security-Policy (no inline script or style), cookies,
// form bodies for pages, per-route rate limits, and API bodies restricted to JSON.
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { AppError } from './errors.ts';
import { isApiPath } from './context.ts';

/** A file sent with a page form (multipart/form-data). */
export interface UploadedFile {
  filename: string;
  mimetype: string;
  data: Buffer;
}

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
  // Page forms with a photo or a scanned order: fields become plain values (so _csrf is
  // checked like any form) and each file becomes an UploadedFile.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: 10 * 1024 * 1024, files: 4, fields: 200 },
    onFile: async (part) => {
      const data = await part.toBuffer();
      (part as unknown as { value: UploadedFile | null }).value = data.length ? { filename: part.filename, mimetype: part.mimetype, data } : null;
    },
  });
  // Limits apply only to routes that opt in (sign-in, token creation).
  await app.register(rateLimit, { global: false });
  // A body the API cannot take is refused before it is parsed (a multipart upload sent to the
  // API is not read at all); the check after parsing stays for bodies without a length.
  app.addHook('preParsing', async (req) => {
    const ct = req.headers['content-type'];
    const length = Number(req.headers['content-length'] ?? 0);
    if (isApiPath(req.url) && ct && !/^application\/json\b/i.test(ct) && (length > 0 || req.headers['transfer-encoding'] !== undefined)) {
      throw new AppError(415, 'unsupported_media_type', 'errors.mediaType');
    }
  });
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
