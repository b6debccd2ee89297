// The guided admission form: plain HTML forms, one step per page, that work without
// JavaScript. Every step is saved to the draft (post → redirect to the next step), so an
// admission can be left ("Guardar y salir") and resumed by any officer of the centre. The last
// step creates the admission through the same service as the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from 'typebox';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field } from '../../platform/http/forms.ts';
import type { UploadedFile } from '../../platform/http/setup-security.ts';
import { fieldsFromAjv } from '../../platform/http/validation-errors.ts';
import { storeFile } from '../../platform/files/stored-files.ts';
import { formatDate } from '../../platform/i18n/i18n.ts';
import * as ext from './collaborators.ts';
import { isoToLocal, localToIso } from './local-time.ts';
import { childProblems, personProblems, timeProblems } from './rules.ts';
import * as S from './schemas.ts';
import * as admission from './service.ts';
import { callerOf } from './routes.ts';

export const steps = ['order', 'person', 'arrest', 'family', 'health', 'property', 'rights', 'review'] as const;
export type Step = (typeof steps)[number];

/** Blank rows the list steps always offer (no JavaScript needed to add one). */
const blankRows = { documents: 2, aliases: 2, contacts: 2, children: 2, property: 3 } as const;
const maxRows = { documents: 10, aliases: 20, contacts: 20, children: 20, property: 100 } as const;

type Body = Record<string, unknown> | undefined;
type Values = Record<string, unknown>;

// ---- errors on pages ----

/** The id of the control a field path points at: person.documents[0].number → person-documents-0-number. */
export const fieldId = (path: string): string => path.replace(/[.[\]]+/g, '-').replace(/-$/, '') || 'main-content';

/** The step where a field is entered. */
export function stepOf(path: string): Step {
  const head = path.split(/[.[]/)[0] ?? '';
  if (head === 'order' || head === 'orderId') return 'order';
  if (['person', 'personId', 'documents', 'aliases'].includes(head)) return 'person';
  if (head === 'arrest' || head === 'admittedAt') return 'arrest';
  if (head === 'contacts' || head === 'children') return 'family';
  if (head === 'health' || head === 'injuries') return 'health';
  if (head === 'property' || head === 'propertySignedOff') return 'property';
  if (head === 'rightsInformation') return 'rights';
  return 'review';
}

/** The label of a field path, to name the field in the error summary ('' when none). */
function labelOf(req: FastifyRequest, path: string): string {
  const generic = path.replace(/\[\d+\]/g, '').replace(/\./g, '_');
  const key = `admission.labels.${generic}`;
  const text = req.t(key);
  return text === key ? '' : text;
}

interface PageErrors {
  summary: { text: string; href: string }[];
  byField: Record<string, { text: string }>;
}

/** The error summary and per-control messages; an error of another step links to that step. */
function pageErrors(req: FastifyRequest, draftId: string, here: Step, fields: FieldError[]): PageErrors {
  const out: PageErrors = { summary: [], byField: {} };
  for (const f of fields) {
    const message = f.localized ? f.localized[req.lang] : req.t(f.key, f.params);
    const label = labelOf(req, f.path);
    const id = fieldId(f.path);
    const step = stepOf(f.path);
    const href = step === here ? `#${id}` : `/admissions/drafts/${draftId}/${step}#${id}`;
    out.summary.push({ text: label ? `${label}: ${message}` : message, href });
    out.byField[id] ??= { text: message };
  }
  return out;
}

const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const compiled = new Map<TSchema, ReturnType<Ajv['compile']>>();

/** The API schema's checks on one part of the admission, with paths under `prefix`. */
function schemaProblems(schema: TSchema, value: unknown, prefix: string): FieldError[] {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  if (validate(value)) return [];
  return fieldsFromAjv((validate.errors ?? []) as never, 'body').map((f) => ({ ...f, path: f.path ? (f.path.startsWith('[') ? `${prefix}${f.path}` : `${prefix}.${f.path}`) : prefix }));
}

// ---- reading the forms ----

const text = (body: Body, name: string): string => field(body, name).trim();
const opt = (s: string): string | undefined => (s === '' ? undefined : s);
const checked = (body: Body, name: string): boolean => field(body, name) !== '';
const uploaded = (body: Body, name: string): UploadedFile | null => {
  const v = body?.[name] as UploadedFile | null | undefined;
  return v && typeof v === 'object' && Buffer.isBuffer(v.data) && v.data.length > 0 ? v : null;
};

/** How many rows of a list the form sent (rows are numbered name-0-…, name-1-…). */
function rowCount(body: Body, prefix: string, max: number): number {
  let n = 0;
  for (const k of Object.keys(body ?? {})) {
    const m = new RegExp(`^${prefix}-(\\d+)-`).exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return Math.min(n, max);
}

/** Rows whose every text field is empty are blank rows left unused. */
function rows<T>(body: Body, prefix: string, max: number, read: (at: (name: string) => string) => T, isBlank: (at: (name: string) => string) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < rowCount(body, prefix, max); i++) {
    const at = (name: string) => text(body, `${prefix}-${i}-${name}`);
    if (!isBlank(at)) out.push(read(at));
  }
  return out;
}

/** Integer fields typed on a page: a number, or the text kept to show with an error. */
function integerOf(s: string): number | undefined | 'invalid' {
  if (s === '') return undefined;
  return /^\d{1,6}$/.test(s) ? Number(s) : 'invalid';
}

interface Parsed {
  /** What to save in the draft (top-level keys replace the stored ones; null removes). */
  patch: Record<string, unknown>;
  /** Broken rules, shown on the step after saving. */
  problems: FieldError[];
  /** The values to show again when the step is re-rendered with problems. */
  values: Values;
}

function tz(req: FastifyRequest): string {
  return req.server.state.settings.timeZone;
}

// ---- steps: from the draft to the form and back ----

function personValues(data: S.DraftData): Values {
  const p = data.person ?? ({} as Partial<NonNullable<S.DraftData['person']>>);
  const docs = p.documents ?? [];
  const aliases = p.aliases ?? [];
  return {
    ...p,
    birthDateEstimated: p.birthDateEstimated ?? false,
    estimatedAge: p.estimatedAge === undefined ? '' : String(p.estimatedAge),
    languages: (p.languages ?? []).join(', '),
    documents: [...docs, ...Array.from({ length: blankRows.documents }, () => ({}))].slice(0, maxRows.documents),
    aliases: [...aliases, ...Array.from({ length: blankRows.aliases }, () => ({}))].slice(0, maxRows.aliases),
  };
}

function parsePerson(req: FastifyRequest, body: Body, data: S.DraftData): Parsed {
  const problems: FieldError[] = [];
  const documents = rows(
    body,
    'person-documents',
    maxRows.documents,
    (at) => ({ kind: at('kind') || 'cedula', number: at('number'), ...(at('issuingCountry') ? { issuingCountry: at('issuingCountry').toUpperCase() } : {}) }),
    (at) => at('number') === '' && at('issuingCountry') === '',
  );
  const aliases = rows(body, 'person-aliases', maxRows.aliases, (at) => ({ alias: at('alias'), kind: (at('kind') || 'alias') as 'alias' | 'other_name' }), (at) => at('alias') === '');
  const age = integerOf(text(body, 'person-estimatedAge'));
  if (age === 'invalid') problems.push({ path: 'person.estimatedAge', key: 'admission.errors.number' });
  const languages = text(body, 'person-languages')
    .toLowerCase()
    .split(/[\s,;]+/)
    .filter((l) => l !== '');
  const previous = data.person ?? ({} as NonNullable<S.DraftData['person']>);
  const person: Record<string, unknown> = {
    givenNames: text(body, 'person-givenNames'),
    firstSurname: text(body, 'person-firstSurname'),
    secondSurname: opt(text(body, 'person-secondSurname')),
    marriedSurname: opt(text(body, 'person-marriedSurname')),
    sex: opt(text(body, 'person-sex')),
    genderIdentity: opt(text(body, 'person-genderIdentity')),
    dateOfBirth: opt(text(body, 'person-dateOfBirth')),
    birthDateEstimated: checked(body, 'person-birthDateEstimated') || undefined,
    estimatedAge: typeof age === 'number' ? age : undefined,
    nationality: opt(text(body, 'person-nationality').toUpperCase()),
    languages: languages.length ? languages : undefined,
    literacy: opt(text(body, 'person-literacy')),
    disabilities: opt(text(body, 'person-disabilities')),
    distinguishingMarks: opt(text(body, 'person-distinguishingMarks')),
    photoFileId: checked(body, 'person-removePhoto') ? undefined : previous.photoFileId,
    documents: documents.length ? documents : undefined,
    aliases: aliases.length ? aliases : undefined,
  };
  for (const k of Object.keys(person)) if (person[k] === undefined) delete person[k];
  const p = person as NonNullable<S.AdmissionInput['person']>;
  problems.push(...schemaProblems(S.PersonInput, person, 'person'));
  problems.push(...personProblems(p, data.admittedAt, tz(req)));
  if (p.givenNames && p.firstSurname) {
    const day = data.admittedAt ? data.admittedAt.slice(0, 10) : new Date().toISOString().slice(0, 10);
    problems.push(
      ...ext.personInputProblems(
        { givenNames: p.givenNames, firstSurname: p.firstSurname, secondSurname: p.secondSurname ?? null, sex: p.sex, nationality: p.nationality ?? '', dateOfBirth: p.dateOfBirth ?? null, documents: p.documents ?? [], aliases: p.aliases ?? [] },
        'person.',
        day,
      ).filter((f) => f.path.startsWith('person.documents') || f.path.startsWith('person.aliases')),
    );
  }
  const values = { ...personValues({ person: p }), estimatedAge: text(body, 'person-estimatedAge') };
  return { patch: { person }, problems: dedupe(problems), values };
}

function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

function arrestValues(req: FastifyRequest, data: S.DraftData): Values {
  return { arrestAt: isoToLocal(data.arrest?.at, tz(req)), arrestPlace: data.arrest?.place ?? '', admittedAt: isoToLocal(data.admittedAt, tz(req)) };
}

function parseArrest(req: FastifyRequest, body: Body): Parsed {
  const problems: FieldError[] = [];
  const values = { arrestAt: text(body, 'arrest-at'), arrestPlace: text(body, 'arrest-place'), admittedAt: text(body, 'admittedAt') };
  const at = values.arrestAt ? localToIso(values.arrestAt, tz(req)) : null;
  const admittedAt = values.admittedAt ? localToIso(values.admittedAt, tz(req)) : null;
  if (!values.arrestAt) problems.push({ path: 'arrest.at', key: 'validation.required' });
  else if (!at) problems.push({ path: 'arrest.at', key: 'admission.errors.dateTime' });
  if (!values.arrestPlace) problems.push({ path: 'arrest.place', key: 'validation.required' });
  else if (values.arrestPlace.length > 300) problems.push({ path: 'arrest.place', key: 'validation.maxLength', params: { limit: 300 } });
  if (!values.admittedAt) problems.push({ path: 'admittedAt', key: 'validation.required' });
  else if (!admittedAt) problems.push({ path: 'admittedAt', key: 'admission.errors.dateTime' });
  const arrest: Record<string, string> = {};
  if (at) arrest.at = at;
  if (values.arrestPlace) arrest.place = values.arrestPlace.slice(0, 300);
  problems.push(...timeProblems({ arrest: arrest as { at: string; place: string }, admittedAt: admittedAt ?? undefined }, new Date()));
  return { patch: { arrest: Object.keys(arrest).length ? arrest : null, admittedAt }, problems: dedupe(problems), values };
}

function familyValues(data: S.DraftData): Values {
  return {
    contacts: [...(data.contacts ?? []), ...Array.from({ length: blankRows.contacts }, () => ({}))].slice(0, maxRows.contacts),
    children: [...(data.children ?? []), ...Array.from({ length: blankRows.children }, () => ({}))].slice(0, maxRows.children),
  };
}

function parseFamily(req: FastifyRequest, body: Body, data: S.DraftData, canChildren: boolean): Parsed {
  const problems: FieldError[] = [];
  const contacts = rows(
    body,
    'contacts',
    maxRows.contacts,
    (at) => ({
      name: at('name'),
      relationship: at('relationship'),
      ...(at('phone') ? { phone: at('phone') } : {}),
      ...(at('address') ? { address: at('address') } : {}),
      isEmergency: at('isEmergency') !== '',
      isNextOfKin: at('isNextOfKin') !== '',
    }),
    (at) => !at('name') && !at('relationship') && !at('phone') && !at('address'),
  );
  problems.push(...schemaProblems(S.AdmissionBody.properties.contacts, contacts, 'contacts'));
  const patch: Record<string, unknown> = { contacts: contacts.length ? contacts : null };
  let children = data.children ?? [];
  if (canChildren) {
    children = rows(
      body,
      'children',
      maxRows.children,
      (at) => {
        const age = integerOf(at('ageYears'));
        return {
          name: at('name'),
          ...(at('dateOfBirth') ? { dateOfBirth: at('dateOfBirth') } : {}),
          ...(typeof age === 'number' ? { ageYears: age } : {}),
          whereabouts: at('whereabouts'),
          ...(at('caregiver') ? { caregiver: at('caregiver') } : {}),
          livesInCentre: at('livesInCentre') !== '',
        };
      },
      (at) => !at('name') && !at('dateOfBirth') && !at('ageYears') && !at('whereabouts') && !at('caregiver'),
    );
    rowsWithBadNumber(body, 'children', 'ageYears', maxRows.children).forEach((i) => problems.push({ path: `children[${i}].ageYears`, key: 'admission.errors.number' }));
    problems.push(...schemaProblems(S.AdmissionBody.properties.children, children, 'children'));
    problems.push(...childProblems(children, data.admittedAt, tz(req)));
    patch.children = children.length ? children : null;
  }
  return { patch, problems: dedupe(problems), values: { contacts: [...contacts, ...Array.from({ length: blankRows.contacts }, () => ({}))], children: [...children, ...Array.from({ length: blankRows.children }, () => ({}))] } };
}

/** Row indexes (among the non-blank rows) whose integer field is not a number. */
function rowsWithBadNumber(body: Body, prefix: string, name: string, max: number): number[] {
  const out: number[] = [];
  let kept = 0;
  for (let i = 0; i < rowCount(body, prefix, max); i++) {
    const values = Object.entries(body ?? {}).filter(([k, v]) => k.startsWith(`${prefix}-${i}-`) && typeof v === 'string' && v.trim() !== '');
    if (!values.length) continue;
    if (integerOf(text(body, `${prefix}-${i}-${name}`)) === 'invalid') out.push(kept);
    kept++;
  }
  return out;
}

function healthValues(data: S.DraftData): Values {
  const yn = (v: boolean | undefined) => (v === undefined ? '' : v ? 'yes' : 'no');
  return { pregnant: yn(data.health?.pregnant), breastfeeding: yn(data.health?.breastfeeding), visible: data.injuries?.visible ?? '', illTreatmentComplaint: data.injuries?.illTreatmentComplaint ?? '' };
}

function parseHealth(body: Body): Parsed {
  const yn = (name: string) => (field(body, name) === 'yes' ? true : field(body, name) === 'no' ? false : undefined);
  const health: Record<string, boolean> = {};
  const pregnant = yn('health-pregnant');
  const breastfeeding = yn('health-breastfeeding');
  if (pregnant !== undefined) health.pregnant = pregnant;
  if (breastfeeding !== undefined) health.breastfeeding = breastfeeding;
  const injuries: Record<string, string> = {};
  if (text(body, 'injuries-visible')) injuries.visible = text(body, 'injuries-visible');
  if (text(body, 'injuries-illTreatmentComplaint')) injuries.illTreatmentComplaint = text(body, 'injuries-illTreatmentComplaint');
  const problems = [...schemaProblems(S.AdmissionBody.properties.injuries, injuries, 'injuries')];
  return {
    patch: { health: Object.keys(health).length ? health : null, injuries: Object.keys(injuries).length ? injuries : null },
    problems,
    values: { pregnant: field(body, 'health-pregnant'), breastfeeding: field(body, 'health-breastfeeding'), visible: injuries.visible ?? '', illTreatmentComplaint: injuries.illTreatmentComplaint ?? '' },
  };
}

function propertyValues(data: S.DraftData): Values {
  return { items: [...(data.property ?? []), ...Array.from({ length: blankRows.property }, () => ({}))].slice(0, maxRows.property), signedOff: data.propertySignedOff === true };
}

function parseProperty(body: Body): Parsed {
  const problems: FieldError[] = [];
  const items = rows(
    body,
    'property',
    maxRows.property,
    (at) => {
      const q = integerOf(at('quantity'));
      return {
        description: at('description'),
        quantity: typeof q === 'number' ? q : 1,
        ...(at('condition') ? { condition: at('condition') } : {}),
        ...(at('storageLocation') ? { storageLocation: at('storageLocation') } : {}),
      };
    },
    (at) => !at('description') && !at('condition') && !at('storageLocation') && (!at('quantity') || at('quantity') === '1'),
  );
  rowsWithBadNumber(body, 'property', 'quantity', maxRows.property).forEach((i) => problems.push({ path: `property[${i}].quantity`, key: 'admission.errors.number' }));
  problems.push(...schemaProblems(S.AdmissionBody.properties.property, items, 'property'));
  const signedOff = checked(body, 'propertySignedOff');
  return { patch: { property: items.length ? items : null, propertySignedOff: signedOff }, problems: dedupe(problems), values: { items: [...items, ...Array.from({ length: blankRows.property }, () => ({}))], signedOff } };
}

function rightsValues(req: FastifyRequest, data: S.DraftData): Values {
  const r = data.rightsInformation;
  return { given: Boolean(r), language: r?.language ?? '', givenAt: isoToLocal(r?.givenAt, tz(req)) };
}

function parseRights(req: FastifyRequest, body: Body, data: S.DraftData): Parsed {
  const given = checked(body, 'rightsInformation-given');
  const values = { given, language: text(body, 'rightsInformation-language').toLowerCase(), givenAt: text(body, 'rightsInformation-givenAt') };
  if (!given) return { patch: { rightsInformation: null }, problems: [], values };
  const problems: FieldError[] = [];
  const givenAt = values.givenAt ? localToIso(values.givenAt, tz(req)) : null;
  if (!values.language) problems.push({ path: 'rightsInformation.language', key: 'validation.required' });
  else if (!/^[a-z]{2,3}$/.test(values.language)) problems.push({ path: 'rightsInformation.language', key: 'admission.errors.language' });
  if (!values.givenAt) problems.push({ path: 'rightsInformation.givenAt', key: 'validation.required' });
  else if (!givenAt) problems.push({ path: 'rightsInformation.givenAt', key: 'admission.errors.dateTime' });
  const rights: Record<string, string> = {};
  if (values.language) rights.language = values.language;
  if (givenAt) rights.givenAt = givenAt;
  problems.push(...timeProblems({ arrest: data.arrest, rightsInformation: givenAt ? { language: values.language, givenAt } : undefined }, new Date()).filter((f) => f.path.startsWith('rightsInformation')));
  return { patch: { rightsInformation: rights }, problems: dedupe(problems), values };
}

// ---- the admission body a draft makes ----

/** The admission a draft describes: its data plus the centre and the draft itself. */
export function bodyFromDraft(draft: admission.DraftView): Record<string, unknown> {
  const { form: _form, ...data } = draft.data;
  const body: Record<string, unknown> = { ...data, facilityCode: draft.facilityCode, draftId: draft.id };
  if (data.personId) delete body.person;
  if (data.orderId) delete body.order;
  return body;
}

/** What still stops the draft from being admitted (the API's checks, without writing anything). */
function draftProblems(req: FastifyRequest, draft: admission.DraftView): FieldError[] {
  const body = bodyFromDraft(draft);
  try {
    admission.checkAdmissionShape(body);
  } catch (e) {
    if (e instanceof AppError) return e.fields.length ? e.fields : [{ path: '', key: e.key }];
    throw e;
  }
  return admission.admissionRuleProblems(req.server.state.settings, body, new Date());
}

// ---- the pages ----

const draftIdOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

export function admissionPages(app: FastifyInstance): void {
  const deps = (): admission.Deps => app.state;
  const access = { config: { access: 'admission.create' as const } };
  const can = (req: FastifyRequest, p: 'person.children.read') => req.actor!.permissions.has(p);

  app.get('/admissions', access, async (req, reply) => {
    const drafts = await admission.listDrafts(deps(), callerOf(req), {});
    const done = field(req.query, 'done');
    return reply.page('admission/views/drafts.njk', {
      pageTitle: req.t('admission.list.title'),
      drafts: drafts.map((d) => ({ ...d, personName: draftPersonName(d) })),
      done: ['saved', 'discarded'].includes(done) ? done : null,
    });
  });

  const renderNew = async (req: FastifyRequest, reply: FastifyReply, data: Values = {}) => {
    const facilities = await admission.facilityChoices(deps(), callerOf(req));
    return reply.page('admission/views/new.njk', { pageTitle: req.t('admission.new.title'), facilities: facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` })), ...data });
  };

  app.get('/admissions/new', access, async (req, reply) => renderNew(req, reply));

  app.post('/admissions/new', access, async (req, reply) => {
    const code = field(req.body, 'facilityCode');
    if (!code) {
      reply.code(422);
      return renderNew(req, reply, { errors: pageErrors(req, '', 'review', [{ path: 'facilityCode', key: 'admission.errors.facilityRequired' }]) });
    }
    const draft = await admission.createDraft(deps(), callerOf(req), { facilityCode: code });
    return reply.redirect(`/admissions/drafts/${draft.id}/order`);
  });

  /** Loads the draft for a step page; a finished one leads to its result instead. */
  const openDraft = async (req: FastifyRequest, reply: FastifyReply): Promise<admission.DraftView | null> => {
    const draft = await admission.getDraft(deps(), callerOf(req), draftIdOf(req));
    if (draft.status === 'completed') {
      const personId = await admission.personOfEpisode(deps(), draft.completedEpisodeId!);
      await reply.redirect(personId ? `/persons/${personId}` : '/admissions');
      return null;
    }
    if (draft.status === 'discarded') {
      await reply.redirect('/admissions?done=discarded');
      return null;
    }
    return draft;
  };

  const stepNav = (draft: admission.DraftView, here: Step) => {
    const visited = (draft.data.form?.visited as string[] | undefined) ?? [];
    return steps.map((s, i) => ({ step: s, number: i + 1, href: `/admissions/drafts/${draft.id}/${s}`, current: s === here, visited: visited.includes(s) }));
  };

  const renderStep = async (req: FastifyRequest, reply: FastifyReply, step: Step, draft: admission.DraftView, data: Values = {}) => {
    const extra = step === 'order' ? await orderStepData(req, draft) : {};
    return reply.page(`admission/views/step-${step}.njk`, {
      pageTitle: `${req.t(`admission.steps.${step}`)} – ${req.t('admission.title')}`,
      draft,
      step,
      steps: stepNav(draft, step),
      canChildren: can(req, 'person.children.read'),
      action: `/admissions/drafts/${draft.id}/${step}`,
      errors: { summary: [], byField: {} },
      ...extra,
      ...data,
    });
  };

  const orderStepData = async (req: FastifyRequest, draft: admission.DraftView) => {
    const caller = callerOf(req);
    const choices = await admission.orderChoices(deps(), caller, draft.facilityCode);
    const chosen = draft.data.orderId ? await admission.orderSummary(deps(), caller, draft.data.orderId) : undefined;
    const verified = choices.filter((o) => o.status === 'verified');
    return {
      orderItems: verified.map((o) => ({
        value: o.id,
        text: req.t('admission.order.describe', { authority: o.issuing_authority, caseNumber: o.case_number, date: formatDate(req.lang, o.order_date) }),
        hint: { text: req.t('admission.order.choiceHint', { subject: o.subject_name, status: req.t(`admission.legalStatus.${o.legal_status ?? 'pretrial'}`) }) },
        checked: chosen?.id === o.id,
      })),
      awaiting: choices.filter((o) => o.status === 'registered' && o.id !== chosen?.id),
      chosen: chosen ?? null,
      orderForm: { subjectName: draftPersonName(draft) ?? '', legalStatus: 'pretrial', authorityKind: 'court' },
    };
  };

  /** Saves a step's part of the draft; the step is marked visited. */
  const save = async (req: FastifyRequest, draft: admission.DraftView, step: Step, patch: Record<string, unknown>) => {
    const visited = new Set((draft.data.form?.visited as string[] | undefined) ?? []);
    visited.add(step);
    const form = { ...(draft.data.form ?? {}), visited: steps.filter((s) => visited.has(s)), ...((patch.form as Values | undefined) ?? {}) };
    const version = Number.parseInt(field(req.body, 'version'), 10) || draft.version;
    return admission.updateDraft(deps(), callerOf(req), draft.id, { version, data: { ...patch, form } });
  };

  const next = (step: Step): Step => steps[Math.min(steps.indexOf(step) + 1, steps.length - 1)]!;

  /**
   * A step's POST: save what was typed, then show the problems on the same step, or go on
   * (to the next step, or — "Guardar y salir" — back to the list).
   */
  const stepPost = (step: Exclude<Step, 'review' | 'order'>, parse: (req: FastifyRequest, body: Body, draft: admission.DraftView) => Promise<Parsed> | Parsed, after?: (req: FastifyRequest, draft: admission.DraftView) => string | null) =>
    app.post(`/admissions/drafts/:id/${step}`, access, async (req, reply) => {
      const draft = await openDraft(req, reply);
      if (!draft) return reply;
      const parsed = await parse(req, req.body as Body, draft);
      let saved: admission.DraftView;
      try {
        saved = await save(req, draft, step, parsed.patch);
      } catch (e) {
        if (e instanceof AppError && e.status === 409) {
          reply.code(409);
          const fresh = await admission.getDraft(deps(), callerOf(req), draft.id);
          return renderStep(req, reply, step, fresh, { ...stepValues(req, step, fresh), errors: pageErrors(req, draft.id, step, [{ path: '', key: e.key }]) });
        }
        throw e;
      }
      // "Guardar y salir" keeps what was typed, problems and all; they show when the draft is resumed.
      if (field(req.body, 'action') === 'exit') return reply.redirect('/admissions?done=saved');
      if (parsed.problems.length) {
        reply.code(422);
        return renderStep(req, reply, step, saved, { values: parsed.values, errors: pageErrors(req, draft.id, step, parsed.problems) });
      }
      const custom = after?.(req, saved);
      return reply.redirect(custom ?? `/admissions/drafts/${draft.id}/${next(step)}`);
    });

  const stepValues = (req: FastifyRequest, step: Step, draft: admission.DraftView): Values => {
    switch (step) {
      case 'person':
        return { values: personValues(draft.data) };
      case 'arrest':
        return { values: arrestValues(req, draft.data) };
      case 'family':
        return { values: familyValues(draft.data) };
      case 'health':
        return { values: healthValues(draft.data) };
      case 'property':
        return { values: propertyValues(draft.data) };
      case 'rights':
        return { values: rightsValues(req, draft.data) };
      default:
        return {};
    }
  };

  app.get('/admissions/drafts/:id', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    const visited = (draft.data.form?.visited as string[] | undefined) ?? [];
    const first = steps.find((s) => !visited.includes(s)) ?? 'review';
    return reply.redirect(`/admissions/drafts/${draft.id}/${first}`);
  });

  for (const step of ['order', 'person', 'arrest', 'family', 'health', 'property', 'rights'] as const) {
    app.get(`/admissions/drafts/:id/${step}`, access, async (req, reply) => {
      const draft = await openDraft(req, reply);
      if (!draft) return reply;
      return renderStep(req, reply, step, draft, stepValues(req, step, draft));
    });
  }

  // ---- order: choose a verified order, or register one (it then awaits a second officer) ----
  app.post('/admissions/drafts/:id/order', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    const body = req.body as Body;
    const action = field(body, 'action');
    const caller = callerOf(req);
    if (action === 'register') {
      const scan = uploaded(body, 'order-scan');
      const input = {
        kind: 'commitment',
        authorityKind: text(body, 'order-authorityKind'),
        issuingAuthority: text(body, 'order-issuingAuthority'),
        caseNumber: text(body, 'order-caseNumber'),
        orderDate: text(body, 'order-orderDate'),
        subjectName: text(body, 'order-subjectName'),
        facilityCode: draft.facilityCode,
        legalStatus: text(body, 'order-legalStatus'),
        notes: text(body, 'order-notes'),
        scan: scan ? scan.data : null,
      };
      try {
        const order = await app.state.db.transaction().execute(async (trx) => {
          const o = await ext.registerOrder({ db: trx, settings: app.state.settings }, caller, input, { scanPath: 'scan' });
          await admission.updateDraft({ db: trx, settings: app.state.settings }, caller, draft.id, { version: Number(field(body, 'version')) || draft.version, data: { orderId: o.id, order: null } });
          return o;
        });
        void order;
        return reply.redirect(`/admissions/drafts/${draft.id}/order`);
      } catch (e) {
        if (!(e instanceof AppError) || ![409, 422].includes(e.status)) throw e;
        reply.code(e.status);
        const fields = e.fields.length ? e.fields.map((f) => ({ ...f, path: `order.${f.path}` })) : [{ path: '', key: e.key }];
        return renderStep(req, reply, 'order', draft, { errors: pageErrors(req, draft.id, 'order', fields), orderForm: { ...input, scan: undefined }, openRegister: true });
      }
    }
    // choose (or keep) the order and go on
    const chosen = field(body, 'orderId');
    const patch: Record<string, unknown> = {};
    if (chosen) {
      const choices = await admission.orderChoices(deps(), caller, draft.facilityCode);
      if (!choices.some((o) => o.id === chosen && o.status === 'verified')) {
        reply.code(422);
        return renderStep(req, reply, 'order', draft, { errors: pageErrors(req, draft.id, 'order', [{ path: 'orderId', key: 'admission.errors.orderNotSelectable' }]) });
      }
      patch.orderId = chosen;
      patch.order = null;
    } else if (!draft.data.orderId) {
      if (action !== 'exit') {
        reply.code(422);
        return renderStep(req, reply, 'order', draft, { errors: pageErrors(req, draft.id, 'order', [{ path: 'orderId', key: 'admission.errors.orderRequired' }]) });
      }
    }
    try {
      await save(req, draft, 'order', patch);
    } catch (e) {
      if (e instanceof AppError && e.status === 409) {
        reply.code(409);
        const fresh = await admission.getDraft(deps(), caller, draft.id);
        return renderStep(req, reply, 'order', fresh, { errors: pageErrors(req, draft.id, 'order', [{ path: '', key: e.key }]) });
      }
      throw e;
    }
    if (action === 'exit') return reply.redirect('/admissions?done=saved');
    return reply.redirect(`/admissions/drafts/${draft.id}/person`);
  });

  // ---- person: identity, documents, photo; then the likely matches ----
  stepPost(
    'person',
    async (req, body, draft) => {
      const parsed = parsePerson(req, body, draft.data);
      const photo = uploaded(body, 'person-photo');
      if (photo) {
        try {
          const id = await storeFile(app.state.db, { data: photo.data, createdBy: req.actor!.userId, path: 'person.photo', allowed: ['image/jpeg', 'image/png'] });
          (parsed.patch.person as Values).photoFileId = id;
          parsed.values.photoFileId = id;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          parsed.problems.push(...e.fields);
        }
      }
      // A changed identity must be checked against existing files again.
      parsed.patch.form = { personChecked: false };
      parsed.patch.personId = null;
      return parsed;
    },
    (_req, draft) => `/admissions/drafts/${draft.id}/person/matches`,
  );

  app.post('/admissions/drafts/:id/person/unlink', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    await save(req, draft, 'person', { personId: null, form: { personChecked: false, linkedPerson: null } });
    return reply.redirect(`/admissions/drafts/${draft.id}/person`);
  });

  const matchesFor = async (req: FastifyRequest, draft: admission.DraftView) => {
    const p = draft.data.person;
    if (!p?.givenNames || !p.firstSurname) return null;
    return ext.findPossibleMatches(
      app.state.db,
      req.actor!,
      { givenNames: p.givenNames, firstSurname: p.firstSurname, secondSurname: p.secondSurname ?? null, dateOfBirth: p.dateOfBirth ?? null, birthDateEstimated: p.birthDateEstimated ?? false, documents: p.documents ?? [] },
      callerOf(req).audit,
    );
  };

  const renderMatches = async (req: FastifyRequest, reply: FastifyReply, draft: admission.DraftView, data: Values = {}) => {
    const matches = await matchesFor(req, draft);
    if (matches === null) return reply.redirect(`/admissions/drafts/${draft.id}/person`);
    return reply.page('admission/views/step-matches.njk', {
      pageTitle: `${req.t('admission.matches.title')} – ${req.t('admission.title')}`,
      draft,
      step: 'person',
      steps: stepNav(draft, 'person'),
      matches,
      personName: draftPersonName(draft),
      action: `/admissions/drafts/${draft.id}/person/matches`,
      errors: { summary: [], byField: {} },
      ...data,
    });
  };

  app.get('/admissions/drafts/:id/person/matches', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    return renderMatches(req, reply, draft);
  });

  app.post('/admissions/drafts/:id/person/matches', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    const choice = field(req.body, 'choice');
    if (choice === 'new') {
      await save(req, draft, 'person', { personId: null, form: { personChecked: true, linkedPerson: null } });
    } else if (choice) {
      // The file linked must be one of the matches shown (the check is run again, and audited).
      const matches = (await matchesFor(req, draft)) ?? [];
      const m = matches.find((x) => x.id === choice);
      if (!m) {
        reply.code(422);
        return renderMatches(req, reply, draft, { errors: pageErrors(req, draft.id, 'person', [{ path: 'choice', key: 'admission.errors.matchGone' }]) });
      }
      const linkedPerson = { id: m.id, prisonerNumber: m.prisonerNumber, name: [m.givenNames, m.firstSurname, m.secondSurname].filter(Boolean).join(' '), dateOfBirth: m.dateOfBirth, lastFacilityName: m.lastFacilityName };
      await save(req, draft, 'person', { personId: m.id, form: { personChecked: true, linkedPerson } });
    } else {
      reply.code(422);
      return renderMatches(req, reply, draft, { errors: pageErrors(req, draft.id, 'person', [{ path: 'choice', key: 'admission.errors.choiceRequired' }]) });
    }
    if (field(req.body, 'action') === 'exit') return reply.redirect('/admissions?done=saved');
    return reply.redirect(`/admissions/drafts/${draft.id}/arrest`);
  });

  stepPost('arrest', (req, body) => parseArrest(req, body));
  stepPost('family', (req, body, draft) => parseFamily(req, body, draft.data, can(req, 'person.children.read')));
  stepPost('health', (_req, body) => parseHealth(body));
  stepPost('property', (_req, body) => parseProperty(body));
  stepPost('rights', (req, body, draft) => parseRights(req, body, draft.data));

  // ---- review and completion ----
  const renderReview = async (req: FastifyRequest, reply: FastifyReply, draft: admission.DraftView, data: Values = {}) => {
    const caller = callerOf(req);
    const order = draft.data.orderId ? await admission.orderSummary(deps(), caller, draft.data.orderId) : undefined;
    const problems = draftProblems(req, draft);
    if (order && order.status !== 'verified') problems.unshift({ path: 'orderId', key: order.status === 'rejected' ? 'admission.errors.orderRejected' : 'admission.errors.orderAwaiting' });
    if (!draft.data.personId && draft.data.person && draft.data.form?.personChecked !== true) problems.push({ path: 'person', key: 'admission.errors.matchesNotChecked' });
    return reply.page('admission/views/step-review.njk', {
      pageTitle: `${req.t('admission.steps.review')} – ${req.t('admission.title')}`,
      draft,
      step: 'review',
      steps: stepNav(draft, 'review'),
      canChildren: can(req, 'person.children.read'),
      order: order ?? null,
      local: (iso: string | undefined) => isoToLocal(iso, tz(req)).replace('T', ' '),
      blocking: pageErrors(req, draft.id, 'review', problems),
      errors: { summary: [], byField: {} },
      action: `/admissions/drafts/${draft.id}/review`,
      ...data,
    });
  };

  app.get('/admissions/drafts/:id/review', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    return renderReview(req, reply, draft);
  });

  app.post('/admissions/drafts/:id/review', access, async (req, reply) => {
    const draft = await openDraft(req, reply);
    if (!draft) return reply;
    if (field(req.body, 'action') === 'exit') return reply.redirect('/admissions?done=saved');
    if (!draft.data.personId && draft.data.person && draft.data.form?.personChecked !== true) {
      reply.code(422);
      return renderReview(req, reply, draft, { errors: pageErrors(req, draft.id, 'review', [{ path: 'person', key: 'admission.errors.matchesNotChecked' }]) });
    }
    try {
      const body = bodyFromDraft(draft);
      admission.checkAdmissionShape(body);
      const result = await admission.admit(deps(), callerOf(req), body);
      return reply.redirect(`/persons/${result.personId}`);
    } catch (e) {
      if (!(e instanceof AppError) || ![400, 403, 404, 409, 422].includes(e.status)) throw e;
      reply.code(e.status);
      const fields = e.fields.length ? e.fields : [{ path: '', key: e.key, params: e.params }];
      return renderReview(req, reply, draft, { errors: pageErrors(req, draft.id, 'review', fields) });
    }
  });

  app.post('/admissions/drafts/:id/discard', access, async (req, reply) => {
    await admission.discardDraft(deps(), callerOf(req), draftIdOf(req));
    return reply.redirect('/admissions?done=discarded');
  });
}

/** The name a draft is known by in lists: the linked file's, or the one typed so far. */
function draftPersonName(d: admission.DraftView): string | null {
  const linked = d.data.form?.linkedPerson as { name?: string; prisonerNumber?: string } | null | undefined;
  if (d.data.personId && linked?.name) return `${linked.name} (${linked.prisonerNumber ?? ''})`;
  const p = d.data.person;
  const name = [p?.givenNames, p?.firstSurname, p?.secondSurname].filter(Boolean).join(' ');
  return name || null;
}
