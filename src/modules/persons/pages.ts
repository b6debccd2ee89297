// The persons pages: search, the person's page (identity bar, sections, forms) and the
// printable admission record. Plain HTML forms that work without JavaScript; each POST calls
// the same service function as the API; a broken rule re-renders the page with the GOV.UK
// error summary, success redirects back with a notice (post/redirect/get).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import type { UploadedFile } from '../../platform/http/setup-security.ts';
import type { LegalStatus, Sex } from '../../platform/db/schema.ts';
import * as service from './service.ts';
import { mergePersons, mergesOf, undoMerge } from './merge.ts';
import { admissionRecordPdf, fileCopyPdf } from './pdf.ts';
import { ageBandNames, prisonerNumberOf } from './identity.ts';
import { personScopeCondition } from './scope.ts';
import { callerOf } from './routes.ts';
import { loadPersonSections } from './sections.ts';

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const itemOf = (req: FastifyRequest): string => (req.params as { itemId: string }).itemId;
const checkbox = (body: unknown, name: string): boolean => ['true', 'on', 'yes', '1'].includes(field(body, name));
const orNull = (s: string): string | null => (s.trim() === '' ? null : s);

/** The notices the person's page shows after a redirect (?done=…), each a key under persons.done. */
const notices = ['corrected', 'alias', 'document', 'contact', 'child', 'health', 'photo', 'ended', 'merged', 'unmerged'];

/** Which form a page POST came from: its errors point at controls named `${form}-${path}`. */
type FormName = 'identity' | 'alias' | 'document' | 'contact' | 'child' | 'health' | 'photo' | 'merge' | 'end';

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [400, 409, 422].includes(e.status)) return { value: null, error: e };
    throw e;
  }
}

function errorsFor(req: FastifyRequest, form: FormName, e: AppError) {
  const fields: FieldError[] = e.fields.length
    ? e.fields.map((f) => ({ ...f, path: `${form}-${f.path.replace(/^changes\./, '').replace(/[.[\]]+/g, '-').replace(/-$/, '') || 'main'}` }))
    : [{ path: `${form}-main`, key: e.key, params: e.params }];
  return formErrors(req, fields);
}

/** How a correction's old and new values read on the page. */
function shown(req: FastifyRequest, fieldName: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return req.t(v ? 'persons.yes' : 'persons.no');
  if (Array.isArray(v)) return v.join(', ');
  if (fieldName === 'sex') return req.t(`persons.sex.${String(v)}`);
  if (fieldName === 'literacy') return req.t(`persons.literacy.${String(v)}`);
  return String(v);
}

/** Movements plus the admissions and releases of episodes that have no movement recorded for them. */
function timelineOf(history: service.HistoryView) {
  const items = history.movements.map((m) => ({ kind: m.kind, at: m.occurredAt, from: m.fromFacilityName ?? m.fromFacilityCode, to: m.toFacilityName ?? m.toFacilityCode, reason: m.reason }));
  for (const e of history.episodes) {
    if (!history.movements.some((m) => m.episodeId === e.id && m.kind === 'admission')) items.push({ kind: 'admission', at: e.admittedAt, from: null, to: e.facilityName, reason: null });
    if (e.releasedAt && !history.movements.some((m) => m.episodeId === e.id && m.kind === 'release')) items.push({ kind: 'release', at: e.releasedAt, from: e.facilityName, to: null, reason: e.releaseReason });
  }
  return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

export function personPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;

  async function facilityChoices(req: FastifyRequest) {
    let q = app.state.db.selectFrom('facilities').select(['code', 'name']).orderBy('code');
    const codes = req.actor!.facilities;
    if (codes !== null) q = q.where('code', 'in', codes.length ? codes : ['']);
    return q.execute();
  }

  // ---- search ----
  app.get('/persons', { config: { access: 'person.read' } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const q = field(query, 'q').slice(0, 200);
    const facilities = await facilityChoices(req);
    const pick = <T extends string>(name: string, allowed: readonly string[]) => (allowed.includes(field(query, name)) ? (field(query, name) as T) : undefined);
    const filter = {
      q,
      facility: pick<string>('facility', facilities.map((f) => f.code)),
      legalStatus: pick<LegalStatus>('legalStatus', ['pretrial', 'sentenced', 'other']),
      sex: pick<Sex>('sex', ['male', 'female', 'intersex']),
      ageBand: pick<string>('ageBand', ageBandNames),
    };
    const result = await service.searchPersons(deps(), callerOf(req), { ...filter, limit: 50 });
    const names = new Map(facilities.map((f) => [f.code, f.name]));
    return reply.page('persons/views/search.njk', {
      pageTitle: req.t('persons.search.title'),
      filter: { ...filter, facility: filter.facility ?? '', legalStatus: filter.legalStatus ?? '', sex: filter.sex ?? '', ageBand: filter.ageBand ?? '' },
      searched: Object.values(filter).some((v) => v),
      items: result.items.map((i) => ({ ...i, facilityName: i.facilityCode ? (names.get(i.facilityCode) ?? i.facilityCode) : null })),
      total: result.total,
      totalCapped: result.totalCapped,
      facilityItems: [{ value: '', text: req.t('persons.search.allCentres') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      ageBandItems: [{ value: '', text: req.t('persons.search.any') }, ...ageBandNames.map((b) => ({ value: b, text: req.t('persons.search.ageBand', { band: b }) }))],
    });
  });

  // ---- the person's page ----
  const renderPerson = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const caller = callerOf(req);
    let page: Awaited<ReturnType<typeof service.getPersonPage>>;
    try {
      page = await service.getPersonPage(deps(), caller, idOf(req));
    } catch (e) {
      // A file merged into another: go to the survivor.
      if (e instanceof AppError && e.code === 'person_merged') return reply.redirect(`/persons/${String(e.params.id)}?from=merged`);
      throw e;
    }
    const { person, history, photoInline } = page;
    const merges = req.actor!.permissions.has('person.merge') ? await mergesOf(app.state.db, person.id) : [];
    const mergedNumbers = merges.length
      ? new Map(
          (await app.state.db.selectFrom('persons').select(['id', 'prisoner_number']).where('id', 'in', merges.map((m) => m.mergedId)).execute()).map((r) => [r.id, r.prisoner_number]),
        )
      : new Map<string, string>();
    const done = field(req.query, 'done');
    const currentEpisodeId = person.currentEpisode?.id ?? history.episodes[0]?.id ?? null;
    const extraSections = await loadPersonSections(app.state, req, { id: person.id, currentEpisodeId: person.currentEpisode?.id ?? null });
    return reply.page('persons/views/person.njk', {
      extraSections,
      pageTitle: `${person.prisonerNumber} – ${person.fullName}`,
      person,
      history,
      photoSrc: photoInline ? `data:${photoInline.contentType};base64,${photoInline.data.toString('base64')}` : person.photo ? `/persons/${person.id}/photo` : null,
      corrections: history.corrections.map((c) => ({ ...c, label: req.t(`persons.fields.${c.field}`), old: shown(req, c.field, c.oldValue), new: shown(req, c.field, c.newValue) })),
      timeline: timelineOf(history),
      currentProperty: history.property.filter((i) => i.episodeId === currentEpisodeId),
      earlierProperty: history.property.filter((i) => i.episodeId !== currentEpisodeId),
      merges: merges.filter((m) => m.survivorId === person.id).map((m) => ({ ...m, mergedNumber: mergedNumbers.get(m.mergedId) ?? m.mergedId })),
      done: notices.includes(done) ? done : null,
      fromMerged: field(req.query, 'from') === 'merged',
      form: {
        identity: {
          givenNames: person.givenNames,
          firstSurname: person.firstSurname,
          secondSurname: person.secondSurname ?? '',
          marriedSurname: person.marriedSurname ?? '',
          sex: person.sex,
          genderIdentity: person.genderIdentity ?? '',
          dateOfBirth: person.dateOfBirth ?? '',
          birthDateEstimated: person.birthDateEstimated,
          nationality: person.nationality,
          languages: person.languages.join(', '),
          literacy: person.literacy ?? '',
          disabilities: person.disabilities ?? '',
          distinguishingMarks: person.distinguishingMarks ?? '',
          reason: '',
        },
        alias: {},
        document: { kind: 'cedula' },
        contact: {},
        child: {},
        health: {},
        merge: {},
        ...((data.form as object | undefined) ?? {}),
      },
      open: data.open ?? null,
      errors: data.errors ?? null,
    });
  };

  app.get('/persons/:id', { config: { access: 'person.read' } }, async (req, reply) => renderPerson(req, reply));

  app.get('/persons/:id/photo', { config: { access: 'person.read' } }, async (req, reply) => {
    const photo = await service.getPhoto(deps(), callerOf(req), idOf(req));
    return reply.type(photo.contentType).header('cache-control', 'private, no-store').send(photo.data);
  });

  app.get('/persons/:id/admission-record.pdf', { config: { access: 'person.read' } }, async (req, reply) => {
    const episode = field(req.query, 'episode') || undefined;
    const data = await service.admissionRecord(deps(), callerOf(req), idOf(req), episode);
    const pdf = await admissionRecordPdf(data, req.lang, app.state.settings.timeZone);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${data.person.prisonerNumber}-ingreso.pdf"`).send(pdf);
  });

  app.get('/persons/:id/file-copy.pdf', { config: { access: 'person.read' } }, async (req, reply) => {
    const data = await service.fileCopy(deps(), callerOf(req), idOf(req));
    const pdf = await fileCopyPdf(data, req.lang, app.state.settings.timeZone);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${data.person.prisonerNumber}-expediente.pdf"`).header('cache-control', 'private, no-store').send(pdf);
  });

  /** A form on the person's page: run it, then back with a notice, or the page with the errors and what was typed. */
  const personForm = (
    path: string,
    access: 'person.write' | 'health.write' | 'person.merge',
    form: FormName,
    done: string,
    anchor: string,
    run: (req: FastifyRequest) => Promise<unknown>,
    values: (req: FastifyRequest) => Record<string, unknown> = () => ({}),
  ) =>
    app.post(`/persons/:id${path}`, { config: { access } }, async (req, reply) => {
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(`/persons/${idOf(req)}?done=${done}#${anchor}`);
      reply.code(error.status);
      // After a conflict the form shows the record as it now is (with its new version).
      const keep = error.status !== 409 ? { form: { [form]: values(req) } } : {};
      return renderPerson(req, reply, { errors: errorsFor(req, form, error), open: form, ...keep });
    });

  const identityFields = ['givenNames', 'firstSurname', 'secondSurname', 'marriedSurname', 'sex', 'genderIdentity', 'dateOfBirth', 'nationality', 'languages', 'literacy', 'disabilities', 'distinguishingMarks', 'reason'] as const;
  const identityValues = (req: FastifyRequest) => ({ ...Object.fromEntries(identityFields.map((n) => [n, field(req.body, n)])), birthDateEstimated: checkbox(req.body, 'birthDateEstimated') });

  personForm('/identity', 'person.write', 'identity', 'corrected', 'identity', (req) => {
    const b = req.body;
    const v = { ...Object.fromEntries(identityFields.map((n) => [n, field(b, n)])), birthDateEstimated: checkbox(b, 'birthDateEstimated') } as Record<(typeof identityFields)[number], string> & { birthDateEstimated: boolean };
    const changes: service.IdentityChanges = {
      givenNames: v.givenNames,
      firstSurname: v.firstSurname,
      secondSurname: orNull(v.secondSurname),
      marriedSurname: orNull(v.marriedSurname),
      sex: v.sex,
      genderIdentity: orNull(v.genderIdentity),
      dateOfBirth: orNull(v.dateOfBirth),
      birthDateEstimated: v.birthDateEstimated,
      nationality: v.nationality,
      languages: v.languages.split(/[\s,;]+/).filter((l) => l !== ''),
      literacy: orNull(v.literacy),
      disabilities: orNull(v.disabilities),
      distinguishingMarks: orNull(v.distinguishingMarks),
    };
    return service.correctIdentity(deps(), callerOf(req), idOf(req), { version: Number(field(req.body, 'version')) || 0, reason: v.reason, changes });
  }, identityValues);

  personForm('/aliases', 'person.write', 'alias', 'alias', 'identity', (req) =>
    service.addAlias(deps(), callerOf(req), idOf(req), { alias: field(req.body, 'alias'), kind: field(req.body, 'kind') === 'other_name' ? 'other_name' : 'alias' }),
  (req) => ({ alias: field(req.body, 'alias'), kind: field(req.body, 'kind') }));

  personForm('/documents', 'person.write', 'document', 'document', 'documents', (req) => {
    const kind = field(req.body, 'kind');
    if (!['cedula', 'passport', 'residence', 'other'].includes(kind)) throw new AppError(422, 'rule_violation', 'errors.validation', {}, [{ path: 'kind', key: 'persons.errors.documentKind' }]);
    const country = field(req.body, 'issuingCountry').trim().toUpperCase();
    return service.addDocument(deps(), callerOf(req), idOf(req), { kind: kind as 'cedula', number: field(req.body, 'number'), ...(country ? { issuingCountry: country } : {}) });
  }, (req) => ({ kind: field(req.body, 'kind'), number: field(req.body, 'number'), issuingCountry: field(req.body, 'issuingCountry') }));

  personForm('/contacts', 'person.write', 'contact', 'contact', 'family', (req) =>
    service.addContact(deps(), callerOf(req), idOf(req), {
      name: field(req.body, 'name'),
      relationship: field(req.body, 'relationship'),
      phone: orNull(field(req.body, 'phone')),
      address: orNull(field(req.body, 'address')),
      isEmergency: checkbox(req.body, 'isEmergency'),
      isNextOfKin: checkbox(req.body, 'isNextOfKin'),
    }),
  (req) => ({ ...Object.fromEntries(['name', 'relationship', 'phone', 'address'].map((n) => [n, field(req.body, n)])), isEmergency: checkbox(req.body, 'isEmergency'), isNextOfKin: checkbox(req.body, 'isNextOfKin') }));

  personForm('/children', 'person.write', 'child', 'child', 'family', (req) => {
    const age = field(req.body, 'ageYears').trim();
    if (age !== '' && !/^\d{1,2}$/.test(age)) throw new AppError(422, 'rule_violation', 'errors.validation', {}, [{ path: 'ageYears', key: 'persons.errors.childAge' }]);
    return service.addChild(deps(), callerOf(req), idOf(req), {
      name: field(req.body, 'name'),
      dateOfBirth: orNull(field(req.body, 'dateOfBirth')),
      ageYears: age === '' ? null : Number(age),
      whereabouts: field(req.body, 'whereabouts'),
      caregiver: orNull(field(req.body, 'caregiver')),
      livesInCentre: checkbox(req.body, 'livesInCentre'),
    });
  }, (req) => ({ ...Object.fromEntries(['name', 'dateOfBirth', 'ageYears', 'whereabouts', 'caregiver'].map((n) => [n, field(req.body, n)])), livesInCentre: checkbox(req.body, 'livesInCentre') }));

  personForm('/health-declarations', 'health.write', 'health', 'health', 'health', (req) =>
    service.addHealthDeclaration(deps(), callerOf(req), idOf(req), { pregnant: checkbox(req.body, 'pregnant'), breastfeeding: checkbox(req.body, 'breastfeeding'), notes: orNull(field(req.body, 'notes')) }),
  (req) => ({ pregnant: checkbox(req.body, 'pregnant'), breastfeeding: checkbox(req.body, 'breastfeeding'), notes: field(req.body, 'notes') }));

  personForm('/photo', 'person.write', 'photo', 'photo', 'top', (req) => {
    const file = (req.body as Record<string, unknown> | undefined)?.photo as UploadedFile | null | undefined;
    if (!file || typeof file !== 'object' || !Buffer.isBuffer(file.data)) throw new AppError(422, 'rule_violation', 'errors.validation', {}, [{ path: 'photo', key: 'persons.errors.photoRequired' }]);
    return service.setPhoto(deps(), callerOf(req), idOf(req), file.data);
  });

  personForm('/merge', 'person.merge', 'merge', 'merged', 'merges', async (req) => {
    const number = prisonerNumberOf(field(req.body, 'otherNumber'));
    const other = number
      ? await app.state.db.selectFrom('persons as p').select('p.id').where('p.prisoner_number', '=', number).where(personScopeCondition(req.actor!)).executeTakeFirst()
      : undefined;
    if (!other) throw new AppError(422, 'rule_violation', 'errors.validation', {}, [{ path: 'otherNumber', key: 'persons.errors.mergeOtherUnknown' }]);
    return mergePersons(deps(), callerOf(req), idOf(req), other.id, field(req.body, 'reason'));
  }, (req) => ({ otherNumber: field(req.body, 'otherNumber'), reason: field(req.body, 'reason') }));

  for (const kind of ['aliases', 'documents', 'contacts', 'children'] as const) {
    personForm(`/${kind}/:itemId/end`, 'person.write', 'end', 'ended', kind === 'aliases' ? 'identity' : kind === 'documents' ? 'documents' : 'family', (req) => service.endItem(deps(), callerOf(req), idOf(req), kind, itemOf(req)));
  }

  app.post('/person-merges/:mergeId/undo', { config: { access: 'person.merge' } }, async (req, reply) => {
    const m = await undoMerge(deps(), callerOf(req), (req.params as { mergeId: string }).mergeId);
    return reply.redirect(`/persons/${m.survivorId}?done=unmerged#merges`);
  });
}
