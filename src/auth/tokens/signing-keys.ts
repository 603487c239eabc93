import { createHash, createPrivateKey, createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';

/**
 * The ES256 keys, parsed ONCE at boot into `KeyObject`s: jsonwebtoken verifies several times
 * faster with a KeyObject than with a PEM string (jsonwebtoken #1046), and synchronously, off the
 * libuv pool that argon2 hashes on (STACK-NOTES: jose's WebCrypto verify stalled to 432 ms p99).
 *
 * Each key's `kid` is its RFC 7638 JWK thumbprint: stable, derived from the key itself, so a
 * rotated key can never be confused with another.
 */
export interface VerificationKey {
  kid: string;
  key: KeyObject;
  jwk: JsonWebKey;
}

export interface SigningKeys {
  /** The active key: signs every new token. */
  signing: { kid: string; privateKey: KeyObject };
  /** Every published key by kid (the active one first): verification and the JWKS. */
  verification: Map<string, VerificationKey>;
}

/** RFC 7638 §3.2: the required members of an EC key, in lexicographic order, no whitespace. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC') throw new Error('Only EC keys are used for tokens');
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function loadSigningKeys(
  privateKeyPem: string,
  publishedPublicKeyPems: string[],
): SigningKeys {
  const privateKey = createPrivateKey(privateKeyPem);
  const activePublic = createPublicKey(privateKey);
  const verification = new Map<string, VerificationKey>();
  for (const key of [activePublic, ...publishedPublicKeyPems.map((pem) => createPublicKey(pem))]) {
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('Token keys must be EC P-256 (ES256)');
    const kid = jwkThumbprint(key);
    const { kty, crv, x, y } = key.export({ format: 'jwk' });
    verification.set(kid, { kid, key, jwk: { kty, crv, x, y } });
  }
  return { signing: { kid: jwkThumbprint(activePublic), privateKey }, verification };
}
