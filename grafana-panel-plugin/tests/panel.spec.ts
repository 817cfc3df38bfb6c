/**
 * Tests against a real Grafana server (`npm run server`, docker compose) with @grafana/plugin-e2e.
 * There is no Grafana server on the CI machine (no package, no Docker engine): the panel's
 * browser tests across the Lucid stack live in /e2e and run from `npm test`; these run where
 * Docker is available.
 */
import { expect, test } from '@grafana/plugin-e2e';
import { TEST_IDS } from '../src/testIds';

test('shows the empty state when the query returns no data', async ({
  gotoPanelEditPage,
  readProvisionedDashboard,
  page,
}) => {
  const dashboard = await readProvisionedDashboard({ fileName: 'dashboard.json' });
  await gotoPanelEditPage({ dashboard, id: '2' });
  await expect(page.getByTestId(TEST_IDS.empty)).toBeVisible();
});

test('explains that a frame of another data source is not a Lucid Alerts table', async ({
  gotoPanelEditPage,
  readProvisionedDashboard,
  page,
}) => {
  const dashboard = await readProvisionedDashboard({ fileName: 'dashboard.json' });
  await gotoPanelEditPage({ dashboard, id: '1' });
  await expect(page.getByTestId(TEST_IDS.schemaMismatch)).toContainText('Lucid Alerts data source');
});

test('lists its options by category', async ({ gotoPanelEditPage, readProvisionedDashboard, page }) => {
  const dashboard = await readProvisionedDashboard({ fileName: 'dashboard.json' });
  await gotoPanelEditPage({ dashboard, id: '1' });
  for (const name of [
    'Minimum severity',
    'Statuses',
    'Sort by',
    'Group by incident',
    'Max alerts',
    'Show trend',
    'Show actions',
    'Compact mode',
  ]) {
    await expect(page.getByText(name, { exact: true })).toBeVisible();
  }
});
