// One error handler: every failure becomes {"error":{"code","message","fields"?}} in the
// caller's language (or an error page for people). Bad input never becomes a 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './errors.ts';
import { isApiPath } from './context.ts';
import { fieldsFromAjv } from './validation-errors.ts';

// PostgreSQL error codes that mean the input, not the server, is at fault.
const pgInputErrors: Record<string, [number, string, string]> = {
  '23505': [409, 'conflict', 'errors.duplicate'],
  '23P01': [409, 'conflict', 'errors.overlap'],
  '40001': [409, 'conflict', 'errors.retry'],
  '40P01': [409, 'conflict', 'errors.retry'],
  '22P02': [400, 'bad_request', 'errors.badValue'],
  '22007': [400, 'bad_request', 'errors.badValue'],
  '22008': [400, 'bad_request', 'errors.badValue'],
  '22003': [400, 'bad_request', 'errors.badValue'],
  '22001': [400, 'bad_request', 'errors.badValue'],
  '22021': [400, 'bad_request', 'errors.badValue'],
  '54000': [400, 'bad_request', 'errors.badValue'],
};

function normalize(err: FastifyError & { code?: string }): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    return new AppError(400, 'bad_request', 'errors.validation', {}, fieldsFromAjv(err.validation as never, err.validationContext ?? 'body'));
  }
  const pg = err.code ? pgInputErrors[err.code] : undefined;
  if (pg) return new AppError(pg[0], pg[1], pg[2]);
  const status = err.statusCode ?? 500;
  if (status === 429) return new AppError(429, 'rate_limited', 'errors.rateLimited');
  if (status === 415) return new AppError(415, 'unsupported_media_type', 'errors.mediaType');
  if (status === 413) return new AppError(413, 'payload_too_large', 'errors.tooLarge');
  if (status >= 400 && status < 500) return new AppError(status, status === 404 ? 'not_found' : 'bad_request', status === 404 ? 'errors.notFound' : 'errors.malformed');
  return new AppError(500, 'internal_error', 'errors.internal');
}

export function errorBody(req: FastifyRequest, e: AppError): { error: { code: string; message: string; fields?: { path: string; message: string }[] } } {
  const fields = e.fields.map((f: FieldError) => ({ path: f.path, message: f.localized ? f.localized[req.lang] : req.t(f.key, f.params) }));
  const message = e.localized ? e.localized[req.lang] : req.t(e.key, e.params);
  return { error: { code: e.code, message, ...(fields.length ? { fields } : {}) } };
}

export function setUpErrors(app: FastifyInstance): void {
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = normalize(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    if (!isApiPath(req.url) && e.status === 401) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
    reply.code(e.status);
    if (isApiPath(req.url) || req.url === '/health') return errorBody(req, e);
    return reply.page('error.njk', { status: e.status, error: errorBody(req, e).error });
  });
  app.setNotFoundHandler(async (req, reply) => {
    const e = new AppError(404, 'not_found', 'errors.notFound');
    reply.code(404);
    if (isApiPath(req.url)) return errorBody(req, e);
    return reply.page('error.njk', { status: 404, error: errorBody(req, e).error });
  });
}
