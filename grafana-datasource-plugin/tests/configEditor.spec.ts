import { test, expect } from '@grafana/plugin-e2e';

// Needs a running Grafana (`npm run server`); Grafana cannot run on the Lucid build machine,
// so these are not part of `npm test` (see README, "Testing").

test('smoke: renders the config editor', async ({ createDataSourceConfigPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await expect(page.getByTestId('lucid-config-api-url')).toBeVisible();
  await expect(page.getByText('API token')).toBeVisible();
});

test('"Save & test" succeeds when the store answers like a Lucid store', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  selectors,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  const proxy = `${selectors.apis.DataSource.proxy(configPage.datasource.uid, configPage.datasource.id.toString())}/lucid`;
  await page.route(`**${proxy}/health`, (route) =>
    route.fulfill({
      json: {
        status: 'ok',
        engine: 'sqlite',
        schemaVersion: 1,
        alerts: 0,
        auditHead: 0,
        keyId: 'k',
        role: 'viewer',
        timeMs: 0,
      },
    })
  );
  await page.route(`**${proxy}/openapi.json`, (route) => route.fulfill({ json: { info: { version: '1.0.0' } } }));
  await page.route(`**${proxy}/alerts?limit=1`, (route) =>
    route.fulfill({ json: { items: [], total: 0, limit: 1, offset: 0, nextOffset: null } })
  );
  await expect(configPage.saveAndTest()).toBeOK();
  await expect(configPage).toHaveAlert('success');
});

test('"Save & test" shows an error when the store is unreachable', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  await configPage.saveAndTest();
  await expect(configPage).toHaveAlert('error');
});
