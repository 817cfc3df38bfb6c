import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  signWebhook,
  SigningKeys,
  verifySignature,
  verifyWebhook,
} from '../../../src/lib/signing';

describe('canonicalJson (RFC 8785 subset)', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 1, x: 2 }, u: undefined }, '{"z":{"x":2,"y":1}}'],
    [[1e21, 0.1, -0], '[1e+21,0.1,0]'],
    ['é"\n', '"é\\"\\n"'],
  ])('%j → %s', (value, text) => expect(canonicalJson(value)).toBe(text));

  it.each([[NaN], [Infinity], [{ f: () => 1 }], [BigInt(1)]])('refuses %p', (v) =>
    expect(() => canonicalJson(v)).toThrow(TypeError),
  );
});

describe('SigningKeys', () => {
  it('creates the key once, with mode 0600, and reloads the same key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucid-keys-'));
    try {
      const k1 = SigningKeys.loadOrCreate(dir);
      expect(statSync(join(dir, 'lucid-signing-key.pem')).mode & 0o777).toBe(0o600);
      const k2 = SigningKeys.loadOrCreate(dir);
      expect(k2.info.keyId).toBe(k1.info.keyId);
      const sig = k1.sign({ a: 1 });
      expect(k2.verify({ a: 1 }, sig)).toBe(true);
      expect(verifySignature(k1.info.jwk, { a: 1 }, sig)).toBe(true);
      expect(verifySignature(k1.info.pem, { a: 2 }, sig)).toBe(false);
      expect(verifySignature(k1.info.pem, { a: 1 }, 'not-a-signature')).toBe(false);
      expect(SigningKeys.generate().verify({ a: 1 }, sig)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a non-Ed25519 or garbage PEM', () => {
    expect(() => SigningKeys.fromPem('garbage')).toThrow(/signingKey/);
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify({ alert: 'a-1' });
  const now = 1_700_000_000_000;
  it('verifies its own header and refuses a changed body, a wrong secret, a stale time, garbage', () => {
    const h = signWebhook(body, 's3cret', now)['X-Lucid-Signature'];
    expect(verifyWebhook(body, h, 's3cret', now + 1000)).toEqual({ ok: true });
    expect(verifyWebhook(body + ' ', h, 's3cret', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(body, h, 'other', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(body, h, 's3cret', now + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhook(body, 'v1=abc', 's3cret', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(() => signWebhook(body, '', now)).toThrow(RangeError);
  });
});
