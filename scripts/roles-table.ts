// Prints the README's role × permission table from src/platform/access/roles.ts.
// `npx node scripts/roles-table.ts` — test/readme.test.ts checks that the README carries it.
import { permissions } from '../src/platform/access/permissions.ts';
import { roles, rolePermissions } from '../src/platform/access/roles.ts';

export function rolesTable(): string {
  const head = `| permission | ${roles.map((r) => `\`${r}\``).join(' | ')} |`;
  const sep = `|---|${roles.map(() => ':-:').join('|')}|`;
  const rows = permissions.map((p) => `| \`${p}\` | ${roles.map((r) => (rolePermissions[r].includes(p) ? '✔' : '')).join(' | ')} |`);
  return [head, sep, ...rows].join('\n');
}

if (import.meta.main) console.log(rolesTable());
