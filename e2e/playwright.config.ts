import { defineConfig } from '@playwright/test';
import path from 'node:path';

/**
 * Browser tests of the Lucid Grafana panel across the stack (see e2e/README.md): Debian's
 * Chromium (never a downloaded browser), the panel's real components on a local page inside
 * Grafana's theme, the data source's real query code, a real running Lucid stack.
 */
export default defineConfig({
  testDir: './tests',
  outputDir: path.join(__dirname, 'test-results'),
  globalSetup: require.resolve('./support/globalSetup'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1000, height: 1100 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
