import request from 'supertest';
import { AuditService } from '../../../src/audit/audit.service';
import { loginAs, LoggedInUser, createUser, randomPassword } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

interface Row {
  id: string;
  action: string;
  outcome: string;
  status: number | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/**
 * Denials are produced by guards and hooks that run before any interceptor: these tests prove
 * that the audit's response hook sees them, over real HTTP, on real PostgreSQL.
 */
describe('audit capture of denials, auth events and reads (e2e)', () => {
  let t: TestApp;
  let audit: AuditService;
  let auditor: LoggedInUser;
  let user: LoggedInUser;
  /** Every secret the tests use: none may appear in any audit row. */
  const canaries: string[] = [];

  const rowsFor = async (requestId: string): Promise<Row[]> => {
    await audit.flush();
    return t.sql<Row>('SELECT * FROM audit_log WHERE request_id = $1', [requestId]);
  };

  beforeAll(async () => {
    t = await startTestApp();
    audit = t.app.get(AuditService);
    auditor = await loginAs(t, 'auditor');
    user = await loginAs(t, 'user');
    canaries.push(
      auditor.password,
      auditor.accessToken,
      auditor.refreshToken,
      user.password,
      user.accessToken,
      user.refreshToken,
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should record a request without a token as denied, anonymous, with status 401', async () => {
    const res = await request(t.url).get('/v1/audit-logs').expect(401);
    const rows = await rowsFor(res.headers['x-request-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'audit_logs.list',
      outcome: 'denied',
      status: 401,
      actor_type: 'anonymous',
      actor_id: null,
      resource_type: 'audit_logs',
    });
    expect(rows[0].ip).toBeTruthy();
  });

  it('should record a bad token as denied without storing the token', async () => {
    const badToken = `${user.accessToken.slice(0, -4)}AAAA`;
    canaries.push(badToken);
    const res = await request(t.url)
      .get('/v1/audit-logs')
      .set('Authorization', `Bearer ${badToken}`)
      .expect(401);
    const [row] = await rowsFor(res.headers['x-request-id']);
    expect(row).toMatchObject({ outcome: 'denied', status: 401, actor_type: 'anonymous' });
    expect(row.details.credentialsPresented).toBe(true);
  });

  it('should record a wrong role as denied with the caller as actor and status 403', async () => {
    const res = await request(t.url)
      .get('/v1/audit-logs')
      .set('Authorization', `Bearer ${user.accessToken}`)
      .expect(403);
    const [row] = await rowsFor(res.headers['x-request-id']);
    expect(row).toMatchObject({
      action: 'audit_logs.list',
      outcome: 'denied',
      status: 403,
      actor_type: 'user',
      actor_id: user.userId,
    });
  });

  it('should record a failed login as auth.login denied with its reason, never the password', async () => {
    const wrong = randomPassword();
    canaries.push(wrong);
    const res = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: user.email, password: wrong })
      .expect(401);
    const rows = await rowsFor(res.headers['x-request-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'auth.login',
      outcome: 'denied',
      status: 401,
      actor_type: 'anonymous',
      resource_type: 'users',
      resource_id: user.userId,
    });
    expect(rows[0].details).toMatchObject({ reason: 'wrong_password', email: user.email });
  });

  it('should record a successful login as auth.login success by that user', async () => {
    const someone = await createUser(t);
    canaries.push(someone.password);
    const res = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: someone.email, password: someone.password })
      .expect(200);
    canaries.push(res.body.access_token, res.body.refresh_token);
    const [row] = await rowsFor(res.headers['x-request-id']);
    expect(row).toMatchObject({
      action: 'auth.login',
      outcome: 'success',
      status: 200,
      actor_type: 'user',
      actor_id: someone.userId,
    });
  });

  it('should record refresh-token reuse as auth.refresh_reuse denied', async () => {
    const first = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(200);
    canaries.push(first.body.access_token, first.body.refresh_token);
    const replay = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(401);
    const [row] = await rowsFor(replay.headers['x-request-id']);
    expect(row).toMatchObject({ action: 'auth.refresh_reuse', outcome: 'denied', status: 401 });
  });

  it('should record a refresh, a logout and a client token issued as success entries', async () => {
    const someone = await createUser(t);
    canaries.push(someone.password);
    const login = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: someone.email, password: someone.password })
      .expect(200);
    const refresh = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: login.body.refresh_token })
      .expect(200);
    canaries.push(login.body.access_token, login.body.refresh_token);
    canaries.push(refresh.body.access_token, refresh.body.refresh_token);
    const client = await request(t.url)
      .post('/v1/oauth/clients')
      .set('Authorization', `Bearer ${refresh.body.access_token}`)
      .send({ name: 'audit-capture', scopes: ['customers:read'] })
      .expect(201);
    canaries.push(client.body.client_secret);
    const token = await request(t.url)
      .post('/v1/oauth/token')
      .auth(client.body.client_id, client.body.client_secret)
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    canaries.push(token.body.access_token);
    const logout = await request(t.url)
      .post('/v1/auth/logout')
      .set('Authorization', `Bearer ${refresh.body.access_token}`)
      .send({})
      .expect(204);

    const user1 = { actor_type: 'user', actor_id: someone.userId, outcome: 'success' };
    expect(await rowsFor(refresh.headers['x-request-id'])).toEqual([
      expect.objectContaining({ action: 'auth.refresh', status: 200, ...user1 }),
    ]);
    expect(await rowsFor(logout.headers['x-request-id'])).toEqual([
      expect.objectContaining({ action: 'auth.logout', status: 204, ...user1 }),
    ]);
    expect(await rowsFor(token.headers['x-request-id'])).toEqual([
      expect.objectContaining({
        action: 'oauth.token',
        outcome: 'success',
        status: 200,
        actor_type: 'client',
        actor_id: client.body.client_id,
      }),
    ]);
  });

  it('should let an auditor list entries, newest first, and audit that read', async () => {
    const res = await request(t.url)
      .get('/v1/audit-logs?limit=2')
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(200);
    expect(res.body.data).toHaveLength(2);
    expect(typeof res.body.nextCursor).toBe('string');
    expect(res.body.data[0].at >= res.body.data[1].at).toBe(true);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(
      [
        'action',
        'actor',
        'at',
        'details',
        'id',
        'ip',
        'outcome',
        'requestId',
        'resource',
        'status',
        'userAgent',
      ].sort(),
    );
    const next = await request(t.url)
      .get(`/v1/audit-logs?limit=2&cursor=${res.body.nextCursor}`)
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(200);
    const firstIds = res.body.data.map((e: { id: string }) => e.id);
    for (const entry of next.body.data as { id: string }[])
      expect(firstIds).not.toContain(entry.id);
    const [row] = await rowsFor(res.headers['x-request-id']);
    expect(row).toMatchObject({
      action: 'audit_logs.list',
      outcome: 'success',
      status: 200,
      actor_id: auditor.userId,
    });
  });

  it('should filter by actor, action and outcome', async () => {
    await audit.flush();
    const res = await request(t.url)
      .get(`/v1/audit-logs?actorId=${user.userId}&action=audit_logs.list&outcome=denied`)
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(200);
    expect(res.body.data.length).toBeGreaterThanOrEqual(1);
    for (const entry of res.body.data)
      expect(entry).toMatchObject({
        actor: { type: 'user', id: user.userId },
        action: 'audit_logs.list',
        outcome: 'denied',
      });
  });

  it.each(['0', '101', 'abc', '5&limit=6'])(
    'should refuse limit=%s with 400 rather than clamp it',
    async (limit) => {
      await request(t.url)
        .get(`/v1/audit-logs?limit=${limit}`)
        .set('Authorization', `Bearer ${auditor.accessToken}`)
        .expect(400);
    },
  );

  it('should refuse an unknown filter and a forged cursor with 400', async () => {
    await request(t.url)
      .get('/v1/audit-logs?actor=x')
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(400);
    await request(t.url)
      .get('/v1/audit-logs?cursor=bm90LWEtY3Vyc29y')
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(400);
  });

  it('should verify the chain for an auditor and audit the verification', async () => {
    const res = await request(t.url)
      .get('/v1/audit-logs/verify')
      .set('Authorization', `Bearer ${auditor.accessToken}`)
      .expect(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.checked).toBeGreaterThan(5);
    expect(res.body.firstInvalidId).toBeUndefined();
    const [row] = await rowsFor(res.headers['x-request-id']);
    expect(row).toMatchObject({ action: 'audit_logs.verify', outcome: 'success' });
  });

  it('should offer no route that changes or deletes an entry', async () => {
    const [{ id }] = await t.sql<{ id: string }>('SELECT id FROM audit_log LIMIT 1');
    for (const method of ['delete', 'patch', 'put'] as const) {
      const agent = request(t.url);
      const res = await agent[method](`/v1/audit-logs/${id}`).set(
        'Authorization',
        `Bearer ${auditor.accessToken}`,
      );
      expect([404, 405]).toContain(res.status);
    }
  });

  it('should document both audit routes in the OpenAPI document', async () => {
    const doc = (await request(t.url).get('/docs-json').expect(200)).body;
    const list = doc.paths['/v1/audit-logs'].get;
    expect(list.responses['200'].content['application/json'].schema.$ref).toMatch(
      /AuditLogPageDto$/,
    );
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(doc.paths['/v1/audit-logs/verify'].get.responses['200']).toBeDefined();
  });

  it('should hold no password, token or canary secret in any audit row', async () => {
    await audit.flush();
    const dump = JSON.stringify(await t.sql('SELECT * FROM audit_log'));
    expect(canaries.length).toBeGreaterThan(8);
    for (const secret of canaries) expect(dump).not.toContain(secret);
  });
});

describe('audit capture of rate-limited requests (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_ADDRESS_LIMIT: '3', RATE_LIMIT_KEY_PREFIX: `audit-${Date.now()}:` },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should record a 429 as denied', async () => {
    let limited: request.Response | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const res = await request(t.url).get('/v1/audit-logs');
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    await t.app.get(AuditService).flush();
    const rows = await t.sql<Row>('SELECT * FROM audit_log WHERE request_id = $1', [
      limited!.headers['x-request-id'],
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'denied', status: 429, actor_type: 'anonymous' });
  });

  it('should coalesce a flood of 429s from one address into one entry per window', async () => {
    const flood = await Promise.all(
      Array.from({ length: 20 }, () => request(t.url).get('/v1/audit-logs')),
    );
    expect(flood.every((r) => r.status === 429)).toBe(true);
    await t.app.get(AuditService).flush();
    const [{ count }] = await t.sql<{ count: string }>(
      'SELECT count(*) FROM audit_log WHERE status = 429',
    );
    // The first 429 of the window was written; the flood waits as one summary (unit spec).
    expect(Number(count)).toBe(1);
  });
});
