import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The integrator's view: the Node-RED editor of the running stack (the example flow, with the
 * store added by the global setup). Every Lucid node type is in the `lucid` palette category, its
 * edit dialog opens and closes, its help is written, and none of it throws in the browser.
 */
const LUCID_TYPES = [
  'lucid-ingest',
  'lucid-detect',
  'lucid-explain',
  'lucid-route',
  'lucid-simulate',
  'lucid-replay',
  'lucid-store',
  'lucid-feedback',
];
const LUCID_CONFIG_TYPES = ['lucid-fleet', 'lucid-store-config', 'lucid-model'];

/** The first words of a node's help summary, as written in its help file. */
function helpSummary(type: string): string {
  const file = path.join(__dirname, '../../node-red-nodes/src/nodes', type, 'locales/en-US', `${type}.html`);
  const html = fs.readFileSync(file, 'utf8');
  const first = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
  return first
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 40);
}

function editorUrl(): string {
  const api = process.env.LUCID_E2E_API;
  if (!api) throw new Error('LUCID_E2E_API is not set: run through the e2e global setup');
  return api.replace(/\/lucid\/api\/?$/, '/');
}

test('the editor shows the lucid palette, opens every Lucid node and its help without errors', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  // Node-RED's palette manager fetches its public catalogue; this machine has no network for it.
  const offline = (url: string) => url.startsWith('https://catalogue.nodered.org/');
  let offlineFailures = 0;
  page.on('requestfailed', (request) => {
    if (offline(request.url())) offlineFailures++;
    else errors.push(`request: ${request.url()} ${request.failure()?.errorText}`);
  });
  await page.goto(editorUrl());
  // The editor asks for the login `npm start` prints: its first request is refused (401), which
  // is what opens the login dialog; nothing else may fail before the login.
  await page.locator('#node-dialog-login-username').fill(process.env.LUCID_E2E_EDITOR_USER ?? '');
  await page.locator('#node-dialog-login-password').fill(process.env.LUCID_E2E_EDITOR_PASSWORD ?? '');
  const beforeLogin = errors.splice(0);
  expect(beforeLogin.filter((e) => !/status of 401 \(Unauthorized\)/.test(e))).toEqual([]);
  await page.locator('#node-dialog-login-submit').click();
  await expect(page.locator('#red-ui-palette-container-lucid')).toBeVisible({ timeout: 30_000 });
  // Node-RED's toast notifications (e.g. a slow comms reconnect on a loaded machine) float over
  // the tray and would swallow the click on Cancel. They are not what this test is about: let
  // clicks pass through them, and report what they said.
  await page.addStyleTag({ content: '#red-ui-notifications { pointer-events: none !important; }' });
  for (const type of LUCID_TYPES) {
    await expect(
      page.locator(`#red-ui-palette-container-lucid .red-ui-palette-node[data-palette-type="${type}"]`),
    ).toHaveCount(1);
  }

  for (const type of [...LUCID_TYPES, ...LUCID_CONFIG_TYPES]) {
    const opened = await page.evaluate((t) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      const def = RED.nodes.getType(t);
      if (!def) return `no definition for ${t}`;
      if (def.category === 'config') {
        RED.editor.editConfig('', t, '_ADD_');
      } else {
        let node: unknown;
        RED.nodes.eachNode((n: { type: string }) => {
          if (!node && n.type === t) node = n;
        });
        if (!node) {
          node = RED.view.importNodes([
            { id: `e2e-${t}`, type: t, x: 100, y: 100, z: RED.workspaces.active(), wires: [] },
          ])?.nodes?.[0];
          node = RED.nodes.node(`e2e-${t}`) ?? node;
        }
        RED.editor.edit(node);
      }
      return 'ok';
    }, type);
    expect(opened).toBe('ok');
    const tray = page.locator('.red-ui-tray').last();
    await expect(tray).toBeVisible();
    await expect(tray.locator('.red-ui-tray-body .form-row').first()).toBeVisible();
    await tray.locator('#node-dialog-cancel, #node-config-dialog-cancel').first().click();
    await expect(page.locator('.red-ui-tray')).toHaveCount(0);

    await page.evaluate((t) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.sidebar.help.show(t);
    }, type);
    const summary = helpSummary(type);
    expect(summary.length, `help summary of ${type}`).toBeGreaterThan(20);
    await expect(page.locator('#red-ui-sidebar-content')).toContainText(summary);
  }
  const notifications = await page.locator('#red-ui-notifications .red-ui-notification').allInnerTexts();
  for (const text of notifications) test.info().annotations.push({ type: 'notification', description: text });
  // Each refused catalogue request also logs one console error, which is not ours.
  const consoleNoise: string[] = errors.filter(
    (e) => e === 'console: Failed to load resource: net::ERR_NAME_NOT_RESOLVED',
  );
  expect(consoleNoise.length).toBeLessThanOrEqual(offlineFailures);
  expect(errors.filter((e) => !consoleNoise.includes(e))).toEqual([]);
});
