import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, loginAs, LoggedInUser } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The API inventory as the contract states it (/work/shared/API-CONTRACT.md "Endpoints"): every
 * operation served, and nothing else. A route added without updating this list, the contract and
 * the OpenAPI document fails here.
 */
const CONTRACT_OPERATIONS = [
  'GET /health/live',
  'GET /health/ready',
  'GET /.well-known/jwks.json',
  'POST /v1/auth/register',
  'POST /v1/auth/login',
  'POST /v1/auth/refresh',
  'POST /v1/auth/logout',
  'GET /v1/auth/me',
  'POST /v1/oauth/clients',
  'GET /v1/oauth/clients',
  'DELETE /v1/oauth/clients/{client_id}',
  'POST /v1/oauth/token',
  'POST /v1/oauth/revoke',
  'POST /v1/customers',
  'GET /v1/customers',
  'GET /v1/customers/{id}',
  'PATCH /v1/customers/{id}',
  'DELETE /v1/customers/{id}',
  'GET /v1/customers/{id}/export',
  'POST /v1/payments',
  'GET /v1/payments',
  'GET /v1/payments/{id}',
  'POST /v1/payments/{id}/refunds',
  'POST /v1/webhooks/processor',
  'GET /v1/audit-logs',
  'GET /v1/audit-logs/verify',
].sort();

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const ROOT = join(__dirname, '..', '..');
/** The pages that map controls to code and tests: every path or test name they give must exist. */
const MAPPING_DOCS = [
  'docs/owasp-api-top10.md',
  'docs/asvs.md',
  'docs/adding-a-feature-module.md',
  'README.md',
];
/** A repository path in backticks (placeholders such as `docs/<feature>.md` are not paths). */
const PATH_IN_TICKS =
  /`((?:src|test|migrations|docker|docs|scripts|bench|\.ci)\/[^`\s<]*[^`\s/<]|Dockerfile|docker-compose\.yml|\.dockerignore|\.env\.example|package(?:-lock)?\.json)`/g;
/** A spec path in backticks followed by the test names it is cited for, in double quotes. */
const SPEC_WITH_NAMES = /`([^`]+\.(?:e2e-)?spec\.ts)`((?:[ ,]*"(?:[^"\\]|\\.)+")+)/g;

/**
 * OWASP API9:2023 Improper Inventory Management: forgotten versions, undocumented or debug
 * routes, test-only endpoints shipped to production, documentation that does not match what runs.
 *
 * Defences: one URI version (`/v1`, src/app.ts enableVersioning; no unversioned fallback), the
 * OpenAPI document generated from the controllers themselves (src/http/openapi.ts), off in
 * production unless API_DOCS=true, test-only modules passed through `extraModules` in tests only
 * (test/helpers/test-app.ts), and the route inventory of test/e2e/auth/route-inventory.e2e-spec.ts
 * ("should have every route either @Public() or covered by an @Authorize rule", "should have only
 * reviewed public routes"), which this spec complements from the outside, over HTTP.
 *
 * Also referenced: test/e2e/http/openapi.e2e-spec.ts "should not serve /docs-json in production
 * unless API_DOCS=true"; README "Configuration" (one row per .env.example variable, checked by
 * .ci/run).
 */
describe('OWASP API9:2023 Improper Inventory Management (e2e)', () => {
  let t: TestApp;
  let admin: LoggedInUser;
  let documented: string[];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAs(t, 'admin');
    const doc = (await request(t.url).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    documented = Object.entries(doc.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A concrete URL for a documented path template. */
  const concrete = (path: string): string => path.replace(/\{[^}]+\}/g, randomUUID());

  it('should document exactly the operations of the contract, no more and no fewer', () => {
    expect(documented).toEqual(CONTRACT_OPERATIONS);
  });

  it('should serve every documented operation (none answers 404 as unknown)', async () => {
    for (const operation of documented) {
      const [method, path] = operation.split(' ');
      const agent = request(t.url);
      const res = await agent[method.toLowerCase() as 'get'](concrete(path)).set(
        ...bearer(admin.accessToken),
      );
      // Only a route with an id may answer 404 (for the random id); a route without one that
      // answers 404 is documented but not served.
      if (res.status === 404) expect(path).toMatch(/\{[^}]+\}/);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('should answer 405 for every method a documented path does not document', async () => {
    const paths = [...new Set(documented.map((operation) => operation.split(' ')[1]))];
    for (const path of paths)
      for (const method of METHODS) {
        if (documented.includes(`${method} ${path}`)) continue;
        const agent = request(t.url);
        const res = await agent[method.toLowerCase() as 'get'](concrete(path)).set(
          ...bearer(admin.accessToken),
        );
        expect({ operation: `${method} ${path}`, status: res.status }).toEqual({
          operation: `${method} ${path}`,
          status: 405,
        });
      }
  });

  it('should serve no unversioned, older, newer or differently spelled version of the API', async () => {
    for (const path of [
      '/customers',
      '/api/customers',
      '/v0/customers',
      '/v2/customers',
      '/V1/customers',
      '/v1.0/customers',
      '/api/v1/customers',
      '/auth/login',
      '/v2/auth/me',
    ]) {
      const res = await request(t.url)
        .get(path)
        .set(...bearer(admin.accessToken));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('should not ship the test-only probe routes in the application', async () => {
    // These controllers exist under test/ and are mounted only through extraModules.
    for (const path of ['/v1/auth-probe/any', '/v1/auth-probe/unruled', '/v1/test-only/boom']) {
      const res = await request(t.url)
        .get(path)
        .set(...bearer(admin.accessToken));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('should name only files and test names that exist in the security mapping docs', () => {
    let paths = 0;
    let names = 0;
    for (const doc of MAPPING_DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const [, path] of text.matchAll(PATH_IN_TICKS)) {
        paths++;
        expect({ doc, path, exists: existsSync(join(ROOT, path)) }).toEqual({
          doc,
          path,
          exists: true,
        });
      }
      for (const [, spec, cited] of text.matchAll(SPEC_WITH_NAMES)) {
        const source = readFileSync(join(ROOT, spec), 'utf8');
        for (const [, quoted] of cited.matchAll(/"((?:[^"\\]|\\.)+)"/g)) {
          names++;
          const name = quoted.replace(/\\"/g, '"');
          expect({ spec, name, cited: source.includes(name) }).toEqual({
            spec,
            name,
            cited: true,
          });
        }
      }
      // Relative links between the pages.
      for (const [, link] of text.matchAll(/\]\(([\w-]+\.md)\)/g))
        expect({ doc, link, exists: existsSync(join(ROOT, 'docs', link)) }).toEqual({
          doc,
          link,
          exists: true,
        });
    }
    // The check found what it checks (a broken pattern would otherwise pass on nothing).
    expect(paths).toBeGreaterThan(100);
    expect(names).toBeGreaterThan(40);
  });

  it('should answer an unknown route with a 404 problem that does not echo the path', async () => {
    const marker = `inventory-${randomUUID()}`;
    const res = await request(t.url)
      .get(`/v1/${marker}`)
      .set(...bearer(admin.accessToken))
      .expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.text).not.toContain(marker);
  });
});
