import { randomUUID } from 'node:crypto';
import { RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import request from 'supertest';
import { AUTHORIZE_KEY } from '../../../src/auth/decorators/authorize.decorator';
import { IS_PUBLIC_KEY } from '../../../src/auth/decorators/public.decorator';
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

interface RouteInfo {
  method: string;
  path: string;
  isPublic: boolean;
  rule: unknown;
}

function listRoutes(t: TestApp): RouteInfo[] {
  const discovery = t.app.get(DiscoveryService);
  const scanner = new MetadataScanner();
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
    if (!controller) continue;
    const prefixes = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const classVersion = Reflect.getMetadata(VERSION_METADATA, controller);
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name] as object;
      const paths = Reflect.getMetadata(PATH_METADATA, handler);
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const version = Reflect.getMetadata(VERSION_METADATA, handler) ?? classVersion;
      const versionPrefix =
        version === undefined || version === VERSION_NEUTRAL ? '' : `/v${String(version)}`;
      const isPublic =
        Reflect.getMetadata(IS_PUBLIC_KEY, handler) === true ||
        Reflect.getMetadata(IS_PUBLIC_KEY, controller) === true;
      const rule =
        Reflect.getMetadata(AUTHORIZE_KEY, handler) ??
        Reflect.getMetadata(AUTHORIZE_KEY, controller);
      for (const prefix of prefixes)
        for (const path of ([] as string[]).concat(paths)) {
          const full = `${versionPrefix}/${prefix}/${path}`
            .replace(/\/+/g, '/')
            .replace(/(.)\/$/, '$1');
          routes.push({ method, path: full, isPublic, rule });
        }
    }
  }
  return routes;
}

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
