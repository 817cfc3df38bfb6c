import type { Alert, AlertStatus } from 'node-red-contrib-lucid';
import { type AlertCardModel, type FeedbackCounts, type Verdict, VERDICTS } from './alertsViewModel';

/** What the panel shows instead of the frame's values for one alert, while or after acting on it. */
export interface CardOverride {
  status?: AlertStatus;
  feedback?: FeedbackCounts;
  /** The alert as the store returned it after the action. */
  alert?: Alert;
  /** The action in flight. */
  pending?: Verdict;
  /** The store's refusal of the last action (shown on the card). */
  error?: string;
  /** The last verdict the store accepted. */
  accepted?: Verdict;
  /** What was shown before the action in flight (restored if the store refuses it). */
  rollback?: CardOverride;
}

/** Status an action leads to (`acknowledge` → acknowledged, `resolve` → resolved; others keep it). */
export function statusAfter(status: AlertStatus, verdict: Verdict): AlertStatus {
  if (verdict === 'resolve') {
    return 'resolved';
  }
  if (verdict === 'acknowledge') {
    return status === 'resolved' ? status : 'acknowledged';
  }
  return status;
}

/** Counts with one more `verdict` (all verdicts present). */
export function countsAfter(counts: FeedbackCounts | null, verdict: Verdict): FeedbackCounts {
  const next = Object.fromEntries(VERDICTS.map((v) => [v, counts?.[v] ?? 0])) as FeedbackCounts;
  next[verdict] += 1;
  return next;
}

/** The optimistic override of a card for an action just sent (status and counts shown at once). */
export function optimisticOverride(card: AlertCardModel, verdict: Verdict): CardOverride {
  return { status: statusAfter(card.status, verdict), feedback: countsAfter(card.feedback, verdict), pending: verdict };
}

/** The card as shown: the frame's values with the override applied (the store's alert wins for its fields). */
export function applyOverride(card: AlertCardModel, override: CardOverride | undefined): AlertCardModel {
  if (!override) {
    return card;
  }
  const alert = override.alert;
  return {
    ...card,
    status: override.status ?? alert?.status ?? card.status,
    priority: alert?.priority ?? card.priority,
    count: alert?.count ?? card.count,
    lastSeenMs: alert?.lastSeenMs ?? card.lastSeenMs,
    signature: alert?.signature ?? card.signature,
    alert: alert ?? card.alert,
    feedback: override.feedback ?? card.feedback,
  };
}
