import { CONNECTIVITY_METRIC, type AlertEvent, type Incident, type Severity } from '../contracts/types';
import { formatTimestamp } from '../contracts/time-format';
import type { DroppedSummary } from './notification-rate-limiter';

/** A Slack Block Kit text object. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

/** The Block Kit blocks `lucid-route` uses. */
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

/** A Slack message body for `chat.postMessage` or an incoming webhook: `text` is the fallback. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

// Block Kit limits (api.slack.com/reference/block-kit/blocks): header text 150 chars,
// section text 3000, section fields ≤ 10 of 2000 chars, context ≤ 10 elements.
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const FIELD_MAX = 2000;
const LIST_MAX = 5;

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters (`&`, `<`, `>`),
 * as Slack's "Formatting text" guide prescribes, so that user text cannot inject links or
 * mentions (`<!channel>`).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const md = (text: string, max = TEXT_MAX): SlackText => ({ type: 'mrkdwn', text: truncate(text, max) });
const pct = (x: number): string => `${Math.round(Math.min(1, Math.max(0, x)) * 100)}%`;
/** The one time format of explanations and alerts (`2024-01-01 01:47:50 UTC`). */
const iso = formatTimestamp;
const label = (s: Severity): string => s.toUpperCase();

/**
 * Renders an alert event as a Slack Block Kit message: a header (severity emoji, severity and
 * title), fields (severity, priority, device, site / zone, metric, occurrences), the summary,
 * the top causes with their confidence, the recommended actions, related devices, and a
 * context line with the alert, incident and fingerprint. All user text is mrkdwn-escaped and
 * truncated to Block Kit's limits; `text` is the notification fallback.
 *
 * Source: Slack Block Kit reference (header, section, context blocks; text objects).
 */
export function buildSlackMessage(event: AlertEvent, incident?: Incident): SlackMessage {
  const a = event.alert;
  const x = a.explanation;
  const resolved = event.kind === 'resolved';
  const head = resolved
    ? `:white_check_mark: RESOLVED: ${x.title}`
    : `${EMOJI[a.severity]} ${label(a.severity)}: ${x.title}`;
  const where = [a.site, a.zone].filter(Boolean).join(' / ') || 'unknown';
  const devices = a.deviceIds ?? [a.deviceId];
  const namesMetric = a.metric !== undefined && a.metric !== '_' && a.metric !== CONNECTIVITY_METRIC;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(head, HEADER_MAX), emoji: true } },
    {
      type: 'section',
      fields: [
        md(`*Severity*\n${label(a.severity)}`, FIELD_MAX),
        md(`*Priority*\n${a.priority}/100`, FIELD_MAX),
        md(
          `*Device${devices.length > 1 ? 's' : ''}*\n${devices.map((d) => `\`${escapeMrkdwn(d)}\``).join(', ')}`,
          FIELD_MAX,
        ),
        md(`*Site / zone*\n${escapeMrkdwn(where)}`, FIELD_MAX),
        // A connectivity alert is about the device, not one of its metrics.
        md(`*Metric*\n${namesMetric ? escapeMrkdwn(a.metric ?? '') : '—'}`, FIELD_MAX),
        md(
          resolved && a.resolvedMs !== undefined
            ? `*Resolved*\n${iso(a.resolvedMs)} (${a.count}× since ${iso(a.firstSeenMs)})`
            : `*Seen*\n${a.count}× since ${iso(a.firstSeenMs)}`,
          FIELD_MAX,
        ),
      ],
    },
  ];
  if (x.summary) blocks.push({ type: 'section', text: md(escapeMrkdwn(x.summary)) });
  const causes = [...x.causes].sort((p, q) => q.confidence - p.confidence).slice(0, LIST_MAX);
  if (!resolved && causes.length > 0) {
    const lines = causes.map((c) => `• ${escapeMrkdwn(c.cause)}: *${pct(c.confidence)}*`);
    blocks.push({ type: 'section', text: md(`*Probable causes*\n${lines.join('\n')}`) });
  }
  if (!resolved && x.actions.length > 0) {
    const lines = x.actions
      .slice(0, LIST_MAX)
      .map((c, i) => `${i + 1}. ${escapeMrkdwn(c.action)}${c.why ? ` _(${escapeMrkdwn(c.why)})_` : ''}`);
    blocks.push({ type: 'section', text: md(`*Recommended actions*\n${lines.join('\n')}`) });
  }
  if (x.related.length > 0) {
    const list = x.related
      .slice(0, LIST_MAX)
      .map((r) => `\`${escapeMrkdwn(r.deviceId)}\` (${escapeMrkdwn(r.relation)}, ${pct(r.similarity)})`)
      .join(', ');
    const more = x.related.length > LIST_MAX ? ` and ${x.related.length - LIST_MAX} more` : '';
    blocks.push({ type: 'context', elements: [md(`*Related devices:* ${list}${more}`)] });
  }
  if (x.insight) blocks.push({ type: 'context', elements: [md(escapeMrkdwn(x.insight))] });
  const incidentNote =
    incident && incident.alertIds.length > 1
      ? ` · ${incident.alertIds.length} alerts on ${incident.deviceIds.length} devices`
      : '';
  blocks.push({
    type: 'context',
    elements: [
      md(`Alert \`${a.id}\` · incident \`${a.incidentId}\`${incidentNote} · ${escapeMrkdwn(a.fingerprint)}`),
    ],
  });
  // The title already names the device (or the zone of a correlated event).
  const text = resolved
    ? `Resolved: ${x.title}`
    : `[${label(a.severity)}] ${x.title} (${where}), priority ${a.priority}`;
  return { text: truncate(text, TEXT_MAX), blocks };
}

/** Renders a rate-limit summary: how many notifications were held back, by severity, and which alerts. */
export function buildSlackSummary(summary: DroppedSummary): SlackMessage {
  const severities = (Object.entries(summary.bySeverity) as [Severity, number][])
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = summary.alerts.map(
    (d) => `• ${EMOJI[d.severity]} ${escapeMrkdwn(d.title)} (\`${d.alertId}\`)`,
  );
  const more =
    summary.count > summary.alerts.length ? `\n…and ${summary.count - summary.alerts.length} more` : '';
  const text = `${summary.count} notifications held back by the rate limit between ${iso(summary.fromMs)} and ${iso(summary.toMs)}`;
  return {
    text,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `:hourglass: ${summary.count} more alert notifications`,
          emoji: true,
        },
      },
      { type: 'section', text: md(`${escapeMrkdwn(text)} (${severities}).`) },
      { type: 'section', text: md(`${lines.join('\n')}${more}`) },
    ],
  };
}
