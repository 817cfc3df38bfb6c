const TOPIC = /^tenants\/([^/+#]+)\/devices\/([^/+#]+)\/telemetry$/;

/**
 * Parses an MQTT telemetry topic `tenants/{tenant}/devices/{deviceId}/telemetry`.
 * Segments must be non-empty and contain no MQTT wildcard (`+`, `#`).
 *
 * @returns the tenant and device id, or null when the topic has another shape.
 * @example parseTelemetryTopic('tenants/acme/devices/t-101/telemetry') // {tenant: 'acme', deviceId: 't-101'}
 */
export function parseTelemetryTopic(topic: unknown): { tenant: string; deviceId: string } | null {
  if (typeof topic !== 'string') return null;
  const m = TOPIC.exec(topic);
  return m ? { tenant: m[1], deviceId: m[2] } : null;
}

const STATUS_TOPIC = /^tenants\/([^/+#]+)\/devices\/([^/+#]+)\/status$/;

/**
 * Parses a device status topic `tenants/{tenant}/devices/{deviceId}/status` (where a device, or
 * its MQTT last will, publishes a `DeviceStatus`). Same segment rules as {@link parseTelemetryTopic}.
 * @returns the tenant and device id, or null when the topic has another shape.
 */
export function parseDeviceStatusTopic(topic: unknown): { tenant: string; deviceId: string } | null {
  if (typeof topic !== 'string') return null;
  const m = STATUS_TOPIC.exec(topic);
  return m ? { tenant: m[1], deviceId: m[2] } : null;
}
