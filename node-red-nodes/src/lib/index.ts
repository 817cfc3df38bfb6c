/** Public library entry point of node-red-contrib-lucid: the pure core, usable without Node-RED. */
export * from './contracts';
export * from './fleet/fleet-registry';
export { TelemetryIngestor, type IngestResult, type IngestStats } from './ingest/telemetry-ingestor';
export { resolveIngestOptions, DEFAULT_INGEST_OPTIONS, type IngestOptions } from './ingest/ingest-options';
export { REJECT_CODES, type RejectCode, type Reject } from './ingest/reject-codes';
export { parseTelemetryTopic } from './ingest/telemetry-topic';
export { signPayload as signTelemetryPayload, verifyPayloadSignature as verifyTelemetrySignature } from './ingest/payload-signature';
