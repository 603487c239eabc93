import request from 'supertest';
import { bearer, createUser, loginAs, randomEmail, randomPassword } from '../../helpers/auth';
import { ROUTE_LIMITS } from '../../../src/rate-limit/route-limits';
import { TestApp } from '../../helpers/test-app';
import { startRateLimitedApp } from './rate-limit-test-app';

/** Tier 3: the abuse-sensitive routes have their own, tighter budgets. */
describe('route limits (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startRateLimitedApp({
      TRUST_PROXY: '1',
      RATE_LIMIT_LOGIN_LIMIT: '2',
      RATE_LIMIT_REGISTER_LIMIT: '2',
      RATE_LIMIT_REGISTER_WINDOW_SECONDS: '600',
      RATE_LIMIT_REFRESH_LIMIT: '2',
      RATE_LIMIT_PAYMENT_CREATE_LIMIT: '2',
      RATE_LIMIT_OAUTH_TOKEN_LIMIT: '2',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should limit logins per address, the right password included, and advertise both policies', async () => {
    const user = await createUser(t);
    const login = () =>
      request(t.url)
        .post('/v1/auth/login')
        .set('X-Forwarded-For', '198.51.100.20')
        .send({ email: user.email, password: user.password });
    const first = await login().expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"address";q=1200;w=60, "login";q=2;w=60');
    expect(first.headers['ratelimit']).toMatch(/^"address";r=\d+;t=\d+, "login";r=1;t=\d+$/);
    await login().expect(200);
    const refused = await login().expect(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['ratelimit']).toMatch(/"login";r=0;t=\d+$/);
    // Another address has its own login budget.
    await request(t.url)
      .post('/v1/auth/login')
      .set('X-Forwarded-For', '198.51.100.21')
      .send({ email: user.email, password: user.password })
      .expect(200);
  });

  it('should limit registrations per address', async () => {
    const register = () =>
      request(t.url)
        .post('/v1/auth/register')
        .set('X-Forwarded-For', '198.51.100.30')
        .send({ email: randomEmail(), password: randomPassword() });
    await register().expect(202);
    await register().expect(202);
    const refused = await register().expect(429);
    expect(refused.headers['ratelimit-policy']).toContain('"register";q=2;w=600');
  });

  it('should limit refresh attempts per address', async () => {
    const refresh = () =>
      request(t.url)
        .post('/v1/auth/refresh')
        .set('X-Forwarded-For', '198.51.100.40')
        .send({ refresh_token: 'not-a-refresh-token' });
    await refresh().expect(401);
    await refresh().expect(401);
    await refresh().expect(429);
  });

  it('should limit payment creation per principal, before the body is even validated', async () => {
    const alice = await loginAs(t);
    const bob = await loginAs(t);
    const create = (token: string) =>
      request(t.url)
        .post('/v1/payments')
        .set(...bearer(token))
        .set('X-Forwarded-For', '198.51.100.50')
        .send({});
    await create(alice.accessToken).expect(400);
    await create(alice.accessToken).expect(400);
    const refused = await create(alice.accessToken).expect(429);
    expect(refused.headers['ratelimit-policy']).toContain('"payment-create";q=2;w=60');
    // Keyed by principal: another user behind the same address is not affected.
    await create(bob.accessToken).expect(400);
    // Reading payments is not payment creation.
    await request(t.url)
      .get('/v1/payments')
      .set(...bearer(alice.accessToken))
      .set('X-Forwarded-For', '198.51.100.50')
      .expect(200);
  });

  it('should limit the OAuth token endpoint per address', async () => {
    const token = () =>
      request(t.url)
        .post('/v1/oauth/token')
        .set('X-Forwarded-For', '198.51.100.60')
        .auth('no-such-client', 'no-such-secret')
        .type('form')
        .send({ grant_type: 'client_credentials' });
    await token().expect(401);
    await token().expect(401);
    const refused = await token().expect(429);
    expect(refused.headers['ratelimit-policy']).toContain('"oauth-token";q=2;w=60');
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('should list only routes that exist (a renamed route must not silently lose its limit)', async () => {
    const fastify = t.app.getHttpAdapter().getInstance();
    for (const [url, methods] of Object.entries(ROUTE_LIMITS)) {
      for (const method of Object.keys(methods)) {
        expect({ method, url, exists: fastify.hasRoute({ method, url }) }).toEqual({
          method,
          url,
          exists: true,
        });
      }
    }
  });
});
