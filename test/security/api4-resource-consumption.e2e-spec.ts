import request from 'supertest';
import { bearer, loginAs, LoggedInUser, randomEmail } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { rawMethod } from '../e2e/http/http-helpers';
import { paymentBody } from '../e2e/payments/payments-helpers';
import { createCustomer, customerBody } from './security-helpers';

/** Sends a request and measures how long the server took to answer it. */
async function timed(send: () => request.Test): Promise<[request.Response, number]> {
  const started = performance.now();
  const res = await send();
  return [res, performance.now() - started];
}

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: oversized bodies, deep nesting, huge pages,
 * unbounded strings and arrays, expensive operations (password hashing) on attacker input, and
 * request floods per client and per principal.
 *
 * Defences: src/http/http-pipeline.ts and src/http/json-body.parser.ts (BODY_LIMIT_BYTES 413,
 * nesting limit), the DTO bounds (@MaxLength, @ArrayMaxSize, limit 1..100 in
 * src/customers/dto/list-customers.query.dto.ts and src/payments/dto/list-payments-query.dto.ts),
 * src/auth/dto/credentials.dto.ts (password bounded before argon2), and the rate limiter
 * (src/rate-limit/rate-limit.hooks.ts per address before authentication,
 * src/rate-limit/rate-limit.guard.ts per principal and per route).
 *
 * Already proven, not repeated here:
 * - test/e2e/http/http-pipeline.e2e-spec.ts "should answer 413 for a body over the limit",
 *   "should refuse deeply nested %s quickly" (arrays and objects on a test route);
 * - test/e2e/customers/customers.e2e-spec.ts "should answer 400 to a repeated limit";
 * - test/e2e/rate-limit/address-limit.e2e-spec.ts "should count unknown paths, wrong methods,
 *   bad bodies and bad tokens against one budget"; principal-limit.e2e-spec.ts "should limit one
 *   user across addresses, and not its neighbour behind the same address";
 * - test/e2e/payments/velocity.e2e-spec.ts (per-owner payment count and amount).
 */
describe('OWASP API4:2023 Unrestricted Resource Consumption (e2e)', () => {
  describe('with the default limits', () => {
    let t: TestApp;
    let user: LoggedInUser;
    let admin: LoggedInUser;

    beforeAll(async () => {
      t = await startTestApp();
      user = await loginAs(t, 'user');
      admin = await loginAs(t, 'admin');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('should refuse a body over 100 KB with 413 on real routes, a 5 MB one included', async () => {
      for (const size of [101 * 1024, 5 * 1024 * 1024]) {
        const [res, elapsed] = await timed(() =>
          request(t.url)
            .post('/v1/customers')
            .set(...bearer(user.accessToken))
            .send({ ...customerBody(), fullName: 'x'.repeat(size) }),
        );
        expect(res.status).toBe(413);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(elapsed).toBeLessThan(2000);
      }
      const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM customers');
      expect(n).toBe(0);
    });

    it('should refuse deeply nested JSON on a real route quickly', async () => {
      const nested = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const [res, elapsed] = await timed(() =>
        request(t.url)
          .post('/v1/customers')
          .set(...bearer(user.accessToken))
          .set('Content-Type', 'application/json')
          .send(`{"fullName":"x","email":"a@example.test","address":${nested}}`),
      );
      expect(res.status).toBe(400);
      expect(elapsed).toBeLessThan(1000);
    });

    it('should refuse page sizes outside 1..100 on every list, never clamp them', async () => {
      const lists: [string, string][] = [
        ['/v1/customers', user.accessToken],
        ['/v1/payments', user.accessToken],
        ['/v1/audit-logs', admin.accessToken],
      ];
      for (const [path, token] of lists)
        for (const limit of ['101', '1000000', '0', '-1', '1e3', '50.5', '99999999999999999999']) {
          const res = await request(t.url)
            .get(path)
            .query({ limit })
            .set(...bearer(token));
          expect({ path, limit, status: res.status }).toEqual({ path, limit, status: 400 });
        }
    });

    it('should bound every string and array the attacker controls', async () => {
      const cases: [string, () => request.Test][] = [
        [
          'customer name of 10,000 characters',
          () =>
            request(t.url)
              .post('/v1/customers')
              .set(...bearer(user.accessToken))
              .send({ ...customerBody(), fullName: 'x'.repeat(10_000) }),
        ],
        [
          'email filter of 5,000 characters',
          () =>
            request(t.url)
              .get('/v1/customers')
              .query({ email: `${'a'.repeat(5000)}@example.test` })
              .set(...bearer(user.accessToken)),
        ],
        [
          'cursor of 10,000 characters',
          () =>
            request(t.url)
              .get('/v1/customers')
              .query({ cursor: 'A'.repeat(10_000) })
              .set(...bearer(user.accessToken)),
        ],
        [
          '2,000 scopes',
          () =>
            request(t.url)
              .post('/v1/oauth/clients')
              .set(...bearer(user.accessToken))
              .send({ name: 'flood', scopes: Array(2000).fill('customers:read') }),
        ],
        [
          'payment description of 5,000 characters',
          () =>
            request(t.url)
              .post('/v1/payments')
              .set(...bearer(user.accessToken))
              .set('Idempotency-Key', 'k-desc')
              .send(
                paymentBody('00000000-0000-4000-8000-000000000000', {
                  description: 'd'.repeat(5000),
                }),
              ),
        ],
        [
          'Idempotency-Key of 1,000 characters',
          () =>
            request(t.url)
              .post('/v1/payments')
              .set(...bearer(user.accessToken))
              .set('Idempotency-Key', 'k'.repeat(1000))
              .send(paymentBody('00000000-0000-4000-8000-000000000000')),
        ],
      ];
      for (const [name, send] of cases) {
        const res = await send();
        expect({ name, status: res.status }).toEqual({ name, status: 400 });
      }
    });

    it('should refuse an oversized password before hashing it (no argon2 on attacker-sized input)', async () => {
      // argon2id costs ~25 ms a call; a hash over megabytes of input would cost far more. The
      // DTO bound (4096 at login, PASSWORD_MAX_LENGTH 128 at registration) answers first.
      const [login, loginTime] = await timed(() =>
        request(t.url)
          .post('/v1/auth/login')
          .send({ email: user.email, password: 'p'.repeat(90_000) }),
      );
      expect(login.status).toBe(400);
      expect(loginTime).toBeLessThan(1000);
      const register = await request(t.url)
        .post('/v1/auth/register')
        .send({ email: randomEmail('long'), password: 'p'.repeat(129) });
      expect(register.status).toBe(400);
    });

    it('should refuse an oversized URL and keep serving', async () => {
      // Node's HTTP parser refuses a request head (URL included) over 16 KB before any of our code.
      const res = await rawMethod(t.url, 'GET', `/v1/customers?email=${'a'.repeat(80_000)}`);
      expect(res.status).toBe(431);
      await request(t.url).get('/health/live').expect(200);
    });

    it('should cap a list at 100 items however many exist', async () => {
      const owner = await loginAs(t, 'user');
      for (let batch = 0; batch < 11; batch++)
        await Promise.all(Array.from({ length: 10 }, () => createCustomer(t, owner.accessToken)));
      for (const query of [{}, { limit: '100' }]) {
        const page = await request(t.url)
          .get('/v1/customers')
          .query(query)
          .set(...bearer(owner.accessToken))
          .expect(200);
        expect(page.body.data.length).toBeLessThanOrEqual(100);
        expect(page.body.nextCursor).toEqual(expect.any(String));
      }
    });
  });

  describe('with tight rate limits', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        env: {
          // Windows far longer than the spec, so no budget is renewed while a test counts.
          RATE_LIMIT_ADDRESS_LIMIT: '40',
          RATE_LIMIT_ADDRESS_WINDOW_SECONDS: '3600',
          RATE_LIMIT_PRINCIPAL_LIMIT: '8',
          RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: '3600',
          RATE_LIMIT_REGISTER_LIMIT: '3',
          RATE_LIMIT_KEY_PREFIX: `api4-${Date.now()}:`,
        },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('should answer 429 problems with Retry-After once a principal spends its budget', async () => {
      const greedy = await loginAs(t, 'user');
      const neighbour = await loginAs(t, 'user');
      const statuses: number[] = [];
      let last: request.Response | undefined;
      for (let i = 0; i < 10; i++) {
        last = await request(t.url)
          .get('/v1/customers')
          .set(...bearer(greedy.accessToken));
        statuses.push(last.status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(8);
      expect(statuses.slice(8)).toEqual([429, 429]);
      expect(last?.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      // Another principal behind the same address keeps its own budget.
      await request(t.url)
        .get('/v1/customers')
        .set(...bearer(neighbour.accessToken))
        .expect(200);
    });

    it('should stop mass registration per address (each one costs an argon2 hash)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await request(t.url)
          .post('/v1/auth/register')
          .send({ email: randomEmail('bulk'), password: `bulk-password-${i}-abcdef` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
    });

    it('should answer 429 to an unauthenticated flood from one address, before any token check', async () => {
      let limited: request.Response | undefined;
      for (let i = 0; i < 60 && !limited; i++) {
        const res = await request(t.url)
          .get('/v1/customers')
          .set('Authorization', 'Bearer not-a-token');
        if (res.status === 429) limited = res;
        else expect(res.status).toBe(401);
      }
      expect(limited?.status).toBe(429);
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
