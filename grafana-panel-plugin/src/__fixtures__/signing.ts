import { generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import type { Alert } from 'node-red-contrib-lucid';
import { canonicalJson } from 'node-red-contrib-lucid/dist/lib/signing/canonical-json';
import type { PublicKeyInfo } from '../data/lucidStoreTypes';

/** A real Ed25519 key pair, as the store has one, with its `GET keys` entry. */
export function makeSigner(kid = 'ed25519:test0000000000') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
  const info: PublicKeyInfo = {
    keyId: kid,
    algorithm: 'Ed25519',
    jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, use: 'sig', alg: 'EdDSA' },
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
  return { info, signAlert: (alert: Alert) => signWith(privateKey, alert) };
}

/** The alert with `signature` = Ed25519 over the canonical JSON of the alert without it (as the store signs). */
function signWith(privateKey: KeyObject, alert: Alert): Alert {
  const body: Partial<Alert> = { ...alert };
  delete body.signature;
  return {
    ...alert,
    signature: sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64url'),
  };
}

/** Node's WebCrypto, the same API as the browser's `crypto.subtle`. */
export const nodeSubtle = webcrypto.subtle as unknown as SubtleCrypto;
