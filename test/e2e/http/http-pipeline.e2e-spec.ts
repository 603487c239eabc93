import { request as rawHttp } from 'node:http';
import request from 'supertest';
import { startTestApp, TestApp } from '../../helpers/test-app';
import {
  expectProblem,
  expectSecurityHeaders,
  rawMethod,
  rawRequestLine,
  UUID,
} from './http-helpers';
import { LEAKY_MESSAGE, TestRoutesModule } from './test-routes.module';

const ALLOWED_ORIGIN = 'https://app.example.com';
const ECHO = '/v1/test-only/echo';

describe('HTTP pipeline (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { CORS_ORIGINS: ALLOWED_ORIGIN },
      extraModules: [TestRoutesModule],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const postJson = (path: string, body: string, type = 'application/json') =>
    request(t.url).post(path).set('content-type', type).send(body);

  describe('problem details (RFC 9457)', () => {
    it('should answer 400 with the invalid fields named', async () => {
      const res = await postJson(ECHO, JSON.stringify({ count: 'many' }));
      const body = expectProblem(res, 400);
      const fields = (body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'count']));
    });

    it('should answer 404 for an unknown path without echoing the path', async () => {
      const res = await request(t.url).get('/v1/no-such-thing-xyz');
      expectProblem(res, 404);
      expect(res.text).not.toContain('no-such-thing-xyz');
    });

    it('should answer 405 with Allow for a known path and another method', async () => {
      const res = await request(t.url).delete('/health/live');
      expectProblem(res, 405);
      expect(res.headers.allow).toMatch(/\bGET\b/);
      expect(res.headers.allow).not.toMatch(/DELETE/);
    });

    it('should answer 404, not a self-contradicting 405, for a known path with a trailing slash', async () => {
      const res = await request(t.url).get('/health/live/');
      expectProblem(res, 404);
      expect(res.headers.allow).toBeUndefined();
    });

    it('should answer 413 for a body over the limit', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(t.config.http.bodyLimit + 10) });
      const res = await postJson(ECHO, big);
      expectProblem(res, 413);
    });

    it('should answer 415 for a text/plain body on a JSON route', async () => {
      const res = await postJson(ECHO, JSON.stringify({ name: 'a' }), 'text/plain');
      expectProblem(res, 415);
    });

    it('should answer 500 saying only "Internal Server Error" and leak nothing', async () => {
      const res = await request(t.url).get('/v1/test-only/boom');
      const body = expectProblem(res, 500);
      expect(body).toEqual({
        type: expect.any(String),
        title: 'Internal Server Error',
        status: 500,
        requestId: res.headers['x-request-id'],
      });
      for (const leak of [LEAKY_MESSAGE, 'LeakyDriverError', 'SELECT', 'users_secret', 'stack'])
        expect(res.text).not.toContain(leak);
    });
  });

  describe('security headers', () => {
    it.each([
      ['a success (GET /health/live 200)', () => request(t.url).get('/health/live'), 200],
      ['a 404', () => request(t.url).get('/v1/missing'), 404],
      ['a 405', () => request(t.url).put('/health/live'), 405],
      ['a 400', () => postJson(ECHO, '{}'), 400],
      ['a 413', () => postJson(ECHO, JSON.stringify({ name: 'x'.repeat(200_000) })), 413],
      ['a 415', () => postJson(ECHO, 'a', 'text/plain'), 415],
      ['a 500', () => request(t.url).get('/v1/test-only/boom'), 500],
    ])('should be sent on %s', async (_name, send, status) => {
      const res = await send();
      expect(res.status).toBe(status);
      expectSecurityHeaders(res);
    });

    it('should send them on a successful POST too', async () => {
      const res = await postJson(ECHO, JSON.stringify({ name: 'a' })).expect(201);
      expect(res.body).toEqual({ name: 'a' });
      expectSecurityHeaders(res);
    });
  });

  describe('CORS', () => {
    it('should echo an allowed origin with Vary: Origin', async () => {
      const res = await request(t.url).get('/health/live').set('origin', ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers.vary).toMatch(/origin/i);
    });

    it('should answer an allowed preflight with the origin, never *', async () => {
      const res = await request(t.url)
        .options(ECHO)
        .set('origin', ALLOWED_ORIGIN)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'content-type, authorization');
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('should not allow a refused origin, on requests and preflights', async () => {
      const evil = 'https://evil.example.com';
      const simple = await request(t.url).get('/health/live').set('origin', evil);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await request(t.url)
        .options(ECHO)
        .set('origin', evil)
        .set('access-control-request-method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // A look-alike origin must not match by prefix or suffix.
      const lookAlike = await request(t.url)
        .get('/health/live')
        .set('origin', `${ALLOWED_ORIGIN}.evil.example`);
      expect(lookAlike.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('request ids', () => {
    it('should give every response a unique server-generated UUID', async () => {
      const ids = await Promise.all(
        Array.from({ length: 25 }, async (_, i) =>
          i % 2 === 0
            ? (await request(t.url).get('/health/live')).headers['x-request-id']
            : (await request(t.url).get('/v1/missing')).headers['x-request-id'],
        ),
      );
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('should ignore a client-sent X-Request-Id', async () => {
      const sent = '11111111-1111-4111-8111-111111111111';
      const res = await request(t.url).get('/v1/missing').set('x-request-id', sent);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.headers['x-request-id']).not.toBe(sent);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    });
  });

  describe('input validation', () => {
    it('should refuse an unknown body property, naming it', async () => {
      const res = await postJson(ECHO, JSON.stringify({ name: 'a', isAdmin: true }));
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([{ field: 'isAdmin', message: expect.any(String) }]);
    });

    it('should refuse an unknown nested property, naming its path', async () => {
      const res = await postJson(
        ECHO,
        JSON.stringify({ name: 'a', address: { city: 'Oslo', role: 'admin' } }),
      );
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([{ field: 'address.role', message: expect.any(String) }]);
    });

    it('should not coerce types implicitly', async () => {
      const res = await postJson(ECHO, JSON.stringify({ name: 'a', count: '5' }));
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([{ field: 'count', message: expect.any(String) }]);
    });

    it.each([
      ['invalid JSON', '{"name": '],
      ['an empty body', ''],
      ['a JSON null', 'null'],
      ['a JSON array', '[{"name":"a"}]'],
      ['a JSON string', '"name"'],
    ])('should refuse %s with a 400 problem', async (_name, body) => {
      const res = await postJson(ECHO, body);
      expectProblem(res, 400);
    });
  });

  describe('prototype pollution', () => {
    it.each([
      ['__proto__ at the top', '{"name":"a","__proto__":{"polluted":"yes"}}'],
      ['constructor.prototype', '{"name":"a","constructor":{"prototype":{"polluted":"yes"}}}'],
      ['nested __proto__', '{"name":"a","address":{"city":"x","__proto__":{"polluted":"yes"}}}'],
      ['__proto__ inside an array', '{"name":"a","list":[{"__proto__":{"polluted":"yes"}}]}'],
      ['unicode-escaped __proto__', '{"name":"a","\\u005f_proto__":{"polluted":"yes"}}'],
    ])('should refuse %s with a 400 problem', async (_name, body) => {
      const res = await postJson(ECHO, body);
      const problem = expectProblem(res, 400);
      expect(problem.detail).toMatch(/forbidden key/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('should leave later requests unaffected', async () => {
      await postJson(ECHO, '{"__proto__":{"isAdmin":true,"polluted":"yes"}}').expect(400);
      const res = await postJson(ECHO, JSON.stringify({ name: 'after' })).expect(201);
      expect(res.body).toEqual({ name: 'after' });
      expect(res.body.polluted).toBeUndefined();
      const unknown = await postJson(ECHO, JSON.stringify({ name: 'a', isAdmin: true }));
      expectProblem(unknown, 400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('should refuse __proto__ keys in a form body too', async () => {
      const res = await request(t.url)
        .post('/v1/test-only/form')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('__proto__=x&constructor=y&grant_type=client_credentials');
      expectProblem(res, 400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('deeply nested JSON', () => {
    it.each([
      ['arrays', '['.repeat(50_000) + ']'.repeat(50_000)],
      ['objects', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)],
    ])('should refuse deeply nested %s quickly', async (_name, body) => {
      const started = performance.now();
      const res = await postJson(ECHO, body);
      const elapsed = performance.now() - started;
      const problem = expectProblem(res, 400);
      expect(problem.detail).toMatch(/nested deeper/);
      // 2-4 ms measured; the bound leaves room for a loaded 2-core CI runner.
      expect(elapsed).toBeLessThan(1000);
    });

    it('should accept nesting within the limit on a route that allows it', async () => {
      const res = await postJson(
        ECHO,
        JSON.stringify({ name: 'a', address: { city: 'Oslo' } }),
      ).expect(201);
      expect(res.body.address).toEqual({ city: 'Oslo' });
    });
  });

  describe('content types', () => {
    it.each([
      'text/plain',
      'application/xml',
      'text/html',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json-patch+json',
      'application/jsonp',
    ])('should answer 415 to %s on a JSON route', async (type) => {
      const res = await postJson(ECHO, JSON.stringify({ name: 'a' }), type);
      expectProblem(res, 415);
    });

    it('should refuse a form body on a route that does not take forms', async () => {
      const res = await postJson(ECHO, 'name=a', 'application/x-www-form-urlencoded');
      expectProblem(res, 415);
    });

    it('should accept a form body on a route marked formBody', async () => {
      const res = await request(t.url)
        .post('/v1/test-only/form')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('grant_type=client_credentials&scope=a')
        .expect(201);
      expect(res.body).toEqual({ keys: ['grant_type', 'scope'] });
    });

    it('should answer 415 to a body without a Content-Type', async () => {
      const res = await new Promise<{ status: number; type: string }>((resolve, reject) => {
        const req = rawHttp(`${t.url}${ECHO}`, { method: 'POST' }, (response) => {
          response.resume();
          resolve({
            status: response.statusCode ?? 0,
            type: String(response.headers['content-type']),
          });
        });
        req.on('error', reject);
        req.end('{"name":"a"}');
      });
      expect(res.status).toBe(415);
      expect(res.type).toMatch(/^application\/problem\+json/);
    });

    it('should answer 400, not 500, to a POST without any body', async () => {
      const res = await request(t.url).post(ECHO);
      expectProblem(res, 400);
    });

    it('should accept JSON with a charset parameter', async () => {
      await postJson(ECHO, JSON.stringify({ name: 'a' }), 'application/json; charset=utf-8').expect(
        201,
      );
    });
  });

  describe('methods', () => {
    it.each(['/health/live', '/v1/missing', ECHO])(
      'should answer TRACE %s with 404 or 405, never 500',
      async (path) => {
        const res = await rawMethod(t.url, 'TRACE', path);
        expect([404, 405]).toContain(res.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      },
    );

    it.each(['PROPFIND', 'MKCOL', 'LOCK', 'PURGE'])(
      'should answer %s with 404 or 405, never 500',
      async (method) => {
        const res = await rawMethod(t.url, method, '/health/live');
        expect([404, 405]).toContain(res.status);
      },
    );

    it('should answer a method unknown to HTTP with a 4xx, never 500', async () => {
      const status = await rawRequestLine(t.url, 'FOOBAR /health/live HTTP/1.1');
      expect(status).toMatch(/^HTTP\/1\.1 4\d\d/);
    });

    it('should keep serving after all of the above', async () => {
      await request(t.url).get('/health/ready').expect(200);
    });
  });
});

describe('CORS with the default configuration (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should allow no cross-origin access when CORS_ORIGINS is empty', async () => {
    const res = await request(t.url).get('/health/live').set('origin', 'https://any.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(t.url)
      .options('/health/live')
      .set('origin', 'https://any.example')
      .set('access-control-request-method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
