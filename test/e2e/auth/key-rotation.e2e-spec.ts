import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { loginAs } from '../../helpers/auth';
import {
  createTestDatabase,
  startTestApp,
  TestDatabase,
  testSecrets,
} from '../../helpers/test-app';

/**
 * Signing-key rotation without logging anyone out (docs/auth.md "Rotating the signing key"):
 * the new key signs, the old public key stays published in JWT_PUBLISHED_PUBLIC_KEYS until the
 * last token it signed has expired.
 */
describe('signing key rotation (e2e)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const b64 = (pem: string) => Buffer.from(pem).toString('base64');

  it('should keep accepting tokens of the previous key while it is published, and refuse them once it is not', async () => {
    const oldPem = Buffer.from(testSecrets().JWT_PRIVATE_KEY, 'base64').toString('utf8');
    const oldPublic = createPublicKey(createPrivateKey(oldPem))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const newPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    const before = await startTestApp({ db });
    const user = await loginAs(before, 'user');
    await before.close();

    const rotated = await startTestApp({
      db,
      env: { JWT_PRIVATE_KEY: b64(newPem), JWT_PUBLISHED_PUBLIC_KEYS: b64(oldPublic) },
    });
    try {
      const jwks = await request(rotated.url).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys).toHaveLength(2);
      // The token signed by the old key still works; new logins are signed by the new key.
      await request(rotated.url)
        .get('/v1/auth/me')
        .set('Authorization', `Bearer ${user.accessToken}`)
        .expect(200);
      const fresh = await request(rotated.url)
        .post('/v1/auth/refresh')
        .send({ refresh_token: user.refreshToken })
        .expect(200);
      const kidOf = (token: string) =>
        JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
      expect(kidOf(fresh.body.access_token)).toBe(jwks.body.keys[0].kid);
      expect(kidOf(user.accessToken)).toBe(jwks.body.keys[1].kid);
    } finally {
      await rotated.close();
    }

    const retired = await startTestApp({ db, env: { JWT_PRIVATE_KEY: b64(newPem) } });
    try {
      await request(retired.url)
        .get('/v1/auth/me')
        .set('Authorization', `Bearer ${user.accessToken}`)
        .expect(401);
    } finally {
      await retired.close();
    }
  });
});
