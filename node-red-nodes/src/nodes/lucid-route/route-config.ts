import type { NodeDef } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import {
  resolveRouteOptions,
  type RouteOptions,
  type RouteOptionsInput,
} from '../../lib/route/route-options';

/**
 * Prefix of the flow-context key (`{STATE_KEY}:{nodeId}`) holding the router's snapshot: it
 * survives redeploys, and restarts too with a persistent context store.
 */
export const STATE_KEY = 'lucid-route-state';

/**
 * How often the router's snapshot is written to context while detections change it, ms.
 * A snapshot serializes every open alert (hundreds of KB with hundreds of open alerts), so it
 * is not written per message: detections mark the state dirty and this timer saves it;
 * silences and adaptations (operator actions) are saved at once, and closing the node (redeploy,
 * stop) always saves. Node-RED's persistent `localfilesystem` store flushes every 30 s anyway.
 */
export const SAVE_INTERVAL_MS = 5000;

/** The editor's configuration: durations in minutes, numbers as the editor stores them (strings or numbers). */
export interface RouteNodeDef extends NodeDef {
  fleet?: string;
  openAfterCount?: string | number;
  openWindowMin?: string | number;
  resolveAfterMin?: string | number;
  resolveAfterCount?: string | number;
  updateIntervalMin?: string | number;
  incidentWindowMin?: string | number;
  notifyResolved?: boolean;
  slackEnabled?: boolean;
  slackUrl?: string;
  slackMinSeverity?: string;
  slackMaxPerWindow?: string | number;
  slackSendResolved?: boolean;
  webhookEnabled?: boolean;
  webhookUrl?: string;
  webhookMinSeverity?: string;
  webhookMaxPerWindow?: string | number;
  webhookSendResolved?: boolean;
  rateWindowMin?: string | number;
}

/** Converts an editor field: empty means "default"; anything else must be a finite number. */
function field(name: string, value: unknown, scale = 1): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n)) throw new ConfigError(`${name}: expected a number, got ${JSON.stringify(value)}`);
  return n * scale;
}

/**
 * Maps the node's editor configuration onto {@link RouteOptions}.
 * @throws ConfigError naming the field (see `resolveRouteOptions`).
 */
export function optionsFromConfig(config: Partial<RouteNodeDef>): RouteOptions {
  const MIN = 60_000;
  const rateWindowMs = field('rateWindowMin', config.rateWindowMin, MIN);
  const input: RouteOptionsInput = {
    openAfterCount: field('openAfterCount', config.openAfterCount),
    openWindowMs: field('openWindowMin', config.openWindowMin, MIN),
    resolveAfterMs: field('resolveAfterMin', config.resolveAfterMin, MIN),
    resolveAfterCount: field('resolveAfterCount', config.resolveAfterCount),
    updateIntervalMs: field('updateIntervalMin', config.updateIntervalMin, MIN),
    incidentWindowMs: field('incidentWindowMin', config.incidentWindowMin, MIN),
    notifyResolved: config.notifyResolved,
    channels: {
      slack: {
        enabled: config.slackEnabled,
        url: config.slackUrl?.trim() || undefined,
        minSeverity: (config.slackMinSeverity || undefined) as never,
        maxPerWindow: field('slackMaxPerWindow', config.slackMaxPerWindow),
        rateWindowMs,
        sendResolved: config.slackSendResolved,
      },
      webhook: {
        enabled: config.webhookEnabled,
        url: config.webhookUrl?.trim() || undefined,
        minSeverity: (config.webhookMinSeverity || undefined) as never,
        maxPerWindow: field('webhookMaxPerWindow', config.webhookMaxPerWindow),
        rateWindowMs,
        sendResolved: config.webhookSendResolved,
      },
    },
  };
  const strip = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return resolveRouteOptions({
    ...strip(input),
    channels: { slack: strip(input.channels!.slack!), webhook: strip(input.channels!.webhook!) },
  });
}
