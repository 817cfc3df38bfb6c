import type { NodeDef } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import { DEFAULT_CORRELATION_WINDOW_MS } from '../../lib/explain/explainer';

/** The node's editor properties. */
export interface ExplainNodeDef extends NodeDef {
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
