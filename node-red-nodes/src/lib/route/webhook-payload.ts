import type { Alert, AlertEvent, Incident } from '../contracts/types';
import type { DroppedSummary } from './notification-rate-limiter';

/** Version of the generic webhook body; bumped only on incompatible change. */
export const WEBHOOK_VERSION = 1;

/** The generic webhook body for an alert event. */
export interface WebhookAlertPayload {
  version: typeof WEBHOOK_VERSION;
  /** `alert.opened`, `alert.updated`, `alert.resolved`, `alert.suppressed`. */
  event: `alert.${AlertEvent['kind']}`;
  /** Event time of the change, epoch ms. */
  tsMs: number;
  alert: Alert;
  incident: Incident | null;
}

/** The generic webhook body that replaces notifications held back by the rate limit. */
export interface WebhookSummaryPayload {
  version: typeof WEBHOOK_VERSION;
  event: 'notifications.rate_limited';
  tsMs: number;
  summary: DroppedSummary;
}

/** The webhook JSON for an alert event: `{version, event, tsMs, alert, incident}`. */
export function buildWebhookPayload(event: AlertEvent, incident?: Incident): WebhookAlertPayload {
  return {
    version: WEBHOOK_VERSION,
    event: `alert.${event.kind}`,
    tsMs: event.tsMs,
    alert: event.alert,
    incident: incident ?? null,
  };
}

/** The webhook JSON for a rate-limit summary: `{version, event: 'notifications.rate_limited', tsMs, summary}`. */
export function buildWebhookSummary(summary: DroppedSummary, tsMs: number): WebhookSummaryPayload {
  return { version: WEBHOOK_VERSION, event: 'notifications.rate_limited', tsMs, summary };
}
