import { type DataFrame, type DataQueryError, type DataQueryResponse, LoadingState } from '@grafana/data';
import type { Alert, AlertEvent } from 'node-red-contrib-lucid';
import { Observable } from 'rxjs';
import type { ActionOptions, LucidApi } from './api/LucidApi';
import { LucidApiError } from './api/LucidApiError';
import type { QueryParams } from './api/HttpTransport';
import { alertsToAnnotations } from './frames/alertsToAnnotations';
import { alertsToFrame, countFeedback, type FeedbackCounts } from './frames/alertsToFrame';
import { incidentsToFrame } from './frames/incidentsToFrame';
import { seriesToFrame, unitFromEvidence } from './frames/seriesToFrame';
import { statsToFrames } from './frames/statsToFrames';
import { checkHealth, type HealthCheckResult } from './health/checkHealth';
import { applyAlertEvent } from './live/applyAlertEvent';
import {
  alertsParams,
  incidentsParams,
  needsClientFilter,
  type RangeMs,
  seriesParams,
  statsParams,
} from './query/buildParams';
import { alertMatches } from './query/filterAlerts';
import { type Interpolate, QueryValidationError, type ResolvedQuery, resolveQuery } from './query/resolveQuery';
import {
  FEEDBACK_LOOKUP_CONCURRENCY,
  type FeedbackVerdict,
  type LucidQuery,
  type LucidVariableQuery,
  MAX_FEEDBACK_LOOKUPS,
  QueryType,
} from './types';
import { findVariableValues } from './variables/variableValues';

/** Opens the store's event stream with filters; returns a function that closes it. */
export type StreamOpener = (
  params: QueryParams,
  onEvent: (event: AlertEvent) => void,
  onError: (err: Error) => void
) => () => void;

/** A query request, reduced to what the runner needs (Grafana's DataQueryRequest maps onto it). */
export interface RunRequest {
  targets: LucidQuery[];
  range: RangeMs;
  /** Panel width in pixels: caps series points. */
  maxDataPoints?: number;
  /** True when the dashboard range ends at "now", so live queries may stream. */
  rangeEndsNow?: boolean;
  /** Expands template variables (already bound to the request's scoped vars). */
  interpolate: Interpolate;
}

/** Result of one target: its frames, or its error. */
interface TargetResult {
  frames: DataFrame[];
  error?: DataQueryError;
  /** For live Alerts queries: the rows shown, to update from the stream. */
  live?: { query: ResolvedQuery; alerts: Alert[]; feedback: Map<string, FeedbackCounts>; total: number };
}

/** A query error for Grafana: the store's message, the HTTP status, and the query's refId. */
export function toQueryError(refId: string, err: unknown): DataQueryError {
  if (err instanceof LucidApiError) {
    return {
      refId,
      status: err.status || undefined,
      message: `Lucid store: ${err.detail} (${err.status ? `HTTP ${err.status}, ` : ''}${err.code})`,
    };
  }
  if (err instanceof QueryValidationError) {
    return { refId, message: err.message };
  }
  return { refId, message: err instanceof Error ? err.message : String(err) };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Everything the data source does, without Grafana's runtime: turns queries into store API
 * calls and the answers into data frames, streams live Alerts updates, lists variable values,
 * tests the connection and sends operator actions. The Grafana `DataSource` wires it to the
 * data proxy; tests wire it to a real store through a proxy that adds the token.
 */
export class LucidQueryRunner {
  constructor(
    readonly api: LucidApi,
    private readonly openStream?: StreamOpener
  ) {}

  /**
   * Runs every target; a failing target yields an error for its refId while the others still
   * return data. When a target is an Alerts query with `live` on and the range ends at now, the
   * observable stays open and emits the updated table on every matching stream event
   * (state Streaming) until unsubscribed; otherwise it completes after the first response.
   */
  query(request: RunRequest): Observable<DataQueryResponse> {
    return new Observable<DataQueryResponse>((subscriber) => {
      const closers: Array<() => void> = [];
      let stopped = false;
      void Promise.all(request.targets.filter((t) => !t.hide).map((t) => this.runTarget(t, request))).then(
        (results) => {
          if (stopped) {
            return;
          }
          const frames = results.flatMap((r) => r.frames);
          const errors = results.flatMap((r) => (r.error ? [r.error] : []));
          const lives = results.filter((r) => r.live);
          const canStream = lives.length > 0 && request.rangeEndsNow === true && this.openStream !== undefined;
          subscriber.next({
            data: frames,
            errors: errors.length ? errors : undefined,
            state: canStream ? LoadingState.Streaming : errors.length ? LoadingState.Error : LoadingState.Done,
          });
          if (!canStream) {
            subscriber.complete();
            return;
          }
          for (const result of lives) {
            const live = result.live!;
            const q = live.query;
            const params: QueryParams = {
              severity: q.severity,
              site: q.site?.length === 1 ? q.site[0] : undefined,
              device: q.device?.length === 1 ? q.device[0] : undefined,
            };
            closers.push(
              this.openStream!(
                params,
                (event) => {
                  const before = live.alerts;
                  live.alerts = applyAlertEvent(before, event, q);
                  const wasShown = before.some((a) => a.id === event.alert.id);
                  const isShown = live.alerts.some((a) => a.id === event.alert.id);
                  if (!wasShown && !isShown) {
                    return;
                  }
                  if (!wasShown && event.kind === 'opened') {
                    live.feedback.set(event.alert.id, countFeedback([]));
                  }
                  live.total += (isShown ? 1 : 0) - (wasShown ? 1 : 0);
                  subscriber.next({
                    key: q.refId,
                    data: [alertsToFrame(q.refId, live.alerts, live.feedback, { total: live.total })],
                    state: LoadingState.Streaming,
                  });
                },
                (err) =>
                  subscriber.next({
                    key: q.refId,
                    data: [alertsToFrame(q.refId, live.alerts, live.feedback, { total: live.total })],
                    state: LoadingState.Streaming,
                    errors: [{ refId: q.refId, message: `Live updates interrupted, reconnecting: ${err.message}` }],
                  })
              )
            );
          }
        }
      );
      return () => {
        stopped = true;
        closers.forEach((close) => close());
      };
    });
  }

  /** Runs one target and converts its answer; never rejects. */
  private async runTarget(target: LucidQuery, request: RunRequest): Promise<TargetResult> {
    try {
      const q = resolveQuery(target, request.interpolate);
      switch (q.queryType) {
        case QueryType.Series:
          return { frames: [await this.series(q, request)] };
        case QueryType.Incidents: {
          const page = await this.api.incidents(incidentsParams(q, request.range));
          const items =
            (q.site?.length ?? 0) > 1
              ? page.items.filter((i) => i.site !== undefined && q.site!.includes(i.site)).slice(0, q.limit)
              : page.items;
          return { frames: [incidentsToFrame(q.refId, items, (q.site?.length ?? 0) > 1 ? undefined : page.total)] };
        }
        case QueryType.Stats:
          return { frames: statsToFrames(q.refId, await this.api.stats(statsParams(q, request.range))) };
        case QueryType.Annotations: {
          const { alerts } = await this.fetchAlerts(q, request.range);
          return { frames: [alertsToAnnotations(q.refId, alerts)] };
        }
        case QueryType.Alerts:
        default: {
          const { alerts, total, filteredOut } = await this.fetchAlerts(q, request.range);
          const feedback = q.withFeedback ? await this.feedbackCounts(alerts) : new Map<string, FeedbackCounts>();
          const frame = alertsToFrame(q.refId, alerts, feedback, { total, filteredOut });
          return { frames: [frame], live: q.live ? { query: q, alerts, feedback, total } : undefined };
        }
      }
    } catch (err) {
      return { frames: [], error: toQueryError(target.refId, err) };
    }
  }

  /** A page of alerts with the client-side filters applied (several values, free text). */
  private async fetchAlerts(
    q: ResolvedQuery,
    range: RangeMs
  ): Promise<{ alerts: Alert[]; total: number; filteredOut: number }> {
    const page = await this.api.alerts(alertsParams(q, range));
    if (!needsClientFilter(q)) {
      return { alerts: page.items, total: page.total, filteredOut: 0 };
    }
    const kept = page.items.filter((a) => alertMatches(a, q));
    return {
      alerts: kept.slice(0, q.limit),
      total: kept.length + Math.max(0, page.total - page.items.length),
      filteredOut: page.items.length - kept.length,
    };
  }

  /** Feedback counts of the first {@link MAX_FEEDBACK_LOOKUPS} alerts, from `GET alerts/:id`. */
  private async feedbackCounts(alerts: readonly Alert[]): Promise<Map<string, FeedbackCounts>> {
    const ids = alerts.slice(0, MAX_FEEDBACK_LOOKUPS).map((a) => a.id);
    const details = await mapLimited(ids, FEEDBACK_LOOKUP_CONCURRENCY, (id) => this.api.alert(id, 3));
    return new Map(details.map((d, i) => [ids[i], countFeedback(d.feedback)]));
  }

  /** The series frame, its unit from the query override or from the latest alert's evidence. */
  private async series(q: ResolvedQuery, request: RunRequest): Promise<DataFrame> {
    const params = seriesParams(q, request.range, request.maxDataPoints);
    const [series, unit] = await Promise.all([
      this.api.series(params),
      q.unit
        ? Promise.resolve(q.unit)
        : this.api
            .alerts({ device: params.device, metric: params.metric, sort: 'time', limit: 1 })
            .then((p) => unitFromEvidence(p.items[0]?.score?.evidence, params.metric)),
    ]);
    return seriesToFrame(q.refId, series, unit);
  }

  /** Values of a template variable (see {@link findVariableValues}). */
  findVariableValues(query: LucidVariableQuery, interpolate: Interpolate, range?: RangeMs) {
    return findVariableValues(this.api, query, interpolate, range);
  }

  /** `testDatasource`: see {@link checkHealth}. */
  testConnection(apiUrl: string): Promise<HealthCheckResult> {
    return checkHealth(this.api, apiUrl);
  }

  /**
   * Posts an operator verdict (`acknowledge` and `resolve` also change the status) and returns
   * the alert as the store has it afterwards.
   * @throws LucidApiError e.g. 403 for a viewer token, 404 for an unknown alert, 409 for a conflict.
   */
  async postFeedback(alertId: string, verdict: FeedbackVerdict, options?: ActionOptions): Promise<Alert> {
    return (await this.api.feedback(alertId, verdict, options)).alert;
  }

  /** Acknowledges an alert; returns it updated. @throws LucidApiError (403, 404, 409). */
  async acknowledge(alertId: string, options?: ActionOptions): Promise<Alert> {
    return (await this.api.acknowledge(alertId, options)).alert;
  }

  /** Resolves an alert; returns it updated. @throws LucidApiError (403, 404, 409). */
  async resolve(alertId: string, options?: ActionOptions): Promise<Alert> {
    return (await this.api.resolve(alertId, options)).alert;
  }
}
