import * as argon2 from 'argon2';
import request from 'supertest';
import { createUser, loginAs, randomEmail, randomPassword } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

describe('accounts: register, login, me (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const register = (body: object) => request(t.url).post('/v1/auth/register').send(body);

  it('should register a new account that can log in at once and see itself at /me', async () => {
    const email = randomEmail();
    const password = randomPassword();
    const reg = await register({ email, password }).expect(202);
    expect(reg.body).toEqual({ status: 'accepted' });

    const login = await request(t.url).post('/v1/auth/login').send({ email, password }).expect(200);
    expect(login.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      refresh_token: expect.any(String),
    });
    expect(login.headers['cache-control']).toBe('no-store');

    const me = await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toEqual({ id: expect.any(String), email, roles: ['user'] });
  });

  it('should answer 202 for an existing email and leave that account untouched', async () => {
    const user = await createUser(t);
    await register({ email: user.email.toUpperCase(), password: randomPassword() }).expect(202);
    // The original password still works; the new one does not.
    await request(t.url)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    const rows = await t.sql('SELECT count(*)::int AS n FROM users WHERE email = $1', [user.email]);
    expect(rows[0].n).toBe(1);
  });

  it('should store an argon2id hash at OWASP parameters, never the password', async () => {
    const user = await createUser(t);
    const [row] = await t.sql<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.userId],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.password_hash).not.toContain(user.password);
  });

  it('should upgrade a hash made with weaker parameters at the next login', async () => {
    const user = await createUser(t);
    const weak = await argon2.hash(user.password, {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    await t.sql('UPDATE users SET password_hash = $2 WHERE id = $1', [user.userId, weak]);
    await request(t.url)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    const [row] = await t.sql<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.userId],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('should refuse roles in the registration body (mass assignment)', async () => {
    const res = await register({
      email: randomEmail(),
      password: randomPassword(),
      roles: ['admin'],
    }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ field: 'roles', message: 'is not allowed' }]);
  });

  describe('password policy', () => {
    const cases: [string, number, string][] = [
      ['14 characters', 400, 'kq8#Lz2!vRt5Wm'],
      ['15 characters', 202, 'kq8#Lz2!vRt5Wmx'],
      ['128 characters', 202, 'kQ8#lZ2!'.repeat(15) + 'vRt5Wm9@'.repeat(1)],
      ['129 characters', 400, 'kQ8#lZ2!'.repeat(16) + 'x'],
      ['Unicode (emoji and accents)', 202, 'Ünïcødé pässwörd 🔐 çà'],
      ['a common long password', 400, 'passwordpassword'],
      ['a contract example', 400, '123456789012345'],
      ['a contract example, other case', 400, 'QwertyuiopAsdfgh'],
      ['a single repeated character', 400, 'aaaaaaaaaaaaaaaaaaaa'],
      ['a plain sequence', 400, 'abcdefghijklmnopq'],
    ];
    it.each(cases)('should answer %s with %i', async (_name, status, password) => {
      const res = await register({ email: randomEmail(), password });
      expect(res.status).toBe(status);
      if (status === 400) expect(res.body.errors[0].field).toBe('password');
    });

    it('should count 128 as the boundary in code points', () => {
      expect(('kQ8#lZ2!'.repeat(15) + 'vRt5Wm9@').length).toBe(128);
      expect(('kQ8#lZ2!'.repeat(16) + 'x').length).toBe(129);
    });

    it('should refuse a password that contains the account email', async () => {
      const email = randomEmail();
      const res = await register({ email, password: `my-${email}` }).expect(400);
      expect(res.body.errors[0].message).toContain('email');
    });
  });

  it('should answer one identical 401 for an unknown email, a wrong password and a disabled account', async () => {
    const user = await createUser(t);
    const disabled = await createUser(t);
    await t.sql('UPDATE users SET disabled = true WHERE id = $1', [disabled.userId]);
    const attempts = [
      { email: randomEmail('nobody'), password: randomPassword() },
      { email: user.email, password: randomPassword() },
      { email: disabled.email, password: disabled.password },
    ];
    const bodies = [];
    for (const body of attempts) {
      const res = await request(t.url).post('/v1/auth/login').send(body).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      const { requestId: _ignored, ...rest } = res.body;
      bodies.push(rest);
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('should spend comparable time on an unknown email and a wrong password (one argon2 verify each)', async () => {
    const user = await createUser(t);
    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      await request(t.url)
        .post('/v1/auth/login')
        .send({ email, password: randomPassword() })
        .expect(401);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await time(user.email); // warm-up
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 5; i++) {
      unknown.push(await time(randomEmail('nobody')));
      wrong.push(await time(user.email));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[2];
    // Without the dummy verification an unknown email answers in ~1 ms instead of ~25 ms.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
  });

  it('should create support, auditor and admin accounts through the service (test helper)', async () => {
    for (const role of ['support', 'auditor', 'admin'] as const) {
      const u = await loginAs(t, role);
      const me = await request(t.url)
        .get('/v1/auth/me')
        .set('Authorization', `Bearer ${u.accessToken}`)
        .expect(200);
      expect(me.body.roles).toEqual([role]);
    }
  });

  it('should publish the signing key in the JWKS with kid, alg and use', async () => {
    const res = await request(t.url).get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      alg: 'ES256',
      use: 'sig',
    });
    expect(res.body.keys[0].d).toBeUndefined();
  });
});
