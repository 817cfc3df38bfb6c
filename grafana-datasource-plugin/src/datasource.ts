import {
  type AnnotationQuery,
  CoreApp,
  type DataQueryRequest,
  type DataQueryResponse,
  DataSourceApi,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { config, getTemplateSrv } from '@grafana/runtime';
import type { Alert, AlertEvent } from 'node-red-contrib-lucid';
import type { Observable } from 'rxjs';
import { backendSrvTransport } from './api/backendSrvTransport';
import type { QueryParams } from './api/HttpTransport';
import { type ActionOptions, type KeysResponse, LucidApi } from './api/LucidApi';
import type { AlertDetail } from './api/storeTypes';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { openAlertStream } from './live/openAlertStream';
import { LucidQueryRunner } from './LucidQueryRunner';
import { parseVariableQuery } from './variables/variableValues';
import { LucidVariableSupport } from './variables/LucidVariableSupport';
import {
  DEFAULT_QUERY,
  type FeedbackVerdict,
  type LucidDataSourceOptions,
  type LucidQuery,
  type LucidVariableQuery,
  PROXY_ROUTE,
  QueryType,
} from './types';

/**
 * The Lucid Alerts data source. Every request goes through Grafana's data proxy route `lucid`
 * (plugin.json), which forwards to `jsonData.apiUrl` and adds `Authorization: Bearer <token>`
 * from `secureJsonData.apiToken`: the token never reaches the browser.
 *
 * Beyond queries, the panel (lucid-alerts-panel) calls {@link postFeedback},
 * {@link acknowledge}, {@link resolve}, {@link getAlertDetail}, {@link getPublicKeys} and
 * {@link subscribeAlertEvents} on the instance it gets from `getDataSourceSrv().get(uid)`.
 */
export class DataSource extends DataSourceApi<LucidQuery, LucidDataSourceOptions> {
  readonly runner: LucidQueryRunner;
  /** Data-proxy URL of the route (`/api/datasources/proxy/uid/<uid>/lucid`). */
  readonly routeUrl: string;
  private readonly apiUrl: string;

  constructor(instanceSettings: DataSourceInstanceSettings<LucidDataSourceOptions>) {
    super(instanceSettings);
    this.routeUrl = `${(instanceSettings.url ?? '').replace(/\/+$/, '')}/${PROXY_ROUTE}`;
    this.apiUrl = instanceSettings.jsonData?.apiUrl ?? '';
    this.runner = new LucidQueryRunner(new LucidApi(backendSrvTransport(this.routeUrl)), (params, onEvent, onError) =>
      openAlertStream({ baseUrl: this.routeUrl, fetch: (input, init) => fetch(input, init), params, onEvent, onError })
    );
    this.variables = new LucidVariableSupport(this);
    this.annotations = {
      QueryEditor: AnnotationQueryEditor,
      prepareAnnotation: (json: AnnotationQuery<LucidQuery>) => ({
        ...json,
        target: {
          ...DEFAULT_QUERY,
          limit: 500,
          withFeedback: false,
          ...json.target,
          refId: json.target?.refId ?? 'Anno',
          queryType: QueryType.Annotations,
        },
      }),
    };
  }

  /** The typed store client (the panel reads details, keys and adaptations through it). */
  get api(): LucidApi {
    return this.runner.api;
  }

  getDefaultQuery(_: CoreApp): Partial<LucidQuery> {
    return DEFAULT_QUERY;
  }

  /** Series queries need a device and a metric before they can run. */
  filterQuery(query: LucidQuery): boolean {
    return query.queryType !== QueryType.Series || (Boolean(query.device) && Boolean(query.metric));
  }

  query(request: DataQueryRequest<LucidQuery>): Observable<DataQueryResponse> {
    const templateSrv = getTemplateSrv();
    return this.runner.query({
      targets: request.targets,
      range: { fromMs: request.range.from.valueOf(), toMs: request.range.to.valueOf() },
      maxDataPoints: request.maxDataPoints,
      rangeEndsNow: request.range.raw.to === 'now',
      interpolate: (value, format) => templateSrv.replace(value, request.scopedVars, format),
    });
  }

  /** Marks template variables as used (dashboard dependency graph); interpolation happens in `query`. */
  applyTemplateVariables(query: LucidQuery, _scopedVars: ScopedVars): LucidQuery {
    return query;
  }

  /** Values for template variables: `sites`, `zones`, `devices`, `metrics` (see README). */
  async metricFindQuery(
    query: string | LucidVariableQuery,
    options?: { range?: DataQueryRequest['range']; scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const templateSrv = getTemplateSrv();
    const range = options?.range
      ? { fromMs: options.range.from.valueOf(), toMs: options.range.to.valueOf() }
      : undefined;
    return this.runner.findVariableValues(
      parseVariableQuery(query),
      (v, format) => templateSrv.replace(v, options?.scopedVars, format),
      range
    );
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    return this.runner.testConnection(this.apiUrl);
  }

  /** Posts feedback as the signed-in Grafana user; returns the updated alert. @throws LucidApiError */
  postFeedback(alertId: string, verdict: FeedbackVerdict, options: ActionOptions = {}): Promise<Alert> {
    return this.runner.postFeedback(alertId, verdict, { user: currentUser(), ...options });
  }

  /** Acknowledges as the signed-in Grafana user; returns the updated alert. @throws LucidApiError */
  acknowledge(alertId: string, options: ActionOptions = {}): Promise<Alert> {
    return this.runner.acknowledge(alertId, { user: currentUser(), ...options });
  }

  /** Resolves as the signed-in Grafana user; returns the updated alert. @throws LucidApiError */
  resolve(alertId: string, options: ActionOptions = {}): Promise<Alert> {
    return this.runner.resolve(alertId, { user: currentUser(), ...options });
  }

  /** One alert with history, incident, feedback and evidence window. @throws LucidApiError */
  getAlertDetail(alertId: string, maxPoints?: number): Promise<AlertDetail> {
    return this.runner.api.alert(alertId, maxPoints);
  }

  /** The store's public signing keys (JWK + PEM) for Ed25519 signature checks. */
  getPublicKeys(): Promise<KeysResponse> {
    return this.runner.api.keys();
  }

  /** Follows alert changes (filters: severity list, site, device); returns an unsubscribe function. */
  subscribeAlertEvents(
    params: QueryParams,
    onEvent: (event: AlertEvent) => void,
    onError?: (err: Error) => void
  ): () => void {
    return openAlertStream({
      baseUrl: this.routeUrl,
      fetch: (input, init) => fetch(input, init),
      params,
      onEvent,
      onError,
    });
  }
}

/** The Grafana login of the signed-in user, recorded with operator actions in the store's audit log. */
function currentUser(): string | undefined {
  const login = config.bootData?.user?.login;
  return typeof login === 'string' && login !== '' ? login.slice(0, 256) : undefined;
}
