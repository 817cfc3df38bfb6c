import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../contracts/errors';
import { canonicalJson } from './canonical-json';

/** The public half of the signing key, as `GET keys` serves it. */
export interface PublicKeyInfo {
  /** `ed25519:` + first 16 hex chars of SHA-256 over the raw 32-byte public key. */
  keyId: string;
  algorithm: 'Ed25519';
  /** RFC 8037 OKP JWK (`kty: OKP`, `crv: Ed25519`, `x`). */
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; use: 'sig'; alg: 'EdDSA' };
  /** SPKI PEM. */
  pem: string;
}

/** File name of the private key inside the key directory (PKCS#8 PEM, mode 0600). */
export const PRIVATE_KEY_FILE = 'lucid-signing-key.pem';

/**
 * An Ed25519 key pair (RFC 8032) that signs Lucid's alert records and audit entries.
 * Signatures are base64url over the UTF-8 bytes of a value's {@link canonicalJson} form (or of
 * a given string), so any consumer holding the public key can check them with a standard
 * Ed25519 library (WebCrypto `verify('Ed25519', …)`, `node:crypto.verify(null, …)`).
 *
 * @example
 * const keys = SigningKeys.loadOrCreate('/data/lucid');
 * const sig = keys.sign({ id: 'a1' });
 * keys.verify({ id: 'a1' }, sig); // true
 */
export class SigningKeys {
  readonly publicKey: KeyObject;
  readonly info: PublicKeyInfo;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    const jwk = this.publicKey.export({ format: 'jwk' }) as { x: string };
    const raw = Buffer.from(jwk.x, 'base64url');
    const keyId = `ed25519:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
    this.info = {
      keyId,
      algorithm: 'Ed25519',
      jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: keyId, use: 'sig', alg: 'EdDSA' },
      pem: this.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  }

  /** A fresh random key pair (not persisted). */
  static generate(): SigningKeys {
    return new SigningKeys(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * Keys from a PKCS#8 PEM private key (e.g. supplied through node credentials).
   * @throws ConfigError when the PEM is not an Ed25519 private key.
   */
  static fromPem(privatePem: string): SigningKeys {
    let key: KeyObject;
    try {
      key = createPrivateKey(privatePem);
    } catch (err) {
      throw new ConfigError(`signingKey: not a PEM private key (${(err as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new ConfigError(`signingKey: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
    }
    return new SigningKeys(key);
  }

  /**
   * Loads `dir/lucid-signing-key.pem`, or generates a key pair on first start and writes it there
   * (directory created, file mode 0600). The public key is also written as `lucid-signing-key.pub.pem`.
   * @throws ConfigError when the file exists but is not an Ed25519 private key.
   */
  static loadOrCreate(dir: string): SigningKeys {
    const file = join(dir, PRIVATE_KEY_FILE);
    if (existsSync(file)) return SigningKeys.fromPem(readFileSync(file, 'utf8'));
    mkdirSync(dir, { recursive: true });
    const keys = SigningKeys.generate();
    const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    writeFileSync(join(dir, 'lucid-signing-key.pub.pem'), keys.info.pem);
    return keys;
  }

  /** Base64url Ed25519 signature over a string's UTF-8 bytes, or a value's canonical JSON. */
  sign(value: unknown): string {
    const text = typeof value === 'string' ? value : canonicalJson(value);
    return sign(null, Buffer.from(text, 'utf8'), this.privateKey).toString('base64url');
  }

  /** True when `signature` is this key's signature over `value` (same encoding as {@link sign}). */
  verify(value: unknown, signature: string): boolean {
    return verifySignature(this.publicKey, value, signature);
  }
}

/**
 * Checks an Ed25519 signature made by {@link SigningKeys.sign} with a public key (KeyObject,
 * SPKI PEM or OKP JWK). Never throws: a malformed signature or key is reported as false.
 */
export function verifySignature(
  publicKey: KeyObject | string | PublicKeyInfo['jwk'],
  value: unknown,
  signature: string,
): boolean {
  try {
    const key =
      typeof publicKey === 'string'
        ? createPublicKey(publicKey)
        : 'kty' in publicKey
          ? createPublicKey({ key: publicKey as unknown as import('node:crypto').JsonWebKey, format: 'jwk' })
          : publicKey;
    const text = typeof value === 'string' ? value : canonicalJson(value);
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
