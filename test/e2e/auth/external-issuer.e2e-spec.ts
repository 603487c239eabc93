import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { AuthProbeModule } from './probe.module';

/**
 * Resource-server mode: tokens of an external issuer (Keycloak, Auth0, ...) verified against its
 * JWKS, served here by a local server the test starts and counts requests on.
 */
describe('external issuer (resource-server mode) (e2e)', () => {
  const ISSUER = 'https://idp.example.test/realms/demo';
  const AUDIENCE = 'secure-api-external';
  let t: TestApp;
  let idp: Server;
  let jwksHits = 0;
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(key.publicKey.export({ format: 'jwk' }) as object),
    kid: 'idp-key-1',
    alg: 'RS256',
    use: 'sig',
  };

  beforeAll(async () => {
    idp = createServer((req, res) => {
      if (req.url === '/jwks') jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const port = (idp.address() as AddressInfo).port;
    t = await startTestApp({
      extraModules: [AuthProbeModule],
      env: {
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => idp.close(resolve));
  });

  const externalToken = (
    claims: Record<string, unknown> = {},
    options: { kid?: string; signWith?: KeyObject } = {},
  ) =>
    jwt.sign(
      {
        sub: 'alice',
        scope: 'customers:read openid',
        exp: Math.floor(Date.now() / 1000) + 300,
        ...claims,
      },
      options.signWith ?? key.privateKey,
      {
        algorithm: 'RS256',
        keyid: options.kid ?? 'idp-key-1',
        issuer: ISSUER,
        audience: AUDIENCE,
      },
    );
  const probe = (token: string) =>
    request(t.url).get('/v1/auth-probe/any').set('Authorization', `Bearer ${token}`);

  it('should accept a token of the external issuer and map sub, roles and scopes', async () => {
    const res = await probe(
      externalToken({ realm_access: { roles: ['support', 'offline_access'] } }),
    ).expect(200);
    expect(res.body).toMatchObject({
      type: 'user',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      roles: ['support'],
      scopes: ['customers:read'],
    });
    expect(res.body.id).toBe(res.body.ownerId);
    expect(res.body.id).not.toBe('alice');
    // Scoped routes follow the token's scopes.
    await request(t.url)
      .get('/v1/auth-probe/customers-read')
      .set('Authorization', `Bearer ${externalToken()}`)
      .expect(200);
    await request(t.url)
      .get('/v1/auth-probe/payments-write')
      .set('Authorization', `Bearer ${externalToken()}`)
      .expect(403);
  });

  it('should refuse a wrong issuer, a wrong audience, an expired token and a foreign key', async () => {
    const refused = async (token: string) => {
      const res = await probe(token).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    };
    await refused(
      jwt.sign({ sub: 'alice' }, key.privateKey, {
        algorithm: 'RS256',
        keyid: 'idp-key-1',
        issuer: 'https://evil.example',
        audience: AUDIENCE,
        expiresIn: 300,
      }),
    );
    await refused(
      jwt.sign({ sub: 'alice' }, key.privateKey, {
        algorithm: 'RS256',
        keyid: 'idp-key-1',
        issuer: ISSUER,
        audience: 'other-api',
        expiresIn: 300,
      }),
    );
    await refused(externalToken({ exp: Math.floor(Date.now() / 1000) - 60 }));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await refused(externalToken({}, { signWith: other.privateKey }));
  });

  it('should refuse HS256 signed with the external public key', async () => {
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = jwt.sign({ sub: 'alice' }, pem, {
      algorithm: 'HS256',
      keyid: 'idp-key-1',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: 300,
    });
    await probe(token).expect(401);
  });

  it('should refetch the JWKS at most once for a burst of unknown kids', async () => {
    await probe(externalToken()).expect(200); // keys cached
    const before = jwksHits;
    for (let i = 0; i < 5; i++) await probe(externalToken({}, { kid: `unknown-${i}` })).expect(401);
    expect(jwksHits - before).toBeLessThanOrEqual(1);
  });

  it('should keep accepting first-party tokens in resource-server mode', async () => {
    const u = await loginAs(t, 'user');
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${u.accessToken}`)
      .expect(200);
  });
});
