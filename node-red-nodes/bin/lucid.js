#!/usr/bin/env node
// The `lucid` command: `lucid start` runs the embedded stack, `lucid score` scores recorded files.
// The implementation is compiled TypeScript in dist/cli (built by `npm run build`).
require('../dist/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`lucid: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  });
