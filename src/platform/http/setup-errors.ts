// One error handler: every failure becomes {"error":{"code","message","fields"?}} in the
// caller's language (or an error page for people). Bad input never becomes a 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './errors.ts';
import { isApiPath } from './context.ts';
import { fieldsFromAjv } from './validation-errors.ts';
import { defaultLanguage, translator } from '../i18n/i18n.ts';
import type nunjucks from 'nunjucks';
import { createViewEnvironment } from './setup-views.ts';

// PostgreSQL error codes that mean the input, not the server, is at fault.
const pgInputErrors: Record<string, [number, string, string]> = {
  '23505': [409, 'conflict', 'errors.duplicate'],
  '23P01': [409, 'conflict', 'errors.overlap'],
  '40001': [409, 'conflict', 'errors.retry'],
  '40P01': [409, 'conflict', 'errors.retry'],
  '22P02': [400, 'bad_request', 'errors.badValue'],
  '22007': [400, 'bad_request', 'errors.badValue'],
  '22008': [400, 'bad_request', 'errors.badValue'],
  // a date past year 9999 once a day is added to it ("+010000-01-01…")
  '22009': [400, 'bad_request', 'errors.badValue'],
  '22003': [400, 'bad_request', 'errors.badValue'],
  '22001': [400, 'bad_request', 'errors.badValue'],
  '22021': [400, 'bad_request', 'errors.badValue'],
  '54000': [400, 'bad_request', 'errors.badValue'],
  // \u0000 in a value stored as jsonb (an audit entry's details, a draft)
  '22P05': [400, 'bad_request', 'errors.badValue'],
};

// Between preParsing and preValidation only a body parser runs: an error without a status in
// that window came from a broken body (multipart without its boundary, a form cut short), so
// the request is at fault, not the server.
const parsing = Symbol('parsing');
type Marked = FastifyRequest & { [parsing]?: boolean };

const isJson = (req: FastifyRequest): boolean => /^application\/json\b/i.test(String(req.headers['content-type'] ?? 'application/json'));

function normalize(err: FastifyError & { code?: string }, req?: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  // The router's own errors (frameworkErrors): an undecodable address, a parameter too long.
  if (err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH') return new AppError(400, 'bad_request', 'errors.malformed');
  if (err.validation) {
    return new AppError(400, 'bad_request', 'errors.validation', {}, fieldsFromAjv(err.validation as never, err.validationContext ?? 'body'));
  }
  const pg = err.code ? pgInputErrors[err.code] : undefined;
  if (pg) return new AppError(pg[0], pg[1], pg[2]);
  if (req && (req as Marked)[parsing]) {
    if (err.statusCode === 413) return new AppError(413, 'payload_too_large', 'errors.tooLarge');
    if (err.statusCode === 415 || (isApiPath(req.url) && !isJson(req))) return new AppError(415, 'unsupported_media_type', 'errors.mediaType');
    return new AppError(400, 'bad_request', 'errors.malformed');
  }
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

/**
 * Fastify's `frameworkErrors` option (set where the server is built): the router's errors —
 * a percent-encoding that does not decode, a path parameter past its length — answered like
 * every other error, with the error object (API) or the error page.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const e = normalize(err, req);
  // The router answers before any hook or decoration: no caller, the default language.
  req.lang = defaultLanguage;
  req.t = translator(defaultLanguage);
  reply.code(e.status).headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; frame-ancestors 'none'; object-src 'none'" });
  if (isApiPath(req.url)) {
    void reply.send(errorBody(req, e));
    return;
  }
  views ??= createViewEnvironment();
  const html = views.render('error.njk', { status: e.status, error: errorBody(req, e).error, lang: req.lang, t: req.t, actor: null, can: () => false, csrfToken: '', currentPath: '/', demo: false });
  void reply.type('text/html; charset=utf-8').send(html);
}
let views: nunjucks.Environment | undefined;

export function setUpErrors(app: FastifyInstance): void {
  app.addHook('preParsing', async (req) => {
    (req as Marked)[parsing] = true;
  });
  app.addHook('preValidation', async (req) => {
    (req as Marked)[parsing] = false;
  });
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = normalize(err, req);
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
