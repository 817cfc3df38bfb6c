import { CONNECTIVITY_METRIC, type Alert, type Severity } from '../lib/contracts/types';
import { formatTimestamp } from '../lib/contracts/time-format';

const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: '\x1b[41;97m',
  high: '\x1b[31;1m',
  medium: '\x1b[33;1m',
  low: '\x1b[36m',
  info: '\x1b[37m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** How an alert is rendered: colour for terminals, plain text for logs and tests. */
export interface AlertFormatOptions {
  colour: boolean;
  /** Reference time for "x min ago", epoch ms; omit to print no relative time. */
  nowMs?: number;
}

function formatRelative(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/**
 * Renders an explained alert as an operator reads it on a console: device and place, type,
 * detection time, severity and priority, the explanation sentence, probable causes with their
 * confidence and evidence, recommended actions, and additional insight.
 *
 * @param alert - an alert as `lucid-route` emits it.
 * @returns multi-line text ending with a newline.
 */
export function formatAlert(alert: Alert, options: AlertFormatOptions): string {
  const c = (code: string, text: string) => (options.colour ? `${code}${text}${RESET}` : text);
  const e = alert.explanation;
  const place = [alert.site, alert.zone].filter(Boolean).join(' / ');
  const label = (name: string) => c(DIM, name.padEnd(11));
  const indent = ' '.repeat(11);
  const lines: string[] = [];
  const status = alert.status === 'open' ? 'ALERT' : alert.status.toUpperCase();
  lines.push(
    `${c(SEVERITY_COLOUR[alert.severity], ` ${status} · ${alert.severity.toUpperCase()} · priority ${Math.round(alert.priority)} `)} ${e.title}`,
  );
  const others = (alert.deviceIds ?? []).filter((d) => d !== alert.deviceId);
  lines.push(
    `${label('Device')}${alert.deviceId}${place ? ` (${place})` : ''}${others.length ? `, with ${others.join(', ')}` : ''}`,
  );
  const namesMetric = alert.metric && alert.metric !== '_' && alert.metric !== CONNECTIVITY_METRIC;
  lines.push(
    `${label('Type')}${String(e.type).replace(/_/g, ' ')}${namesMetric ? ` on ${alert.metric}` : ''}`,
  );
  const ago =
    options.nowMs !== undefined ? ` (${formatRelative(options.nowMs - alert.firstSeenMs)} ago)` : '';
  lines.push(
    `${label('Detected')}${formatTimestamp(alert.firstSeenMs)}${ago}${alert.count > 1 ? `, seen ${alert.count}×` : ''}`,
  );
  lines.push(`${label('What')}${e.summary}`);
  e.causes.slice(0, 3).forEach((cause, i) => {
    const head = `${i + 1}. ${cause.cause} (${Math.round(cause.confidence * 100)} %)`;
    lines.push(`${i === 0 ? label('Causes') : indent}${head}`);
    for (const ev of cause.evidence.slice(0, 2)) lines.push(`${indent}   ${c(DIM, `- ${ev}`)}`);
  });
  e.actions.slice(0, 4).forEach((a, i) => {
    lines.push(`${i === 0 ? label('Actions') : indent}• ${a.action}${a.why ? c(DIM, ` (${a.why})`) : ''}`);
  });
  if (e.related.length > 0) {
    lines.push(`${label('Related')}${e.related.map((r) => `${r.deviceId} (${r.relation})`).join(', ')}`);
  }
  if (e.insight) lines.push(`${label('Insight')}${e.insight}`);
  lines.push(`${label('Incident')}${alert.incidentId}  ${c(DIM, `alert ${alert.id}`)}`);
  return `${lines.join('\n')}\n`;
}

/** One line for a resolved alert. */
export function formatResolved(alert: Alert, options: AlertFormatOptions): string {
  const duration =
    alert.resolvedMs !== undefined ? ` after ${formatRelative(alert.resolvedMs - alert.firstSeenMs)}` : '';
  const text = ` RESOLVED  ${alert.explanation.title}${duration}`;
  return `${options.colour ? `\x1b[32;1m${text}${RESET}` : text}\n`;
}

/**
 * One line for an update of an alert already printed (repeats, escalation, re-explanation): the
 * title, the top cause now, severity, priority and count.
 */
export function formatUpdate(alert: Alert, options: AlertFormatOptions): string {
  const top = [...alert.explanation.causes].sort((a, b) => b.confidence - a.confidence)[0];
  const cause = top ? ` (${top.cause}, ${Math.round(top.confidence * 100)} %)` : '';
  const text = ` UPDATED  ${alert.explanation.title}${cause}: ${alert.severity}, priority ${Math.round(alert.priority)}, seen ${alert.count}×`;
  return `${options.colour ? `${SEVERITY_COLOUR[alert.severity]}${text}${RESET}` : text}\n`;
}
