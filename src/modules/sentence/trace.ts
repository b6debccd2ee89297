// The trace: each step of a computation as a records officer would check it by hand — the
// legal article, the arithmetic with the actual numbers, the resulting date — in Spanish
// and English. Kept apart from the engine so the arithmetic there stays readable.

import { toIsoDate } from './dates.ts';
import type { TraceStep, TraceValue } from './types.ts';

export type Values = Record<string, TraceValue>;

/** Collects steps; a disabled recorder skips all string building (used by the benchmark). */
export interface TraceRecorder {
  readonly enabled: boolean;
  readonly steps: TraceStep[];
  add(step: string, rule: string, es: string, en: string, values: Values): void;
}

export function createTrace(enabled: boolean): TraceRecorder {
  const steps: TraceStep[] = [];
  return {
    enabled,
    steps,
    add(step, rule, es, en, values) {
      if (enabled) steps.push({ step, rule, es, en, detail: en, values });
    },
  };
}

/** A date (already ISO) for a sentence of the trace, or the words for "no date". */
export function dateEs(iso: string | null): string {
  return iso === null ? 'sin fecha (la custodia terminó antes)' : iso;
}

export function dateEn(iso: string | null): string {
  return iso === null ? 'no date (custody ended first)' : iso;
}

export function isoOrNull(d: number | null): string | null {
  return d === null ? null : toIsoDate(d);
}

/** "2 años, 6 meses y 0 días" / "2 years, 6 months and 0 days". */
export function termEs(y: number, m: number, d: number): string {
  return `${y} ${y === 1 ? 'año' : 'años'}, ${m} ${m === 1 ? 'mes' : 'meses'} y ${d} ${d === 1 ? 'día' : 'días'}`;
}

export function termEn(y: number, m: number, d: number): string {
  return `${y} ${y === 1 ? 'year' : 'years'}, ${m} ${m === 1 ? 'month' : 'months'} and ${d} ${d === 1 ? 'day' : 'days'}`;
}

export const custodyKindEs: Readonly<Record<string, string>> = {
  prison: 'prisión',
  provisional_detention: 'detención provisional',
  house_arrest: 'detención domiciliaria',
  hospital: 'centro de salud',
};

export const custodyKindEn: Readonly<Record<string, string>> = {
  prison: 'prison',
  provisional_detention: 'provisional detention',
  house_arrest: 'house arrest',
  hospital: 'health facility',
};

export const activityKindEs: Readonly<Record<string, string>> = {
  work: 'trabajo',
  study: 'estudio',
  teaching: 'enseñanza',
};
