import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SEVERITIES, type Severity } from '../contracts/types';

/** Counts of alerts that are still open (status `open` or `acknowledged`), by severity. */
export type OpenAlertCounts = Record<Severity, number>;

/**
 * Lucid's Prometheus metrics, in a registry of their own (never prom-client's global default,
 * so Lucid does not clash with other Node-RED nodes that use prom-client). Created once per
 * process by {@link lucidMetrics}: prom-client refuses to register a metric name twice.
 * @see https://github.com/siimon/prom-client
 */
export class LucidMetrics {
  readonly registry = new Registry();
  /** Readings that reached the store through lucid-detect's output (one per Detection). */
  readonly readings = new Counter({
    name: 'lucid_readings_total',
    help: 'Readings scored by lucid-detect and seen by lucid-store',
    registers: [this.registry],
  });
  readonly rejects = new Counter({
    name: 'lucid_rejects_total',
    help: 'Readings rejected by lucid-ingest, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly detections = new Counter({
    name: 'lucid_detections_total',
    help: 'Detections seen by lucid-store, by anomalous (true/false)',
    labelNames: ['anomalous'] as const,
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'lucid_alerts_total',
    help: 'Alert events stored, by severity and kind (opened, updated, acknowledged, resolved, suppressed)',
    labelNames: ['severity', 'kind'] as const,
    registers: [this.registry],
  });
  readonly notifications = new Counter({
    name: 'lucid_notifications_total',
    help: 'Notifications emitted by lucid-route, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  /**
   * Wall-clock seconds from a message's arrival at lucid-ingest (`msg.lucidIngestMs`, which
   * ingest stamps and every Lucid stage carries on) to its detection or alert being stored.
   */
  readonly pipelineLatency = new Histogram({
    name: 'lucid_pipeline_latency_seconds',
    help: 'From a reading reaching lucid-ingest (msg.lucidIngestMs) to its detection or alert being stored',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Seconds from a message reaching a Lucid node's input handler to its `done`, by stage. */
  readonly stageSeconds = new Histogram({
    name: 'lucid_stage_seconds',
    help: 'Time from a message entering a Lucid stage (ingest, detect, explain, route, store) to its done()',
    labelNames: ['stage'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
    registers: [this.registry],
  });
  readonly modelInference = new Histogram({
    name: 'lucid_model_inference_seconds',
    help: 'ONNX inference latency per batch, by model name',
    labelNames: ['model'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly storeWrite = new Histogram({
    name: 'lucid_store_write_seconds',
    help: 'Latency of store writes, by operation',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'lucid_api_requests_total',
    help: 'Store API requests, by method and status code',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  /**
   * Where {@link openAlerts} reads its values at each scrape; set by the store API while a store
   * is open ({@link createApiRouter}). Unset: the gauge reports nothing.
   */
  openAlertsSource: (() => Promise<OpenAlertCounts>) | undefined;
  readonly openAlerts = new Gauge({
    name: 'lucid_open_alerts',
    help: 'Alerts currently open or acknowledged in the store, by severity',
    labelNames: ['severity'] as const,
    registers: [this.registry],
    collect: async () => {
      const source = this.openAlertsSource;
      if (!source) return;
      const counts = await source();
      for (const severity of SEVERITIES) this.openAlerts.set({ severity }, counts[severity] ?? 0);
    },
  });
  readonly narratives = new Counter({
    name: 'lucid_narratives_total',
    help: 'Language-model narratives of lucid-explain, by outcome (generated, cached; the template text stays on rejected, rate_limited, timeout, unreachable, http_error, garbage)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly scoreRequests = new Counter({
    name: 'lucid_score_requests_total',
    help: 'Scoring API requests (POST score, score/batch), by endpoint and outcome (ok, rejected)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly scoreRejects = new Counter({
    name: 'lucid_score_rejects_total',
    help: 'Scoring API requests refused, by reason (unknown_device, unknown_metric, missing_metrics, batch_too_large, rate_limited, schema, …)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly scoredReadings = new Counter({
    name: 'lucid_scored_readings_total',
    help: 'Readings scored by the scoring API (read-only: not learned)',
    registers: [this.registry],
  });
  readonly scoreLatency = new Histogram({
    name: 'lucid_score_processing_seconds',
    help: 'Validation plus scoring time of one scoring API request',
    labelNames: ['endpoint'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  constructor() {
    // No prefix: the standard `process_*` and `nodejs_*` names, so stock Node.js dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }
}

let instance: LucidMetrics | undefined;

/** The process-wide {@link LucidMetrics} (created on first call). */
export function lucidMetrics(): LucidMetrics {
  instance ??= new LucidMetrics();
  return instance;
}
