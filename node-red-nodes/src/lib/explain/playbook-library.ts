import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ErrorObject } from 'ajv';
import { ConfigError } from '../contracts/errors';
import { PLAYBOOK_SCHEMA, type Playbook } from './playbook';

const ajv = new Ajv({ allErrors: true, strict: false });
const validatePlaybook = ajv.compile(PLAYBOOK_SCHEMA);

/** Folder of the playbooks shipped with the package (`node-red-nodes/playbooks`, from src/ or dist/). */
export const SHIPPED_PLAYBOOKS_DIR = path.resolve(__dirname, '../../../playbooks');

/** Id of the playbook used for device types nothing else claims. */
export const DEFAULT_PLAYBOOK_ID = 'default';

/** Generic cause ids `rankCauses` may report besides a playbook's own rules. */
const GENERIC_CAUSE_IDS: ReadonlySet<string> = new Set([
  'sensor_fault',
  'environment',
  'connectivity_power',
  'process_anomaly',
]);

/** One ajv error as `PATH reason (detail)`, the JSON pointer first so the field can be found. */
function describeSchemaError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  let detail = '';
  if ('additionalProperty' in params) detail = ` (${String(params.additionalProperty)})`;
  else if (Array.isArray(params.allowedValues)) detail = ` (${params.allowedValues.join(', ')})`;
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${detail}`;
}

/**
 * Validates one playbook against {@link PLAYBOOK_SCHEMA}, plus what a schema cannot say: unique
 * cause ids, action lists only for declared (or generic) causes, and `min` < `max` of every
 * metric's plausible range.
 *
 * @param input - the playbook object or its JSON text.
 * @param where - where it came from, for the error message (e.g. `playbook override "pump"`).
 * @throws ConfigError naming the JSON path of each invalid field (first 5) and why, e.g.
 *   `playbook override "chiller": does not match the playbook schema: /causes/0/weight must be <= 1`.
 */
export function parsePlaybook(input: unknown, where = 'playbook'): Playbook {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new ConfigError(`${where}: invalid JSON (${(err as Error).message})`);
    }
  }
  if (!validatePlaybook(value)) {
    const detail = (validatePlaybook.errors ?? []).slice(0, 5).map(describeSchemaError).join('; ');
    throw new ConfigError(`${where}: does not match the playbook schema: ${detail}`);
  }
  const playbook = value as unknown as Playbook;
  const ids = new Set<string>();
  for (const cause of playbook.causes ?? []) {
    if (ids.has(cause.id)) throw new ConfigError(`${where}: cause id "${cause.id}" is declared twice`);
    ids.add(cause.id);
  }
  if (playbook.causes)
    for (const id of Object.keys(playbook.actions.byCause ?? {}))
      if (!ids.has(id) && !GENERIC_CAUSE_IDS.has(id))
        throw new ConfigError(
          `${where}: /actions/byCause/${id} names no cause of this playbook (causes: ${[...ids].join(', ')})`,
        );
  for (const [name, m] of Object.entries(playbook.metrics ?? {}))
    if (m.min !== undefined && m.max !== undefined && !(m.min < m.max))
      throw new ConfigError(
        `${where}: /metrics/${name} plausible range must have min < max, got ${m.min}..${m.max}`,
      );
  return playbook;
}

let shippedCache: Record<string, Playbook> | undefined;

/**
 * The playbooks shipped in {@link SHIPPED_PLAYBOOKS_DIR}, keyed by id (read and validated once).
 * @throws ConfigError when a shipped file is invalid (a packaging defect).
 */
export function shippedPlaybooks(): Record<string, Playbook> {
  if (shippedCache) return shippedCache;
  const loaded: Record<string, Playbook> = {};
  for (const file of fs
    .readdirSync(SHIPPED_PLAYBOOKS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const text = fs.readFileSync(path.join(SHIPPED_PLAYBOOKS_DIR, file), 'utf8');
    const playbook = parsePlaybook(text, `shipped playbook ${file}`);
    loaded[playbook.id] = playbook;
  }
  if (!loaded[DEFAULT_PLAYBOOK_ID])
    throw new ConfigError(
      `shipped playbooks: ${SHIPPED_PLAYBOOKS_DIR} has no "${DEFAULT_PLAYBOOK_ID}" playbook`,
    );
  const resolved: Record<string, Playbook> = {};
  for (const [id, playbook] of Object.entries(loaded)) {
    if (playbook.extends === undefined) {
      resolved[id] = playbook;
      continue;
    }
    const base = loaded[playbook.extends];
    if (!base || base.extends !== undefined)
      throw new ConfigError(
        `shipped playbook "${id}": extends "${playbook.extends}", which is not a shipped playbook without "extends"`,
      );
    resolved[id] = extend(base, playbook);
  }
  shippedCache = resolved;
  return resolved;
}

/**
 * `own` extending `base`: actions and metric specs are inherited per key (own entries replace
 * base entries), insights are own first then base; cause rules and references are never
 * inherited (they belong to the device type).
 */
function extend(base: Playbook, own: Playbook): Playbook {
  return {
    id: own.id,
    version: own.version,
    description: own.description ?? base.description,
    ...(own.references ? { references: own.references } : {}),
    ...((own.metrics ?? base.metrics)
      ? { metrics: { ...(base.metrics ?? {}), ...(own.metrics ?? {}) } }
      : {}),
    deviceTypes: own.deviceTypes,
    extends: base.id,
    actions: {
      byCause: { ...(base.actions.byCause ?? {}), ...(own.actions.byCause ?? {}) },
      byFamily: { ...(base.actions.byFamily ?? {}), ...(own.actions.byFamily ?? {}) },
      byType: { ...(base.actions.byType ?? {}), ...(own.actions.byType ?? {}) },
    },
    causes: own.causes ?? [],
    primaryOrder: own.primaryOrder ?? base.primaryOrder,
    ...((own.priors ?? base.priors) ? { priors: { ...(base.priors ?? {}), ...(own.priors ?? {}) } } : {}),
    ...(own.redundant ? { redundant: own.redundant } : {}),
    insights: [...(own.insights ?? []), ...(base.insights ?? [])],
  };
}

/**
 * Playbook overrides as the `lucid-explain` editor holds them: a JSON object keyed by device type
 * (`*` for every device type without its own entry), each value either the id of a shipped
 * playbook (`"pump"`) or a playbook object (optionally `"extends": "<shipped id>"`).
 * `''`, `null` and `undefined` mean no overrides.
 *
 * @returns the resolved playbook per device type.
 * @throws ConfigError naming the device type and the invalid fields.
 * @example parsePlaybookOverrides('{"pump": "pump", "chiller": {"id": "chiller", "version": "1.0.0", "extends": "default", "actions": {}}}')
 */
export function parsePlaybookOverrides(
  input: unknown,
  shipped: Record<string, Playbook> = shippedPlaybooks(),
): Record<string, Playbook> {
  let value = input;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new ConfigError(`playbook overrides: invalid JSON (${(err as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'playbook overrides: expected a JSON object keyed by device type, e.g. {"pump": "pump"}',
    );
  }
  const resolved: Record<string, Playbook> = {};
  for (const [deviceType, entry] of Object.entries(value as Record<string, unknown>)) {
    const where = `playbook override "${deviceType}"`;
    if (typeof entry === 'string') {
      const found = shipped[entry];
      if (!found)
        throw new ConfigError(
          `${where}: no shipped playbook "${entry}" (shipped: ${Object.keys(shipped).join(', ')})`,
        );
      resolved[deviceType] = found;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(
        `${where}: expected a shipped playbook id or a playbook object, got ${Array.isArray(entry) ? 'an array' : typeof entry}`,
      );
    }
    const own = parsePlaybook(entry, where);
    if (own.extends !== undefined) {
      const base = shipped[own.extends];
      if (!base)
        throw new ConfigError(
          `${where}: extends "${own.extends}", which is not a shipped playbook (${Object.keys(shipped).join(', ')})`,
        );
      resolved[deviceType] = extend(base, own);
    } else {
      resolved[deviceType] = own;
    }
  }
  return resolved;
}

/**
 * Chooses the playbook of a device type: an override for the type, else the `*` override, else
 * the shipped playbook that lists the type in `deviceTypes`, else the shipped `default` (so an
 * unknown device type, or a device the fleet does not declare, is explained with `default`).
 *
 * The overrides can be replaced at run time with {@link PlaybookLibrary.update}: a set that
 * fails validation is refused as a whole and the previous one stays in use.
 */
export class PlaybookLibrary {
  private readonly shipped: Record<string, Playbook>;
  private overrides: Record<string, Playbook>;
  private readonly byShippedType = new Map<string, Playbook>();
  private rejected = 0;

  /**
   * @param overrides - see {@link parsePlaybookOverrides} (object or JSON text).
   * @throws ConfigError when the overrides are invalid.
   */
  constructor(overrides?: unknown, shipped: Record<string, Playbook> = shippedPlaybooks()) {
    this.shipped = shipped;
    this.overrides = parsePlaybookOverrides(overrides, shipped);
    for (const id of Object.keys(shipped).sort()) {
      for (const type of shipped[id].deviceTypes ?? [])
        if (!this.byShippedType.has(type)) this.byShippedType.set(type, shipped[id]);
    }
  }

  /** The playbook for `deviceType`. */
  forDeviceType(deviceType: string): Playbook {
    return (
      this.overrides[deviceType] ??
      this.overrides['*'] ??
      this.byShippedType.get(deviceType) ??
      this.shipped[DEFAULT_PLAYBOOK_ID]
    );
  }

  /**
   * Replaces the overrides (same forms as the constructor's). All or nothing: when any entry
   * is invalid nothing changes, the previous overrides (and so the previous version of every
   * playbook) stay in use, the rejection is counted in {@link PlaybookLibrary.rejectedUpdates},
   * and the error says which entry, which JSON path and why.
   *
   * @returns `id@version` of each override now in use, keyed by device type.
   * @throws ConfigError when the new overrides are invalid.
   */
  update(overrides: unknown): Record<string, string> {
    let next: Record<string, Playbook>;
    try {
      next = parsePlaybookOverrides(overrides, this.shipped);
    } catch (err) {
      this.rejected++;
      throw err;
    }
    this.overrides = next;
    return Object.fromEntries(Object.entries(next).map(([type, p]) => [type, `${p.id}@${p.version}`]));
  }

  /** Updates refused by {@link PlaybookLibrary.update} since construction. */
  get rejectedUpdates(): number {
    return this.rejected;
  }
}
