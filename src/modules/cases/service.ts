// The cases module's use cases in one place for callers (routes, pages, other modules): the
// offence catalogue (offences.ts), criminal cases and charges (cases.ts) and court hearings
// with the daily court list (hearings.ts). Each begins with its access check, runs in one
// transaction and audits in it.
export type { Caller, Deps, PersonRef, UserRef } from './common.ts';
export * from './offences.ts';
export * from './cases.ts';
export * from './hearings.ts';
