import { test, expect } from '@grafana/plugin-e2e';

// Needs a running Grafana with a reachable Lucid store (`docker compose up` at the repository root).

test('smoke: renders the query editor with the Alerts filters', async ({
  panelEditPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  await expect(panelEditPage.getQueryEditorRow('A').getByTestId('lucid-query-site')).toBeVisible();
});

test('an Alerts query returns the alert table', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  await panelEditPage.setVisualization('Table');
  await expect(panelEditPage.panel.fieldNames).toContainText(['Detected', 'Priority', 'Severity', 'Title']);
});
