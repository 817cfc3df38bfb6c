import { makeAlert } from '../__fixtures__/alertFixtures';
import { makeSigner, nodeSubtle } from '../__fixtures__/signing';
import { SignatureState, verifyAlertSignature } from './verifyAlertSignature';

describe('verifyAlertSignature (WebCrypto Ed25519)', () => {
  const store = makeSigner();
  const other = makeSigner('ed25519:other');
  const signed = store.signAlert(makeAlert({ id: 'sig-1', prevHash: 'ab'.repeat(32) }));

  it.each([
    ['a correctly signed alert', () => signed, [store.info], SignatureState.Verified],
    ['the right key among several', () => signed, [other.info, store.info], SignatureState.Verified],
    ['a tampered priority', () => ({ ...signed, priority: signed.priority + 1 }), [store.info], SignatureState.Invalid],
    [
      'a tampered summary',
      () => ({ ...signed, explanation: { ...signed.explanation, summary: 'nothing to see' } }),
      [store.info],
      SignatureState.Invalid,
    ],
    ['another key', () => signed, [other.info], SignatureState.Invalid],
    [
      'a signature that is not base64url',
      () => ({ ...signed, signature: 'not base64!' }),
      [store.info],
      SignatureState.Invalid,
    ],
    [
      'a truncated signature',
      () => ({ ...signed, signature: signed.signature!.slice(0, 40) }),
      [store.info],
      SignatureState.Invalid,
    ],
    ['no signature', () => ({ ...signed, signature: undefined }), [store.info], SignatureState.Unverified],
    ['no key', () => signed, [], SignatureState.Unverified],
    ['no alert body', () => undefined, [store.info], SignatureState.Unverified],
  ])('%s', async (_name, alert, keys, expected) => {
    const check = await verifyAlertSignature(alert(), keys, nodeSubtle);
    expect(check.state).toBe(expected);
    expect(check.reason.length).toBeGreaterThan(10);
  });

  it('names the key that verified', async () => {
    expect(await verifyAlertSignature(signed, [store.info], nodeSubtle)).toMatchObject({
      state: SignatureState.Verified,
      keyId: store.info.keyId,
    });
  });

  it('key order and property order do not matter (canonical JSON)', async () => {
    const reordered = Object.fromEntries(Object.entries(signed).reverse()) as typeof signed;
    expect((await verifyAlertSignature(reordered, [store.info], nodeSubtle)).state).toBe(SignatureState.Verified);
  });

  it('is unverified without WebCrypto and when the key cannot be imported', async () => {
    expect((await verifyAlertSignature(signed, [store.info], undefined)).state).toBe(SignatureState.Unverified);
    const broken = { ...store.info, jwk: { ...store.info.jwk, x: '' } };
    expect((await verifyAlertSignature(signed, [broken], nodeSubtle)).state).toBe(SignatureState.Unverified);
  });
});
