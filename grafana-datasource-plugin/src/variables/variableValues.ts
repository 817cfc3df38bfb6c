import type { MetricFindValue } from '@grafana/data';
import type { Alert } from 'node-red-contrib-lucid';
import type { LucidApi } from '../api/LucidApi';
import { type LucidVariableQuery, VARIABLE_SCAN_LIMIT, VariableKind } from '../types';
import type { RangeMs } from '../query/buildParams';
import type { Interpolate } from '../query/resolveQuery';

/**
 * Reads a variable query: the object the variable editor saves, or the text form
 * `sites`, `zones`, `devices`, `metrics`, optionally followed by `site=<site>` and/or
 * `device=<device>` (e.g. `metrics device=$device`).
 * @throws Error naming the kind when it is not one of sites, zones, devices, metrics.
 */
export function parseVariableQuery(query: string | Partial<LucidVariableQuery> | undefined): LucidVariableQuery {
  if (query && typeof query === 'object') {
    const kind = query.kind ?? VariableKind.Sites;
    if (!Object.values(VariableKind).includes(kind)) {
      throw new Error(`variable query: kind "${String(kind)}" is not one of ${Object.values(VariableKind).join(', ')}`);
    }
    return { kind, site: query.site || undefined, device: query.device || undefined };
  }
  const [head = 'sites', ...rest] = String(query ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const kind = head.toLowerCase() as VariableKind;
  if (!Object.values(VariableKind).includes(kind)) {
    throw new Error(
      `variable query: "${head}" is not one of ${Object.values(VariableKind).join(', ')} (e.g. "devices site=$site")`
    );
  }
  const out: LucidVariableQuery = { kind };
  for (const part of rest) {
    const [key, value] = part.split('=');
    if ((key === 'site' || key === 'device') && value) {
      out[key] = value;
    } else {
      throw new Error(`variable query: unknown filter "${part}" (use site=<site> or device=<device>)`);
    }
  }
  return out;
}

/** The values of one kind found in a list of alerts, sorted, without duplicates or blanks. */
export function distinctValues(alerts: readonly Alert[], kind: VariableKind): string[] {
  const pick: Record<VariableKind, (a: Alert) => Array<string | undefined>> = {
    [VariableKind.Sites]: (a) => [a.site],
    [VariableKind.Zones]: (a) => [a.zone],
    [VariableKind.Devices]: (a) => [a.deviceId, ...(a.explanation?.related ?? []).map((r) => r.deviceId)],
    [VariableKind.Metrics]: (a) => [a.metric ?? a.explanation?.metric, ...Object.keys(a.score?.contributions ?? {})],
  };
  const values = new Set<string>();
  for (const a of alerts) {
    for (const v of pick[kind](a)) {
      if (typeof v === 'string' && v.trim() !== '') {
        values.add(v);
      }
    }
  }
  return [...values].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
}

/**
 * Values of a template variable. The store has no endpoint listing sites, zones, devices or
 * metrics, so they are collected from the newest {@link VARIABLE_SCAN_LIMIT} alerts (in the
 * dashboard range when one is given; `site`/`device` filters narrow the scan). Devices include
 * related devices named in explanations; metrics include every metric that contributed to a score.
 * Devices or metrics that never alerted in that window are therefore not listed.
 */
export async function findVariableValues(
  api: LucidApi,
  query: LucidVariableQuery,
  interpolate: Interpolate,
  range?: RangeMs
): Promise<MetricFindValue[]> {
  const site = query.site ? interpolate(query.site) : undefined;
  const device = query.device ? interpolate(query.device) : undefined;
  const page = await api.alerts({
    from: range ? Math.floor(range.fromMs) : undefined,
    to: range ? Math.ceil(range.toMs) : undefined,
    site: site && !site.includes(',') ? site : undefined,
    device: device && !device.includes(',') ? device : undefined,
    sort: 'time',
    order: 'desc',
    limit: VARIABLE_SCAN_LIMIT,
  });
  return distinctValues(page.items, query.kind).map((text) => ({ text, value: text }));
}
