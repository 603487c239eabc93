import type { FastifyRequest } from 'fastify';
import { requestIdOf } from '../http/request-context';
import type { RequestMeta } from './auth-events.service';

/** Who sent this request, for auth events (audit, monitoring, lock-out). */
export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers['user-agent'];
  return {
    requestId: requestIdOf(request),
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined,
  };
}
