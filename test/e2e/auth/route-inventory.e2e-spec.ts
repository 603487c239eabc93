import { randomUUID } from 'node:crypto';

import { DiscoveryModule } from '@nestjs/core';
import request from 'supertest';

import { listRoutes, RouteInfo } from '../../helpers/routes';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { AuthProbeModule } from './probe.module';

/**
 * The route inventory: boot the real application, list every route of every controller, and
 * fail if a route is neither `@Public()` nor carries an `@Authorize(...)` rule, or if a public
 * route is not on the reviewed list below. An unprotected route cannot land unnoticed.
 */
const REVIEWED_PUBLIC_ROUTES = new Set([
  'GET /health/live',
  'GET /health/ready',
  'GET /.well-known/jwks.json',
  'POST /v1/auth/register',
  'POST /v1/auth/login',
  'POST /v1/auth/refresh',
  'POST /v1/oauth/token',
  'POST /v1/oauth/revoke',
  'POST /v1/webhooks/processor',
]);

describe('route inventory (e2e)', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [DiscoveryModule] });
    routes = listRoutes(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should find the routes of the application (the listing itself works)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining(['GET /health/live', 'GET /v1/auth/me', 'POST /v1/oauth/clients']),
    );
  });

  it('should have every route either @Public() or covered by an @Authorize rule', () => {
    const unprotected = routes
      .filter((r) => !r.isPublic && !r.rule)
      .map((r) => `${r.method} ${r.path}`);
    expect(unprotected).toEqual([]);
  });

  it('should have only reviewed public routes', () => {
    const unreviewed = routes
      .filter((r) => r.isPublic)
      .map((r) => `${r.method} ${r.path}`)
      .filter((name) => !REVIEWED_PUBLIC_ROUTES.has(name));
    expect(unreviewed).toEqual([]);
  });

  it('should answer 401 with WWW-Authenticate: Bearer on every protected route without a token', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => !r.isPublic)) {
      const path = route.path.replace(/:[A-Za-z0-9_]+/g, randomUUID());
      const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const res = await request(t.url)[method](path).send({});
      if (res.status !== 401 || res.headers['www-authenticate'] !== 'Bearer')
        failures.push(`${route.method} ${route.path} -> ${res.status}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('route inventory catches an unprotected route (e2e)', () => {
  it('should report a route that has neither @Public() nor @Authorize', async () => {
    const t = await startTestApp({ extraModules: [DiscoveryModule, AuthProbeModule] });
    try {
      const unprotected = listRoutes(t)
        .filter((r) => !r.isPublic && !r.rule)
        .map((r) => `${r.method} ${r.path}`);
      expect(unprotected).toEqual(['GET /v1/auth-probe/unruled']);
    } finally {
      await t.close();
    }
  });
});
