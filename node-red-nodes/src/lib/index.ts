/** Public library entry point of node-red-contrib-lucid: the pure core, usable without Node-RED. */
export * from './contracts';
export * from './fleet/fleet-registry';
export { TelemetryIngestor, type IngestResult, type IngestStats } from './ingest/telemetry-ingestor';
export { resolveIngestOptions, DEFAULT_INGEST_OPTIONS, type IngestOptions } from './ingest/ingest-options';
export { REJECT_CODES, type RejectCode, type Reject } from './ingest/reject-codes';
export { parseTelemetryTopic } from './ingest/telemetry-topic';
export { signPayload as signTelemetryPayload, verifyPayloadSignature as verifyTelemetrySignature } from './ingest/payload-signature';
export { AlertRouter, ROUTER_ACTOR, type RouteResult, type RouterSnapshot, type RouteCounters, type InvalidDetection } from './route/alert-router';
export { resolveRouteOptions, DEFAULT_ROUTE_OPTIONS, CHANNELS, type RouteOptions, type RouteOptionsInput, type ChannelName, type ChannelOptions, type PriorityWeights, type SeverityThresholds } from './route/route-options';
export { computePriority, severityForPriority, type PriorityFactors, type PriorityResult } from './route/priority';
export { alertFingerprint } from './route/fingerprint';
export { parseSilence, silenceMatches, type SilenceInput, type SilenceTarget } from './route/silence-matcher';
export { buildSlackMessage, buildSlackSummary, escapeMrkdwn, type SlackMessage, type SlackBlock } from './route/slack-message';
export { buildWebhookPayload, buildWebhookSummary, WEBHOOK_VERSION, type WebhookAlertPayload, type WebhookSummaryPayload } from './route/webhook-payload';
export * from './detect';
