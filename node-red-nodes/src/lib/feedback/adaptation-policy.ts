import { randomUUID } from 'node:crypto';
import { ConfigError } from '../contracts/errors';
import type { Adaptation, Alert, Feedback } from '../contracts/types';

/** How operator verdicts become adaptations. Durations in ms (event time); 0 = until reverted. */
export interface FeedbackPolicy {
  /** What a false positive does: raise the series' threshold, suppress the fingerprint, or both. */
  falsePositive: 'threshold' | 'suppress' | 'both';
  /** Raise of the anomaly cut-off per false positive, 0..1 [0.1]. */
  thresholdStep: number;
  /** Ceiling of the summed raises of one series, 0..1 [0.4]. */
  maxThresholdRaise: number;
  /** How long a threshold raise lasts [7 days]. */
  thresholdMs: number;
  /** How long a false positive suppresses its fingerprint [24 h]. */
  suppressMs: number;
  /** Silence of the device's metric and anomaly type after "expected" [1 h]. */
  expectedSilenceMs: number;
  /** Silence of the whole device after "maintenance" [4 h]. */
  maintenanceSilenceMs: number;
  /** Priority weight per "useful" verdict on that kind of alert (> 1) [1.25]. */
  usefulWeight: number;
  /** Priority weight per "not useful" verdict on that kind of alert on that device (< 1) [0.8]. */
  notUsefulWeight: number;
  /** Bounds of the product of the weights of one scope [0.25, 4]. */
  minWeight: number;
  maxWeight: number;
}

export const DEFAULT_FEEDBACK_POLICY: Readonly<FeedbackPolicy> = {
  falsePositive: 'both',
  thresholdStep: 0.1,
  maxThresholdRaise: 0.4,
  thresholdMs: 7 * 86_400_000,
  suppressMs: 86_400_000,
  expectedSilenceMs: 3_600_000,
  maintenanceSilenceMs: 4 * 3_600_000,
  usefulWeight: 1.25,
  notUsefulWeight: 0.8,
  minWeight: 0.25,
  maxWeight: 4,
};

/**
 * A complete policy from partial settings.
 * @throws ConfigError naming the field when a value is out of range.
 */
export function resolveFeedbackPolicy(partial: Partial<FeedbackPolicy> = {}): FeedbackPolicy {
  const p = {
    ...DEFAULT_FEEDBACK_POLICY,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
  } as FeedbackPolicy;
  const check = (ok: boolean, field: keyof FeedbackPolicy, want: string): void => {
    if (!ok) throw new ConfigError(`${field}: expected ${want}, got ${JSON.stringify(p[field])}`);
  };
  check(
    ['threshold', 'suppress', 'both'].includes(p.falsePositive),
    'falsePositive',
    'threshold | suppress | both',
  );
  check(p.thresholdStep > 0 && p.thresholdStep <= 1, 'thresholdStep', 'a number in (0, 1]');
  check(
    p.maxThresholdRaise >= p.thresholdStep && p.maxThresholdRaise <= 1,
    'maxThresholdRaise',
    'a number in [thresholdStep, 1]',
  );
  for (const f of ['thresholdMs', 'suppressMs', 'expectedSilenceMs', 'maintenanceSilenceMs'] as const)
    check(Number.isFinite(p[f]) && p[f] >= 0, f, 'a duration ≥ 0 ms');
  check(p.usefulWeight > 1 && p.usefulWeight <= 4, 'usefulWeight', 'a number in (1, 4]');
  check(p.notUsefulWeight > 0 && p.notUsefulWeight < 1, 'notUsefulWeight', 'a number in (0, 1)');
  check(
    p.minWeight > 0 && p.minWeight <= 1 && p.maxWeight >= 1,
    'minWeight',
    '0 < minWeight ≤ 1 ≤ maxWeight',
  );
  return p;
}

const inForce = (a: Adaptation, tsMs: number): boolean =>
  a.revertedMs === undefined && (a.untilMs === undefined || a.untilMs > tsMs);

/**
 * The adaptations an operator's verdict on an alert calls for (Lucid's feedback loop, see
 * DESIGN.md "lucid-feedback"):
 * - `false_positive`: a `threshold` raise of the alert's series (device + metric) by
 *   `thresholdStep` (capped so the series' raises in force sum to at most `maxThresholdRaise`)
 *   and/or a `suppress` of its fingerprint for `suppressMs`;
 * - `expected`: a `silence` of the device's metric and anomaly type for `expectedSilenceMs`;
 * - `maintenance`: a `silence` of the whole device for `maintenanceSilenceMs`;
 * - `useful`: a `priority_weight` × `usefulWeight` on the alert's anomaly type;
 * - `not_useful`: a `priority_weight` × `notUsefulWeight` on that type on that device;
 *   weights stop once the product in force would leave [minWeight, maxWeight];
 * - `acknowledge`, `resolve`: none (the store changes the status).
 *
 * Periods start at the alert's `lastSeenMs` (event time), the clock lucid-detect and lucid-route
 * expire adaptations on, so replays at any speed behave as live runs.
 * @param active - adaptations already recorded (for the caps); reverted/expired ones are ignored.
 * @returns new adaptations, each with who (`feedback.user`), when (`feedback.tsMs`), why and the alert id.
 * @example
 * adaptationsForFeedback({ alertId: 'a1', verdict: 'false_positive', user: 'ana', tsMs }, alert, [], DEFAULT_FEEDBACK_POLICY)
 * // → [{ kind: 'threshold', deviceId, metric, value: 0.1, … }, { kind: 'suppress', fingerprint, untilMs, … }]
 */
export function adaptationsForFeedback(
  feedback: Feedback,
  alert: Alert,
  active: readonly Adaptation[],
  policy: FeedbackPolicy = DEFAULT_FEEDBACK_POLICY,
  newId: () => string = randomUUID,
): Adaptation[] {
  const base = alert.lastSeenMs;
  const live = active.filter((a) => inForce(a, base));
  const until = (ms: number): number | undefined => (ms > 0 ? base + ms : undefined);
  const type = alert.explanation?.type;
  const make = (
    fields: Omit<Adaptation, 'id' | 'createdBy' | 'reason' | 'alertId' | 'tsMs'>,
    why: string,
  ): Adaptation => ({
    id: newId(),
    ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as typeof fields),
    createdBy: feedback.user,
    reason: `${feedback.verdict} on alert ${alert.id}: ${why}${feedback.comment ? ` (${feedback.comment})` : ''}`,
    alertId: alert.id,
    tsMs: feedback.tsMs,
  });
  const out: Adaptation[] = [];
  switch (feedback.verdict) {
    case 'false_positive': {
      if (policy.falsePositive !== 'suppress') {
        const raised = live
          .filter((a) => a.kind === 'threshold' && a.deviceId === alert.deviceId && a.metric === alert.metric)
          .reduce((s, a) => s + (a.value ?? 0), 0);
        const step = Math.min(policy.thresholdStep, policy.maxThresholdRaise - raised);
        if (step > 1e-9) {
          out.push(
            make(
              {
                kind: 'threshold',
                deviceId: alert.deviceId,
                metric: alert.metric,
                value: Number(step.toFixed(6)),
                untilMs: until(policy.thresholdMs),
              },
              `raise the cut-off of ${alert.deviceId}${alert.metric ? `/${alert.metric}` : ''} by ${step.toFixed(2)}`,
            ),
          );
        }
      }
      if (policy.falsePositive !== 'threshold') {
        out.push(
          make(
            { kind: 'suppress', fingerprint: alert.fingerprint, untilMs: until(policy.suppressMs) },
            `suppress ${alert.fingerprint}`,
          ),
        );
      }
      break;
    }
    case 'expected':
      out.push(
        make(
          {
            kind: 'silence',
            deviceId: alert.deviceId,
            metric: alert.metric,
            type,
            untilMs: until(policy.expectedSilenceMs),
          },
          `silence ${type ?? 'alerts'} on ${alert.deviceId}${alert.metric ? `/${alert.metric}` : ''}`,
        ),
      );
      break;
    case 'maintenance':
      out.push(
        make(
          { kind: 'silence', deviceId: alert.deviceId, untilMs: until(policy.maintenanceSilenceMs) },
          `silence ${alert.deviceId} for maintenance`,
        ),
      );
      break;
    case 'useful':
    case 'not_useful': {
      if (!type) break;
      const useful = feedback.verdict === 'useful';
      const deviceId = useful ? undefined : alert.deviceId;
      const weight = useful ? policy.usefulWeight : policy.notUsefulWeight;
      const product = live
        .filter((a) => a.kind === 'priority_weight' && a.type === type && a.deviceId === deviceId)
        .reduce((p, a) => p * (a.value ?? 1), 1);
      const next = product * weight;
      if (next <= policy.maxWeight + 1e-9 && next >= policy.minWeight - 1e-9) {
        out.push(
          make(
            { kind: 'priority_weight', type, deviceId, value: weight },
            `priority of ${type} alerts${deviceId ? ` on ${deviceId}` : ''} ×${weight}`,
          ),
        );
      }
      break;
    }
    default:
      break;
  }
  return out;
}
