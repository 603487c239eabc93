import { RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AUTHORIZE_KEY } from '../../src/auth/decorators/authorize.decorator';
import { IS_PUBLIC_KEY } from '../../src/auth/decorators/public.decorator';
import type { TestApp } from './test-app';

export interface RouteInfo {
  method: string;
  /** Full path as served, e.g. `/v1/customers/:id`. */
  path: string;
  isPublic: boolean;
  /** The route's `@Authorize(...)` rule, if any. */
  rule: unknown;
}

/**
 * Every controller route of the running app, read from Nest's own metadata (the app must be
 * started with `DiscoveryModule` in `extraModules`). Shared by the route inventory, which fails
 * on a route with no access rule, and by the fuzzer, which sends requests to every route.
 */
export function listRoutes(t: TestApp): RouteInfo[] {
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
