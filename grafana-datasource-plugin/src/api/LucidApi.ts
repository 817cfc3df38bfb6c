import type { Adaptation, Alert, AlertEvent, Incident } from 'node-red-contrib-lucid';
import type { HttpTransport, QueryParams } from './HttpTransport';
import type {
  AlertDetail,
  HealthResponse,
  Page,
  PublicKeyInfo,
  SeriesResult,
  StatsResult,
  StoredFeedback,
} from './storeTypes';
import type { FeedbackVerdict } from '../types';

/** Query string of `GET alerts` (names as the store expects them). */
export interface AlertsParams extends QueryParams {
  from?: number;
  to?: number;
  severity?: string[];
  status?: string[];
  site?: string;
  device?: string;
  incident?: string;
  metric?: string;
  sort?: string;
  order?: string;
  limit?: number;
  offset?: number;
}

/** Query string of `GET incidents`. */
export interface IncidentsParams extends QueryParams {
  from?: number;
  to?: number;
  status?: string[];
  severity?: string[];
  site?: string;
  limit?: number;
}

/** Query string of `GET series`. */
export interface SeriesParams extends QueryParams {
  device: string;
  metric: string;
  from?: number;
  to?: number;
  maxPoints?: number;
}

/** Query string of `GET stats`. */
export interface StatsParams extends QueryParams {
  from?: number;
  to?: number;
  bucketMs?: number;
}

/** Query string of `GET adaptations`. */
export interface AdaptationsParams extends QueryParams {
  /** Only adaptations in force. */
  active?: boolean;
  limit?: number;
  offset?: number;
}

/** What the store's `openapi.json` tells about its version. */
export interface OpenApiInfo {
  info?: { title?: string; version?: string };
}

/** `GET keys`: the store's public signing keys (JWK and PEM) for signature checks. */
export interface KeysResponse {
  keys: PublicKeyInfo[];
  /** What is signed, in words. */
  signed: string;
}

/** Optional attribution and comment of an operator action. */
export interface ActionOptions {
  comment?: string;
  /** The Grafana user acting (recorded in the store's audit log as `token:user`). */
  user?: string;
}

/**
 * Typed client of the Lucid store API (node-red-nodes/docs/store-api.md, `GET openapi.json`),
 * over any {@link HttpTransport}. Every method rejects with a `LucidApiError` on failure.
 */
export class LucidApi {
  constructor(private readonly transport: HttpTransport) {}

  health(): Promise<HealthResponse> {
    return this.transport({ method: 'GET', path: 'health' });
  }

  openApi(): Promise<OpenApiInfo> {
    return this.transport({ method: 'GET', path: 'openapi.json' });
  }

  keys(): Promise<KeysResponse> {
    return this.transport({ method: 'GET', path: 'keys' });
  }

  alerts(params: AlertsParams): Promise<Page<Alert>> {
    return this.transport({ method: 'GET', path: 'alerts', params });
  }

  /** One alert with its history, incident, feedback and evidence window (`maxPoints` per metric, 3..10000). */
  alert(id: string, maxPoints?: number): Promise<AlertDetail> {
    return this.transport({ method: 'GET', path: `alerts/${encodeURIComponent(id)}`, params: { maxPoints } });
  }

  incidents(params: IncidentsParams): Promise<Page<Incident>> {
    return this.transport({ method: 'GET', path: 'incidents', params });
  }

  series(params: SeriesParams): Promise<SeriesResult> {
    return this.transport({ method: 'GET', path: 'series', params });
  }

  stats(params: StatsParams): Promise<StatsResult> {
    return this.transport({ method: 'GET', path: 'stats', params });
  }

  /** Adaptations made from feedback (or by an admin), newest first. */
  adaptations(params: AdaptationsParams = {}): Promise<Page<Adaptation>> {
    return this.transport({ method: 'GET', path: 'adaptations', params });
  }

  /** `POST alerts/:id/feedback` (operator role): 201 with the stored feedback and the alert after it. */
  feedback(
    id: string,
    verdict: FeedbackVerdict,
    options: ActionOptions = {}
  ): Promise<{ feedback: StoredFeedback; alert: Alert }> {
    return this.transport({
      method: 'POST',
      path: `alerts/${encodeURIComponent(id)}/feedback`,
      body: { verdict, ...clean(options) },
    });
  }

  /** `POST alerts/:id/ack` (operator role). */
  acknowledge(id: string, options: ActionOptions = {}): Promise<{ alert: Alert; event: AlertEvent }> {
    return this.transport({ method: 'POST', path: `alerts/${encodeURIComponent(id)}/ack`, body: clean(options) });
  }

  /** `POST alerts/:id/resolve` (operator role). */
  resolve(id: string, options: ActionOptions = {}): Promise<{ alert: Alert; event: AlertEvent }> {
    return this.transport({ method: 'POST', path: `alerts/${encodeURIComponent(id)}/resolve`, body: clean(options) });
  }
}

/** Drops unset and empty values: the store refuses unknown or empty fields. */
function clean(options: ActionOptions): ActionOptions {
  const out: ActionOptions = {};
  if (options.comment) {
    out.comment = options.comment;
  }
  if (options.user) {
    out.user = options.user;
  }
  return out;
}
