import type { RouteLimitName } from '../config/rate-limit.config';

export interface RouteLimit {
  name: RouteLimitName;
  /** Whose budget: the client address (unauthenticated routes) or the principal. */
  by: 'address' | 'principal';
}

/**
 * Tier 3: routes with their own, tighter budget, found by Fastify route pattern and method. The
 * table lives here rather than as a decorator on the controllers because the module map puts
 * rate-limit below auth and payments: they must not import it, and one table shows every
 * abuse-sensitive route in one place. The e2e test checks each entry against a live route.
 */
export const ROUTE_LIMITS: Readonly<Record<string, Readonly<Record<string, RouteLimit>>>> = {
  '/v1/auth/login': { POST: { name: 'login', by: 'address' } },
  '/v1/auth/register': { POST: { name: 'register', by: 'address' } },
  '/v1/auth/refresh': { POST: { name: 'refresh', by: 'address' } },
  '/v1/oauth/token': { POST: { name: 'oauthToken', by: 'address' } },
  '/v1/payments': { POST: { name: 'paymentCreate', by: 'principal' } },
};

/** The login route, whose 401s are counted as failed attempts (lock-out). */
export const LOGIN_ROUTE = { url: '/v1/auth/login', method: 'POST' } as const;

const BY_URL = new Map(
  Object.entries(ROUTE_LIMITS).map(([url, methods]) => [url, new Map(Object.entries(methods))]),
);

export function routeLimitOf(url: string | undefined, method: string): RouteLimit | undefined {
  return url === undefined ? undefined : BY_URL.get(url)?.get(method);
}
