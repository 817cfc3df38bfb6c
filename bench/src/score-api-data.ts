import type { Reading } from '../../node-red-nodes/src/lib/contracts/types';

export const SCORE_METRICS = ['temperature', 'humidity', 'pressure', 'vibration', 'current', 'voltage'];

/** `perDevice` readings of `devices` devices × 6 metrics, one a second per device from `startMs`, deterministic. */
export function scoreBenchReadings(devices: number, perDevice: number, startMs: number): Reading[] {
  let seed = 4242;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out: Reading[] = [];
  for (let k = 0; k < perDevice; k++)
    for (let d = 0; d < devices; d++) {
      const metrics: Record<string, number> = {};
      SCORE_METRICS.forEach((m, j) => {
        metrics[m] = Number((20 + j * 5 + Math.sin(k / 60 + d) * 2 + rand() * 0.5).toFixed(3));
      });
      out.push({ deviceId: scoreBenchDevice(d), tsMs: startMs + k * 1000, metrics });
    }
  return out;
}

export const scoreBenchDevice = (d: number): string => `dev-${String(d).padStart(5, '0')}`;
