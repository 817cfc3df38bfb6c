/**
 * The Alerts frame of lucid-alerts-datasource, as the panel reads it: field names, in ONE place.
 * They match `ALERT_FIELDS` in grafana-datasource-plugin/src/frames/alertsToFrame.ts (the two
 * plugins ship separately, so the names are a contract, not an import).
 */
export const ALERT_FRAME_FIELDS = {
  firstSeen: 'time',
  lastSeen: 'lastSeen',
  id: 'id',
  priority: 'priority',
  severity: 'severity',
  status: 'status',
  device: 'device',
  site: 'site',
  zone: 'zone',
  metric: 'metric',
  type: 'type',
  title: 'title',
  summary: 'summary',
  causes: 'causes',
  actions: 'actions',
  related: 'related',
  incidentId: 'incidentId',
  count: 'count',
  score: 'score',
  /** Per-verdict counts `{useful, not_useful, …}` or null when not fetched. */
  feedback: 'feedback',
  signature: 'signature',
  /** The full Alert object as stored and signed (needed to check its signature). */
  alert: 'alert',
} as const;

/** Fields without which a frame is not an Alerts frame (the schema check). */
export const REQUIRED_ALERT_FIELDS: readonly string[] = [
  ALERT_FRAME_FIELDS.id,
  ALERT_FRAME_FIELDS.severity,
  ALERT_FRAME_FIELDS.priority,
  ALERT_FRAME_FIELDS.status,
  ALERT_FRAME_FIELDS.device,
  ALERT_FRAME_FIELDS.firstSeen,
];
