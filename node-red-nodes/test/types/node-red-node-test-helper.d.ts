// node-red-node-test-helper ships no types, and @types/node-red-node-test-helper types nodes so
// narrowly that `node.on('input')` and `on('call:error')` do not typecheck. Tests treat the
// helper and the nodes it returns loosely.
declare module 'node-red-node-test-helper' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const helper: any;
  export = helper;
}
