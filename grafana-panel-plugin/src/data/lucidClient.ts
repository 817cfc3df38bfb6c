import type { Adaptation, Alert, AlertDetail, PublicKeyInfo } from './lucidStoreTypes';
import type { Verdict } from './alertsViewModel';

/** Optional attribution and comment of an operator action. */
export interface ActionOptions {
  comment?: string;
  /** The Grafana user acting (recorded by the store as `token:user`). */
  user?: string;
}

/**
 * What the panel needs from lucid-alerts-datasource, in ONE place. Every call goes through the
 * data source (and so through Grafana's data proxy, which adds the API token). Methods reject
 * with an error carrying `status` (HTTP) and `detail` when the store refuses (e.g. 403 for a
 * viewer token).
 */
export interface LucidPanelClient {
  /** `POST alerts/:id/feedback` (acknowledge and resolve go to `ack` / `resolve`); the alert afterwards. */
  act(alertId: string, verdict: Verdict, options?: ActionOptions): Promise<Alert>;
  /** `GET alerts/:id` with the evidence window (`maxPoints` per metric). */
  alertDetail?(alertId: string, maxPoints: number): Promise<AlertDetail>;
  /** `GET keys`: the store's public signing keys. */
  publicKeys?(): Promise<PublicKeyInfo[]>;
  /** `GET adaptations`: recent adaptations (the panel shows those made from an alert's feedback). */
  adaptations?(): Promise<Adaptation[]>;
}

/** Methods of the data source's query runner (grafana-datasource-plugin/src/LucidQueryRunner.ts). */
interface RunnerLike {
  postFeedback(alertId: string, verdict: Verdict, options?: ActionOptions): Promise<Alert>;
  acknowledge(alertId: string, options?: ActionOptions): Promise<Alert>;
  resolve(alertId: string, options?: ActionOptions): Promise<Alert>;
  api?: ApiLike;
}

/** Methods of the data source's typed API client (grafana-datasource-plugin/src/api/LucidApi.ts). */
interface ApiLike {
  alert?(id: string, maxPoints?: number): Promise<AlertDetail>;
  keys?(): Promise<{ keys: PublicKeyInfo[] }>;
  adaptations?(params?: Record<string, unknown>): Promise<{ items: Adaptation[] } | Adaptation[]>;
}

function isRunner(v: unknown): v is RunnerLike {
  const r = v as Partial<RunnerLike> | undefined;
  return (
    !!r &&
    typeof r.postFeedback === 'function' &&
    typeof r.acknowledge === 'function' &&
    typeof r.resolve === 'function'
  );
}

/**
 * Adapts the data source instance (or its query runner) to {@link LucidPanelClient}. Accepts an
 * object with the runner's methods (`postFeedback`, `acknowledge`, `resolve`, optional `api`), or
 * one holding such an object as `runner`. Returns undefined when the object cannot post feedback
 * (another data source): the panel then shows the alerts read-only.
 */
export function toLucidClient(source: unknown): LucidPanelClient | undefined {
  const runner = isRunner(source)
    ? source
    : isRunner((source as { runner?: unknown })?.runner)
      ? (source as { runner: RunnerLike }).runner
      : undefined;
  if (!runner) {
    return undefined;
  }
  const api: ApiLike | undefined = runner.api ?? (source as { api?: ApiLike }).api;
  const client: LucidPanelClient = {
    act: (alertId, verdict, options) =>
      verdict === 'acknowledge'
        ? runner.acknowledge(alertId, options)
        : verdict === 'resolve'
          ? runner.resolve(alertId, options)
          : runner.postFeedback(alertId, verdict, options),
  };
  if (api?.alert) {
    client.alertDetail = (id, maxPoints) => api.alert!(id, maxPoints);
  }
  if (api?.keys) {
    client.publicKeys = async () => (await api.keys!()).keys;
  }
  if (api?.adaptations) {
    client.adaptations = async () => {
      const res = await api.adaptations!({ limit: 100 });
      return Array.isArray(res) ? res : res.items;
    };
  }
  return client;
}

/** The store's message for a failed action, e.g. `HTTP 403: token "viewer" has role viewer…`. */
export function describeActionError(err: unknown): { status?: number; message: string } {
  const e = err as {
    status?: unknown;
    detail?: unknown;
    message?: unknown;
    data?: { detail?: unknown; message?: unknown };
  };
  const status = typeof e?.status === 'number' && e.status > 0 ? e.status : undefined;
  const detail =
    typeof e?.detail === 'string'
      ? e.detail
      : typeof e?.data?.detail === 'string'
        ? e.data.detail
        : typeof e?.data?.message === 'string'
          ? e.data.message
          : typeof e?.message === 'string'
            ? e.message
            : String(err);
  return { status, message: status ? `HTTP ${status}: ${detail}` : detail };
}
