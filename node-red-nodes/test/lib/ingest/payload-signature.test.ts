import {
  canonicalJson,
  signPayload,
  signedText,
  verifyPayloadSignature,
} from '../../../src/lib/ingest/payload-signature';

// Test vector computed independently of this code:
//   printf '%s' '{"deviceId":"t-101","metrics":{"humidity":40,"temperature":21.5},"nonce":"5f2b9c1e","ts":1714564800}' \
//     | openssl dgst -sha256 -hmac 'k3y-of-device-t-101'
const KEY = 'k3y-of-device-t-101';
const VECTOR_SIG = 'ee60d211254d93310a7d6a6af2da252b199e66d9a2393e3353df9388c5c89771';
const payload = () => ({
  ts: 1714564800,
  nonce: '5f2b9c1e',
  deviceId: 't-101',
  metrics: { temperature: 21.5, humidity: 40 },
});

describe('canonicalJson (RFC 8785 subset)', () => {
  test.each<[unknown, string]>([
    [{ b: 1, a: { d: 2.5, c: 'x' } }, '{"a":{"c":"x","d":2.5},"b":1}'],
    [[3, { z: null, y: [true] }], '[3,{"y":[true],"z":null}]'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
    [JSON.parse('{"t": 21.50, "e": 1e3}'), '{"e":1000,"t":21.5}'],
    [{ é: 1, Z: 2, a: 3 }, '{"Z":2,"a":3,"é":1}'],
    ['a"b', '"a\\"b"'],
  ])('%p', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('HMAC-SHA256 payload signature', () => {
  test('matches the independent test vector', () => {
    expect(signedText(payload())).toBe(
      '{"deviceId":"t-101","metrics":{"humidity":40,"temperature":21.5},"nonce":"5f2b9c1e","ts":1714564800}',
    );
    expect(signPayload(payload(), KEY)).toBe(VECTOR_SIG);
  });

  test('sig is excluded from the signed text, so a signed payload verifies', () => {
    expect(verifyPayloadSignature({ ...payload(), sig: VECTOR_SIG }, KEY)).toBe(true);
    expect(verifyPayloadSignature({ ...payload(), sig: VECTOR_SIG.toUpperCase() }, KEY)).toBe(true);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['tampered value', { ...payload(), metrics: { temperature: 21.6, humidity: 40 }, sig: VECTOR_SIG }, KEY],
    ['added field', { ...payload(), site: 'x', sig: VECTOR_SIG }, KEY],
    ['wrong key', { ...payload(), sig: VECTOR_SIG }, 'another-key-of-16-chars'],
    ['truncated sig', { ...payload(), sig: VECTOR_SIG.slice(0, 63) }, KEY],
    ['non-hex sig', { ...payload(), sig: 'z'.repeat(64) }, KEY],
    ['missing sig', payload(), KEY],
    ['numeric sig', { ...payload(), sig: 12 }, KEY],
  ])('%s does not verify', (_name, signed, key) => {
    expect(verifyPayloadSignature(signed, key)).toBe(false);
  });
});
