/**
 * System programs some suites drive (Chromium, Mosquitto, docker-compose, PostgreSQL). `npm test`
 * (scripts/test.js) installs them from Debian when it can; the ones it could not install are
 * listed, comma-separated, in LUCID_TEST_SKIP, and the suites that need them skip.
 */
export type TestComponent = 'chromium' | 'mosquitto' | 'docker-compose' | 'postgresql';

/**
 * Whether the test runner could not provide `component`: the suite should skip, saying so with
 * `console.warn`. When false the suite runs, and fails loudly if the program is missing.
 */
export function skippedByRunner(component: TestComponent): boolean {
  return (process.env.LUCID_TEST_SKIP ?? '').split(',').includes(component);
}
