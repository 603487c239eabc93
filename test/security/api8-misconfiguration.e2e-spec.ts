import { Client } from 'pg';
import request from 'supertest';
import { generateSecrets } from '../../src/config/dev-secrets';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { bearer, loginAs, LoggedInUser } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { expectProblem, expectSecurityHeaders, rawMethod } from '../e2e/http/http-helpers';
import { createCustomer, customerBody } from './security-helpers';

/** What no response body may ever hold: traces, SQL, driver or framework internals. */
const INTERNALS =
  /\bat .*\(|\.ts:\d+|node_modules|QueryFailedError|TypeORM|syntax error at|relation "|SELECT |pg_|postgres|Nest|fastify|Error:/i;

/**
 * OWASP API8:2023 Security Misconfiguration: missing security headers, permissive CORS, verbose
 * errors, debug or internal endpoints exposed, unnecessary methods, default or placeholder
 * secrets, over-privileged database accounts.
 *
 * Defences: src/http/http-pipeline.ts (helmet with a strict API CSP, HSTS, no-store, CORS
 * allow-list, 405, request ids), src/http/problem-details.filter.ts (RFC 9457, nothing internal),
 * src/config/load-config.ts and src/config/env-reader.ts (production refuses placeholder or
 * missing secrets), src/database/provision-database.ts (the API runs as app_runtime: no DDL),
 * src/monitoring/metrics.server.ts (metrics on a separate internal listener).
 *
 * Already proven, not repeated here:
 * - test/e2e/http/http-pipeline.e2e-spec.ts "security headers" (on 200/404/405/400/413/415/500 of
 *   test routes), "CORS", "should answer 500 saying only \"Internal Server Error\" and leak nothing";
 * - test/e2e/http/openapi.e2e-spec.ts "should not serve /docs-json in production unless
 *   API_DOCS=true";
 * - test/e2e/monitoring/metrics-endpoint.e2e-spec.ts "should answer 404 for /metrics on the
 *   public port";
 * - src/config/load-config.spec.ts (every shipped placeholder secret refused in production);
 * - test/e2e/audit/audit-integrity.e2e-spec.ts "should refuse UPDATE, DELETE and TRUNCATE on the
 *   audit table to the runtime role".
 */
describe('OWASP API8:2023 Security Misconfiguration (e2e)', () => {
  let t: TestApp;
  let user: LoggedInUser;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example.test' } });
    user = await loginAs(t, 'user');
    customerId = await createCustomer(t, user.accessToken);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should send the security headers on real routes, success and refusal alike', async () => {
    const responses: [string, number, () => request.Test][] = [
      [
        'customer created',
        201,
        () =>
          request(t.url)
            .post('/v1/customers')
            .set(...bearer(user.accessToken))
            .send(customerBody()),
      ],
      [
        'customer read',
        200,
        () =>
          request(t.url)
            .get(`/v1/customers/${customerId}`)
            .set(...bearer(user.accessToken)),
      ],
      ['no token', 401, () => request(t.url).get('/v1/customers')],
      [
        'wrong role',
        403,
        () =>
          request(t.url)
            .get('/v1/audit-logs')
            .set(...bearer(user.accessToken)),
      ],
      [
        'login refused',
        401,
        () =>
          request(t.url)
            .post('/v1/auth/login')
            .send({ email: user.email, password: 'wrong-wrong-wrong' }),
      ],
      [
        'token endpoint error',
        401,
        () =>
          request(t.url)
            .post('/v1/oauth/token')
            .type('form')
            .send({ grant_type: 'client_credentials' }),
      ],
    ];
    for (const [name, status, send] of responses) {
      const res = await send();
      expect({ name, status: res.status }).toEqual({ name, status });
      expectSecurityHeaders(res);
      expect(res.headers['server'] ?? '').not.toMatch(/\d/);
    }
    // The JWKS is public and cacheable on purpose (keys, no token); the other headers still hold.
    const jwks = await request(t.url).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['x-content-type-options']).toBe('nosniff');
    expect(jwks.headers['strict-transport-security']).toMatch(/max-age=\d{8}/);
    expect(jwks.headers['x-powered-by']).toBeUndefined();
  });

  it('should leak no internals when fed malformed and hostile input', async () => {
    const hostile: [number, () => request.Test][] = [
      [
        400,
        () =>
          request(t.url)
            .post('/v1/customers')
            .set(...bearer(user.accessToken))
            .set('Content-Type', 'application/json')
            .send('{"fullName": "x",'),
      ],
      [
        400,
        () =>
          request(t.url)
            .post('/v1/customers')
            .set(...bearer(user.accessToken))
            .set('Content-Type', 'application/json')
            .send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
      ],
      [
        400,
        () =>
          request(t.url)
            .post('/v1/customers')
            .set(...bearer(user.accessToken))
            .send({ fullName: { $gt: '' }, email: ['a@example.test'] }),
      ],
      [
        400,
        () =>
          request(t.url)
            .get('/v1/customers')
            .query({ sort: 'createdAt; DROP TABLE customers--' })
            .set(...bearer(user.accessToken)),
      ],
      [
        400,
        () =>
          request(t.url)
            .get('/v1/customers')
            .query({ email: "' OR '1'='1" })
            .set(...bearer(user.accessToken)),
      ],
      [
        400,
        () =>
          request(t.url)
            .get('/v1/customers')
            .query({ cursor: 'eyJ4IjoiJyBPUiAxPTEtLSJ9' })
            .set(...bearer(user.accessToken)),
      ],
      [
        400,
        () =>
          request(t.url)
            .get("/v1/customers/1'%20OR%20'1'='1")
            .set(...bearer(user.accessToken)),
      ],
      [
        400,
        () =>
          request(t.url)
            .get('/v1/payments')
            .query({ status: "succeeded' OR 1=1--" })
            .set(...bearer(user.accessToken)),
      ],
    ];
    for (const [status, send] of hostile) {
      const res = await send();
      expectProblem(res, status);
      expect(res.text).not.toMatch(INTERNALS);
    }
    const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    expect(n).toBeGreaterThan(0);
  });

  it('should not let an unlisted origin read responses cross-origin', async () => {
    const evil = await request(t.url)
      .get('/v1/auth/me')
      .set('Origin', 'https://evil.example.test')
      .set(...bearer(user.accessToken));
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await request(t.url)
      .options('/v1/customers')
      .set('Origin', 'null')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // The listed origin, for contrast, is echoed (never `*`).
    const listed = await request(t.url)
      .get('/health/live')
      .set('Origin', 'https://app.example.test');
    expect(listed.headers['access-control-allow-origin']).toBe('https://app.example.test');
  });

  it('should refuse TRACE and TRACK without echoing the request (cross-site tracing)', async () => {
    for (const method of ['TRACE', 'TRACK']) {
      const res = await rawMethod(t.url, method, '/v1/customers');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toMatch(/TRACE \/|TRACK \//);
    }
  });

  it('should expose no debug, admin or internal endpoint on the public port', async () => {
    for (const path of [
      '/metrics',
      '/debug',
      '/admin',
      '/actuator/env',
      '/.env',
      '/.git/config',
      '/server-status',
      '/graphql',
      '/v1/debug/config',
      '/swagger.json',
      '/package.json',
      '/dist/src/main.js',
    ]) {
      const res = await request(t.url).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).not.toMatch(/BEGIN|SECRET|JWT_PRIVATE_KEY|DATABASE_URL|"dependencies"/);
    }
  });

  it('should refuse to start in production with a placeholder secret, naming the variable only', () => {
    const secrets = generateSecrets();
    const env = {
      ...secrets,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app_runtime:pw@db.internal:5432/app',
      CLIENT_SECRET_HASH_KEY: 'change-me',
      RATE_LIMIT_ENABLED: 'false',
    };
    let problems: string[] = [];
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.join('\n')).toMatch(/CLIENT_SECRET_HASH_KEY/);
    expect(problems.join('\n')).toMatch(/RATE_LIMIT_ENABLED/);
    expect(problems.join('\n')).not.toContain(secrets.FIELD_ENCRYPTION_KEYS);
  });

  it('should run the API with a database role that cannot change the schema or read other roles', async () => {
    const runtime = new Client({ connectionString: t.db.runtimeUrl });
    await runtime.connect();
    try {
      for (const statement of [
        'CREATE TABLE stolen (x text)',
        'DROP TABLE customers',
        'ALTER TABLE customers DISABLE TRIGGER ALL',
        'TRUNCATE customers',
        'CREATE ROLE attacker SUPERUSER',
        "COPY customers TO '/tmp/customers.csv'",
        'SELECT rolpassword FROM pg_authid',
      ])
        await expect(runtime.query(statement)).rejects.toThrow(
          /permission denied|must be owner|must be superuser|privilege/i,
        );
    } finally {
      await runtime.end();
    }
  });
});
