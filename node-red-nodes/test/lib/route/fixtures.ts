import type { Detection, Explanation } from '../../../src/lib/contracts/types';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';

/** A small fleet: two devices in zone-a, one in zone-b, all at plant-1; dev-a1 is critical. */
export const FLEET = new FleetRegistry({
  version: 1,
  defaults: { site: 'plant-1' },
  devices: [
    { deviceId: 'dev-a1', zone: 'zone-a', criticality: 5 },
    { deviceId: 'dev-a2', zone: 'zone-a', criticality: 3 },
    { deviceId: 'dev-b1', zone: 'zone-b', criticality: 1 },
  ],
});

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const MIN = 60_000;

export interface DetOpts {
  deviceId?: string;
  tsMs: number;
  anomalous?: boolean;
  score?: number;
  metric?: string;
  type?: string;
  confidence?: number;
  related?: string[];
  tenant?: string;
  title?: string;
  explanation?: Partial<Explanation> | null;
  metrics?: Record<string, number>;
}

/** A detection as lucid-explain would emit it; normal ones carry no explanation. */
export function det(o: DetOpts): Detection {
  const deviceId = o.deviceId ?? 'dev-a1';
  const metric = o.metric ?? 'temperature';
  const anomalous = o.anomalous ?? true;
  const score = o.score ?? (anomalous ? 0.9 : 0.1);
  const explanation: Explanation | undefined =
    anomalous && o.explanation !== null
      ? {
          type: o.type ?? 'spike',
          title: o.title ?? `Temperature spike on ${deviceId}`,
          summary: 'Temperature rose 18.2 °C in 5 min (from 23.1 to 41.3 °C), 6× its usual rate of change',
          causes: [
            { cause: 'Cooling fan failure', confidence: o.confidence ?? 0.7, evidence: ['slow rise'] },
            { cause: 'Sensor fault', confidence: 0.2, evidence: [] },
          ],
          actions: [{ action: 'Inspect the cooling fan', why: 'a slow rise is typical of a failing fan' }],
          related: (o.related ?? []).map((id) => ({ deviceId: id, relation: 'same zone', similarity: 0.9 })),
          metric,
          ...(o.explanation ?? {}),
        }
      : undefined;
  return {
    reading: {
      deviceId,
      tsMs: o.tsMs,
      metrics: o.metrics ?? { [metric]: anomalous ? 41.3 : 23 },
      ...(o.tenant ? { tenant: o.tenant } : {}),
    },
    score: {
      deviceId,
      tsMs: o.tsMs,
      score,
      isAnomaly: anomalous,
      detector: 'level',
      contributions: anomalous ? { [metric]: 1 } : { [metric]: 0 },
      evidence: {},
    },
    ...(explanation ? { explanation } : {}),
  };
}
