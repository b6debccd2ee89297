// Sections other modules add to the person's page (cases, legal time, redemption…), so the
// persons module does not have to know them. Each section loads its own data for the person
// already read (and scope-checked) by the page, and renders its own template.
import type { FastifyRequest } from 'fastify';
import type { Permission } from '../../platform/access/permissions.ts';
import type { AppState } from '../../platform/http/context.ts';

export interface PersonSection {
  /** The anchor id on the page and the key of its data, e.g. "legal-time". */
  id: string;
  /** i18n key of the section's heading (also the table of contents entry). */
  titleKey: string;
  /** Where it goes relative to the others (lower first); the built-in sections sit at 0. */
  order: number;
  /** Only users holding this permission see the section (and its data is never loaded for others). */
  permission: Permission;
  /** Nunjucks template (path from src/modules), rendered with `section` = what load returned. */
  template: string;
  load(state: AppState, req: FastifyRequest, person: { id: string; currentEpisodeId: string | null }): Promise<unknown>;
}

const sections: PersonSection[] = [];

/** Called once per section by the owning module's routes plugin. */
export function registerPersonSection(section: PersonSection): void {
  if (sections.some((s) => s.id === section.id)) return; // plugins register once per app; tests build many apps
  sections.push(section);
  sections.sort((a, b) => a.order - b.order);
}

export async function loadPersonSections(state: AppState, req: FastifyRequest, person: { id: string; currentEpisodeId: string | null }) {
  const visible = sections.filter((s) => req.actor?.permissions.has(s.permission));
  return Promise.all(visible.map(async (s) => ({ id: s.id, titleKey: s.titleKey, template: s.template, data: await s.load(state, req, person) })));
}
