import type { FastifyRequest } from 'fastify';
import type { AuditActor, AuditDetails, AuditOutcome } from './audit-entry';

/**
 * What the audit knows about one request beyond its route and status: set by the interceptor
 * (`@AuditedRead`), by services (`audit.annotate`, e.g. "404 because the object belongs to
 * someone else") and by `audit.record` once its transaction commits (`written`). The Fastify
 * `onResponse` hook reads it to write the request's one entry, or to skip it when written.
 */
export interface AuditRequestState {
  /** A transactional entry for this request committed: the response hook adds nothing. */
  written: boolean;
  action?: string;
  sensitiveRead?: boolean;
  outcome?: AuditOutcome;
  resource?: { type: string; id?: string | null };
  details?: AuditDetails;
  actor?: AuditActor;
}

const AUDIT_STATE = Symbol('auditState');

type WithState = FastifyRequest & { [AUDIT_STATE]?: AuditRequestState };

export function auditStateOf(request: FastifyRequest): AuditRequestState {
  const holder = request as WithState;
  holder[AUDIT_STATE] ??= { written: false };
  return holder[AUDIT_STATE];
}

export function peekAuditState(request: FastifyRequest): AuditRequestState | undefined {
  return (request as WithState)[AUDIT_STATE];
}
