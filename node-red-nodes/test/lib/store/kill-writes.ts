import type { Adaptation, AlertEvent, Incident } from '../../../src/lib/contracts/types';
import { makeAlert, makeIncident } from './fixtures';

const T0 = 1_700_000_000_000;

/** What iteration `i` of the kill writer stores: an opened and an updated alert event, every 10th an adaptation. */
export function iterationWrites(i: number): {
  events: AlertEvent[];
  incident: Incident;
  adaptation?: Adaptation;
} {
  const a = makeAlert({
    id: `k-${i}`,
    deviceId: `dev-${i % 13}`,
    fingerprint: `dev-${i % 13}|temperature|spike|${i}`,
    firstSeenMs: T0 + i * 1000,
    lastSeenMs: T0 + i * 1000,
  });
  const updated = { ...a, count: 2, lastSeenMs: a.lastSeenMs + 500, priority: 80 };
  return {
    events: [
      { kind: 'opened', alert: a, tsMs: a.firstSeenMs, by: 'lucid-route' },
      { kind: 'updated', alert: updated, tsMs: updated.lastSeenMs, by: 'lucid-route' },
    ],
    incident: makeIncident({ id: `inc-${i % 5}`, lastSeenMs: a.lastSeenMs }),
    adaptation:
      i % 10 === 0
        ? {
            id: `ad-${i}`,
            kind: 'threshold',
            deviceId: a.deviceId,
            metric: 'temperature',
            value: 0.05,
            createdBy: 'alice',
            reason: 'false positive',
            alertId: a.id,
            tsMs: T0 + i,
          }
        : undefined,
  };
}
