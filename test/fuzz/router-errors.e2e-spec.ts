import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Regression tests for what the fuzzer (api-fuzz.e2e-spec.ts) found: the router's own errors
 * (invalid percent-encoding in the path, an over-long path parameter) were answered by Fastify's
 * default JSON (`{"error","code","message","statusCode"}`, echoing the path) instead of an RFC
 * 9457 problem with the security headers. Fixed in src/http/http-pipeline.ts (frameworkErrors).
 */
describe('router errors are problem documents (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/v1/customers/%ZZ', '/v1/payments/%C0%AF', '/v1/customers/%u0027/export'])(
    'should answer the badly encoded path %s with a 400 problem and the API headers',
    async (path) => {
      const res = await request(t.url).get(path);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: expect.stringMatching(/bad-request$/),
        title: 'Bad Request',
        status: 400,
        detail: 'The path is not valid percent-encoding.',
        requestId: res.headers['x-request-id'],
      });
      expect(res.text).not.toContain('FST_ERR');
      expect(res.text).not.toContain(path);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    },
  );

  it('should answer an over-long path parameter with a 414 problem', async () => {
    const res = await request(t.url).get(`/v1/customers/${'a'.repeat(300)}`);
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 414, requestId: res.headers['x-request-id'] });
  });
});
