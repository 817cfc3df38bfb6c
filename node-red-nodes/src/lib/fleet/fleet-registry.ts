import Ajv from 'ajv';
import { ConfigError } from '../contracts/errors';
import { idProblem } from '../contracts/ids';
import type { DeviceSpec, MetricSpec } from '../contracts/fleet';
import { FLEET_SCHEMA } from './fleet-schema';

/** Per-metric declaration as written in a fleet file (every field optional). */
export type MetricDeclaration = Partial<MetricSpec>;

/** A fleet definition as written in JSON (see `FLEET_SCHEMA` and the `lucid-fleet` help). */
export interface FleetDefinition {
  version?: 1;
  defaults?: Partial<Pick<DeviceSpec, 'site' | 'zone' | 'line' | 'deviceType' | 'criticality'>> & {
    intervalMs?: number;
  };
  deviceTypes?: Record<
    string,
    { description?: string; criticality?: number; metrics?: Record<string, MetricDeclaration> }
  >;
  devices?: ({ deviceId: string } & Partial<Omit<DeviceSpec, 'metrics' | 'known'>> & {
      metrics?: Record<string, MetricDeclaration>;
    })[];
}

/**
 * Defaults applied to devices the fleet does not declare (and to fields a declared device
 * omits): site `default`, zone `default`, line `default`, device type `generic`,
 * criticality 3, expected sample interval 60 000 ms, metric unit `''` (unknown).
 */
export const DEFAULT_FLEET_DEFAULTS = {
  site: 'default',
  zone: 'default',
  line: 'default',
  deviceType: 'generic',
  criticality: 3,
  intervalMs: 60_000,
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateFleet = ajv.compile(FLEET_SCHEMA);

/**
 * Validates a fleet definition (already parsed from JSON, or a JSON string).
 *
 * @param input - the definition object or its JSON text; `''`, `null` and `undefined` mean an empty fleet.
 * @returns the definition, typed.
 * @throws ConfigError naming the first invalid fields (JSON syntax, schema, min > max, duplicate device ids).
 */
export function parseFleet(input: unknown): FleetDefinition {
  let value = input;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return {};
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new ConfigError(`fleet: invalid JSON (${(err as Error).message})`);
    }
  }
  if (!validateFleet(value)) {
    const detail = (validateFleet.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new ConfigError(`fleet: does not match the fleet schema: ${detail}`);
  }
  const fleet = value as FleetDefinition;
  const seen = new Set<string>();
  for (const device of fleet.devices ?? []) {
    const badId = idProblem('deviceId', device.deviceId);
    if (badId) throw new ConfigError(`fleet: ${badId}`);
    if (seen.has(device.deviceId)) {
      throw new ConfigError(`fleet: device "${device.deviceId}" is declared twice`);
    }
    seen.add(device.deviceId);
    if (
      device.deviceType &&
      fleet.deviceTypes &&
      !(device.deviceType in fleet.deviceTypes) &&
      device.deviceType !== 'generic'
    ) {
      throw new ConfigError(
        `fleet: device "${device.deviceId}" has deviceType "${device.deviceType}", which is not in deviceTypes (${Object.keys(fleet.deviceTypes).join(', ') || 'none'})`,
      );
    }
  }
  const checkRanges = (where: string, metrics?: Record<string, MetricDeclaration>) => {
    for (const [name, m] of Object.entries(metrics ?? {})) {
      if (m.min !== undefined && m.max !== undefined && m.min >= m.max) {
        throw new ConfigError(`fleet: ${where} metric "${name}" has min ${m.min} ≥ max ${m.max}`);
      }
    }
  };
  for (const [type, spec] of Object.entries(fleet.deviceTypes ?? {}))
    checkRanges(`device type "${type}"`, spec.metrics);
  for (const device of fleet.devices ?? []) checkRanges(`device "${device.deviceId}"`, device.metrics);
  return fleet;
}

/**
 * The device registry: resolves any device id to a complete {@link DeviceSpec} (declared
 * fields, then its device type's, then the fleet defaults, then {@link DEFAULT_FLEET_DEFAULTS})
 * and answers topology questions (which devices share a zone).
 *
 * Lookups are O(1) after construction; unknown devices are resolved on demand and cached.
 */
export class FleetRegistry {
  private readonly defaults: {
    site: string;
    zone: string;
    line: string;
    deviceType: string;
    criticality: number;
    intervalMs: number;
  };
  private readonly declared = new Map<string, DeviceSpec>();
  private readonly unknown = new Map<string, DeviceSpec>();

  /**
   * @param definition - a definition from {@link parseFleet} (or its JSON text).
   * @throws ConfigError when the definition is invalid.
   */
  constructor(definition: FleetDefinition | string = {}) {
    const fleet = parseFleet(definition);
    this.definition = fleet;
    this.defaults = { ...DEFAULT_FLEET_DEFAULTS, ...(fleet.defaults ?? {}) };
    for (const device of fleet.devices ?? []) {
      const deviceType = device.deviceType ?? this.defaults.deviceType;
      const typeSpec = fleet.deviceTypes?.[deviceType];
      this.declared.set(device.deviceId, {
        deviceId: device.deviceId,
        site: device.site ?? this.defaults.site,
        zone: device.zone ?? this.defaults.zone,
        line: device.line ?? this.defaults.line,
        deviceType,
        criticality: device.criticality ?? typeSpec?.criticality ?? this.defaults.criticality,
        metrics: this.mergeMetrics(typeSpec?.metrics, device.metrics),
        known: true,
      });
    }
  }

  /** The validated definition this registry was built from. */
  readonly definition: FleetDefinition;

  /** Number of declared devices. */
  get size(): number {
    return this.declared.size;
  }

  /** Whether the fleet declares this device. */
  has(deviceId: string): boolean {
    return this.declared.has(deviceId);
  }

  /** All declared devices, in declaration order. */
  devices(): DeviceSpec[] {
    return [...this.declared.values()];
  }

  /**
   * The device's spec; an undeclared device gets the fleet defaults (`known: false`).
   */
  device(deviceId: string): DeviceSpec {
    const declared = this.declared.get(deviceId);
    if (declared) return declared;
    let spec = this.unknown.get(deviceId);
    if (!spec) {
      const typeSpec = this.definition.deviceTypes?.[this.defaults.deviceType];
      spec = {
        deviceId,
        site: this.defaults.site,
        zone: this.defaults.zone,
        line: this.defaults.line,
        deviceType: this.defaults.deviceType,
        criticality: typeSpec?.criticality ?? this.defaults.criticality,
        metrics: this.mergeMetrics(typeSpec?.metrics, undefined),
        known: false,
      };
      if (this.unknown.size < 100_000) this.unknown.set(deviceId, spec);
    }
    return spec;
  }

  /**
   * The spec of one metric of a device. A metric the fleet does not declare gets unit `''`
   * (unknown), no physical range, and the default sample interval.
   */
  metric(deviceId: string, metric: string): MetricSpec {
    return this.device(deviceId).metrics[metric] ?? { unit: '', intervalMs: this.defaults.intervalMs };
  }

  /** Declared devices in the same site and zone as `deviceId`, excluding it. */
  zoneNeighbours(deviceId: string): DeviceSpec[] {
    const me = this.device(deviceId);
    return this.devices().filter((d) => d.deviceId !== deviceId && d.site === me.site && d.zone === me.zone);
  }

  private mergeMetrics(
    fromType: Record<string, MetricDeclaration> | undefined,
    fromDevice: Record<string, MetricDeclaration> | undefined,
  ): Record<string, MetricSpec> {
    const names = new Set([...Object.keys(fromType ?? {}), ...Object.keys(fromDevice ?? {})]);
    const merged: Record<string, MetricSpec> = {};
    for (const name of names) {
      merged[name] = {
        unit: '',
        intervalMs: this.defaults.intervalMs,
        ...(fromType?.[name] ?? {}),
        ...(fromDevice?.[name] ?? {}),
      };
    }
    return merged;
  }
}
