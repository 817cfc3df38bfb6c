import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { Alert } from 'node-red-contrib-lucid';
import { severityColor } from './severityColors';

/**
 * Converts alerts into an annotation frame (the fields Grafana maps to annotations by name:
 * `time`, `timeEnd`, `title`, `text`, `tags`, `color`, `id`). A region spans first to last seen
 * (or to the resolution time); the text is the explanation's summary plus its top cause; tags
 * are severity, status, site, device, metric and anomaly type; the colour follows the severity.
 */
export function alertsToAnnotations(refId: string, alerts: readonly Alert[]): DataFrame {
  const col = <T>(f: (a: Alert) => T): T[] => alerts.map(f);
  const text = (a: Alert): string => {
    const top = a.explanation?.causes?.[0];
    const cause = top ? `\nProbable cause: ${top.cause} (${Math.round(top.confidence * 100)}%)` : '';
    return `${a.explanation?.summary ?? ''}${cause}`.trim();
  };
  const tags = (a: Alert): string[] =>
    [a.severity, a.status, a.site, a.deviceId, a.metric ?? a.explanation?.metric, a.explanation?.type].filter(
      (t): t is string => typeof t === 'string' && t !== ''
    );
  return createDataFrame({
    refId,
    name: 'lucid alerts',
    fields: [
      { name: 'time', type: FieldType.time, values: col((a) => a.firstSeenMs) },
      {
        name: 'timeEnd',
        type: FieldType.time,
        values: col((a) => Math.max(a.resolvedMs ?? a.lastSeenMs, a.firstSeenMs)),
      },
      {
        name: 'title',
        type: FieldType.string,
        values: col((a) => `[${a.severity}] ${a.explanation?.title ?? a.deviceId}`),
      },
      { name: 'text', type: FieldType.string, values: col(text) },
      { name: 'tags', type: FieldType.other, values: col(tags) },
      { name: 'color', type: FieldType.string, values: col((a) => severityColor(a.severity)) },
      { name: 'id', type: FieldType.string, values: col((a) => a.id) },
    ],
  });
}
