import { createHash } from 'node:crypto';
import request from 'supertest';
import { AuthEvent, AuthEventsService } from '../../../src/auth/auth-events.service';
import { AuthMaintenanceService } from '../../../src/auth/auth-maintenance.service';
import { createUser, login, loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

describe('sessions: refresh rotation, reuse detection, logout, lifetimes (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const refresh = (refreshToken: string) =>
    request(t.url).post('/v1/auth/refresh').send({ refresh_token: refreshToken });
  const me = (accessToken: string) =>
    request(t.url).get('/v1/auth/me').set('Authorization', `Bearer ${accessToken}`);

  it('should rotate: a new pair on refresh, and the old refresh token is spent', async () => {
    const u = await loginAs(t);
    const res = await refresh(u.refreshToken).expect(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      refresh_token: expect.any(String),
    });
    expect(res.body.refresh_token).not.toBe(u.refreshToken);
    await me(res.body.access_token).expect(200);
    const again = await refresh(res.body.refresh_token).expect(200);
    expect(again.body.refresh_token).not.toBe(res.body.refresh_token);
  });

  it('should store refresh tokens only as SHA-256 hashes', async () => {
    const u = await loginAs(t);
    const rows = await t.sql<{ h: string }>(
      `SELECT encode(refresh_token_hash, 'hex') AS h FROM auth_sessions WHERE user_id = $1`,
      [u.userId],
    );
    expect(rows[0].h).toBe(createHash('sha256').update(u.refreshToken).digest('hex'));
    const dump = JSON.stringify(await t.sql('SELECT * FROM auth_sessions'));
    expect(dump).not.toContain(u.refreshToken);
  });

  it('should revoke the whole session when a spent refresh token is replayed (RFC 9700 §4.14.2)', async () => {
    const u = await loginAs(t);
    const rotated = await refresh(u.refreshToken).expect(200);
    // The attacker replays the stolen, already-used token.
    const replay = await refresh(u.refreshToken).expect(401);
    expect(replay.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    // The legitimate holder's newer tokens die with the session.
    await refresh(rotated.body.refresh_token).expect(401);
    await me(rotated.body.access_token).expect(401);
    await me(u.accessToken).expect(401);
    const [row] = await t.sql<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM auth_sessions WHERE user_id = $1',
      [u.userId],
    );
    expect(row.revoked_reason).toBe('refresh_reuse');
  });

  it('should emit auth.refresh_reuse (a security event) when a spent token is replayed', async () => {
    const events: AuthEvent[] = [];
    const off = t.app.get(AuthEventsService).on((e) => {
      events.push(e);
    });
    try {
      const u = await loginAs(t);
      await refresh(u.refreshToken).expect(200);
      await refresh(u.refreshToken).expect(401);
      const reuse = events.find((e) => e.action === 'auth.refresh_reuse');
      expect(reuse).toMatchObject({
        outcome: 'denied',
        subjectId: u.userId,
        sessionId: expect.any(String),
      });
      expect(JSON.stringify(events)).not.toContain(u.refreshToken);
      expect(JSON.stringify(events)).not.toContain(u.password);
    } finally {
      off();
    }
  });

  it('should let at most one of two concurrent refreshes with the same token succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const u = await loginAs(t);
      const results = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
    }
  });

  it('should refuse the access and refresh tokens of a session right after logout', async () => {
    const u = await loginAs(t);
    await me(u.accessToken).expect(200);
    await request(t.url)
      .post('/v1/auth/logout')
      .set('Authorization', `Bearer ${u.accessToken}`)
      .send({})
      .expect(204);
    const res = await me(u.accessToken).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    await refresh(u.refreshToken).expect(401);
  });

  it('should keep other sessions of the same user alive on logout', async () => {
    const user = await createUser(t);
    const a = await login(t, user.email, user.password);
    const b = await login(t, user.email, user.password);
    await request(t.url)
      .post('/v1/auth/logout')
      .set('Authorization', `Bearer ${a.accessToken}`)
      .send({})
      .expect(204);
    await me(b.accessToken).expect(200);
  });

  it('should refuse a refresh past the absolute session lifetime', async () => {
    const u = await loginAs(t);
    await t.sql(
      `UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [u.userId],
    );
    await refresh(u.refreshToken).expect(401);
    // And its access tokens stop too (the sid check includes the absolute expiry).
    await me(u.accessToken).expect(401);
  });

  it('should refuse a refresh past the idle lifetime', async () => {
    const u = await loginAs(t);
    await t.sql(
      `UPDATE auth_sessions SET idle_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [u.userId],
    );
    await refresh(u.refreshToken).expect(401);
  });

  it('should refuse an access token at /refresh and a refresh token as a bearer token', async () => {
    const u = await loginAs(t);
    await refresh(u.accessToken).expect(401);
    const res = await me(u.refreshToken).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    // The refresh token was not spent by those attempts.
    await refresh(u.refreshToken).expect(200);
  });

  it('should refuse unknown properties in the refresh body', async () => {
    const u = await loginAs(t);
    await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: u.refreshToken, user_id: u.userId })
      .expect(400);
  });

  it('should purge sessions dead for more than the retention, with their spent tokens, and keep live ones', async () => {
    const dead = await loginAs(t);
    const live = await loginAs(t);
    await refresh(dead.refreshToken).expect(200); // leaves a spent-token row
    await t.sql(
      `UPDATE auth_sessions SET revoked_at = now() - interval '8 days' WHERE user_id = $1`,
      [dead.userId],
    );
    const spentHash = createHash('sha256').update(dead.refreshToken).digest();
    const spentRow = 'SELECT 1 FROM auth_spent_refresh_tokens WHERE token_hash = $1';
    expect(await t.sql(spentRow, [spentHash])).toHaveLength(1);
    const purged = await t.app.get(AuthMaintenanceService).purge();
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    const left = await t.sql<{ user_id: string }>(
      'SELECT user_id FROM auth_sessions WHERE user_id = ANY($1)',
      [[dead.userId, live.userId]],
    );
    expect(left.map((r) => r.user_id)).toEqual([live.userId]);
    expect(await t.sql(spentRow, [spentHash])).toHaveLength(0);
    await me(live.accessToken).expect(200);
  });
});
