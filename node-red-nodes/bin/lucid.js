#!/usr/bin/env node
// The `lucid` command: `lucid start` runs the embedded stack, `lucid score` scores recorded files.
// The implementation is compiled TypeScript in dist/cli (built by `npm run build`).
require('../dist/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    // Exit once the command is done: after RED.stop(), Node-RED keeps its session-expiry timer
    // (set by an editor login, up to 7 days) and would hold `lucid start` open after Ctrl+C.
    process.exit(typeof code === 'number' ? code : 0);
  })
  .catch((err) => {
    process.stderr.write(`lucid: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  });
