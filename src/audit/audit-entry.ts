/**
 * The shape of one audit entry (API-CONTRACT.md "Audit log"). `details` holds field names and
 * safe metadata only: never a value of a password, token, secret, card number, CVC or any
 * encrypted field (OWASP Logging Cheat Sheet, "data to exclude").
 */
export type AuditOutcome = 'success' | 'denied' | 'error';
export type AuditActorType = 'user' | 'client' | 'anonymous';

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
}

export interface AuditResource {
  type: string | null;
  id: string | null;
}

/** Primitive metadata only: no nested objects, so a whole request body can never slip in. */
export type AuditDetailValue = string | number | boolean | null | string[];
export type AuditDetails = Record<string, AuditDetailValue>;

/** What a caller states; the request context (actor, request id, ip, agent) is filled in. */
export interface AuditEntryInput {
  /** `<resource>.<verb>`, e.g. `customers.create`. */
  action: string;
  resource?: { type: string; id?: string | null };
  outcome?: AuditOutcome;
  status?: number;
  details?: AuditDetails;
  /** Override the actor (e.g. an event outside a request); default: the request's principal. */
  actor?: AuditActor;
}

/** A complete row, as written. */
export interface AuditRow {
  id: string;
  at: Date;
  requestId: string | null;
  actor: AuditActor;
  action: string;
  resource: AuditResource;
  outcome: AuditOutcome;
  status: number | null;
  ip: string | null;
  userAgent: string | null;
  details: AuditDetails;
}

/** An entry as the API returns it. */
export interface AuditEntryView {
  id: string;
  at: string;
  requestId: string | null;
  actor: AuditActor;
  action: string;
  resource: AuditResource;
  outcome: AuditOutcome;
  status: number | null;
  ip: string | null;
  userAgent: string | null;
  details: AuditDetails;
}
