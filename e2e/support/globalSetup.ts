import fs from 'node:fs';
import path from 'node:path';
import webpack from 'webpack';
import { startGrafanaDataProxy } from '../../grafana-datasource-plugin/src/testing/grafanaDataProxy';
import { startHarnessServer } from './harnessServer';
import { startLucidBackend, TOKENS } from './lucidBackend';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harnessConfig = require('../harness/webpack.config.js');

/** Data source uids of the page: the same store, one with an operator token and one with a viewer token. */
export const DATASOURCES = { operator: 'lucid', viewer: 'lucid-viewer' } as const;

async function buildHarness(outDir: string): Promise<void> {
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(harnessConfig(outDir), (err, s) =>
      err || !s ? reject(err ?? new Error('no stats')) : resolve(s),
    ),
  );
  if (stats.hasErrors()) {
    throw new Error(`harness build failed:\n${stats.toString('errors-only')}`);
  }
}

/**
 * Playwright global setup: bundles the harness page, starts the real Lucid stack, one
 * Grafana-like data proxy per data source (the datasource plugin's own plugin.json routes) and
 * the page server. Tests read the URLs from the environment; the returned function tears down.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const outDir = harnessConfig.DEFAULT_OUT_DIR as string;
  const [, backend] = await Promise.all([buildHarness(outDir), startLucidBackend()]);
  const routes = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../../grafana-datasource-plugin/src/plugin.json'), 'utf8'),
  ).routes;
  const operator = await startGrafanaDataProxy(routes, {
    uid: DATASOURCES.operator,
    jsonData: { apiUrl: backend.apiUrl },
    secureJsonData: { apiToken: TOKENS.operator },
  });
  const viewer = await startGrafanaDataProxy(routes, {
    uid: DATASOURCES.viewer,
    jsonData: { apiUrl: backend.apiUrl },
    secureJsonData: { apiToken: TOKENS.viewer },
  });
  const page = await startHarnessServer(outDir, {
    [DATASOURCES.operator]: operator.url,
    [DATASOURCES.viewer]: viewer.url,
  });
  process.env.LUCID_E2E_PAGE = page.url;
  process.env.LUCID_E2E_API = backend.apiUrl;
  process.env.LUCID_E2E_EDITOR_USER = backend.editorUser;
  process.env.LUCID_E2E_EDITOR_PASSWORD = backend.editorPassword;
  process.env.LUCID_E2E_FLOW_ADDED = backend.added.join(',');
  process.env.LUCID_E2E_DB = backend.sqliteFile;
  return async () => {
    await page.close();
    await operator.close();
    await viewer.close();
    await backend.stop();
  };
}
