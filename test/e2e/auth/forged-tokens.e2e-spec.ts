import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { jwkThumbprint } from '../../../src/auth/tokens/signing-keys';
import { loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

/**
 * The forged-token matrix (RFC 8725, RFC 9068 §4): every variant of a stolen or crafted token is
 * refused with 401 and `WWW-Authenticate: Bearer error="invalid_token"`, and none causes an
 * outbound request.
 */
describe('forged and misused access tokens (e2e)', () => {
  let t: TestApp;
  let privateKey: KeyObject;
  let kid: string;
  let valid: { accessToken: string; refreshToken: string; userId: string };
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  let trap: Server;
  let trapUrl: string;
  let trapHits = 0;

  beforeAll(async () => {
    t = await startTestApp();
    privateKey = createPrivateKey(t.config.auth.jwtPrivateKeyPem);
    kid = jwkThumbprint(
      // The public half of the server's key, as the JWKS publishes it.
      createPublicKey(privateKey),
    );
    valid = await loginAs(t, 'user');
    const decoded = jwt.decode(valid.accessToken, { complete: true })!;
    claims = decoded.payload as Record<string, unknown>;
    header = decoded.header as unknown as Record<string, unknown>;
    trap = createServer((_req, res) => {
      trapHits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => trap.close(resolve));
    await t.close();
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  /** Signs with the SERVER's real key: only the header or claims under test are wrong. */
  const signed = (payload: Record<string, unknown>, hdr: Record<string, unknown> = header) =>
    jwt.sign(payload, privateKey, {
      algorithm: 'ES256',
      header: { ...hdr, alg: 'ES256' } as unknown as jwt.JwtHeader,
    });
  const expectRefused = async (token: string) => {
    const res = await request(t.url).get('/v1/auth/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(res.headers['content-type']).toContain('application/problem+json');
  };

  it('should accept the genuine token (control for every case below)', async () => {
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${valid.accessToken}`)
      .expect(200);
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${signed(claims)}`)
      .expect(200);
  });

  it('should refuse alg none (unsigned)', async () => {
    await expectRefused(`${b64({ ...header, alg: 'none' })}.${b64(claims)}.`);
    await expectRefused(`${b64({ ...header, alg: 'none' })}.${b64(claims)}`);
  });

  it('should refuse HS256 signed with the server public key as the HMAC secret', async () => {
    const publicPem = createPublicKey(privateKey)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hdr = { ...header, alg: 'HS256' };
    const input = `${b64(hdr)}.${b64(claims)}`;
    const sig = createHmac('sha256', publicPem).update(input).digest('base64url');
    await expectRefused(`${input}.${sig}`);
  });

  it('should refuse a tampered payload (signature no longer matches)', async () => {
    const [h, , s] = valid.accessToken.split('.');
    await expectRefused(`${h}.${b64({ ...claims, roles: ['admin'] })}.${s}`);
  });

  it('should refuse a token signed by another key with our kid', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expectRefused(
      jwt.sign(claims, other, {
        algorithm: 'ES256',
        header: header as unknown as jwt.JwtHeader,
      }),
    );
  });

  it('should refuse a foreign iss, a foreign aud, a missing exp and an expired token', async () => {
    await expectRefused(signed({ ...claims, iss: 'https://evil.example' }));
    await expectRefused(signed({ ...claims, aud: 'another-api' }));
    const { exp: _exp, ...noExp } = claims;
    await expectRefused(signed(noExp));
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(signed({ ...claims, iat: now - 1200, exp: now - 600 }));
  });

  it('should refuse an unknown kid and kids with path or SQL characters', async () => {
    for (const badKid of [
      'unknown-kid',
      '../../../../etc/passwd',
      "' OR '1'='1",
      'x; DROP TABLE users; --',
      '',
    ]) {
      await expectRefused(signed(claims, { ...header, kid: badKid }));
    }
    const { kid: _kid, ...noKid } = header;
    await expectRefused(signed(claims, noKid));
  });

  it('should refuse jku, x5u and jwk headers and make no outbound request', async () => {
    const before = trapHits;
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
    await expectRefused(signed(claims, { ...header, jku: `${trapUrl}/jwks.json` }));
    await expectRefused(signed(claims, { ...header, x5u: `${trapUrl}/cert.pem` }));
    await expectRefused(signed(claims, { ...header, jwk: publicJwk }));
    // Even an attacker's own key in `jwk` with a matching signature is refused.
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expectRefused(
      jwt.sign(claims, attacker.privateKey, {
        algorithm: 'ES256',
        header: {
          ...header,
          jwk: attacker.publicKey.export({ format: 'jwk' }),
        } as unknown as jwt.JwtHeader,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(trapHits).toBe(before);
  });

  it('should refuse a token whose typ is not at+jwt (e.g. an ID token)', async () => {
    await expectRefused(signed(claims, { ...header, typ: 'JWT' }));
  });

  it('should refuse the token in the query string', async () => {
    const res = await request(t.url)
      .get(`/v1/auth/me?access_token=${valid.accessToken}`)
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('should refuse a refresh token used as a bearer token', async () => {
    await expectRefused(valid.refreshToken);
  });

  it('should refuse a token under another scheme or with extra segments', async () => {
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Basic ${valid.accessToken}`)
      .expect(401);
    await expectRefused(`${valid.accessToken}.extra`);
  });

  it('should refuse a well-signed token for a session that does not exist', async () => {
    await expectRefused(signed({ ...claims, sid: '00000000-0000-4000-8000-000000000000' }));
    expect(kid).toBe(header.kid);
  });
});
