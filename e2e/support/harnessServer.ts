import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** Where each data source uid's Grafana-like data proxy listens (`startGrafanaDataProxy`). */
export type ProxyTargets = Record<string, string>;

const BOOT_DATA = {
  settings: { featureToggles: {}, buildInfo: { version: '12.4.10' } },
  user: { login: 'e2e-operator', orgRole: 'Editor', isSignedIn: true },
  navTree: [],
};

/**
 * Serves the harness page (Grafana boot data set before the bundle), its bundle, @grafana/ui's
 * icons at Grafana's `public/build/img` path, and, same-origin like Grafana, the data proxy path
 * `/api/datasources/proxy/uid/<uid>/…` forwarded to that data source's proxy.
 */
export async function startHarnessServer(
  buildDir: string,
  proxies: ProxyTargets,
): Promise<{ url: string; close(): Promise<void> }> {
  const imgDir = path.join(
    path.dirname(require.resolve('@grafana/ui/package.json')),
    'dist',
    'public',
    'img',
  );
  const app = express();
  app.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lucid alerts panel · browser tests</title>
<script>window.grafanaBootData = ${JSON.stringify(BOOT_DATA)};</script></head>
<body><div id="root"></div><script src="/build/harness.js"></script></body></html>`);
  });
  app.use('/build', express.static(buildDir));
  app.use('/public/build/img', express.static(imgDir));
  app.use('/api/datasources/proxy/uid/:uid', (req, res) => {
    const target = proxies[req.params.uid];
    if (!target) {
      res.status(404).json({ message: 'Data source not found' });
      return;
    }
    const upstream = http.request(
      `${target}${req.originalUrl}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) =>
      res.headersSent ? res.destroy() : res.status(502).json({ message: `Bad Gateway: ${err.message}` }),
    );
    req.pipe(upstream);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
