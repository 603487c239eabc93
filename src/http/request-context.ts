import type { FastifyRequest } from 'fastify';

/** The server-generated request id (a UUID). A client-sent `X-Request-Id` is never trusted. */
export function requestIdOf(request: FastifyRequest): string {
  return String(request.id);
}
