import request from 'supertest';
import { bearer, createUser, login, loginAs, randomEmail, randomPassword } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { stableProblem } from './security-helpers';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/**
 * OWASP API2:2023 Broken Authentication: credential stuffing and brute force, account
 * enumeration, weak passwords, forged or unsigned tokens, tokens that outlive logout, stolen
 * refresh tokens.
 *
 * Defences: src/auth/auth.service.ts (one identical 401, one argon2 verify per attempt),
 * src/auth/passwords/password-policy.ts (ASVS 2.1), src/rate-limit/rate-limit.guard.ts (login
 * lock-out per account and address), src/auth/strategies/jwt.strategy.ts and jwt-header.ts (ES256
 * only, iss/aud/exp/typ pinned, live session check), src/auth/sessions/sessions.repository.ts
 * (rotation, reuse detection, logout).
 *
 * Already proven in depth, not repeated here:
 * - test/e2e/auth/forged-tokens.e2e-spec.ts (the whole forged-token matrix: HS256 with the public
 *   key, foreign kid, jku/x5u/jwk, typ, expired, foreign iss/aud);
 * - test/e2e/auth/sessions.e2e-spec.ts "should revoke the whole session when a spent refresh
 *   token is replayed (RFC 9700 §4.14.2)", "should let at most one of two concurrent refreshes
 *   with the same token succeed";
 * - test/e2e/rate-limit/login-lockout.e2e-spec.ts (lock-out per account across addresses,
 *   spelling variants, concurrent guesses);
 * - test/e2e/auth/accounts.e2e-spec.ts "should spend comparable time on an unknown email and a
 *   wrong password (one argon2 verify each)".
 */
describe('OWASP API2:2023 Broken Authentication (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_LOCKOUT_ACCOUNT_FAILURES: '5', LOGIN_LOCKOUT_ADDRESS_FAILURES: '25' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should stop a credential-stuffing run at the account lock-out, right password included', async () => {
    const victim = await createUser(t);
    const wordlist = [
      'passwordpassword',
      '123456789012345',
      'qwertyuiopasdfgh',
      'letmeinletmein1',
      'iloveyou1234567',
    ];
    for (const [i, password] of wordlist.entries()) {
      // A spoofed X-Forwarded-For per attempt: with TRUST_PROXY off (the default) it is ignored.
      const res = await request(t.url)
        .post('/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i + 1}`)
        .send({ email: victim.email, password });
      expect(res.status).toBe(401);
    }
    const locked = await request(t.url)
      .post('/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.99')
      .send({ email: victim.email, password: victim.password });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.text).not.toContain('access_token');
  });

  it('should not reveal which emails have an account, through login or registration', async () => {
    const existing = await createUser(t);
    const unknown = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: randomEmail('nobody'), password: randomPassword() });
    const wrong = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: existing.email, password: randomPassword() });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(stableProblem(wrong.body)).toEqual(stableProblem(unknown.body));
    expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);

    const again = await request(t.url)
      .post('/v1/auth/register')
      .send({ email: existing.email, password: randomPassword() });
    const fresh = await request(t.url)
      .post('/v1/auth/register')
      .send({ email: randomEmail('fresh'), password: randomPassword() });
    expect([again.status, fresh.status]).toEqual([202, 202]);
    expect(again.body).toEqual(fresh.body);
    // The existing account was not taken over by the second registration.
    await login(t, existing.email, existing.password);
  });

  it('should refuse weak passwords at registration', async () => {
    const email = randomEmail('weak');
    for (const password of [
      'short-pw',
      'passwordpassword',
      '123456789012345',
      'aaaaaaaaaaaaaaaaaaaa',
      'abcdefghijklmnopq',
      email,
    ]) {
      const res = await request(t.url).post('/v1/auth/register').send({ email, password });
      expect({ password, status: res.status }).toEqual({ password, status: 400 });
    }
    const [{ n }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE email = $1',
      [email],
    );
    expect(n).toBe(0);
  });

  it('should refuse an unsigned token and a token whose claims were edited to another user or role', async () => {
    const mallory = await loginAs(t, 'user');
    const admin = await loginAs(t, 'admin');
    const header = decodePart(mallory.accessToken, 0);
    const claims = decodePart(mallory.accessToken, 1);
    const [, , signature] = mallory.accessToken.split('.');
    const forged = [
      // alg "none", no signature (RFC 8725 §2.1)
      `${b64url({ ...header, alg: 'none' })}.${b64url(claims)}.`,
      // the admin's subject under Mallory's signature
      `${b64url(header)}.${b64url({ ...claims, sub: admin.userId })}.${signature}`,
      // an added roles claim and a far exp under Mallory's signature
      `${b64url(header)}.${b64url({ ...claims, roles: ['admin'], exp: 4102444800 })}.${signature}`,
    ];
    for (const token of forged) {
      const res = await request(t.url)
        .get('/v1/audit-logs')
        .set(...bearer(token));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    // Control: Mallory's own token is valid but is not an auditor's.
    await request(t.url)
      .get('/v1/audit-logs')
      .set(...bearer(mallory.accessToken))
      .expect(403);
  });

  it('should make a stolen access token worthless once its user logs out', async () => {
    const victim = await loginAs(t, 'user');
    await request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(victim.accessToken))
      .expect(200);
    await request(t.url)
      .post('/v1/auth/logout')
      .set(...bearer(victim.accessToken))
      .send({})
      .expect(204);
    // The token has not expired (exp is minutes away) yet is refused on the next request.
    await request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(victim.accessToken))
      .expect(401);
    await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: victim.refreshToken })
      .expect(401);
  });

  it('should end the session when a stolen refresh token is replayed after the victim used it', async () => {
    const victim = await loginAs(t, 'user');
    const stolen = victim.refreshToken;
    const rotated = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: stolen })
      .expect(200);
    // The attacker replays the spent token: refused, and the victim's new pair dies with it.
    await request(t.url).post('/v1/auth/refresh').send({ refresh_token: stolen }).expect(401);
    await request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(rotated.body.access_token as string))
      .expect(401);
    await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: rotated.body.refresh_token })
      .expect(401);
  });

  it('should accept credentials only as a bearer header, never in the URL or a cookie', async () => {
    const user = await loginAs(t, 'user');
    await request(t.url).get(`/v1/auth/me?access_token=${user.accessToken}`).expect(401);
    await request(t.url)
      .get('/v1/auth/me')
      .set('Cookie', `access_token=${user.accessToken}`)
      .expect(401);
    // Login takes the password in the body only (a JSON body on POST, never a query string).
    await request(t.url)
      .post(
        `/v1/auth/login?email=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`,
      )
      .send({})
      .expect(400);
  });
});
