import type { Alert, Incident } from 'node-red-contrib-lucid';
import type { Page, SeriesResult, StatsResult } from '../api/storeTypes';

/** Fixed instants of the fixtures (epoch ms). */
export const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);
export const MIN = 60_000;

/**
 * An alert as the store returns it: a localized overheating on a pump's temperature with causes,
 * actions and a related device. `overrides` replace top-level fields.
 */
export function alertFixture(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'al-1',
    fingerprint: 'pump-7|temperature|spike',
    incidentId: 'inc-1',
    deviceId: 'pump-7',
    site: 'north',
    zone: 'line-2',
    metric: 'temperature',
    severity: 'high',
    priority: 82,
    status: 'open',
    firstSeenMs: T0,
    lastSeenMs: T0 + 5 * MIN,
    count: 3,
    score: {
      deviceId: 'pump-7',
      tsMs: T0 + 5 * MIN,
      score: 0.97,
      isAnomaly: true,
      detector: 'fisher(level,rate)',
      contributions: { temperature: 0.9, vibration: 0.1 },
      expected: { temperature: { value: 61, lower: 57, upper: 65 } },
      evidence: {
        metrics: {
          temperature: {
            metric: 'temperature',
            unit: '°C',
            value: 79.2,
            score: 0.97,
            kind: 'rate',
            detectorScores: { rate: 0.97 },
            direction: 'up',
            baseline: { median: 61, mad: 1.2, count: 120 },
            expected: { value: 61, lower: 57, upper: 65 },
          },
        },
        warmingUp: false,
        combined: { method: 'fisher', anomalousMetrics: ['temperature'] },
      },
    },
    explanation: {
      type: 'spike',
      title: 'Temperature spike on pump-7',
      summary: 'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate.',
      causes: [
        {
          cause: 'Localized overheating',
          confidence: 0.72,
          evidence: ['2 nearby sensors on line-2 rose too'],
          family: 'environment',
        },
        { cause: 'Sensor fault', confidence: 0.18, evidence: ['no change in vibration'], family: 'sensor_fault' },
      ],
      actions: [{ action: 'Inspect cooling on line-2', why: 'Neighbours show the same rise' }],
      related: [{ deviceId: 'pump-8', relation: 'same zone', similarity: 0.8 }],
      metric: 'temperature',
    },
    signature: 'c2lnbmF0dXJl',
    prevHash: 'abc123',
    ...overrides,
  };
}

export function pageOf<T>(items: T[], total = items.length): Page<T> {
  return { items, total, limit: 100, offset: 0, nextOffset: total > items.length ? items.length : null };
}

export function incidentFixture(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    site: 'north',
    zone: 'line-2',
    rootDeviceId: 'pump-7',
    alertIds: ['al-1', 'al-2'],
    deviceIds: ['pump-7', 'pump-8'],
    severity: 'high',
    topPriority: 82,
    openedMs: T0,
    lastSeenMs: T0 + 6 * MIN,
    status: 'open',
    title: 'Localized overheating on line-2',
    ...overrides,
  };
}

export function seriesFixture(overrides: Partial<SeriesResult> = {}): SeriesResult {
  return {
    deviceId: 'pump-7',
    metric: 'temperature',
    fromMs: T0 - 10 * MIN,
    toMs: T0 + 10 * MIN,
    rawCount: 1200,
    points: [
      { tsMs: T0 - MIN, value: 61.2, expected: 61, lower: 57, upper: 65, score: 0.1, anomaly: false },
      { tsMs: T0, value: 70.5, expected: 61, lower: 57, upper: 65, score: 0.9, anomaly: true },
      { tsMs: T0 + MIN, value: 79.2, anomaly: true },
    ],
    anomalies: [],
    alerts: [
      {
        id: 'al-1',
        severity: 'high',
        status: 'open',
        firstSeenMs: T0,
        lastSeenMs: T0 + 5 * MIN,
        title: 'Temperature spike on pump-7',
      },
    ],
    ...overrides,
  };
}

export function statsFixture(overrides: Partial<StatsResult> = {}): StatsResult {
  return {
    fromMs: T0,
    toMs: T0 + 60 * MIN,
    detections: 36000,
    anomalies: 420,
    alertsOpened: 12,
    alertUpdates: 300,
    alertsSuppressed: 4,
    alertsResolved: 9,
    incidentsOpened: 5,
    notifications: 7,
    feedback: 3,
    reduction: { anomaliesPerAlert: 35, alertsPerIncident: 2.4, notificationReduction: 1 - 7 / 420 },
    ...overrides,
  };
}
