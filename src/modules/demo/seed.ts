// The demo: units and cells for every centre (synthetic, labelled so), one user per role with a
// known password so that every workflow can be tried, the people held today (population.ts)
// and the ten years of custody history behind them (history.ts). Never run outside demo mode.
import type { Kysely } from 'kysely';
import type { Database, UnitKind } from '../../platform/db/schema.ts';
import type { AppState } from '../../platform/http/context.ts';
import { hashPassword } from '../../platform/auth/passwords.ts';
import { newTotpSecret } from '../../platform/auth/totp.ts';
import { decryptSecret, encryptSecret } from '../../platform/audit/keys.ts';
import { createApiToken } from '../../platform/auth/tokens.ts';
import { recordAudit, systemActor } from '../../platform/audit/audit.ts';
import { roles, type Role } from '../../platform/access/roles.ts';
import { referenceEffectiveFrom, openedOn } from '../facilities/reference-data.ts';
import { seedPeople } from './history.ts';
import { seedLegalDemo } from './legal.ts';
import { todayIn } from '../../platform/time.ts';

export const demoPassword = 'custodia-demo';
/** The centre that scoped demo users reach. */
export const demoFacility = 'PA-LJ';
const scopedDemoUsers = new Set(['demo.director', 'demo.director2', 'demo.duty_officer']);
const secondUserRoles: Role[] = ['records_officer', 'legal', 'director'];

export interface DemoSecrets {
  adminTotpSecret: string;
  partnerToken: string;
}

export function demoUsernames(): string[] {
  return [...roles.map((r) => `demo.${r}`), ...secondUserRoles.map((r) => `demo.${r}2`)];
}

interface UnitPlan {
  code: string;
  kind: UnitKind;
  share: number;
  es: string;
}

/** How a centre's places are split into units (shares of capacity). */
function unitPlan(group: string, security: string | null): UnitPlan[] {
  if (security === 'maximum') return [
    { code: 'R', kind: 'reception', share: 0.1, es: 'Recepción' },
    { code: 'MS', kind: 'maximum', share: 0.9, es: 'Máxima seguridad' },
  ];
  const plan: UnitPlan[] = [
    { code: 'R', kind: 'reception', share: 0.04, es: 'Recepción' },
    { code: 'P', kind: 'pretrial', share: 0.34, es: 'Pabellón de detención provisional' },
    { code: 'C', kind: 'sentenced', share: 0.44, es: 'Pabellón de condenados' },
    { code: 'J', kind: 'young_adults', share: 0.1, es: 'Pabellón de adultos jóvenes' },
    { code: 'S', kind: 'health', share: 0.03, es: 'Enfermería' },
  ];
  if (group === 'women') plan.push({ code: 'M', kind: 'mothers', share: 0.05, es: 'Área materno-infantil' });
  else plan.push({ code: 'PL', kind: 'prerelease', share: 0.05, es: 'Prelibertad' });
  return plan;
}

async function seedUnitsAndCells(db: Kysely<Database>): Promise<void> {
  const facilities = await db
    .selectFrom('facilities as f')
    .leftJoinLateral(
      (eb) => eb.selectFrom('capacity_history as c').select('c.capacity').whereRef('c.facility_code', '=', 'f.code').where('c.unit_id', 'is', null).orderBy('c.effective_from', 'desc').orderBy('c.recorded_at', 'desc').limit(1).as('cap'),
      (join) => join.onTrue(),
    )
    .select(['f.code', 'f.population_group', 'f.security_level', 'cap.capacity'])
    .orderBy('f.code')
    .execute();
  for (const f of facilities) {
    const total = f.capacity ?? 100;
    const from = openedOn[f.code] ?? referenceEffectiveFrom;
    for (const u of unitPlan(f.population_group, f.security_level)) {
      const unitCapacity = Math.max(4, Math.round(total * u.share));
      const unit = await db
        .insertInto('units')
        .values({ facility_code: f.code, code: u.code, name: u.es, kind: u.kind, synthetic: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      const perCell = u.kind === 'maximum' || u.kind === 'health' ? 2 : 6;
      const cellCount = Math.max(1, Math.ceil(unitCapacity / perCell));
      const cells = await db
        .insertInto('cells')
        .values(Array.from({ length: cellCount }, (_, i) => ({ unit_id: unit.id, code: `${u.code}-${String(i + 1).padStart(3, '0')}`, synthetic: true })))
        .returning('id')
        .execute();
      const history = [
        { facility_code: f.code, unit_id: unit.id, cell_id: null, capacity: unitCapacity, source: 'synthetic' as const, effective_from: from, reason: 'demo: synthetic unit capacity' },
        ...cells.map((c, i) => ({
          facility_code: f.code,
          unit_id: unit.id,
          cell_id: c.id,
          capacity: i < cellCount - 1 ? perCell : unitCapacity - perCell * (cellCount - 1),
          source: 'synthetic' as const,
          effective_from: from,
          reason: 'demo: synthetic cell capacity',
        })),
      ];
      for (let i = 0; i < history.length; i += 1000) await db.insertInto('capacity_history').values(history.slice(i, i + 1000)).execute();
    }
  }
}

async function seedUsers(state: AppState): Promise<DemoSecrets> {
  const { db, settings, keys } = state;
  const hash = await hashPassword(demoPassword, { memoryKiB: settings.argon2MemoryKiB, passes: settings.argon2Passes });
  const adminTotpSecret = newTotpSecret();
  let partnerId = '';
  for (const username of demoUsernames()) {
    const role = username.slice(5).replace(/2$/, '') as Role;
    const scoped = scopedDemoUsers.has(username);
    const isPartner = role === 'partner';
    const user = await db
      .insertInto('users')
      .values({
        username,
        display_name: `Demo ${role.replace('_', ' ')}${username.endsWith('2') ? ' 2' : ''}`,
        password_hash: isPartner ? null : hash,
        national_scope: !scoped,
        totp_secret_enc: role === 'admin' ? encryptSecret(keys, adminTotpSecret) : null,
        totp_enabled_at: role === 'admin' ? new Date() : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('user_roles').values({ user_id: user.id, role }).execute();
    if (scoped) await db.insertInto('user_facilities').values({ user_id: user.id, facility_code: demoFacility }).execute();
    if (isPartner) partnerId = user.id;
  }
  const { token } = await createApiToken(db, { userId: partnerId, label: 'demo partner', createdBy: null });
  return { adminTotpSecret, partnerToken: token };
}

export async function seedDemo(state: AppState): Promise<DemoSecrets> {
  return state.db.transaction().execute(async (trx) => {
    await seedUnitsAndCells(trx);
    const secrets = await seedUsers({ ...state, db: trx });
    // Today's population and the ten years of history behind it (history.ts).
    const people = await seedPeople(trx, { scale: state.settings.demoScale, timeZone: state.settings.timeZone });
    const legal = await seedLegalDemo(trx, { scale: state.settings.demoScale, timeZone: state.settings.timeZone, today: todayIn(state.settings.timeZone) });
    const counts = {
      facilities: (await trx.selectFrom('facilities').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      units: (await trx.selectFrom('units').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      cells: (await trx.selectFrom('cells').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      users: demoUsernames().length,
      ...people,
      ...legal,
      scale: state.settings.demoScale,
    };
    await recordAudit(trx, systemActor, { action: 'demo.seeded', targetType: 'database', details: counts });
    return secrets;
  });
}

/** Tells the person at the terminal how to sign in. Secrets go to the terminal only, never the log. */
export async function printDemoSignIn(state: AppState, print: (line: string) => void, secrets: DemoSecrets | null): Promise<void> {
  const { settings } = state;
  const admin = await state.db.selectFrom('users').select('totp_secret_enc').where('username', '=', 'demo.admin').executeTakeFirst();
  const adminSecret = secrets?.adminTotpSecret ?? (admin?.totp_secret_enc ? decryptSecret(state.keys, admin.totp_secret_enc) : null);
  print('');
  print(`Custodia (demo) is ready at http://localhost:${settings.port}`);
  print(`Sign in with any of these users, password "${demoPassword}":`);
  print('  ' + demoUsernames().filter((u) => u !== 'demo.partner').join(', '));
  print(`demo.director, demo.director2 and demo.duty_officer reach ${demoFacility} only; the others are national.`);
  if (adminSecret) print(`demo.admin needs a second factor. Add this secret to an authenticator app: ${adminSecret}`);
  if (secrets) print(`demo.partner uses the API with this token (shown only now): ${secrets.partnerToken}`);
  else print('demo.partner\'s API token was printed on the first start (an administrator can create a new one).');
  print('');
}
