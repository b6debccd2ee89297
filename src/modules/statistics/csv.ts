// The occupancy table as CSV (RFC 4180: comma-separated, CRLF, quotes where needed), with a
// header row in the reader's language. Numbers are written plainly (no thousands separator,
// a point before the decimal, as in Panama), an unknown value as an empty cell, so that a
// spreadsheet or a script reads them as numbers.
import type { Translate } from '../../platform/i18n/i18n.ts';
import type { FacilityFigures, TotalFigures } from './occupancy-rules.ts';

export const csvColumns = ['date', 'level', 'code', 'name', 'province', 'capacity', 'capacitySource', 'population', 'occupancyRate', 'unsentenced', 'other', 'women', 'foreign', 'youngAdults'] as const;

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface CsvInput {
  date: string;
  facilities: FacilityFigures[];
  provinces: (TotalFigures & { province: string })[];
  national: TotalFigures;
}

export function occupancyCsv(t: Translate, r: CsvInput): string {
  const lines: string[] = [csvColumns.map((c) => cell(t(`statistics.csv.${c}`))).join(',')];
  const counts = (f: TotalFigures | FacilityFigures) => [f.capacity, 'capacitySource' in f && f.capacitySource ? t(`statistics.source.${f.capacitySource}`) : null, f.population, f.occupancyRate, f.unsentenced, f.other, f.women, f.foreign, f.youngAdults];
  for (const f of r.facilities) lines.push([r.date, t('statistics.level.facility'), f.code, f.name, f.province, ...counts(f)].map(cell).join(','));
  for (const p of r.provinces) lines.push([r.date, t('statistics.level.province'), '', p.province, p.province, ...counts(p)].map(cell).join(','));
  lines.push([r.date, t('statistics.level.national'), '', t('statistics.nationalName'), '', ...counts(r.national)].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}
