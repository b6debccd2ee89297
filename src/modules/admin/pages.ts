// The administration pages: plain HTML forms that work without JavaScript. Each POST calls
// the same service function as the API; a rule broken re-renders the form with the error
// summary, success redirects back with a notice (post/redirect/get).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import { roles } from '../../platform/access/roles.ts';
import * as admin from './service.ts';
import { callerOf } from './caller.ts';

type Body = Record<string, unknown> | undefined;

/** A checkbox group's values: absent, one (a string) or several (an array). */
function list(body: unknown, name: string): string[] {
  const v = (body as Body)?.[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

/** Service paths name API fields (roles[1], national); on a page the error points at the control. */
function pageFields(fields: FieldError[], fallback: string): FieldError[] {
  if (!fields.length) return [];
  return fields.map((f) => ({ ...f, path: f.path === 'national' ? 'scope' : f.path.replace(/\[\d+\]$/, '') || fallback }));
}

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

/** Runs a form's action; a broken rule or a conflict becomes errors to show on the form, not an error page. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [409, 422].includes(e.status)) return { value: null, error: e };
    throw e;
  }
}

function errorsFor(req: FastifyRequest, e: AppError) {
  const fields = e.fields.length ? pageFields(e.fields, 'main-content') : [{ path: '', key: e.key, params: e.params }];
  return formErrors(req, fields);
}

function assignmentFrom(body: unknown) {
  const national = field(body, 'scope') === 'national';
  return { roles: list(body, 'roles'), national, facilities: national ? [] : list(body, 'facilities') };
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

/** The notices a user page shows after a redirect (?done=…), each a key under admin.done. */
const notices = ['created', 'updated', 'disabled', 'enabled', 'unlocked', 'password', 'revoked'];

/** The choices of the roles and scope fields (_assignment.njk). */
async function assignmentChoices(deps: admin.Deps, req: FastifyRequest) {
  const facilities = await admin.facilityChoices(deps, callerOf(req));
  return {
    roleItems: roles.map((r) => ({ value: r, text: req.t(`roles.${r}`), hint: { text: r } })),
    facilityItems: facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` })),
  };
}

export function adminPages(app: FastifyInstance): void {
  const deps = (): admin.Deps => app.state;

  app.get('/admin/users', { config: { access: 'user.read' } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const q = field(query, 'q').slice(0, 100);
    const status = ['active', 'disabled', 'locked'].includes(field(query, 'status')) ? (field(query, 'status') as admin.UserFilter['status']) : undefined;
    const offset = Math.max(0, Number.parseInt(field(query, 'offset'), 10) || 0);
    const limit = 50;
    const result = await admin.listUsers(deps(), callerOf(req), { q, status, limit, offset });
    const link = (o: number) => `/admin/users?${new URLSearchParams({ q, status: status ?? '', offset: String(o) }).toString()}`;
    return reply.page('admin/views/users.njk', {
      pageTitle: req.t('admin.users.title'),
      users: result.items,
      total: result.total,
      filter: { q, status: status ?? '' },
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      next: offset + limit < result.total ? link(offset + limit) : null,
    });
  });

  const renderNew = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) =>
    reply.page('admin/views/user-new.njk', { pageTitle: req.t('admin.new.title'), ...(await assignmentChoices(deps(), req)), form: { scope: '' }, ...data });

  app.get('/admin/users/new', { config: { access: 'user.manage' } }, async (req, reply) => renderNew(req, reply));

  app.post('/admin/users', { config: { access: 'user.manage' } }, async (req, reply) => {
    const body = req.body;
    const input = { username: field(body, 'username'), displayName: field(body, 'displayName'), password: field(body, 'password'), ...assignmentFrom(body) };
    const r = await attempt(() => admin.createUser(deps(), callerOf(req), input));
    if (r.error) {
      reply.code(r.error.status);
      return renderNew(req, reply, { errors: errorsFor(req, r.error), form: { ...input, password: '', scope: field(body, 'scope') } });
    }
    return reply.redirect(`/admin/users/${r.value.id}?done=created`);
  });

  const renderUser = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const caller = callerOf(req);
    const user = await admin.getUser(deps(), caller, idOf(req));
    const can = (p: 'user.manage' | 'token.manage') => req.actor!.permissions.has(p);
    const done = field(req.query, 'done');
    return reply.page('admin/views/user.njk', {
      pageTitle: user.username,
      user,
      ...(can('user.manage') ? await assignmentChoices(deps(), req) : {}),
      tokens: can('token.manage') ? await admin.listTokens(deps(), caller, user.id) : [],
      form: { displayName: user.displayName, roles: user.roles, scope: user.national ? 'national' : 'facilities', facilities: user.facilities, version: user.version },
      done: notices.includes(done) ? done : null,
      ...data,
    });
  };

  app.get('/admin/users/:id', { config: { access: 'user.read' } }, async (req, reply) => renderUser(req, reply));

  /** A POST on the user page: run it, then back to the page with a notice, or the page with the errors. */
  const userAction = (path: string, access: 'user.manage' | 'token.manage', done: string, run: (req: FastifyRequest) => Promise<unknown>, formOf?: (req: FastifyRequest) => Record<string, unknown>) =>
    app.post(`/admin/users/:id${path}`, { config: { access } }, async (req, reply) => {
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(`/admin/users/${idOf(req)}?done=${done}`);
      reply.code(error.status);
      // After a conflict the form shows the record as it now is (with its new version) to review.
      const keepInput = formOf && error.status !== 409;
      return renderUser(req, reply, { errors: errorsFor(req, error), ...(keepInput ? { form: formOf(req) } : {}) });
    });

  userAction(
    '',
    'user.manage',
    'updated',
    (req) => admin.updateUser(deps(), callerOf(req), idOf(req), { version: Number(field(req.body, 'version')) || 0, displayName: field(req.body, 'displayName'), ...assignmentFrom(req.body) }),
    (req) => ({ displayName: field(req.body, 'displayName'), roles: list(req.body, 'roles'), scope: field(req.body, 'scope'), facilities: list(req.body, 'facilities'), version: field(req.body, 'version') }),
  );
  userAction('/disable', 'user.manage', 'disabled', (req) => admin.setDisabled(deps(), callerOf(req), idOf(req), true));
  userAction('/enable', 'user.manage', 'enabled', (req) => admin.setDisabled(deps(), callerOf(req), idOf(req), false));
  userAction('/unlock', 'user.manage', 'unlocked', (req) => admin.unlockUser(deps(), callerOf(req), idOf(req)));
  userAction('/reset-password', 'user.manage', 'password', (req) => admin.resetPassword(deps(), callerOf(req), idOf(req), field(req.body, 'password')));

  // A new token is shown on its own page, once; it is not in any URL and never stored.
  app.post('/admin/users/:id/tokens', { config: { access: 'token.manage', rateLimit: { max: app.state.settings.tokenRateLimitPerMinute, timeWindow: 60_000 } } }, async (req, reply) => {
    const r = await attempt(() => admin.createToken(deps(), callerOf(req), idOf(req), field(req.body, 'label')));
    if (r.error) {
      reply.code(r.error.status);
      return renderUser(req, reply, { errors: errorsFor(req, r.error) });
    }
    const { token, secret } = r.value;
    return reply.page('admin/views/token-created.njk', { pageTitle: req.t('admin.tokens.createdTitle'), token, secret, userId: idOf(req) });
  });

  app.post('/admin/tokens/:id/revoke', { config: { access: 'token.manage' } }, async (req, reply) => {
    const token = await admin.revokeToken(deps(), callerOf(req), idOf(req));
    return reply.redirect(`/admin/users/${token.userId}?done=revoked`);
  });

  const renderRoles = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const items = await admin.listRoles(deps(), callerOf(req));
    const permissionNames = [...new Set(items.flatMap((r) => r.permissions))].sort();
    // The administrator role always requires it: shown as text, not as a disabled checkbox
    // (greyed-out text fails the contrast check, and a disabled field is never sent).
    const mfaChoices = items
      .filter((r) => r.role !== 'admin')
      .map((r) => ({ value: r.role, text: req.t(`roles.${r.role}`), checked: r.mfaRequired, hint: { text: r.apiOnly ? req.t('admin.roles.apiOnlyHint') : r.role } }));
    return reply.page('admin/views/roles.njk', { pageTitle: req.t('admin.roles.title'), items, permissionNames, mfaChoices, done: field(req.query, 'done') === 'saved', ...data });
  };

  app.get('/admin/roles', { config: { access: 'user.read' } }, async (req, reply) => renderRoles(req, reply));

  // All roles' second-factor settings are saved together, or none (one transaction).
  app.post('/admin/roles', { config: { access: 'role.manage' } }, async (req, reply) => {
    const wanted = new Set(list(req.body, 'mfa'));
    wanted.add('admin'); // always required; its checkbox is disabled, so browsers do not send it
    const current = await admin.listRoles(deps(), callerOf(req));
    const { error } = await attempt(() =>
      app.state.db.transaction().execute(async (trx) => {
        for (const r of current) {
          if (r.mfaRequired === wanted.has(r.role)) continue;
          const sent = Number.parseInt(field(req.body, `version_${r.role}`), 10);
          await admin.setRoleMfa({ ...deps(), db: trx }, callerOf(req), r.role, wanted.has(r.role), Number.isNaN(sent) ? undefined : sent);
        }
      }),
    );
    if (!error) return reply.redirect('/admin/roles?done=saved');
    reply.code(error.status);
    return renderRoles(req, reply, { errors: errorsFor(req, error) });
  });
}
