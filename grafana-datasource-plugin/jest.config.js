// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // Rendering and typing tests take a few seconds when the machine is busy (as CI machines are);
  // jest's 5 s default then fails them at random. The same limit as the other workspaces.
  testTimeout: 30000,
  transform: {
    ...base.transform,
    // d3-color and friends ship .mjs files that @grafana/data imports; jest must transform them too.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
