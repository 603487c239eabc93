import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { bearer, loginAs, LoggedInUser } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { customerBody, settle } from './security-helpers';

/** A local HTTP server standing for an internal service: it counts every request it receives. */
interface Trap {
  url: string;
  hits: string[];
  close(): Promise<void>;
}
async function startTrap(
  handle: (req: IncomingMessage, res: import('node:http').ServerResponse) => void = (_q, r) =>
    r.end('{}'),
): Promise<Trap> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * OWASP API7:2023 Server Side Request Forgery: the attacker makes the server fetch a URL of its
 * choosing (an internal service, cloud metadata) through any input the server might follow: a
 * URL field, a token header that names a key location, an issuer URL, a redirect.
 *
 * Defence by design: the application makes exactly one kind of outbound request, the JWKS of an
 * external issuer in resource-server mode, and only from the configured AUTH_JWKS_URL, never
 * from a token (`jku`, `x5u`, `jwk` refused in src/auth/strategies/jwt-header.ts), without
 * following redirects, bounded in time and size (src/auth/external/external-jwt.strategy.ts). No
 * DTO accepts a URL to fetch.
 *
 * Already proven, not repeated here: test/e2e/auth/forged-tokens.e2e-spec.ts "should refuse jku,
 * x5u and jwk headers and make no outbound request"; test/e2e/auth/external-issuer.e2e-spec.ts
 * "should refetch the JWKS at most once for a burst of unknown kids".
 */
describe('OWASP API7:2023 Server Side Request Forgery (e2e)', () => {
  describe('first-party tokens and URL inputs', () => {
    let t: TestApp;
    let trap: Trap;
    let user: LoggedInUser;

    beforeAll(async () => {
      trap = await startTrap();
      t = await startTestApp();
      user = await loginAs(t, 'user');
    });
    afterAll(async () => {
      await t?.close();
      await trap?.close();
    });

    it('should not fetch an issuer, a discovery document or a key URL named by a token', async () => {
      const key = createPrivateKey(t.config.auth.jwtPrivateKeyPem);
      const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
      const header = jwt.decode(user.accessToken, { complete: true })!.header;
      const tokens = [
        // An issuer URL (an OIDC client would fetch <iss>/.well-known/openid-configuration).
        jwt.sign({ ...claims, iss: trap.url }, key, { algorithm: 'ES256', header }),
        jwt.sign(claims, key, {
          algorithm: 'ES256',
          header: { ...header, jku: `${trap.url}/jwks`, kid: 'unknown' },
        }),
        jwt.sign(claims, key, {
          algorithm: 'ES256',
          header: { ...header, x5u: `${trap.url}/cert.pem` },
        }),
        jwt.sign(claims, key, {
          algorithm: 'ES256',
          header: { ...header, kid: `${trap.url}/kid` },
        }),
      ];
      for (const token of tokens)
        await request(t.url)
          .get('/v1/auth/me')
          .set(...bearer(token))
          .expect(401);
      await settle();
      expect(trap.hits).toEqual([]);
    });

    it('should store URLs given as data as plain text and never follow them', async () => {
      const created = await request(t.url)
        .post('/v1/customers')
        .set(...bearer(user.accessToken))
        .send({
          ...customerBody(),
          fullName: `${trap.url}/name`,
          address: {
            line1: `${trap.url}/line1`,
            city: 'http://169.254.169.254/latest/meta-data/',
            postalCode: '1234',
            country: 'DE',
          },
        })
        .expect(201);
      await request(t.url)
        .get(`/v1/customers/${created.body.id}/export`)
        .set(...bearer(user.accessToken))
        .expect(200);
      await request(t.url)
        .post('/v1/oauth/clients')
        .set(...bearer(user.accessToken))
        .send({ name: `${trap.url}/client`, scopes: ['customers:read'] })
        .expect(201);
      await settle();
      expect(trap.hits).toEqual([]);
    });

    it('should refuse URL-bearing properties a server would fetch (callbacks, redirects, avatars)', async () => {
      const attempts: [string, () => request.Test][] = [
        [
          'customer avatarUrl',
          () =>
            request(t.url)
              .post('/v1/customers')
              .set(...bearer(user.accessToken))
              .send({ ...customerBody(), avatarUrl: `${trap.url}/avatar.png` }),
        ],
        [
          'client redirect_uri',
          () =>
            request(t.url)
              .post('/v1/oauth/clients')
              .set(...bearer(user.accessToken))
              .send({ name: 'x', scopes: ['customers:read'], redirect_uri: `${trap.url}/cb` }),
        ],
        [
          'client jwks_uri',
          () =>
            request(t.url)
              .post('/v1/oauth/clients')
              .set(...bearer(user.accessToken))
              .send({ name: 'x', scopes: ['customers:read'], jwks_uri: `${trap.url}/jwks` }),
        ],
        [
          'payment callbackUrl',
          () =>
            request(t.url)
              .post('/v1/payments')
              .set(...bearer(user.accessToken))
              .set('Idempotency-Key', 'ssrf-1')
              .send({ callbackUrl: `${trap.url}/cb` }),
        ],
      ];
      for (const [name, send] of attempts) {
        const res = await send();
        expect({ name, status: res.status }).toEqual({ name, status: 400 });
      }
      await settle();
      expect(trap.hits).toEqual([]);
    });

    it('should document no request property that holds a URL', async () => {
      const doc = (await request(t.url).get('/docs-json').expect(200)).body as {
        components: {
          schemas: Record<string, { properties?: Record<string, { format?: string }> }>;
        };
      };
      expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(5);
      const urlLike: string[] = [];
      for (const [schema, { properties = {} }] of Object.entries(doc.components.schemas))
        for (const [name, property] of Object.entries(properties))
          if (
            /ur[il]$|callback|webhook|redirect|href|link/i.test(name) ||
            property.format === 'uri'
          )
            urlLike.push(`${schema}.${name}`);
      expect(urlLike).toEqual([]);
    });
  });

  describe('resource-server mode (the one outbound request)', () => {
    let t: TestApp;
    let trap: Trap;
    let idp: Trap;
    const ISSUER = 'https://idp.example.test';
    const AUDIENCE = 'secure-api-ssrf';
    const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    beforeAll(async () => {
      trap = await startTrap();
      // The identity provider's JWKS endpoint has been compromised: it redirects to an
      // internal address.
      idp = await startTrap((_req, res) => {
        res.statusCode = 302;
        res.setHeader('Location', `${trap.url}/internal-admin`);
        res.end();
      });
      t = await startTestApp({
        env: { AUTH_JWKS_URL: `${idp.url}/jwks`, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
      });
    });
    afterAll(async () => {
      await t?.close();
      await idp?.close();
      await trap?.close();
    });

    const externalToken = (header: Record<string, unknown> = {}) =>
      jwt.sign({ sub: 'alice', scope: 'customers:read' }, idpKey.privateKey, {
        algorithm: 'ES256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 300,
        header: { alg: 'ES256', kid: 'k1', ...header },
      });

    it('should fetch keys from the configured URL only, and not follow its redirect', async () => {
      await request(t.url)
        .get('/v1/customers')
        .set(...bearer(externalToken()))
        .expect(401);
      await request(t.url)
        .get('/v1/customers')
        .set(...bearer(externalToken({ jku: `${trap.url}/jwks` })))
        .expect(401);
      await settle();
      expect(idp.hits.length).toBeGreaterThanOrEqual(1);
      expect(idp.hits.every((path) => path === '/jwks')).toBe(true);
      expect(trap.hits).toEqual([]);
      await request(t.url).get('/health/ready').expect(200);
    });

    it('should not fetch anything for a token that claims another issuer', async () => {
      const before = idp.hits.length;
      const foreign = jwt.sign({ sub: 'alice' }, idpKey.privateKey, {
        algorithm: 'ES256',
        issuer: trap.url,
        audience: AUDIENCE,
        expiresIn: 300,
        keyid: 'k2',
      });
      await request(t.url)
        .get('/v1/customers')
        .set(...bearer(foreign))
        .expect(401);
      await settle();
      expect(idp.hits.length).toBe(before);
      expect(trap.hits).toEqual([]);
    });
  });
});
