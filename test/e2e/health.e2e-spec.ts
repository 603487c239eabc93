import { Client } from 'pg';
import request from 'supertest';
import { adminDatabaseUrl, startTestApp, TestApp } from '../helpers/test-app';

describe('health (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer liveness with status ok', async () => {
    const res = await request(t.url).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('should answer readiness with status ok when the database answers', async () => {
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('should answer readiness 503 without internals while the database refuses, then recover', async () => {
    const name = t.db.name;
    // From another database: PostgreSQL refuses to lock out the database one is connected to.
    const admin = new Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    try {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND usename <> current_user`,
        [name],
      );
      const res = await request(t.url).get('/health/ready').expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: expect.any(String),
        title: 'Service Unavailable',
        status: 503,
        detail: 'The service is not ready.',
        requestId: res.headers['x-request-id'],
      });
      expect(res.text).not.toMatch(/postgres|database|connection|typeorm|127\.0\.0\.1|version/i);
      // Liveness does not depend on the database: the orchestrator must not restart us for it.
      await request(t.url).get('/health/live').expect(200);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await request(t.url).get('/health/ready').expect(200);
  });
});
