// The one error class of the application: it carries the HTTP status, a stable code, a
// catalogue key for the message (rendered in the caller's language) and the fields at fault.
/** A message already written in both languages (for example by a pure engine). */
export interface Localized {
  es: string;
  en: string;
}

export interface FieldError {
  path: string;
  key: string;
  params?: Record<string, unknown>;
  localized?: Localized;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly key: string;
  readonly params: Record<string, unknown>;
  readonly fields: FieldError[];
  localized?: Localized;

  constructor(status: number, code: string, key: string, params: Record<string, unknown> = {}, fields: FieldError[] = []) {
    super(key);
    this.status = status;
    this.code = code;
    this.key = key;
    this.params = params;
    this.fields = fields;
  }
}

export const badRequest = (key: string, fields: FieldError[] = [], params: Record<string, unknown> = {}) =>
  new AppError(400, 'bad_request', key, params, fields);
export const unprocessable = (key: string, fields: FieldError[] = [], params: Record<string, unknown> = {}) =>
  new AppError(422, 'rule_violation', key, params, fields);
export const unauthenticated = () => new AppError(401, 'unauthenticated', 'errors.unauthenticated');
export const forbidden = () => new AppError(403, 'forbidden', 'errors.forbidden');
export const notFound = () => new AppError(404, 'not_found', 'errors.notFound');
export const conflict = (key = 'errors.conflict', params: Record<string, unknown> = {}) => new AppError(409, 'conflict', key, params);
/** A single-field rule violation: the most common 422. */
export const fieldRule = (path: string, key: string, params: Record<string, unknown> = {}) =>
  new AppError(422, 'rule_violation', key, params, [{ path, key, params }]);
