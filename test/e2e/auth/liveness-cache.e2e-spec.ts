import request from 'supertest';
import { LivenessCache } from '../../../src/auth/liveness/liveness-cache';
import { bearer, loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

/**
 * The liveness cache (src/auth/liveness, docs/auth.md "Liveness cache"): a live session is
 * remembered briefly, and every revocation still takes effect on the next request. The app runs
 * with the longest TTL allowed (5 s), so that a test that passes here would also catch a cache
 * that was not invalidated.
 */
describe('liveness cache (e2e)', () => {
  const TTL_MS = 5000;
  let t: TestApp;
  let cache: LivenessCache;

  const me = (token: string) =>
    request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(token));
  const until = async (condition: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_LIVENESS_CACHE_MS: String(TTL_MS) } });
    cache = t.app.get(LivenessCache);
    await until(() => cache.active);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should serve a live session from memory, for at most the TTL, when no notification comes', async () => {
    const u = await loginAs(t);
    const warmedAt = Date.now();
    await me(u.accessToken).expect(200);
    // Revoke behind the cache's back: the trigger that notifies is disabled for this statement.
    await t.sql('ALTER TABLE auth_sessions DISABLE TRIGGER auth_sessions_liveness_notify');
    try {
      await t.sql('UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1', [u.userId]);
    } finally {
      await t.sql('ALTER TABLE auth_sessions ENABLE TRIGGER auth_sessions_liveness_notify');
    }
    // Still answered from memory: the cache is real (this is the staleness the TTL bounds).
    await me(u.accessToken).expect(200);
    // And refused once the TTL has passed, notification or not.
    let refusedAt = 0;
    while (!refusedAt) {
      const res = await me(u.accessToken);
      if (res.status === 401) refusedAt = Date.now();
      else expect(res.status).toBe(200);
      if (Date.now() - warmedAt > TTL_MS + 2000) throw new Error('still served after the TTL');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusedAt - warmedAt).toBeGreaterThanOrEqual(TTL_MS - 1000);
  });

  /**
   * Runs `fn` with the NOTIFY trigger of auth_sessions off, so that only this instance's own
   * invalidation can empty the cache: a test that passes here proves the local path.
   */
  const withoutNotify = async (fn: () => Promise<void>) => {
    await t.sql('ALTER TABLE auth_sessions DISABLE TRIGGER auth_sessions_liveness_notify');
    try {
      await fn();
    } finally {
      await t.sql('ALTER TABLE auth_sessions ENABLE TRIGGER auth_sessions_liveness_notify');
    }
  };

  it('should refuse the access token at once after logout, with a warm cache', async () => {
    const u = await loginAs(t);
    await me(u.accessToken).expect(200);
    await me(u.accessToken).expect(200);
    await withoutNotify(async () => {
      await request(t.url)
        .post('/v1/auth/logout')
        .set(...bearer(u.accessToken))
        .send({})
        .expect(204);
      await me(u.accessToken).expect(401);
    });
  });

  it('should refuse every access token of the session at once after refresh-token reuse', async () => {
    const u = await loginAs(t);
    await me(u.accessToken).expect(200);
    const rotated = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: u.refreshToken })
      .expect(200);
    const newAccess = rotated.body.access_token as string;
    await me(newAccess).expect(200);
    await withoutNotify(async () => {
      await request(t.url)
        .post('/v1/auth/refresh')
        .send({ refresh_token: u.refreshToken })
        .expect(401);
      await me(u.accessToken).expect(401);
      await me(newAccess).expect(401);
    });
  });

  it('should see a change committed by another connection (another instance, the CLI, SQL) on the next request', async () => {
    const demoted = await loginAs(t, 'admin');
    const disabled = await loginAs(t);
    expect((await me(demoted.accessToken).expect(200)).body.roles).toEqual(['admin']);
    await me(disabled.accessToken).expect(200);
    // t.sql waits for the NOTIFY to reach the app, as the next request of any client would.
    await t.sql(`UPDATE users SET roles = '{user}' WHERE id = $1`, [demoted.userId]);
    await t.sql('UPDATE users SET disabled = true WHERE id = $1', [disabled.userId]);
    expect((await me(demoted.accessToken).expect(200)).body.roles).toEqual(['user']);
    await me(disabled.accessToken).expect(401);
  });

  it('should bypass the cache while its notification channel is down, then reconnect', async () => {
    const u = await loginAs(t);
    await me(u.accessToken).expect(200);
    await t.sql(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'secure-api-liveness' AND datname = current_database()`,
    );
    await until(() => !cache.active);
    // Revoke without a notification: with the channel down, nothing is served from memory.
    await t.sql('ALTER TABLE auth_sessions DISABLE TRIGGER auth_sessions_liveness_notify');
    try {
      await t.sql('UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1', [u.userId]);
      await me(u.accessToken).expect(401);
    } finally {
      await t.sql('ALTER TABLE auth_sessions ENABLE TRIGGER auth_sessions_liveness_notify');
    }
    await until(() => cache.active);
  });
});
