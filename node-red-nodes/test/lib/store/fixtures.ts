import type { Alert, AlertEvent, Detection, Incident, Severity } from '../../../src/lib/contracts/types';

/** An alert as lucid-route would emit it (explanation and score included). */
export function makeAlert(over: Partial<Alert> = {}): Alert {
  const deviceId = over.deviceId ?? 'dev-1';
  const metric = over.metric ?? 'temperature';
  const firstSeenMs = over.firstSeenMs ?? 1_700_000_000_000;
  return {
    id: 'a-1',
    fingerprint: `${deviceId}|${metric}|spike`,
    incidentId: 'inc-1',
    deviceId,
    site: 'plant-a',
    metric,
    severity: 'high',
    priority: 70,
    status: 'open',
    firstSeenMs,
    lastSeenMs: firstSeenMs,
    count: 1,
    score: {
      deviceId,
      tsMs: firstSeenMs,
      score: 0.93,
      isAnomaly: true,
      detector: 'level',
      contributions: { [metric]: 1 },
      expected: { [metric]: { value: 21, lower: 19, upper: 23 } },
      evidence: { metrics: {}, warmingUp: false, combined: { method: 'max', anomalousMetrics: [metric] } },
    },
    explanation: {
      type: 'spike',
      title: 'Temperature spike',
      summary: 'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate',
      causes: [{ cause: 'local overheating', confidence: 0.7, evidence: ['neighbours rise'] }],
      actions: [{ action: 'inspect cooling', why: 'fan current dropped' }],
      related: [],
    },
    ...over,
  };
}

export function makeEvent(
  kind: AlertEvent['kind'],
  alert: Alert,
  tsMs = alert.lastSeenMs,
  by = 'lucid-route',
): AlertEvent {
  return { kind, alert, tsMs, by };
}

export function makeIncident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    site: 'plant-a',
    rootDeviceId: 'dev-1',
    alertIds: ['a-1'],
    deviceIds: ['dev-1'],
    severity: 'high',
    topPriority: 70,
    openedMs: 1_700_000_000_000,
    lastSeenMs: 1_700_000_000_000,
    status: 'open',
    title: 'Overheating on plant-a',
    ...over,
  };
}

/** A detection of one reading with an expected band; anomalous when `value` is outside 19..23. */
export function makeDetection(
  deviceId: string,
  tsMs: number,
  value: number,
  metric = 'temperature',
): Detection {
  const isAnomaly = value < 19 || value > 23;
  return {
    reading: { deviceId, tsMs, metrics: { [metric]: value } },
    score: {
      deviceId,
      tsMs,
      score: isAnomaly ? 0.9 : 0.1,
      isAnomaly,
      detector: 'level',
      contributions: { [metric]: isAnomaly ? 1 : 0 },
      expected: { [metric]: { value: 21, lower: 19, upper: 23 } },
      evidence: {
        metrics: {},
        warmingUp: false,
        combined: { method: 'max', anomalousMetrics: isAnomaly ? [metric] : [] },
      },
    },
  };
}

/** `n` alerts on distinct devices, severities cycling, one minute apart. */
export function manyAlerts(n: number, t0 = 1_700_000_000_000): Alert[] {
  const sev: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  return Array.from({ length: n }, (_, i) =>
    makeAlert({
      id: `a-${i}`,
      deviceId: `dev-${i % 7}`,
      site: i % 2 ? 'plant-a' : 'plant-b',
      fingerprint: `dev-${i % 7}|temperature|spike|${i}`,
      incidentId: `inc-${i % 3}`,
      severity: sev[i % 5],
      priority: (i * 37) % 100,
      firstSeenMs: t0 + i * 60_000,
      lastSeenMs: t0 + i * 60_000 + 30_000,
    }),
  );
}
