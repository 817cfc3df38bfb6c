import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { Incident } from 'node-red-contrib-lucid';
import { SEVERITY_MAPPINGS } from './severityColors';

/** The names of the Incidents frame's fields, in order. */
export const INCIDENT_FIELDS = [
  'time',
  'lastSeen',
  'id',
  'title',
  'status',
  'severity',
  'site',
  'zone',
  'rootDevice',
  'devices',
  'alertCount',
  'topPriority',
] as const;

/**
 * Converts a page of incidents into a table frame, one row per incident: opened and last-seen
 * times (epoch ms), the number of alerts grouped into it and their top priority (0..100).
 * `devices` lists the involved device ids comma-separated.
 */
export function incidentsToFrame(refId: string, incidents: readonly Incident[], total?: number): DataFrame {
  const col = <T>(f: (i: Incident) => T): T[] => incidents.map(f);
  return createDataFrame({
    refId,
    name: 'incidents',
    meta: {
      preferredVisualisationType: 'table',
      custom: { kind: 'lucid-incidents', total: total ?? incidents.length },
      notices:
        total !== undefined && total > incidents.length
          ? [{ severity: 'info', text: `Showing ${incidents.length} of ${total} incidents.` }]
          : [],
    },
    fields: [
      { name: 'time', type: FieldType.time, values: col((i) => i.openedMs), config: { displayName: 'Opened' } },
      {
        name: 'lastSeen',
        type: FieldType.time,
        values: col((i) => i.lastSeenMs),
        config: { displayName: 'Last seen' },
      },
      { name: 'id', type: FieldType.string, values: col((i) => i.id), config: { displayName: 'Incident id' } },
      { name: 'title', type: FieldType.string, values: col((i) => i.title), config: { displayName: 'Title' } },
      { name: 'status', type: FieldType.string, values: col((i) => i.status), config: { displayName: 'Status' } },
      {
        name: 'severity',
        type: FieldType.string,
        values: col((i) => i.severity),
        config: { displayName: 'Severity', mappings: SEVERITY_MAPPINGS },
      },
      { name: 'site', type: FieldType.string, values: col((i) => i.site ?? null), config: { displayName: 'Site' } },
      { name: 'zone', type: FieldType.string, values: col((i) => i.zone ?? null), config: { displayName: 'Zone' } },
      {
        name: 'rootDevice',
        type: FieldType.string,
        values: col((i) => i.rootDeviceId),
        config: { displayName: 'Root device' },
      },
      {
        name: 'devices',
        type: FieldType.string,
        values: col((i) => (i.deviceIds ?? []).join(', ')),
        config: { displayName: 'Devices' },
      },
      {
        name: 'alertCount',
        type: FieldType.number,
        values: col((i) => (i.alertIds ?? []).length),
        config: { displayName: 'Alerts', unit: 'short', decimals: 0 },
      },
      {
        name: 'topPriority',
        type: FieldType.number,
        values: col((i) => i.topPriority),
        config: { displayName: 'Top priority', unit: 'none', min: 0, max: 100, decimals: 0 },
      },
    ],
  });
}
