// Builds the Fastify application: a flat list of setUp… calls, then the modules.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppState } from './platform/http/context.ts';
import { setUpWebSecurity } from './platform/http/setup-security.ts';
import { setUpAuth } from './platform/http/setup-auth.ts';
import { frameworkErrors, setUpErrors } from './platform/http/setup-errors.ts';
import { setUpViews } from './platform/http/setup-views.ts';
import { setUpStaticAssets } from './platform/http/setup-static.ts';
import { setUpOpenApi } from './platform/http/setup-openapi.ts';
import { setUpValidation } from './platform/http/setup-validation.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { accountRoutes } from './modules/account/routes.ts';
import { homeRoutes } from './modules/home/routes.ts';
import { adminRoutes } from './modules/admin/routes.ts';
import { facilityRoutes } from './modules/facilities/routes.ts';
import { auditRoutes } from './modules/audit/routes.ts';
import { sentenceRoutes } from './modules/sentence/routes.ts';
import { apiDocsRoutes } from './modules/api-docs/routes.ts';
import { orderRoutes } from './modules/orders/routes.ts';
import { legalTimeRoutes } from './modules/legal-time/routes.ts';
import { alertRoutes } from './modules/alerts/routes.ts';
import { admissionRoutes } from './modules/admission/routes.ts';
import { personRoutes } from './modules/persons/routes.ts';
import { movementRoutes } from './modules/movements/routes.ts';
import { housingRoutes } from './modules/housing/routes.ts';
import { rollRoutes } from './modules/roll/routes.ts';
import { statisticsRoutes } from './modules/statistics/routes.ts';
import { caseRoutes } from './modules/cases/routes.ts';
import { redemptionRoutes } from './modules/redemption/routes.ts';
import { releaseControlRoutes } from './modules/release-control/routes.ts';

export type App = FastifyInstance;

export const appVersion: string = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string }).version;

export async function buildApp(state: AppState, opts: { logger?: boolean | object } = {}): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? false,
    trustProxy: state.settings.trustProxy,
    bodyLimit: 15 * 1024 * 1024, // a 10 MB scan or photo sent as base64
    genReqId: () => crypto.randomUUID(),
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('state', state);
  setUpValidation(app);

  await setUpWebSecurity(app);
  setUpViews(app);
  setUpAuth(app);
  setUpErrors(app);
  await setUpOpenApi(app);
  await setUpStaticAssets(app);

  await app.register(healthRoutes);
  await app.register(apiDocsRoutes);
  await app.register(accountRoutes);
  await app.register(homeRoutes);
  await app.register(adminRoutes);
  await app.register(facilityRoutes);
  await app.register(auditRoutes);
  await app.register(sentenceRoutes);
  await app.register(orderRoutes);
  await app.register(legalTimeRoutes);
  await app.register(alertRoutes);
  await app.register(admissionRoutes);
  await app.register(personRoutes);
  await app.register(movementRoutes);
  await app.register(housingRoutes);
  await app.register(rollRoutes);
  await app.register(statisticsRoutes);
  await app.register(caseRoutes);
  await app.register(redemptionRoutes);
  await app.register(releaseControlRoutes);
  return app;
}
