/** Jest runs the TypeScript sources directly; type checking is `npm run typecheck`'s job. */
module.exports = {
  // 'node' plus the host's typed arrays, which onnxruntime-node needs (see the file).
  testEnvironment: '<rootDir>/test/jest-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 30000,
  // Node-RED's editor API starts a module-level session-expiry timer at the first login and offers
  // no way to clear it (RED.stop() leaves it; bin/lucid.js exits explicitly for the same reason).
  // The embedded-stack security test logs in, so without this Jest would wait for that timer.
  forceExit: true,
};
