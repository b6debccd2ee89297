// The home page: what the signed-in user can do, and notices about their account.
import type { FastifyInstance } from 'fastify';
import { failedSignInsNotice } from '../account/service.ts';
import { homeAlertsFor } from '../alerts/service.ts';

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { access: 'signed-in' } }, async (req, reply) => {
    const [notice, homeAlerts] = await Promise.all([failedSignInsNotice(app.state, req.actor!.userId), homeAlertsFor(app.state.db, req.actor!)]);
    return reply.page('home/views/home.njk', { pageTitle: req.t('home.title'), failedBefore: req.session?.failedBefore ?? 0, lastFailedAt: notice?.last_failed_at ?? null, homeAlerts });
  });
}
