import request from 'supertest';
import { loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { AuthProbeModule } from './probe.module';

describe('global authentication and authorization guards (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [AuthProbeModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 401 problem with WWW-Authenticate: Bearer when no token is sent', async () => {
    const res = await request(t.url).get('/v1/auth-probe/any').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, requestId: expect.any(String) });
  });

  it('should answer 401 with error="invalid_token" when a bad token is sent', async () => {
    const res = await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', 'Bearer not-a-jwt')
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('should give the handler the user principal with all four scopes', async () => {
    const u = await loginAs(t, 'user');
    const res = await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${u.accessToken}`)
      .expect(200);
    expect(res.body).toEqual({
      type: 'user',
      id: u.userId,
      ownerId: u.userId,
      roles: ['user'],
      scopes: ['customers:read', 'customers:write', 'payments:read', 'payments:write'],
      sessionId: expect.any(String),
      tokenId: expect.any(String),
    });
  });

  it('should refuse a route that has no @Authorize rule even with a valid token', async () => {
    const admin = await loginAs(t, 'admin');
    await request(t.url)
      .get('/v1/auth-probe/unruled')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .expect(403);
  });

  it('should answer 403 for a missing role and 200 for the right one', async () => {
    const user = await loginAs(t, 'user');
    const admin = await loginAs(t, 'admin');
    const res = await request(t.url)
      .get('/v1/auth-probe/admin')
      .set('Authorization', `Bearer ${user.accessToken}`)
      .expect(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    await request(t.url)
      .get('/v1/auth-probe/admin')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .expect(200);
  });

  it('should take a role change effect at the next request (roles read live, not from the token)', async () => {
    const user = await loginAs(t, 'user');
    await t.sql(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [user.userId]);
    await request(t.url)
      .get('/v1/auth-probe/admin')
      .set('Authorization', `Bearer ${user.accessToken}`)
      .expect(200);
  });

  it('should refuse the access token of a disabled account at once', async () => {
    const user = await loginAs(t, 'user');
    await t.sql('UPDATE users SET disabled = true WHERE id = $1', [user.userId]);
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${user.accessToken}`)
      .expect(401);
  });
});
