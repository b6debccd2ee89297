// The movements module's use cases, in one place for callers (routes, pages, other modules):
// transfers (transfers.ts), absences, escapes and recaptures (absences.ts), releases
// (releases.ts), deaths in custody and their checklist (deaths.ts) and a person's timeline
// (timeline.ts). Each begins with its access check, runs in one transaction and audits in it.
export type { Caller, Deps, UserRef, PersonRef } from './common.ts';
export * from './transfers.ts';
export * from './absences.ts';
export * from './releases.ts';
export * from './deaths.ts';
export * from './timeline.ts';
export * from './choices.ts';
