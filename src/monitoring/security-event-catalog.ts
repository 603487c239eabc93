/**
 * The catalog of security events: for each stable event name (the `event` field of the log line,
 * which a log pipeline may alert on without Prometheus) the counter it moves and the ONLY values
 * each of its labels may take.
 *
 * Why closed lists: a Prometheus label value creates a new time series, so a label fed from a
 * request (an email, a user id, a token, a path) is both a personal-data leak into a system
 * with weaker access control and a cardinality bomb (OWASP Logging Cheat Sheet: "data to
 * exclude"; Prometheus docs, "Use labels": do not use unbounded values). Any value outside its
 * list is recorded as `other`, never passed through. Identifiers that help an investigation go
 * to the log line's `subject`, never to a label.
 */
export const TOKEN_REFUSAL_REASONS = [
  'expired',
  'bad_signature',
  'revoked',
  'wrong_audience',
  'wrong_issuer',
  'wrong_type',
  'unknown_kid',
  'bad_algorithm',
  'malformed',
  'other',
] as const;

/** Limiter tiers (issue 4): per address, per principal, per route, account lock-out, velocity. */
export const RATE_LIMIT_TIERS = [
  'address',
  'principal',
  'route',
  'login',
  'account',
  'velocity',
  'other',
] as const;

export const RESOURCE_TYPES = [
  'customer',
  'payment',
  'refund',
  'oauth_client',
  'audit_log',
  'other',
] as const;

export const IDEMPOTENCY_CONFLICTS = ['mismatch', 'in_flight', 'other'] as const;

export const WEBHOOK_SIGNATURE_FAILURES = ['missing', 'invalid', 'stale', 'other'] as const;

export const INCIDENT_ACTIONS = [
  'sessions_revoked',
  'user_disabled',
  'client_revoked',
  'signing_key_rotated',
  'other',
] as const;

interface EventSpec {
  /** Prometheus counter this event increments. */
  readonly metric: string;
  readonly help: string;
  /** Each label and its closed list of values. */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  /** Log level of the event's line: `warn` for alert-worthy events. */
  readonly level: 'warn' | 'error' | 'info';
}

export const SECURITY_EVENTS = {
  'auth.login_failed': {
    metric: 'security_login_failures_total',
    help: 'Failed logins (unknown account, wrong password or disabled account alike).',
    labels: {},
    level: 'warn',
  },
  'auth.lockout': {
    metric: 'security_account_lockouts_total',
    help: 'Login attempts refused by the lock-out (too many failures for the account or address).',
    labels: {},
    level: 'warn',
  },
  'auth.refresh_reuse': {
    metric: 'security_refresh_token_reuse_total',
    help: 'Spent refresh tokens presented again (RFC 9700 4.14.2); the session was revoked.',
    labels: {},
    level: 'error',
  },
  'auth.token_refused': {
    metric: 'security_tokens_refused_total',
    help: 'Bearer tokens refused, by reason.',
    labels: { reason: TOKEN_REFUSAL_REASONS },
    level: 'warn',
  },
  'authz.foreign_object': {
    metric: 'security_foreign_object_not_found_total',
    help: '404 answered for an object that exists but belongs to another owner (BOLA probing).',
    labels: { resource: RESOURCE_TYPES },
    level: 'warn',
  },
  'rate_limit.exceeded': {
    metric: 'security_rate_limited_total',
    help: 'Requests refused with 429, by limiter tier.',
    labels: { tier: RATE_LIMIT_TIERS },
    level: 'warn',
  },
  'payments.idempotency_conflict': {
    metric: 'security_idempotency_conflicts_total',
    help: 'Idempotency-Key conflicts: another body (422) or a request still in flight (409).',
    labels: { kind: IDEMPOTENCY_CONFLICTS },
    level: 'warn',
  },
  'webhook.signature_invalid': {
    metric: 'security_webhook_signature_failures_total',
    help: 'Processor webhooks refused: missing or invalid signature, or a stale timestamp.',
    labels: { reason: WEBHOOK_SIGNATURE_FAILURES },
    level: 'warn',
  },
  'audit.write_failed': {
    metric: 'audit_write_failures_total',
    help: 'Failed audit writes: a change refused with 503, or a failed batch of denials and reads.',
    labels: {},
    level: 'error',
  },
  'incident.action': {
    metric: 'security_incident_actions_total',
    help: 'Incident-response commands run by an operator.',
    labels: { action: INCIDENT_ACTIONS },
    level: 'warn',
  },
} as const satisfies Record<string, EventSpec>;

export type SecurityEventName = keyof typeof SECURITY_EVENTS;

/** The labels an event takes, each typed as its closed list of values. */
export type SecurityEventLabels<E extends SecurityEventName> = {
  -readonly [
    K in keyof (typeof SECURITY_EVENTS)[E]['labels']
  ]: (typeof SECURITY_EVENTS)[E]['labels'][K] extends readonly (infer V)[] ? V : never;
};

/** Label value used when a caller passes a value outside the allow-list. */
export const OTHER = 'other';

/**
 * Maps every label of `event` to an allowed value: a value outside the list becomes `other`,
 * a missing one too, and labels the event does not declare are dropped.
 */
export function safeLabels(
  event: SecurityEventName,
  labels: Record<string, unknown> = {},
): Record<string, string> {
  const spec: EventSpec = SECURITY_EVENTS[event];
  const out: Record<string, string> = {};
  for (const [name, allowed] of Object.entries(spec.labels)) {
    const value = labels[name];
    out[name] = typeof value === 'string' && allowed.includes(value) ? value : OTHER;
  }
  return out;
}
