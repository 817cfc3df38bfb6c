import { canonicalJson } from 'node-red-contrib-lucid/dist/lib/signing/canonical-json';
import type { Alert, PublicKeyInfo } from './lucidStoreTypes';

/** Outcome of a signature check, as the badge shows it. */
export enum SignatureState {
  /** The signature checks with one of the store's public keys. */
  Verified = 'verified',
  /** Nothing to check yet or cannot check: no signature, no full alert body, no key, no Ed25519 in this browser. */
  Unverified = 'unverified',
  /** A signature is present and does not match the alert: the record was changed after signing. */
  Invalid = 'invalid',
}

export interface SignatureCheck {
  state: SignatureState;
  /** Why, in words (shown in the badge's tooltip). */
  reason: string;
  keyId?: string;
}

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) {
    return undefined;
  }
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) {
    out[i] = bin.charCodeAt(i);
  }
  return out;
}

/**
 * Checks an alert's Ed25519 signature (RFC 8032) in the browser with WebCrypto, against the
 * store's public keys from `GET keys` (OKP JWK, RFC 8037). What is signed is the canonical JSON
 * (RFC 8785, node-red-nodes/src/lib/signing/canonical-json.ts) of the alert without its
 * `signature` field, as the store signs it. Never throws.
 *
 * @param alert - the full stored alert (with `signature`), or undefined when the frame lacks it.
 * @param keys - the store's public keys; an empty list yields `unverified`.
 * @param subtle - WebCrypto's SubtleCrypto [globalThis.crypto.subtle]; Ed25519 needs Chromium ≥ 113 / Firefox ≥ 129 / Node ≥ 18.4.
 */
export async function verifyAlertSignature(
  alert: Alert | undefined,
  keys: readonly PublicKeyInfo[],
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle
): Promise<SignatureCheck> {
  if (!alert) {
    return { state: SignatureState.Unverified, reason: 'The query did not return the signed alert record.' };
  }
  if (!alert.signature) {
    return { state: SignatureState.Unverified, reason: 'The alert carries no signature.' };
  }
  if (keys.length === 0) {
    return { state: SignatureState.Unverified, reason: "The store's public key is not available." };
  }
  if (!subtle) {
    return {
      state: SignatureState.Unverified,
      reason: 'WebCrypto is not available (the page is not served over HTTPS or localhost).',
    };
  }
  const signature = base64UrlToBytes(alert.signature);
  if (!signature || signature.length !== 64) {
    return { state: SignatureState.Invalid, reason: 'The signature is not a 64-byte Ed25519 signature.' };
  }
  const body: Partial<Alert> = { ...alert };
  delete body.signature;
  let data: Uint8Array<ArrayBuffer>;
  try {
    data = new TextEncoder().encode(canonicalJson(body));
  } catch (err) {
    return {
      state: SignatureState.Invalid,
      reason: `The alert cannot be put in canonical form: ${(err as Error).message}`,
    };
  }
  let imported = 0;
  for (const info of keys) {
    let key: CryptoKey;
    try {
      key = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: info.jwk.x }, { name: 'Ed25519' }, false, [
        'verify',
      ]);
      imported++;
    } catch {
      continue;
    }
    try {
      if (await subtle.verify({ name: 'Ed25519' }, key, signature, data)) {
        return { state: SignatureState.Verified, reason: `Signed by the store key ${info.keyId}.`, keyId: info.keyId };
      }
    } catch {
      // an engine error counts as a mismatch below
    }
  }
  if (imported === 0) {
    return { state: SignatureState.Unverified, reason: 'This browser cannot use Ed25519 keys (WebCrypto).' };
  }
  return {
    state: SignatureState.Invalid,
    reason: "The signature does not match the alert with the store's key: the record was altered after signing.",
  };
}
