// The prisoner file over HTTP: the JSON API under /api/v1/persons (thin: each route calls one
// service function) and the pages (pages.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../../platform/http/context.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { decodeBase64File } from '../../platform/files/stored-files.ts';
import * as service from './service.ts';
import { mergePersons, undoMerge } from './merge.ts';
import { findPossibleMatches, type MatchQuery } from './matching.ts';
import { admissionRecordPdf, fileCopyPdf } from './pdf.ts';
import { personPages } from './pages.ts';
import * as S from './schemas.ts';

const tags = ['persons'];

export const callerOf = (req: FastifyRequest): service.Caller => ({ actor: req.actor!, audit: auditActorOf(req) });
const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const itemOf = (req: FastifyRequest): string => (req.params as { itemId: string }).itemId;

export async function personRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): service.Deps => app.state;

  app.get(
    '/api/v1/persons',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'Search people in the caller\'s scope by prisoner number, document number or name (best match first); without q, everyone in scope by name. Audited.',
        querystring: S.SearchQuery,
        response: { 200: S.SearchResult, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => service.searchPersons(deps(), callerOf(req), req.query as service.SearchQuery),
  );

  app.post(
    '/api/v1/persons/matches',
    {
      config: { access: 'admission.create' },
      schema: {
        tags,
        summary: 'Possible earlier files of a person being admitted (national; minimal identity only): same document number, or similar names and date of birth. Audited.',
        body: S.MatchBody,
        response: { 200: S.MatchList, ...errors(400, 401, 403) },
      },
    },
    async (req) => ({ items: await findPossibleMatches(app.state.db, req.actor!, req.body as MatchQuery, auditActorOf(req)) }),
  );

  app.get(
    '/api/v1/persons/:id',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'A person\'s file: identity, aliases, documents, contacts, current episode, protection, open alerts (children with person.children.read, health declarations with health.read). Each read is audited.',
        params: S.PersonParams,
        response: { 200: S.Person, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.getPerson(deps(), callerOf(req), idOf(req)),
  );

  app.get(
    '/api/v1/persons/:id/history',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'Corrections, custody episodes, movements, orders and property of a person. Audited.', params: S.PersonParams, response: { 200: S.History, ...errors(400, 401, 403, 404) } },
    },
    async (req) => service.getHistory(deps(), callerOf(req), idOf(req)),
  );

  app.patch(
    '/api/v1/persons/:id/identity',
    {
      config: { access: 'person.write' },
      schema: {
        tags,
        summary: 'Correct identity fields with a reason (each change is kept with its old value; send the version read)',
        params: S.PersonParams,
        body: S.CorrectionBody,
        response: { 200: S.Person, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => service.correctIdentity(deps(), callerOf(req), idOf(req), req.body as service.Correction),
  );

  const create = <B>(path: string, access: 'person.write' | 'health.write', summary: string, body: typeof S.AliasBody | typeof S.DocumentBody | typeof S.ContactBody | typeof S.ChildBody | typeof S.HealthDeclarationBody, response: object, run: (d: service.Deps, req: FastifyRequest, b: B) => Promise<unknown>) =>
    app.post(
      `/api/v1/persons/:id/${path}`,
      { config: { access }, schema: { tags, summary: `${summary} (accepts Idempotency-Key)`, params: S.PersonParams, body, response: { 201: response, ...errors(400, 401, 403, 404, 409, 422) } } },
      async (req, reply) => idempotent(req, reply, 201, (trx) => run({ ...deps(), db: trx }, req, req.body as B)),
    );

  create<{ alias: string; kind?: 'alias' | 'other_name' }>('aliases', 'person.write', 'Add an alias or other name', S.AliasBody, S.Alias, (d, req, b) => service.addAlias(d, callerOf(req), idOf(req), b));
  create<{ kind: 'cedula' | 'passport' | 'residence' | 'other'; number: string; issuingCountry?: string }>('documents', 'person.write', 'Add an identity document (a cédula\'s format is checked)', S.DocumentBody, S.Document, (d, req, b) =>
    service.addDocument(d, callerOf(req), idOf(req), b),
  );
  create<service.NewContact>('contacts', 'person.write', 'Add a family or emergency contact', S.ContactBody, S.Contact, (d, req, b) => service.addContact(d, callerOf(req), idOf(req), b));
  create<service.NewChild>('children', 'person.write', 'Record a child (needs person.children.read too: confidential)', S.ChildBody, S.Child, (d, req, b) =>
    service.addChild(d, callerOf(req), idOf(req), b),
  );
  create<{ pregnant: boolean; breastfeeding: boolean; notes?: string | null; validUntil?: string | null }>(
    'health-declarations',
    'health.write',
    'Record a pregnancy/breastfeeding declaration (health staff)',
    S.HealthDeclarationBody,
    S.Declaration,
    (d, req, b) => service.addHealthDeclaration(d, callerOf(req), idOf(req), b),
  );

  for (const kind of ['aliases', 'documents', 'contacts', 'children'] as const) {
    app.post(
      `/api/v1/persons/:id/${kind}/:itemId/end`,
      {
        config: { access: 'person.write' },
        schema: { tags, summary: `End a record of ${kind} (it stays in the file, marked ended)`, params: S.ItemParams, response: { 200: S.Ended, ...errors(400, 401, 403, 404) } },
      },
      async (req) => service.endItem(deps(), callerOf(req), idOf(req), kind, itemOf(req)),
    );
  }

  app.put(
    '/api/v1/persons/:id/photo',
    {
      config: { access: 'person.write' },
      schema: { tags, summary: 'Set the person\'s photo (JPEG or PNG, base64)', params: S.PersonParams, body: S.PhotoBody, response: { 200: S.PhotoResult, ...errors(400, 401, 403, 404, 422) } },
    },
    async (req) => service.setPhoto(deps(), callerOf(req), idOf(req), decodeBase64File((req.body as { photo: string }).photo, 'photo')),
  );

  app.get(
    '/api/v1/persons/:id/photo',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'The person\'s photo (image bytes). Audited.', params: S.PersonParams, response: { 200: S.PhotoResponse, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      const photo = await service.getPhoto(deps(), callerOf(req), idOf(req));
      return reply.type(photo.contentType).header('cache-control', 'private, no-store').send(photo.data);
    },
  );

  app.get(
    '/api/v1/persons/:id/admission-record',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'The printable admission record (PDF, in the caller\'s language). Audited.', params: S.PersonParams, querystring: S.RecordQuery, response: { 200: S.PdfResponse, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      const data = await service.admissionRecord(deps(), callerOf(req), idOf(req), (req.query as { episode?: string }).episode);
      const pdf = await admissionRecordPdf(data, req.lang, app.state.settings.timeZone);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${data.person.prisonerNumber}-ingreso.pdf"`).send(pdf);
    },
  );

  app.get(
    '/api/v1/persons/:id/file-copy',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'The official copy of the file for release (Mandela Rule 9; PDF, in the caller\'s language): identity, every custody episode, legal status, movements, placements and property; no clinical or children\'s details. Audited as person.file_copy.',
        params: S.PersonParams,
        response: { 200: { ...S.PdfResponse, description: 'The official copy of the file' }, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const data = await service.fileCopy(deps(), callerOf(req), idOf(req));
      const pdf = await fileCopyPdf(data, req.lang, app.state.settings.timeZone);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${data.person.prisonerNumber}-expediente.pdf"`).header('cache-control', 'private, no-store').send(pdf);
    },
  );

  app.post(
    '/api/v1/persons/:id/merge',
    {
      config: { access: 'person.merge' },
      schema: {
        tags,
        summary: 'Merge another file into this one (refused while both are in custody); reversible',
        params: S.PersonParams,
        body: S.MergeBody,
        response: { 200: S.Merge, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const b = req.body as { otherId: string; reason: string };
      return mergePersons(deps(), callerOf(req), idOf(req), b.otherId, b.reason);
    },
  );

  app.post(
    '/api/v1/person-merges/:mergeId/undo',
    {
      config: { access: 'person.merge' },
      schema: { tags, summary: 'Undo a merge: exactly the rows that moved go back', params: S.MergeParams, response: { 200: S.Merge, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => undoMerge(deps(), callerOf(req), (req.params as { mergeId: string }).mergeId),
  );

  personPages(app);
}
