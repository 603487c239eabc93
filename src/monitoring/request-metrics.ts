import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MetricsService, UNMATCHED_ROUTE } from './metrics.service';

/** Methods a route can have; anything else (a client may send any token) is counted as OTHER. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route label is the route TEMPLATE Fastify matched (`/v1/customers/:id`), never the raw
 * URL: a URL carries ids, emails in query strings and whatever an attacker sends, which would
 * leak personal data into metrics and create one series per value. Requests that matched no
 * route share one fixed label.
 */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions?.url ?? UNMATCHED_ROUTE;
}

export function methodLabel(request: FastifyRequest): string {
  return KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
}

/**
 * Counts every answered request (`onResponse` runs after the reply is sent, so it sees the final
 * status, including 401/403/429 answered by guards and 404s of the not-found handler) and its
 * latency. 401s and 403s also feed the security counters the spike alerts read.
 */
export function registerRequestMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeLabel(request);
    const status = String(reply.statusCode);
    const labels = { method: methodLabel(request), route, status };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 401) metrics.unauthorized.inc({ route });
    else if (reply.statusCode === 403) metrics.forbidden.inc({ route });
  });
}
