import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { jwkThumbprint, loadSigningKeys } from './signing-keys';

describe('signing keys', () => {
  const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
    key.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('should compute the RFC 7638 thumbprint exactly as jose does', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const expected = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }), 'sha256');
    expect(jwkThumbprint(publicKey)).toBe(expected);
  });

  it('should publish the active key first and every older public key, without private parts', () => {
    const active = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const keys = loadSigningKeys(pem(active), [
      old.export({ type: 'spki', format: 'pem' }).toString(),
    ]);
    const kids = [...keys.verification.keys()];
    expect(kids).toEqual([jwkThumbprint(createPublicKey(active)), jwkThumbprint(old)]);
    expect(keys.signing.kid).toBe(kids[0]);
    for (const { jwk } of keys.verification.values()) expect(jwk).not.toHaveProperty('d');
  });

  it('should refuse a key that is not P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const active = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() =>
      loadSigningKeys(pem(active), [rsa.export({ type: 'spki', format: 'pem' }).toString()]),
    ).toThrow();
  });
});
