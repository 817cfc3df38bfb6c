import type { NodeDef } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import type { ChatEndpoint } from '../../lib/explain/chat-completion';
import { DEFAULT_CORRELATION_WINDOW_MS } from '../../lib/explain/explainer';
import {
  DEFAULT_NARRATIVE_CACHE_TTL_MS,
  DEFAULT_NARRATIVE_TIMEOUT_MS,
  DEFAULT_NARRATIVES_PER_MIN,
} from '../../lib/explain/narrator';
import { configNumber } from '../shared/config-number';

/** The node's editor properties. */
export interface ExplainNodeDef extends NodeDef, NarrativeConfig {
  fleet?: string;
  /** Correlation window for related devices, ms (> 0); empty → 600 000. */
  correlationWindowMs?: number | string;
  /** Playbook overrides keyed by device type (JSON text); empty → shipped playbooks only. */
  playbooks?: string;
}

/** Parses the editor's correlation window. @throws ConfigError when it is not a positive number. */
export function correlationWindowFromConfig(value: unknown): number {
  if (value === undefined || value === null || String(value).trim() === '')
    return DEFAULT_CORRELATION_WINDOW_MS;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(
      `correlation window: expected a positive number of ms, got ${JSON.stringify(value)}`,
    );
  return n;
}

/** The editor's narrative fields; an empty URL turns narratives off. */
export interface NarrativeConfig {
  narrativeUrl?: string;
  narrativeModel?: string;
  /** Longest wait for the model, ms (> 0); empty → 10 000. */
  narrativeTimeoutMs?: number | string;
  /** Requests per minute at most (> 0); empty → 6. */
  narrativeRatePerMin?: number | string;
  /** How long a narrative is reused for the same device and subject, min (≥ 0); empty → 30. */
  narrativeCacheMin?: number | string;
}

/**
 * The narrator's options from the editor and the node's credentials, or undefined when no URL
 * is set (narratives off).
 * @throws ConfigError naming the field when a number is not one (the Narrator checks ranges).
 */
export function narrativeFromConfig(
  config: NarrativeConfig,
  apiKey: string | undefined,
): { endpoint: ChatEndpoint; ratePerMin: number; cacheTtlMs: number } | undefined {
  const url = (config.narrativeUrl ?? '').trim();
  if (url === '') return undefined;
  return {
    endpoint: {
      url,
      model: (config.narrativeModel ?? '').trim(),
      timeoutMs: configNumber('narrative timeout', config.narrativeTimeoutMs, DEFAULT_NARRATIVE_TIMEOUT_MS),
      ...(apiKey ? { apiKey } : {}),
    },
    ratePerMin: configNumber('narrative rate', config.narrativeRatePerMin, DEFAULT_NARRATIVES_PER_MIN),
    cacheTtlMs:
      configNumber('narrative cache', config.narrativeCacheMin, DEFAULT_NARRATIVE_CACHE_TTL_MS / 60_000) *
      60_000,
  };
}
