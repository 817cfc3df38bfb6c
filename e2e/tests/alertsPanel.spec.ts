import { expect, type Page, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import type { Adaptation, Alert } from 'node-red-contrib-lucid';
import { TEST_IDS } from '../../grafana-panel-plugin/src/testIds';
import { NARRATIVE_MODEL } from '../support/lucidBackend';
import { panelUrl, storeGet } from '../support/pageUrl';

/**
 * The Lucid alerts panel in Chromium, on a real stack: Node-RED with the example flow and the
 * simulated fleet, the store, and the data source's query code behind a Grafana-like data proxy.
 * Serial: later tests change the store (feedback, a tampered row).
 */
test.describe.configure({ mode: 'serial' });

type Page1 = { items: Alert[]; total: number };
type Detail = { alert: Alert; feedback: Array<{ verdict: string; actor: string; comment?: string }> };

const ALL = { statuses: [] as never[], maxAlerts: 6 };
const cards = (page: Page) => page.locator(TEST_IDS.cardSelector);

async function openPanel(page: Page, url: string) {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  await page.goto(url);
  await expect(page.getByTestId(TEST_IDS.panel)).toBeVisible();
  await expect(cards(page).first()).toBeVisible();
  return failures;
}

test('the top-priority alert comes first with its explanation', async ({ page }) => {
  const errors = await openPanel(page, panelUrl({ options: ALL }));
  const top = (await storeGet<Page1>('alerts?sort=priority&order=desc&limit=5')).items;
  expect(top.length).toBeGreaterThan(1);
  const first = cards(page).first();
  const firstId = (await first.getAttribute('data-testid'))!.replace('lucid-alert-card-', '');
  const expected = top.find((a) => a.id === firstId);
  // Equal priorities may be ordered differently (the panel breaks ties by severity); the first card has the top priority.
  expect(expected?.priority).toBe(top[0].priority);
  await expect(first.getByTestId(TEST_IDS.title)).toHaveText(expected!.explanation.title);
  await expect(first.getByTestId(TEST_IDS.summary)).toHaveText(expected!.explanation.summary);
  await expect(first.getByTestId(TEST_IDS.severity)).toHaveText(expected!.severity);
  await expect(first.getByTestId(TEST_IDS.priority)).toHaveText(`P${Math.round(expected!.priority)}`);
  await expect(first.getByTestId(TEST_IDS.cause)).toHaveCount(expected!.explanation.causes.length);
  const priorities = await cards(page).evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute('data-priority'))),
  );
  expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  expect(errors).toEqual([]);
});

test('the trend overlay draws the evidence window with its expected band', async ({ page }) => {
  await openPanel(page, panelUrl({ options: ALL }));
  const trend = cards(page).first().getByTestId(TEST_IDS.trend);
  await expect(trend).toBeVisible();
  await expect(trend).toHaveAttribute('data-has-band', 'true');
  await expect(trend.getByTestId(TEST_IDS.trendBand)).toBeVisible();
  const canvas = trend.locator('canvas');
  await expect(canvas).toHaveCount(1);
  // The canvas is painted: several distinct colours (series, band fill, anomaly shading).
  const colours = await canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<string>();
    for (let i = 0; i < data.length; i += 4 * 7) {
      if (data[i + 3] > 0) {
        seen.add(`${data[i] >> 4},${data[i + 1] >> 4},${data[i + 2] >> 4}`);
      }
    }
    return seen.size;
  });
  expect(colours).toBeGreaterThan(3);
  // Larger with axes on expand.
  await cards(page).first().getByTestId(TEST_IDS.expand).click();
  await expect(cards(page).first().getByTestId(TEST_IDS.trend)).toHaveAttribute('data-large', 'true');
});

for (const theme of ['dark', 'light'] as const) {
  test(`screenshot, ${theme} theme`, async ({ page }, testInfo) => {
    await openPanel(page, panelUrl({ theme, options: { ...ALL, maxAlerts: 3 }, height: 1180 }));
    await expect(cards(page).first().getByTestId(TEST_IDS.trend).locator('canvas')).toBeVisible();
    await expect(cards(page).first().getByTestId(TEST_IDS.signature)).not.toHaveAttribute(
      'data-state',
      'checking',
    );
    const file = testInfo.outputPath(`lucid-alerts-panel-${theme}.png`);
    await page.locator('#panel').screenshot({ path: file });
    await testInfo.attach(`panel-${theme}`, { path: file, contentType: 'image/png' });
    if (process.env.LUCID_E2E_README_SCREENSHOTS === '1') {
      fs.copyFileSync(
        file,
        path.join(__dirname, '../../grafana-panel-plugin/src/img', `screenshot-${theme}.png`),
      );
    }
  });
}

test('no layout break in a small panel, keyboard works', async ({ page }) => {
  await openPanel(page, panelUrl({ options: { ...ALL, compact: true }, width: 320, height: 420 }));
  const overflow = await page.getByTestId(TEST_IDS.panel).evaluate((root) => {
    const wide = [root, ...Array.from(root.querySelectorAll('[data-testid^="lucid-alert-card-"]'))].filter(
      (e) => e.scrollWidth > e.clientWidth + 1,
    );
    return wide.map((e) => `${e.getAttribute('data-testid')}: ${e.scrollWidth} > ${e.clientWidth}`);
  });
  expect(overflow).toEqual([]);
  const first = cards(page).first();
  await expect(first.getByTestId(TEST_IDS.actions)).toHaveCount(0);
  await first.getByTestId(TEST_IDS.expand).focus();
  await page.keyboard.press('Enter');
  await expect(first.getByTestId(TEST_IDS.expand)).toHaveAttribute('aria-expanded', 'true');
  const toggle = first.getByTestId(TEST_IDS.causeToggle).first();
  if (await toggle.isEnabled()) {
    await expect(first.getByTestId(TEST_IDS.causeEvidence).first()).toBeVisible();
  }
});

test('a signature is verified in the browser with the store key', async ({ page }) => {
  await openPanel(page, panelUrl({ options: ALL }));
  const badges = cards(page).getByTestId(TEST_IDS.signature);
  await expect(badges.first()).toHaveAttribute('data-state', 'verified');
  expect(await badges.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(
    Array(await badges.count()).fill('verified'),
  );
});

test("a local model's narrative and the explanation history reach the cards", async ({ page }) => {
  // The panel's query asks for the 100 alerts of highest priority: look among the same ones.
  const top = (await storeGet<Page1>('alerts?sort=priority&order=desc&limit=100')).items.slice(0, 90);
  const narrated = top.find((a) => a.explanation.narrative);
  expect(narrated, 'an alert with a narrative of the local model').toBeDefined();
  const narrative = narrated!.explanation.narrative!;
  expect(narrative).toMatchObject({ generated: true, model: NARRATIVE_MODEL });
  const changed = top.find((a) => (a.explanationHistory?.length ?? 0) >= 2);
  expect(changed, 'an alert whose explanation changed while open').toBeDefined();

  await openPanel(page, panelUrl({ options: { ...ALL, maxAlerts: 100 } }));
  const card = page.getByTestId(TEST_IDS.card(narrated!.id));
  await expect(card.getByTestId(TEST_IDS.narrative)).toContainText(narrative.text);
  await expect(card.getByTestId(TEST_IDS.narrativeSource)).toContainText(`Generated by ${NARRATIVE_MODEL}`);
  await expect(card.getByTestId(TEST_IDS.summary)).toHaveText(narrated!.explanation.summary);
  const entries = page.getByTestId(TEST_IDS.card(changed!.id)).getByTestId(TEST_IDS.historyEntry);
  await expect(entries).toHaveCount(changed!.explanationHistory!.length);
  await expect(entries.last()).toContainText(changed!.explanationHistory!.at(-1)!.title);
});

test('a viewer token gets a visible refusal and nothing changes', async ({ page }) => {
  await openPanel(page, panelUrl({ ds: 'lucid-viewer', options: ALL }));
  const card = cards(page).first();
  const id = (await card.getAttribute('data-testid'))!.replace('lucid-alert-card-', '');
  const before = await storeGet<Detail>(`alerts/${encodeURIComponent(id)}`);
  const status = (await card.getByTestId(TEST_IDS.status).textContent())!;
  await card.getByTestId(TEST_IDS.feedback('useful')).click();
  await expect(card.getByTestId(TEST_IDS.actionError)).toContainText('HTTP 403');
  await expect(card.getByTestId(TEST_IDS.status)).toHaveText(status);
  await expect(page.getByTestId(TEST_IDS.readOnlyNotice)).toContainText('refused');
  await expect(card.getByTestId(TEST_IDS.feedback('useful'))).toHaveAttribute('aria-disabled', 'true');
  const after = await storeGet<Detail>(`alerts/${encodeURIComponent(id)}`);
  expect(after.feedback).toEqual(before.feedback);
});

test('"false positive" persists in the store and the adaptation appears', async ({ page }) => {
  await openPanel(page, panelUrl({ options: ALL }));
  const card = cards(page).nth(1);
  const id = (await card.getAttribute('data-testid'))!.replace('lucid-alert-card-', '');
  await card.getByRole('button', { name: 'Comment' }).click();
  await card.getByTestId(TEST_IDS.comment).fill('known vibration test on this line');
  await card.getByTestId(TEST_IDS.feedback('false_positive')).click();
  await expect(card.getByTestId(TEST_IDS.feedbackCounts)).toContainText('False positive 1');
  await expect(card.getByTestId(TEST_IDS.actionError)).toHaveCount(0);
  const detail = await storeGet<Detail>(`alerts/${encodeURIComponent(id)}`);
  expect(detail.feedback).toEqual([
    expect.objectContaining({
      verdict: 'false_positive',
      comment: 'known vibration test on this line',
      actor: expect.stringContaining('operator'),
    }),
  ]);
  await expect(card.getByTestId(TEST_IDS.adaptation)).toBeVisible({ timeout: 10_000 });
  const adaptations = (await storeGet<{ items: Adaptation[] }>('adaptations?limit=100')).items.filter(
    (a) => a.alertId === id,
  );
  expect(adaptations.length).toBeGreaterThan(0);
  await expect(card.getByTestId(TEST_IDS.adaptation)).toContainText(adaptations[0].reason);
  // After a reload the count comes from the store.
  await page.reload();
  await expect(page.getByTestId(TEST_IDS.card(id)).getByTestId(TEST_IDS.feedbackCounts)).toContainText(
    'False positive 1',
  );
});

test('an alert edited behind the store’s back shows an invalid signature', async ({ page }) => {
  const top = (await storeGet<Page1>('alerts?sort=priority&order=desc&limit=3')).items;
  const victim = top[2];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3');
  const db = new Database(process.env.LUCID_E2E_DB!, { timeout: 5000 });
  try {
    const changed = db
      .prepare(`UPDATE alerts SET body = json_set(body, '$.explanation.summary', ?) WHERE id = ?`)
      .run('Nothing to see here.', victim.id);
    expect(changed.changes).toBe(1);
  } finally {
    db.close();
  }
  await openPanel(page, panelUrl({ options: ALL }));
  const card = page.getByTestId(TEST_IDS.card(victim.id));
  await expect(card.getByTestId(TEST_IDS.summary)).toHaveText('Nothing to see here.');
  await expect(card.getByTestId(TEST_IDS.signature)).toHaveAttribute('data-state', 'invalid');
  await expect(card.getByTestId(TEST_IDS.signature)).toContainText('Signature invalid');
  await expect(page.getByTestId(TEST_IDS.card(top[0].id)).getByTestId(TEST_IDS.signature)).toHaveAttribute(
    'data-state',
    'verified',
  );
  const audit = await storeGet<{ ok: boolean; records: { firstMismatch?: { id: string } } }>('audit/verify');
  expect(audit.ok).toBe(false);
  expect(audit.records.firstMismatch?.id).toBe(victim.id);
});
