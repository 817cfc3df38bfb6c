import type { LucidApi } from '../api/LucidApi';
import { LucidApiError } from '../api/LucidApiError';
import { SUPPORTED_API_MAJOR } from '../types';

/** What `testDatasource` shows: Grafana's `TestDataSourceResponse` shape. */
export interface HealthCheckResult {
  status: 'success' | 'error';
  message: string;
  details?: { message?: string; verboseMessage?: string };
}

const ROLE_RIGHTS: Record<string, string> = {
  viewer: 'read only: feedback, acknowledge and resolve will be refused',
  operator: 'read, feedback, acknowledge and resolve',
  admin: 'read, feedback, acknowledge, resolve and adaptations',
};

function failure(message: string, verboseMessage?: string): HealthCheckResult {
  return { status: 'error', message, details: verboseMessage ? { message: verboseMessage } : undefined };
}

/** Turns a failed call into advice, by cause. */
function describeError(err: unknown, apiUrl: string): HealthCheckResult {
  if (!(err instanceof LucidApiError)) {
    return failure(
      `Unexpected error while testing the Lucid store: ${err instanceof Error ? err.message : String(err)}`
    );
  }
  const where = apiUrl || 'the configured URL';
  if (err.unreachable) {
    return failure(
      `Cannot reach the Lucid store at ${where} (${err.status ? `HTTP ${err.status}` : 'no answer'}: ${err.detail}).`,
      'Check that Node-RED with lucid-store is running and that the URL is reachable from the Grafana server (not only from your browser), e.g. http://node-red:1880/lucid/api in Docker Compose.'
    );
  }
  if (err.status === 401) {
    return failure(
      `The Lucid store refused the API token (401 ${err.code}: ${err.detail}).`,
      'Enter (or re-enter) a token configured in the lucid-store config node (or LUCID_API_TOKEN for the embedded default) and save; an empty token is refused too. A viewer token is enough for dashboards, an operator token is needed for feedback, acknowledge and resolve.'
    );
  }
  if (err.status === 403) {
    return failure(
      `Access denied (403 ${err.code}: ${err.detail}).`,
      'The token is known but its role does not allow reading; use a viewer, operator or admin token. A 403 can also come from a proxy in front of the store.'
    );
  }
  if (err.status === 404) {
    return failure(
      `No Lucid store API at ${where} (404 on ${err.path}).`,
      'The URL must be the API root, served under the Node-RED HTTP root at /lucid/api, e.g. http://node-red:1880/lucid/api (include the httpNodeRoot if Node-RED has one).'
    );
  }
  if (err.code === 'invalid_response' || err.status === 200) {
    return failure(
      `${where} answered, but not like a Lucid store: ${err.detail}`,
      'Check the URL: it must point at the Lucid store API root (…/lucid/api).'
    );
  }
  return failure(
    `The Lucid store answered ${err.status ? `HTTP ${err.status}` : 'with an error'} (${err.code}): ${err.detail}`
  );
}

/**
 * Tests a data source configuration against the store, in order: `GET health` (reachability,
 * URL, token: a wrong token is a 401 even there), the shape of the answer (is this a Lucid
 * store?), a token being configured (`role` null means none reached the store), `GET
 * openapi.json` (the API major version must be {@link SUPPORTED_API_MAJOR}), and `GET alerts`
 * with limit 1 (the token may read). Each failure gets its own message and advice.
 * @param apiUrl the configured URL, only used in messages.
 */
export async function checkHealth(api: LucidApi, apiUrl: string): Promise<HealthCheckResult> {
  try {
    const health = await api.health();
    const notAStore = failure(
      `${apiUrl || 'The URL'} answered GET health, but not like a Lucid store (expected {status: "ok", schemaVersion, ...}).`
    );
    if (!health || health.status !== 'ok') {
      return notAStore;
    }
    // Without a token the store only says it is up ({status: "ok", role: null}).
    if (health.role === null) {
      return failure(
        'The Lucid store is reachable, but no API token reached it.',
        'Enter the API token and save; Grafana injects it server-side through the plugin route, so it is never sent to browsers.'
      );
    }
    if (!health.role || typeof health.schemaVersion !== 'number') {
      return notAStore;
    }
    const spec = await api.openApi();
    const version = spec?.info?.version ?? '';
    const major = Number(version.split('.')[0]);
    if (major !== SUPPORTED_API_MAJOR) {
      return failure(
        `Incompatible Lucid store API version "${version || 'unknown'}": this plugin speaks version ${SUPPORTED_API_MAJOR}.x.`,
        `Install the lucid-alerts-datasource release made for store API ${version || 'this store'}, or upgrade the store.`
      );
    }
    await api.alerts({ limit: 1 });
    return {
      status: 'success',
      message: `Connected to the Lucid store API ${version} (${health.engine}, schema v${health.schemaVersion}, ${health.alerts} alerts). Token role: ${health.role} (${ROLE_RIGHTS[health.role] ?? 'unknown rights'}).`,
    };
  } catch (err) {
    return describeError(err, apiUrl);
  }
}
