/**
 * `tenants/{tenant}/devices/{deviceId}/telemetry`: the MQTT topic `lucid-ingest` subscribes to.
 * @example telemetryTopic('demo', 'env-01') // 'tenants/demo/devices/env-01/telemetry'
 */
export function telemetryTopic(tenant: string, deviceId: string): string {
  return `tenants/${tenant}/devices/${deviceId}/telemetry`;
}

/**
 * `tenants/{tenant}/devices/{deviceId}/status`: where a device publishes its `DeviceStatus`.
 * @example deviceStatusTopic('demo', 'env-01') // 'tenants/demo/devices/env-01/status'
 */
export function deviceStatusTopic(tenant: string, deviceId: string): string {
  return `tenants/${tenant}/devices/${deviceId}/status`;
}

/** Whether a text can be one MQTT topic level (non-empty, no `/`, `+`, `#`). */
export function isTopicLevel(text: string): boolean {
  return /^[^/+#]+$/.test(text);
}
