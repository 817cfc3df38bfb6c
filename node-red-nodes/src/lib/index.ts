/** Public library entry point of node-red-contrib-lucid: the pure core, usable without Node-RED. */
export * from './contracts';
export * from './fleet/fleet-registry';
export { TelemetryIngestor, type IngestResult, type IngestStats } from './ingest/telemetry-ingestor';
export { resolveIngestOptions, DEFAULT_INGEST_OPTIONS, type IngestOptions } from './ingest/ingest-options';
export { REJECT_CODES, type RejectCode, type Reject } from './ingest/reject-codes';
export { parseTelemetryTopic } from './ingest/telemetry-topic';
export {
  signPayload as signTelemetryPayload,
  verifyPayloadSignature as verifyTelemetrySignature,
} from './ingest/payload-signature';
export {
  AlertRouter,
  ROUTER_ACTOR,
  type RouteResult,
  type RouterSnapshot,
  type RouteCounters,
  type InvalidDetection,
} from './route/alert-router';
export {
  resolveRouteOptions,
  DEFAULT_ROUTE_OPTIONS,
  CHANNELS,
  type RouteOptions,
  type RouteOptionsInput,
  type ChannelName,
  type ChannelOptions,
  type PriorityWeights,
  type SeverityThresholds,
} from './route/route-options';
export {
  computePriority,
  severityForPriority,
  type PriorityFactors,
  type PriorityResult,
} from './route/priority';
export { alertFingerprint } from './route/fingerprint';
export { parseSilence, silenceMatches, type SilenceInput, type SilenceTarget } from './route/silence-matcher';
export {
  buildSlackMessage,
  buildSlackSummary,
  escapeMrkdwn,
  type SlackMessage,
  type SlackBlock,
} from './route/slack-message';
export {
  buildWebhookPayload,
  buildWebhookSummary,
  WEBHOOK_VERSION,
  type WebhookAlertPayload,
  type WebhookSummaryPayload,
} from './route/webhook-payload';
export * from './detect';
export { Explainer, DEFAULT_CORRELATION_WINDOW_MS, type ExplainerOptions } from './explain/explainer';
export {
  PlaybookLibrary,
  parsePlaybook,
  parsePlaybookOverrides,
  shippedPlaybooks,
  SHIPPED_PLAYBOOKS_DIR,
  DEFAULT_PLAYBOOK_ID,
} from './explain/playbook-library';
export {
  PLAYBOOK_SCHEMA,
  type Playbook,
  type CauseRule,
  type CauseSignatureTerm,
  type MetricExpectation,
  type PlaybookAction,
  type PlaybookMetric,
  type PlaybookInsight,
} from './explain/playbook';
export { classifyAnomaly, type Classification } from './explain/classify-anomaly';
export {
  RelatedAnomalyMemory,
  type RecentAnomaly,
  type RelatedDevice,
  type Topology,
} from './explain/related-anomaly-memory';
export { FleetSimulator } from './simulate/fleet-simulator';
export {
  EquipmentSimulator,
  EQUIPMENT_TYPES,
  type EquipmentIncident,
  type EquipmentSimulatorOptions,
} from './simulate/equipment-simulator';
export {
  EQUIPMENT_MODELS,
  type EquipmentFaultModel,
  type EquipmentMetricModel,
  type EquipmentModel,
} from './simulate/equipment-models';
export { IncidentSchedule, type IncidentScheduleOptions } from './simulate/incident-schedule';
export {
  SimulationRunner,
  plausibleStartTsMs,
  NODE_TIMERS,
  type RunnerTimers,
  type SimulationRunnerOptions,
} from './simulate/simulation-runner';
export { SeededRandom, mixSeed, hashString } from './simulate/seeded-random';
export {
  simulatedDevices,
  simulatedFleetDefinition,
  SIMULATED_METRICS,
  SIMULATED_DEVICE_TYPE,
  type SimulatedMetric,
} from './simulate/simulated-fleet';
export { telemetryTopic, isTopicLevel } from './simulate/telemetry-topic';
export {
  INCIDENT_TYPES,
  EXPECTED_ANOMALY_TYPE,
  DEFAULT_INCIDENT_DURATION_MS,
  type IncidentType,
  type ScheduledIncident,
  type SimulatedDevice,
  type SimulatedReading,
  type SimulationTick,
  type FleetSimulatorOptions,
} from './simulate/simulation-types';
export {
  Recording,
  readRecordedRows,
  SMD_START_MS,
  DEFAULT_LABEL_COLUMNS,
  type RecordedRow,
  type RecordingOptions,
  type RecordingColumns,
} from './replay/recording';
export {
  detectFormat,
  formatFromFirstLine,
  RECORDING_FORMATS,
  type RecordingFormat,
} from './replay/recording-format';
export { parseRecordedTimestamp } from './replay/recorded-timestamp';
export { deviceIdFromPath } from './replay/replay-device-id';
export {
  ReplayRunner,
  type ReplayBatch,
  type ReplayProgress,
  type ReplayRunnerOptions,
} from './replay/replay-runner';
export { SqlAlertStore, type AlertStoreOptions } from './store/sql-alert-store';
export { openAlertStore, type OpenStoreOptions } from './store/open-alert-store';
export { SqliteEngine } from './store/sqlite-engine';
export { PgEngine } from './store/pg-engine';
export type { SqlEngine, SqlExecutor } from './store/sql-engine';
export { MIGRATIONS, migrate, type Migration } from './store/migrations';
export { lttb } from './store/downsample';
export type {
  AlertStore,
  AlertQuery,
  IncidentQuery,
  SeriesQuery,
  SeriesResult,
  SeriesPoint,
  StatsResult,
  AlertDetail,
  AuditVerifyResult,
  ApplyResult,
  StoredFeedback,
  Page,
} from './store/store-types';
export { createApiRouter, type ApiRouter, type ApiRouterOptions, type ApiError } from './api/api-router';
export {
  ApiAuth,
  parseTokenLines,
  API_ROLES,
  type ApiRole,
  type ApiToken,
  type ApiPrincipal,
} from './api/api-auth';
export { getOrCreateApiToken, API_TOKEN_ENV, API_TOKEN_FILE } from './api/api-token';
export { lucidMetrics, LucidMetrics } from './api/lucid-metrics';
export { OPENAPI_DOCUMENT } from './api/openapi';
export { DetectorRegistry, detectorRegistry, type DetectorBank } from './score/detector-registry';
export {
  ScoreService,
  ScoreError,
  MAX_SCORE_BATCH,
  type ReadingScore,
  type ScoreRejectReason,
} from './score/score-service';
export {
  canonicalJson,
  sha256Hex,
  SigningKeys,
  verifySignature,
  signWebhook,
  verifyWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  GENESIS_HASH,
  auditEntryHash,
  type PublicKeyInfo,
  type AuditEntry,
} from './signing';
export {
  adaptationsForFeedback,
  resolveFeedbackPolicy,
  DEFAULT_FEEDBACK_POLICY,
  type FeedbackPolicy,
} from './feedback/adaptation-policy';
