import request from 'supertest';
import { bearer, loginAs } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import { startRateLimitedApp } from './rate-limit-test-app';

/**
 * Tier 2: after authentication, a budget per principal (not per address). If the rate-limit
 * guard ever ran before the authentication guard it would see no principal and these fail.
 */
describe('rate limit per principal (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startRateLimitedApp({
      TRUST_PROXY: '1',
      RATE_LIMIT_PRINCIPAL_LIMIT: '3',
      RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const me = (token: string, address: string) =>
    request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(token))
      .set('X-Forwarded-For', address);

  it('should limit one user across addresses, and not its neighbour behind the same address', async () => {
    const alice = await loginAs(t);
    const bob = await loginAs(t);
    const first = await me(alice.accessToken, '198.51.100.1').expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"address";q=1200;w=60, "principal";q=3;w=60');
    expect(first.headers['ratelimit']).toMatch(/^"address";r=\d+;t=\d+, "principal";r=2;t=\d+$/);
    // Spreading over addresses does not buy more budget...
    await me(alice.accessToken, '198.51.100.2').expect(200);
    await me(alice.accessToken, '198.51.100.3').expect(200);
    const refused = await me(alice.accessToken, '198.51.100.4').expect(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['ratelimit']).toMatch(/"principal";r=0;t=\d+$/);
    // ...and a colleague behind the same NAT address keeps a budget of its own.
    await me(bob.accessToken, '198.51.100.1').expect(200);
  });

  it('should not spend a principal budget on requests that fail authentication', async () => {
    for (let i = 0; i < 5; i++) await me('not-a-token', '198.51.100.9').expect(401);
    const carol = await loginAs(t);
    await me(carol.accessToken, '198.51.100.9').expect(200);
  });
});
