/**
 * Jest's 'node' environment, plus the host realm's typed arrays (and ArrayBuffer) inside the
 * test sandbox. onnxruntime-node's native binding checks `data instanceof Float32Array` against
 * the host realm, so tensors built in a test (another vm context) would be refused with
 * "A float32 tensor's data must be type of function Float32Array()". Nothing else changes.
 */
const { TestEnvironment } = require('jest-environment-node');

const HOST_TYPES = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class LucidNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_TYPES) this.global[name] = globalThis[name];
  }
}

module.exports = LucidNodeEnvironment;
