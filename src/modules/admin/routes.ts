// Administration of accounts, API tokens and role policies: the JSON API (thin: each route
// calls one service function) and the pages (pages.ts).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as admin from './service.ts';
import * as S from './schemas.ts';
import { adminPages } from './pages.ts';
import { callerOf } from './caller.ts';

const tags = ['admin'];

interface CreateUserBody {
  username: string;
  displayName: string;
  roles: string[];
  national?: boolean;
  facilities?: string[];
  password: string;
}

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): admin.Deps => app.state;

  app.get(
    '/api/v1/users',
    { config: { access: 'user.read' }, schema: { tags, summary: 'List user accounts (filter by text or status)', querystring: S.UserQuery, response: { 200: S.UserList, ...errors(400, 401, 403) } } },
    async (req) => admin.listUsers(deps(), callerOf(req), req.query as admin.UserFilter),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'user.manage' },
      schema: { tags, summary: 'Create a user account (accepts Idempotency-Key)', body: S.CreateUserBody, response: { 201: S.User, ...errors(400, 401, 403, 409, 422) } },
    },
    async (req, reply) => {
      const b = req.body as CreateUserBody;
      const input = { ...b, national: b.national ?? false, facilities: b.facilities ?? [] };
      return idempotent(req, reply, 201, (trx) => admin.createUser({ ...deps(), db: trx }, callerOf(req), input));
    },
  );

  app.get(
    '/api/v1/users/:id',
    { config: { access: 'user.read' }, schema: { tags, summary: 'One user account (the read is audited)', params: S.UserParams, response: { 200: S.User, ...errors(400, 401, 403, 404) } } },
    async (req) => admin.getUser(deps(), callerOf(req), (req.params as { id: string }).id),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'user.manage' },
      schema: { tags, summary: 'Change display name, roles or scope (send the version read)', params: S.UserParams, body: S.UpdateUserBody, response: { 200: S.User, ...errors(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => admin.updateUser(deps(), callerOf(req), (req.params as { id: string }).id, req.body as admin.UserChange),
  );

  const action = (path: string, summary: string, run: (caller: admin.Caller, id: string) => Promise<admin.UserView>) =>
    app.post(
      `/api/v1/users/:id/${path}`,
      { config: { access: 'user.manage' }, schema: { tags, summary, params: S.UserParams, response: { 200: S.User, ...errors(400, 401, 403, 404, 409, 422) } } },
      async (req) => run(callerOf(req), (req.params as { id: string }).id),
    );
  action('disable', 'Disable an account: its sessions end and its tokens stop working at once', (c, id) => admin.setDisabled(deps(), c, id, true));
  action('enable', 'Enable a disabled account', (c, id) => admin.setDisabled(deps(), c, id, false));
  action('unlock', 'Lift a temporary lock after failed sign-ins', (c, id) => admin.unlockUser(deps(), c, id));

  app.post(
    '/api/v1/users/:id/reset-password',
    {
      config: { access: 'user.manage' },
      schema: { tags, summary: 'Set a temporary password: the user must change it, and their sessions end', params: S.UserParams, body: S.ResetPasswordBody, response: { 200: S.User, ...errors(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => admin.resetPassword(deps(), callerOf(req), (req.params as { id: string }).id, (req.body as { password: string }).password),
  );

  app.get(
    '/api/v1/users/:id/tokens',
    { config: { access: 'token.manage' }, schema: { tags, summary: 'A user\'s API tokens (never the tokens themselves)', params: S.UserParams, response: { 200: S.TokenList, ...errors(400, 401, 403, 404) } } },
    async (req) => ({ items: await admin.listTokens(deps(), callerOf(req), (req.params as { id: string }).id) }),
  );

  app.post(
    '/api/v1/users/:id/tokens',
    {
      config: { access: 'token.manage', rateLimit: { max: app.state.settings.tokenRateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Create an API token for a user (not for administrators); the token is returned this once only',
        params: S.UserParams,
        body: S.CreateTokenBody,
        response: { 201: S.CreatedToken, ...errors(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      // The secret must never be stored, so a replayed Idempotency-Key cannot return it: the
      // stored response holds the token's description only, and a replay answers 409.
      const created: { secret?: string } = {};
      const token = await idempotent(req, reply, 201, async (trx) => {
        const r = await admin.createToken({ ...deps(), db: trx }, callerOf(req), (req.params as { id: string }).id, (req.body as { label?: string }).label ?? '');
        created.secret = r.secret;
        return r.token;
      });
      if (created.secret === undefined) throw new AppError(409, 'token_already_created', 'admin.tokens.replayed');
      return { ...token, token: created.secret };
    },
  );

  app.post(
    '/api/v1/tokens/:id/revoke',
    { config: { access: 'token.manage' }, schema: { tags, summary: 'Revoke an API token, effective at once', params: S.TokenParams, response: { 200: S.Token, ...errors(400, 401, 403, 404) } } },
    async (req) => admin.revokeToken(deps(), callerOf(req), (req.params as { id: string }).id),
  );

  app.get(
    '/api/v1/roles',
    { config: { access: 'user.read' }, schema: { tags, summary: 'Roles with their permissions and second-factor policy', response: { 200: S.RoleListResponse, ...errors(401, 403) } } },
    async (req) => ({ items: await admin.listRoles(deps(), callerOf(req)) }),
  );

  app.put(
    '/api/v1/roles/:role',
    {
      config: { access: 'role.manage' },
      schema: { tags, summary: 'Set whether a role requires a second factor', params: S.RoleParams, body: S.RolePolicyBody, response: { 200: S.Role, ...errors(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => {
      const b = req.body as { mfaRequired: boolean; version?: number };
      return admin.setRoleMfa(deps(), callerOf(req), (req.params as { role: string }).role, b.mfaRequired, b.version);
    },
  );

  adminPages(app);
}
