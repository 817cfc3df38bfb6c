import { FieldType, toDataFrame, type DataFrame } from '@grafana/data';
import type { Alert, Severity } from 'node-red-contrib-lucid';
import type { AlertDetail } from '../data/lucidStoreTypes';
import { ALERT_FRAME_FIELDS as F } from '../data/alertFrameFields';
import type { FeedbackCounts } from '../data/alertsViewModel';

/** Base time of the fixtures: 2026-03-01T10:00:00Z. */
export const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

/** A complete alert as the store returns it (unsigned unless a test signs it). */
export function makeAlert(overrides: Partial<Alert> & { id: string }): Alert {
  const deviceId = overrides.deviceId ?? 'press-07';
  const metric = overrides.metric ?? 'temperature';
  return {
    fingerprint: `${deviceId}:${metric}:spike`,
    incidentId: `inc-${overrides.id}`,
    deviceId,
    site: 'plant-a',
    zone: 'line-2',
    metric,
    severity: 'high',
    priority: 50,
    status: 'open',
    firstSeenMs: T0,
    lastSeenMs: T0 + 60_000,
    count: 1,
    score: {
      deviceId,
      tsMs: T0,
      score: 0.97,
      isAnomaly: true,
      detector: 'rate',
      contributions: { [metric]: 1 },
      evidence: {
        warmingUp: false,
        combined: { method: 'fisher', anomalousMetrics: [metric] },
        metrics: {
          [metric]: {
            metric,
            unit: '°C',
            value: 81.2,
            score: 0.97,
            kind: 'rate',
            detectorScores: { rate: 0.97 },
            direction: 'up',
            baseline: { median: 63, mad: 0.8, count: 120 },
            expected: { value: 63, lower: 60.5, upper: 65.5 },
            range: { min: -20, max: 80 },
          },
        },
      },
    },
    explanation: {
      type: 'spike',
      title: `Temperature spike on ${deviceId}`,
      summary: 'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate.',
      causes: [
        {
          cause: 'Cooling fan failure',
          confidence: 0.62,
          evidence: ['fan current dropped to 0.1 A', 'temperature rising on one device only'],
          family: 'process_anomaly',
        },
        {
          cause: 'Sensor fault',
          confidence: 0.21,
          evidence: ['no step in neighbouring sensors'],
          family: 'sensor_fault',
        },
      ],
      actions: [
        { action: 'Check the cooling fan', why: 'Fan current dropped before the rise' },
        { action: 'Reduce the press load', why: 'Limits heat while the fan is inspected' },
      ],
      related: [{ deviceId: 'press-08', relation: 'same line', similarity: 0.4 }],
      metric,
    },
    ...overrides,
  } as Alert;
}

/** Alerts frame as lucid-alerts-datasource builds it (same field names and types). */
export function alertsFrame(
  alerts: Alert[],
  feedback: Array<FeedbackCounts | null> = alerts.map(() => null),
  refId = 'A'
): DataFrame {
  const col = <T>(fn: (a: Alert) => T) => alerts.map(fn);
  return toDataFrame({
    refId,
    name: 'alerts',
    fields: [
      { name: F.firstSeen, type: FieldType.time, values: col((a) => a.firstSeenMs) },
      { name: F.lastSeen, type: FieldType.time, values: col((a) => a.lastSeenMs) },
      { name: F.id, type: FieldType.string, values: col((a) => a.id) },
      { name: F.priority, type: FieldType.number, values: col((a) => a.priority) },
      { name: F.severity, type: FieldType.string, values: col((a) => a.severity) },
      { name: F.status, type: FieldType.string, values: col((a) => a.status) },
      { name: F.device, type: FieldType.string, values: col((a) => a.deviceId) },
      { name: F.site, type: FieldType.string, values: col((a) => a.site ?? null) },
      { name: F.zone, type: FieldType.string, values: col((a) => a.zone ?? null) },
      { name: F.metric, type: FieldType.string, values: col((a) => a.metric ?? null) },
      { name: F.type, type: FieldType.string, values: col((a) => a.explanation.type) },
      { name: F.title, type: FieldType.string, values: col((a) => a.explanation.title) },
      { name: F.summary, type: FieldType.string, values: col((a) => a.explanation.summary) },
      { name: F.causes, type: FieldType.other, values: col((a) => a.explanation.causes) },
      { name: F.actions, type: FieldType.other, values: col((a) => a.explanation.actions) },
      { name: F.related, type: FieldType.other, values: col((a) => a.explanation.related) },
      { name: F.incidentId, type: FieldType.string, values: col((a) => a.incidentId) },
      { name: F.count, type: FieldType.number, values: col((a) => a.count) },
      { name: F.score, type: FieldType.number, values: col((a) => a.score.score) },
      { name: F.feedback, type: FieldType.other, values: feedback },
      { name: F.signature, type: FieldType.string, values: col((a) => a.signature ?? null) },
      { name: F.alert, type: FieldType.other, values: alerts },
    ],
  });
}

/** Evidence window of an alert: a flat series at 63 °C with a band of ±2.5, rising to 81 °C in its last 5 samples. */
export function evidenceFor(alert: Alert, samples = 30, stepMs = 60_000): AlertDetail {
  const fromMs = alert.firstSeenMs - (samples - 5) * stepMs;
  const points = Array.from({ length: samples }, (_, i) => {
    const tsMs = fromMs + i * stepMs;
    const rising = i >= samples - 5;
    const value = rising ? 63 + (i - (samples - 6)) * 3.7 : 63 + Math.sin(i) * 0.6;
    return { tsMs, value, expected: 63, lower: 60.5, upper: 65.5, anomaly: rising && value > 65.5 };
  });
  return {
    alert,
    events: [],
    feedback: [],
    evidence: {
      fromMs,
      toMs: fromMs + (samples - 1) * stepMs,
      series: [{ metric: alert.metric ?? 'temperature', rawCount: samples, points }],
    },
    signatureValid: true,
    keyId: 'ed25519:test',
  };
}

/** Severity of each priority band, for building varied fixtures. */
export function severityFor(priority: number): Severity {
  return priority >= 80
    ? 'critical'
    : priority >= 60
      ? 'high'
      : priority >= 40
        ? 'medium'
        : priority >= 20
          ? 'low'
          : 'info';
}

/**
 * An alert whose explanation changed twice while open (lucid-route's `explanationHistory`) and
 * that carries a model's narrative of its latest explanation.
 */
export function makeNarratedAlert(id: string): Alert {
  const base = makeAlert({ id });
  return makeAlert({
    id,
    explanation: {
      ...base.explanation,
      narrative: {
        text: 'Temperature on press-07 rose 18.2 °C in 5 min; a cooling fan failure is the likely cause (62%).',
        generated: true,
        model: 'llama3.2:3b',
        subject: 'spike|temperature|Cooling fan failure',
        tsMs: T0 + 120_000,
        createdMs: T0 + 125_000,
      },
    },
    explanationHistory: [
      {
        tsMs: T0,
        deviceId: 'press-07',
        type: 'spike',
        title: 'Temperature spike',
        cause: 'Sensor fault',
        confidence: 0.4,
        evidence: ['only this sensor moved'],
      },
      {
        tsMs: T0 + 120_000,
        deviceId: 'press-07',
        type: 'spike',
        title: 'Temperature spike on press-07',
        cause: 'Cooling fan failure',
        causeId: 'fan',
        confidence: 0.62,
        evidence: ['fan current dropped to 0.1 A'],
      },
    ],
  });
}
