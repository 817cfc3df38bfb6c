import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { apiErrorFromResponse } from './LucidApiError';
import { type HttpTransport, requestUrl } from './HttpTransport';

/**
 * The {@link HttpTransport} used inside Grafana: `getBackendSrv().fetch` against the data-proxy
 * route URL (`<instanceSettings.url>/lucid`). Grafana's data proxy injects the bearer token from
 * `secureJsonData` (plugin.json `routes`), so no secret is ever handled in the browser.
 * Grafana's own error toasts are disabled: errors surface as query errors instead.
 */
export function backendSrvTransport(routeUrl: string): HttpTransport {
  const root = routeUrl.replace(/\/+$/, '');
  return async <T>(req: Parameters<HttpTransport>[0]): Promise<T> => {
    try {
      const res = await lastValueFrom(
        getBackendSrv().fetch<T>({
          url: `${root}/${requestUrl(req.path, req.params)}`,
          method: req.method,
          data: req.body,
          headers: req.body !== undefined ? { 'Content-Type': 'application/json' } : undefined,
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
      if (typeof res.data !== 'object' || res.data === null) {
        throw apiErrorFromResponse(
          res.status,
          { error: 'invalid_response', detail: 'expected a JSON object' },
          req.path
        );
      }
      return res.data;
    } catch (err) {
      if (isFetchError(err)) {
        throw apiErrorFromResponse(err.status > 0 ? err.status : 0, err.data ?? err.statusText, req.path);
      }
      throw err;
    }
  };
}
