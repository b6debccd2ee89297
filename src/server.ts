// Starting Custodia: open the database, listen at once (so /health can answer 503), apply
// migrations, seed the demo when asked, then report ready.
import type { Settings } from './config.ts';
import { buildApp, appVersion, type App } from './app.ts';
import { openDatabase, type DatabaseHandle } from './platform/db/connection.ts';
import { migrate } from './platform/db/migrator.ts';
import { loadKeys } from './platform/audit/keys.ts';
import { startSealer } from './platform/audit/sealer.ts';
import { startAlertEscalation } from './modules/alerts/service.ts';
import { startReleaseControl } from './modules/release-control/service.ts';
import { acquireDataDirLock, type DataDirLock } from './platform/db/lock.ts';
import type { AppState } from './platform/http/context.ts';
import { prepareDatabase } from './platform/db/prepare.ts';

export interface RunningServer {
  app: App;
  state: AppState;
  handle: DatabaseHandle;
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function startServer(settings: Settings, opts: { listen?: boolean; logger?: boolean | object; print?: (line: string) => void } = {}): Promise<RunningServer> {
  const print = opts.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const lock: DataDirLock | null = settings.databaseUrl ? null : acquireDataDirLock(settings.dataDir);
  const keys = loadKeys(settings);
  const handle = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  const state: AppState = { db: handle.db, dbKind: handle.kind, settings, keys, version: appVersion, ready: false };
  const app = await buildApp(state, { logger: opts.logger ?? false });
  if (opts.listen !== false) await app.listen({ port: settings.port, host: settings.host });
  const log = (m: string) => app.log.info(m);
  let stopSealer: (() => Promise<void>) | null = null;
  let stopEscalation: (() => void) | null = null;
  let stopReleaseControl: (() => void) | null = null;
  const ready = (async () => {
    await migrate(handle, log);
    await prepareDatabase(state, { print, log });
    stopSealer = startSealer(state, log);
    stopEscalation = startAlertEscalation(state, log);
    stopReleaseControl = startReleaseControl(state, log);
    state.ready = true;
  })();
  ready.catch((e: unknown) => {
    print(`Custodia could not start: ${(e as Error).message}`);
  });
  return {
    app,
    state,
    handle,
    ready,
    async close() {
      await ready.catch(() => undefined);
      stopEscalation?.();
      stopReleaseControl?.();
      await stopSealer?.();
      await app.close();
      await handle.close();
      lock?.release();
    },
  };
}
