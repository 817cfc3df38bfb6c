import http from 'http';
import type { AddressInfo } from 'net';

/** A plugin.json proxy route (the fields this stand-in implements). */
export interface PluginRoute {
  path: string;
  url?: string;
  headers?: Array<{ name: string; content: string }>;
}

/** A data source instance as Grafana stores it. */
export interface DataSourceInstance {
  uid: string;
  jsonData: Record<string, string | undefined>;
  secureJsonData: Record<string, string | undefined>;
}

/** Replaces `{{ .JsonData.x }}` and `{{ .SecureJsonData.x }}` like Grafana's route templates. */
export function interpolateRoute(template: string, ds: DataSourceInstance): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, scope: string, key: string) =>
    String((scope === 'JsonData' ? ds.jsonData : ds.secureJsonData)[key] ?? '')
  );
}

/**
 * A small HTTP server that plays Grafana's data proxy for frontend data sources (Grafana cannot
 * run on the CI machine): `GET|POST /api/datasources/proxy/uid/<uid>/<route.path>/<rest>`
 * is forwarded to `<route.url>/<rest>` with the query string, the route's headers (templates
 * filled from jsonData/secureJsonData) replacing any client `Authorization`, and the response
 * streamed back as it arrives (so server-sent events pass through). An unreachable upstream is a
 * 502 `{message}`, as Grafana answers.
 */
export async function startGrafanaDataProxy(
  routes: PluginRoute[],
  ds: DataSourceInstance
): Promise<{ url: string; routeUrl: (path: string) => string; close: () => Promise<void> }> {
  const prefix = `/api/datasources/proxy/uid/${ds.uid}/`;
  const sockets = new Set<import('net').Socket>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const route = url.startsWith(prefix)
      ? routes.find((r) => url.slice(prefix.length).split(/[/?]/)[0] === r.path)
      : undefined;
    if (!route || !route.url) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Not found' }));
      return;
    }
    const rest = url.slice(prefix.length + route.path.length).replace(/^\//, '');
    const target = new URL(`${interpolateRoute(route.url, ds).replace(/\/+$/, '')}/${rest}`);
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
    delete headers.authorization;
    delete headers.cookie;
    for (const h of route.headers ?? []) {
      headers[h.name.toLowerCase()] = interpolateRoute(h.content, ds);
    }
    const upstream = http.request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders();
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        res
          .writeHead(502, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ message: `Bad Gateway: ${err.message}` }));
      } else {
        res.destroy();
      }
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    routeUrl: (path: string) => `${url}${prefix}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
