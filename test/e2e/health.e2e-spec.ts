import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';

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
});
