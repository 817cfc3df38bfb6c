/** Fixtures of the narrative tests: an explained spike and the vocabulary the node gives the check. */
import type { Detection } from '../../../src/lib/contracts/types';
import { Explainer } from '../../../src/lib/explain/explainer';
import type { GroundingVocabulary } from '../../../src/lib/explain/narrative-grounding';
import { shippedPlaybooks } from '../../../src/lib/explain/playbook-library';
import { detection, envMetrics, fleet, MIN, moved, T0 } from './fixtures';

/** The temperature spike of dev-007 the node tests use: 23.1 → 41.3 °C in 5 min. */
export function explainedSpike(deviceId = 'dev-007', tsMs = T0): Detection {
  const ev = moved('temperature', 23.1, 41.3, {
    kind: 'rate',
    halfBand: 0.5,
    anomalousSinceTsMs: tsMs - MIN,
    change: {
      fromValue: 23.1,
      toValue: 41.3,
      fromTsMs: tsMs - 5 * MIN,
      durationMs: 5 * MIN,
      ratePerMin: 3.64,
      usualRatePerMin: 0.6,
    },
  });
  const [d] = new Explainer({ registry: fleet() }).process([detection(deviceId, tsMs, envMetrics([ev]))]);
  return d;
}

/** What the node gives the check: every fleet device, metric and unit, every shipped cause label. */
export function fleetVocabulary(): GroundingVocabulary {
  const devices = fleet().devices();
  return {
    deviceIds: devices.map((d) => d.deviceId),
    metrics: [...new Set(devices.flatMap((d) => Object.keys(d.metrics)))],
    units: [...new Set(devices.flatMap((d) => Object.values(d.metrics).map((m) => m.unit)))],
    causes: Object.values(shippedPlaybooks()).flatMap((p) => (p.causes ?? []).map((c) => c.label)),
  };
}
