import type { NodeDef } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import { resolveDetectConfig, type DetectConfig } from '../../lib/detect/detect-config';

/** The editor's properties of a `lucid-detect` node (strings when typed in the editor). */
export interface DetectNodeDef extends NodeDef {
  fleet?: string;
  /** Id of an optional `lucid-model` config node. */
  model?: string;
  sensitivity?: number | string;
  warmupReadings?: number | string;
  jointFitReadings?: number | string;
  windowSize?: number | string;
  rateWindowMs?: number | string;
  stuckMinDurationMs?: number | string;
  outputMode?: string;
  contextStore?: string;
  saveIntervalS?: number | string;
}

/** Context key holding the detector's `DetectorSnapshot`. */
export const STATE_KEY = 'lucid-detect-state';

/** Context key holding the clock guard's `ClockJumpSnapshot` (each device's event clock). */
export const CLOCK_STATE_KEY = 'lucid-detect-clocks';

/** Parsed node settings: the detector configuration plus the adapter's own. */
export interface DetectNodeSettings {
  detect: DetectConfig;
  outputMode: 'all' | 'anomalies';
  /** Node-RED context store name; undefined = the default store. */
  contextStore?: string;
  /** Seconds between state saves to context; 0 = only on close. */
  saveIntervalS: number;
}

function optionalNumber(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n))
    throw new ConfigError(`detect: ${field} is ${JSON.stringify(value)}; expected a number`);
  return n;
}

/**
 * Parses and validates the node's properties once, in the constructor.
 * @throws ConfigError naming the field, its value and the accepted range.
 */
export function parseDetectNodeDef(def: DetectNodeDef): DetectNodeSettings {
  const detect = resolveDetectConfig({
    sensitivity: optionalNumber('sensitivity', def.sensitivity),
    warmupReadings: optionalNumber('warmupReadings', def.warmupReadings),
    jointFitReadings: optionalNumber('jointFitReadings', def.jointFitReadings),
    windowSize: optionalNumber('windowSize', def.windowSize),
    rateWindowMs: optionalNumber('rateWindowMs', def.rateWindowMs),
    stuckMinDurationMs: optionalNumber('stuckMinDurationMs', def.stuckMinDurationMs),
  });
  const mode = def.outputMode || 'all';
  if (mode !== 'all' && mode !== 'anomalies') {
    throw new ConfigError(
      `detect: outputMode is ${JSON.stringify(def.outputMode)}; expected "all" or "anomalies"`,
    );
  }
  const saveIntervalS = optionalNumber('saveIntervalS', def.saveIntervalS) ?? 60;
  if (saveIntervalS < 0 || saveIntervalS > 86_400) {
    throw new ConfigError(
      `detect: saveIntervalS is ${saveIntervalS}; expected seconds in [0, 86400] (0 = save on close only)`,
    );
  }
  const store =
    typeof def.contextStore === 'string' && def.contextStore.trim() !== ''
      ? def.contextStore.trim()
      : undefined;
  return { detect, outputMode: mode, contextStore: store, saveIntervalS };
}
