import request from 'supertest';
import { TestApp } from '../../helpers/test-app';
import { startRateLimitedApp } from './rate-limit-test-app';

/**
 * Tier 1: one budget per client address on every route, spent before authentication, routing
 * and body parsing; the client address is the socket's unless TRUST_PROXY says otherwise.
 */
describe('rate limit per client address (e2e)', () => {
  describe('with TRUST_PROXY off (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({ RATE_LIMIT_ADDRESS_LIMIT: '5' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should accept exactly the limit per address and answer 429 problems after it', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await request(t.url).get('/health/live')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);

      const res = await request(t.url).get('/health/live').expect(429);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/\/rate-limited$/),
        title: 'Too Many Requests',
        status: 429,
        requestId: res.headers['x-request-id'],
      });
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.headers['ratelimit-policy']).toBe('"address";q=5;w=60');
      expect(res.headers['ratelimit']).toBe(`"address";r=0;t=${retryAfter}`);
      // @nestjs/throttler's legacy fields are not sent.
      expect(Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    });

    it('should ignore a rotating X-Forwarded-For (no bypass)', async () => {
      for (let i = 0; i < 5; i++) {
        await request(t.url)
          .get('/health/live')
          .set('X-Forwarded-For', `203.0.113.${i}`)
          .expect(429);
      }
    });
  });

  describe('on every route', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({ RATE_LIMIT_ADDRESS_LIMIT: '3' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should count unknown paths, wrong methods, bad bodies and bad tokens against one budget', async () => {
      await request(t.url).get('/no-such-path').expect(404);
      await request(t.url).delete('/health/live').expect(405);
      await request(t.url)
        .post('/v1/auth/login')
        .set('Content-Type', 'text/plain')
        .set('Authorization', 'Bearer not-a-token')
        .send('x')
        .expect(415);
      // The budget is spent: the refusal now comes before routing, parsing and authentication.
      await request(t.url).get('/no-such-path').expect(429);
      await request(t.url)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send({ email: 'a@example.com', password: 'x'.repeat(20) })
        .expect(429);
      await request(t.url).get('/health/ready').expect(429);
    });
  });

  describe('with the budget as RateLimit fields on every response', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({
        RATE_LIMIT_ADDRESS_LIMIT: '50',
        RATE_LIMIT_ADDRESS_WINDOW_SECONDS: '120',
      });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should send RateLimit-Policy and a decreasing RateLimit', async () => {
      const first = await request(t.url).get('/health/live').expect(200);
      const second = await request(t.url).get('/health/live').expect(200);
      expect(first.headers['ratelimit-policy']).toBe('"address";q=50;w=120');
      expect(first.headers['ratelimit']).toMatch(/^"address";r=49;t=(119|120)$/);
      expect(second.headers['ratelimit']).toMatch(/^"address";r=48;t=\d+$/);
    });
  });

  describe('with TRUST_PROXY=1 (one proxy in front, as in docker-compose)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({ RATE_LIMIT_ADDRESS_LIMIT: '2', TRUST_PROXY: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should count the address the proxy appended, and only that one', async () => {
      const as = (xff: string) => request(t.url).get('/health/live').set('X-Forwarded-For', xff);
      await as('198.51.100.1').expect(200);
      await as('198.51.100.1').expect(200);
      await as('198.51.100.1').expect(429);
      // Another client behind the proxy has its own budget (the header is honoured)...
      await as('198.51.100.2').expect(200);
      // ...but entries the client wrote before the proxy's own are not trusted: the proxy's
      // last entry still names 198.51.100.1, whatever is prepended.
      await as('203.0.113.9, 198.51.100.1').expect(429);
      await as('203.0.113.10, 198.51.100.1').expect(429);
    });
  });

  describe('with TRUST_PROXY listing the proxy address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({ RATE_LIMIT_ADDRESS_LIMIT: '1', TRUST_PROXY: '127.0.0.1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should honour X-Forwarded-For from the listed proxy only up to the first untrusted hop', async () => {
      const as = (xff: string) => request(t.url).get('/health/live').set('X-Forwarded-For', xff);
      await as('198.51.100.7').expect(200);
      await as('198.51.100.7').expect(429);
      await as('198.51.100.8').expect(200);
      await as('10.9.9.9, 198.51.100.7').expect(429);
    });
  });

  describe('switched off (development only)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startRateLimitedApp({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_ADDRESS_LIMIT: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should not limit or send RateLimit fields', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await request(t.url).get('/health/live').expect(200);
        expect(res.headers['ratelimit']).toBeUndefined();
      }
    });
  });
});
