/**
 * Jest's jsdom environment (which @grafana/data needs) plus Node's own fetch, streams, abort
 * signals and timers, so that the datasource's real HTTP code runs against a real Lucid store
 * (Node-RED and the store use Node timers' `unref`; Node's fetch only accepts Node's AbortSignal).
 */
const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomWithNodeFetch extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'fetch',
      'Response',
      'Request',
      'Headers',
      'ReadableStream',
      'TextDecoder',
      'TextEncoder',
      'AbortController',
      'AbortSignal',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = JsdomWithNodeFetch;
