// The service's time zone for callers that get no settings object (the functions other modules
// call inside their transactions): the same variable and default as src/config.ts.
export function serviceTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUSTODIA_TIMEZONE || 'America/Panama';
}
