// Jest setup provided by Grafana scaffolding: it needs a DOM, so tests that declare
// `@jest-environment node` (plugin.json schema, the store integration test) skip it.
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
}
