import type { Alert, AlertEvent, Explanation } from '../contracts/types';
import { EXPECTED_CAUSES, type IncidentType } from '../simulate/simulation-types';
import type { SimulatedPipelineRun } from './simulated-pipeline';

/** An alert belongs to an incident when it opened from one interval before its start to this long after its end. */
export const INCIDENT_ALERT_MARGIN_MS = 10 * 60_000;

/** What the alerts said about one injected incident. */
export interface IncidentCauseOutcome {
  incidentId: string;
  /** The incident type (`FleetSimulator`) or the injected fault's cause id (`EquipmentSimulator`). */
  type: string;
  deviceIds: string[];
  expected: readonly string[];
  /** Alerts opened for the incident (one is the goal: a zone event is one alert). */
  alerts: number;
  /** Top cause id of the first alert when it opened, and its confidence. */
  first?: { causeId: string; confidence: number };
  /** Top cause id of that alert's last explanation (re-explained as evidence accumulated). */
  settled?: { causeId: string; confidence: number };
  /** Top cause id of that alert's last explanation while the fault was still in effect (before its end). */
  developed?: { causeId: string; confidence: number };
  /** Alerts opened on an affected device within the margin after the incident ended (a recovery raising a new alert). */
  afterEnd: number;
}

/** Per incident type: how often the top cause named the injected fault. */
export interface CauseSummary {
  type: string;
  incidents: number;
  alerted: number;
  firstRight: number;
  settledRight: number;
  /** Incidents whose alert named the injected cause on top while the fault was in effect (see `developed`). */
  developedRight: number;
  /** Alerts per alerted incident, mean. */
  alertsPerIncident: number;
  afterEnd: number;
}

const topCause = (x: Explanation): { causeId: string; confidence: number } | undefined => {
  const best = [...x.causes].sort((a, b) => b.confidence - a.confidence)[0];
  return best ? { causeId: best.id ?? best.cause, confidence: best.confidence } : undefined;
};

/**
 * Matches a simulated run's alerts to its injected incidents: an alert belongs to an incident
 * when one of its devices is affected and it opened between one sample interval before the
 * incident's start and {@link INCIDENT_ALERT_MARGIN_MS} after its end. The first such alert's
 * opening explanation is what the operator first reads; its last explanation is what the alert
 * says once the incident has developed.
 */
export function incidentCauseOutcomes(run: SimulatedPipelineRun): IncidentCauseOutcome[] {
  const byAlert = new Map<string, { opened: Alert; last: Alert; history: AlertEvent[] }>();
  const events: AlertEvent[] = [...run.events, ...run.resolved].sort((a, b) => a.tsMs - b.tsMs);
  for (const e of events) {
    const seen = byAlert.get(e.alert.id);
    if (!seen) byAlert.set(e.alert.id, { opened: e.alert, last: e.alert, history: [e] });
    else {
      seen.last = e.alert;
      seen.history.push(e);
    }
  }
  const interval = run.simulator.intervalMs;
  const lastTsMs = run.simulator.simTimeMs;
  return run.incidents
    .filter((i) => i.endTsMs + INCIDENT_ALERT_MARGIN_MS <= lastTsMs)
    .map((incident) => {
      const devicesOf = (a: Alert) => a.deviceIds ?? [a.deviceId];
      const touches = (a: Alert) => devicesOf(a).some((d) => incident.deviceIds.includes(d));
      const alerts = [...byAlert.values()]
        .filter(
          ({ opened }) =>
            touches(opened) &&
            opened.firstSeenMs >= incident.startTsMs - interval &&
            opened.firstSeenMs <= incident.endTsMs + INCIDENT_ALERT_MARGIN_MS,
        )
        .sort((a, b) => a.opened.firstSeenMs - b.opened.firstSeenMs);
      const outcome: IncidentCauseOutcome = {
        incidentId: incident.id,
        type: incident.type,
        deviceIds: incident.deviceIds,
        expected:
          'expectedCauses' in incident
            ? incident.expectedCauses
            : EXPECTED_CAUSES[incident.type as IncidentType],
        alerts: alerts.filter((a) => a.opened.firstSeenMs < incident.endTsMs).length,
        afterEnd: alerts.filter((a) => a.opened.firstSeenMs >= incident.endTsMs).length,
      };
      const first = alerts.find((a) => a.opened.firstSeenMs < incident.endTsMs);
      if (first) {
        const f = topCause(first.opened.explanation);
        const l = topCause(first.last.explanation);
        const during = first.history.filter((e) => e.tsMs < incident.endTsMs).pop();
        const d = during && topCause(during.alert.explanation);
        if (f) outcome.first = f;
        if (l) outcome.settled = l;
        if (d) outcome.developed = d;
      }
      return outcome;
    });
}

/** {@link IncidentCauseOutcome}s summed per incident type, in the order the types first appear. */
export function summariseCauses(outcomes: IncidentCauseOutcome[]): CauseSummary[] {
  const byType = new Map<string, CauseSummary & { alertSum: number }>();
  for (const o of outcomes) {
    let s = byType.get(o.type);
    if (!s) {
      s = {
        type: o.type,
        incidents: 0,
        alerted: 0,
        firstRight: 0,
        settledRight: 0,
        developedRight: 0,
        alertsPerIncident: 0,
        afterEnd: 0,
        alertSum: 0,
      };
      byType.set(o.type, s);
    }
    s.incidents++;
    s.afterEnd += o.afterEnd;
    if (o.alerts > 0) {
      s.alerted++;
      s.alertSum += o.alerts;
    }
    if (o.first && o.expected.includes(o.first.causeId)) s.firstRight++;
    if (o.settled && o.expected.includes(o.settled.causeId)) s.settledRight++;
    if (o.developed && o.expected.includes(o.developed.causeId)) s.developedRight++;
  }
  return [...byType.values()].map(({ alertSum, ...s }) => ({
    ...s,
    alertsPerIncident: s.alerted > 0 ? alertSum / s.alerted : 0,
  }));
}
