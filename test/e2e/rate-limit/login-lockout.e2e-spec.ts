import request from 'supertest';
import { createUser, randomEmail, TestUser } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import { startRateLimitedApp } from './rate-limit-test-app';

/**
 * Brute-force resistance on POST /v1/auth/login: failed logins (401) are counted per account
 * (normalised email) and per address; past the limit every attempt is 429, the right password
 * included, until the window has passed.
 */
describe('login lock-out (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startRateLimitedApp({
      // One trusted proxy hop, so the tests can play many client addresses.
      TRUST_PROXY: '1',
      LOGIN_LOCKOUT_ACCOUNT_FAILURES: '3',
      LOGIN_LOCKOUT_ADDRESS_FAILURES: '6',
      LOGIN_LOCKOUT_WINDOW_SECONDS: '60',
      RATE_LIMIT_LOGIN_LIMIT: '1000',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  let next = 0;
  /** A fresh client address for each call unless one is given. */
  const loginFrom = (email: string, password: string, address = `198.51.100.${++next % 250}`) =>
    request(t.url).post('/v1/auth/login').set('X-Forwarded-For', address).send({ email, password });

  it('should refuse the right password with 429 and Retry-After after N failures for the account, from any address', async () => {
    const user = await createUser(t);
    // Three failures, each from a different address: rotating addresses does not help.
    for (let i = 0; i < 3; i++) await loginFrom(user.email, 'wrong-password-123456').expect(401);
    const res = await loginFrom(user.email, user.password).expect(429);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/rate-limited$/), status: 429 });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The lock-out's own counters are not advertised (they would expose an account's failures).
    expect(res.headers['ratelimit'] ?? '').not.toContain('login-account');
    // Still locked: refusals are not failures, but they do not unlock either.
    await loginFrom(user.email, user.password).expect(429);
  });

  it('should count spelling variants of one email as one account', async () => {
    const user = await createUser(t);
    const [local, domain] = user.email.split('@');
    await loginFrom(` ${local.toUpperCase()}@${domain} `, 'wrong-password-123456').expect(401);
    await loginFrom(`${local}@${domain.toUpperCase()}`, 'wrong-password-123456').expect(401);
    await loginFrom(user.email, 'wrong-password-123456').expect(401);
    await loginFrom(user.email, user.password).expect(429);
  });

  it('should count only failures: successful logins and invalid requests leave the budget alone', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 5; i++) await loginFrom(user.email, user.password).expect(200);
    for (let i = 0; i < 5; i++) {
      await request(t.url)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password, extra: 1 })
        .expect(400);
    }
    await loginFrom(user.email, 'wrong-password-123456').expect(401);
    await loginFrom(user.email, 'wrong-password-123456').expect(401);
    await loginFrom(user.email, user.password).expect(200);
  });

  it('should not let concurrent guesses overshoot the limit', async () => {
    const user = await createUser(t);
    const guesses = await Promise.all(
      Array.from({ length: 12 }, () => loginFrom(user.email, 'wrong-password-123456')),
    );
    const statuses = guesses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });

  it('should lock one address out after M failures spread over many accounts', async () => {
    const address = '203.0.113.77';
    for (let i = 0; i < 6; i++)
      await loginFrom(randomEmail('stuffing'), 'wrong-password-123456', address).expect(401);
    const victim: TestUser = await createUser(t);
    await loginFrom(victim.email, victim.password, address).expect(429);
    // The account itself is not locked: from another address the right password works.
    await loginFrom(victim.email, victim.password, '203.0.113.78').expect(200);
  });
});

describe('login lock-out window (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startRateLimitedApp({
      LOGIN_LOCKOUT_ACCOUNT_FAILURES: '2',
      LOGIN_LOCKOUT_WINDOW_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should let the right password in again once the window has passed', async () => {
    const user = await createUser(t);
    const attempt = (password: string) =>
      request(t.url).post('/v1/auth/login').send({ email: user.email, password });
    await attempt('wrong-password-123456').expect(401);
    await attempt('wrong-password-123456').expect(401);
    const locked = await attempt(user.password).expect(429);
    expect(locked.headers['retry-after']).toBe('1');
    await new Promise((r) => setTimeout(r, 1100));
    await attempt(user.password).expect(200);
  });
});
