import { idProblem } from '../contracts/ids';

/** A telemetry or status topic's shape: five levels, any of them possibly empty or invalid. */
const DEVICE_TOPIC = /^tenants\/([^/]*)\/devices\/([^/]*)\/(telemetry|status)$/;

/** What {@link readDeviceTopic} found in a topic. */
export type DeviceTopic =
  | { kind: 'telemetry' | 'status'; tenant: string; deviceId: string }
  | { kind: 'telemetry' | 'status'; problem: string };

/**
 * Reads a device topic `tenants/{tenant}/devices/{deviceId}/telemetry` (or `/status`), checking
 * both ids with the one id rule (contracts/ids: no empty level, no wildcard, no control
 * character, not `.`/`..`, no leading `$`, at most 128 characters).
 * @returns the kind and ids; the kind and a `problem` (naming the level) for a topic of that shape
 *   with a bad id; or null for a topic of another shape.
 * @example readDeviceTopic('tenants//devices/t-1/telemetry') // {kind: 'telemetry', problem: 'the topic\'s tenant "" …'}
 */
export function readDeviceTopic(topic: unknown): DeviceTopic | null {
  if (typeof topic !== 'string') return null;
  const m = DEVICE_TOPIC.exec(topic);
  if (!m) return null;
  const kind = m[3] as 'telemetry' | 'status';
  const problem = idProblem("the topic's tenant", m[1]) ?? idProblem("the topic's device id", m[2]);
  return problem ? { kind, problem } : { kind, tenant: m[1], deviceId: m[2] };
}

/**
 * Parses an MQTT telemetry topic `tenants/{tenant}/devices/{deviceId}/telemetry` whose ids follow
 * the id rule (see {@link readDeviceTopic}).
 * @returns the tenant and device id, or null when the topic has another shape or a bad id.
 * @example parseTelemetryTopic('tenants/acme/devices/t-101/telemetry') // {tenant: 'acme', deviceId: 't-101'}
 */
export function parseTelemetryTopic(topic: unknown): { tenant: string; deviceId: string } | null {
  const t = readDeviceTopic(topic);
  return t && t.kind === 'telemetry' && 'deviceId' in t ? { tenant: t.tenant, deviceId: t.deviceId } : null;
}

/**
 * Parses a device status topic `tenants/{tenant}/devices/{deviceId}/status` (where a device, or
 * its MQTT last will, publishes a `DeviceStatus`). Same id rule as {@link parseTelemetryTopic}.
 * @returns the tenant and device id, or null when the topic has another shape or a bad id.
 */
export function parseDeviceStatusTopic(topic: unknown): { tenant: string; deviceId: string } | null {
  const t = readDeviceTopic(topic);
  return t && t.kind === 'status' && 'deviceId' in t ? { tenant: t.tenant, deviceId: t.deviceId } : null;
}
