// The shape every versioned legal rule set shares (the sentence computation's, legal
// control's): named parameters, each with its value, legal basis and whether it is an
// interpretation, published under "<family>/<version>" from a first day in force, deep-frozen so
// that nothing can change a published version at run time. A changed interpretation or a reform
// is a new version, never an edit, so every result stays reproducible under the id it names.

export interface LocalizedText {
  readonly es: string;
  readonly en: string;
}

export interface ParameterDefinitionOf<N extends string> {
  readonly name: N;
  readonly value: number | boolean;
  /** The article the value comes from, as cited in traces and lists. */
  readonly legalBasis: string;
  /** [U] in the domain notes: an interpretation or an operational choice, not a figure read in the law. */
  readonly interpretive: boolean;
  readonly description: LocalizedText;
}

export interface VersionedRuleSet<N extends string, V> {
  /** "<family>/<version>", e.g. "PA-2007/1". */
  readonly id: string;
  readonly family: string;
  readonly version: number;
  /** First day (inclusive) on which this version is in force, `YYYY-MM-DD`. */
  readonly effectiveFrom: string;
  readonly title: LocalizedText;
  readonly parameters: Readonly<Record<N, ParameterDefinitionOf<N>>>;
  /** The parameter values alone, for hot paths. */
  readonly values: V;
}

/** Builds one frozen version from its metadata and its parameters, in the order of `names`. */
export function defineRuleSet<N extends string, V>(
  names: readonly N[],
  meta: Omit<VersionedRuleSet<N, V>, 'values' | 'parameters' | 'id'>,
  parameters: Record<N, Omit<ParameterDefinitionOf<N>, 'name'>>,
): VersionedRuleSet<N, V> {
  const defs = {} as Record<N, ParameterDefinitionOf<N>>;
  const values = {} as Record<N, number | boolean>;
  for (const name of names) {
    const p = parameters[name];
    defs[name] = Object.freeze({ name, ...p, description: Object.freeze({ ...p.description }) });
    values[name] = p.value;
  }
  return Object.freeze({
    id: `${meta.family}/${meta.version}`,
    ...meta,
    title: Object.freeze({ ...meta.title }),
    parameters: Object.freeze(defs),
    values: Object.freeze(values) as unknown as V,
  });
}

/** The versions latest first (effectiveFrom, then version), for finding the one in force on a date. */
export function latestFirst<R extends { effectiveFrom: string; version: number }>(sets: readonly R[]): readonly R[] {
  return [...sets].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : b.version - a.version));
}
