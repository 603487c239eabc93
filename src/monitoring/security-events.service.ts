import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { MetricsService } from './metrics.service';
import {
  SECURITY_EVENTS,
  SecurityEventLabels,
  SecurityEventName,
  safeLabels,
} from './security-event-catalog';

/**
 * Who or what an event concerns, for the log line only (never a metric label). Identifiers
 * only: no email, name, token or secret ever goes here (OWASP Logging Cheat Sheet).
 */
export interface SecurityEventSubject {
  userId?: string;
  clientId?: string;
  sessionId?: string;
  resourceId?: string;
}

/** Subject keys accepted on the log line; a value must look like an id (bounded, no spaces). */
const SUBJECT_KEYS = ['userId', 'clientId', 'sessionId', 'resourceId'] as const;
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The one way a feature reports a security event. Each call increments the event's Prometheus
 * counter AND writes one structured log line with a stable `event` field (for example
 * `{"event":"auth.refresh_reuse","level":50,...}`), so a log pipeline can alert without
 * Prometheus. Labels are forced into the catalog's closed lists (security-event-catalog.ts).
 *
 * Features inject it with `@Optional()`: monitoring is cross-cutting and imports no feature
 * (STYLE.md module map), and a feature's unit test need not provide it.
 */
@Injectable()
export class SecurityEvents {
  constructor(
    private readonly metrics: MetricsService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SecurityEvents.name);
  }

  record<E extends SecurityEventName>(
    event: E,
    labels: SecurityEventLabels<E>,
    subject: SecurityEventSubject = {},
  ): void {
    const safe = safeLabels(event, labels);
    this.metrics.events[event].inc(safe);
    const line = { event, ...safe, ...safeSubject(subject) };
    const message = `security event ${event}`;
    switch (SECURITY_EVENTS[event].level) {
      case 'error':
        this.logger.error(line, message);
        break;
      case 'warn':
        this.logger.warn(line, message);
        break;
      default:
        this.logger.info(line, message);
    }
  }

  /**
   * The result of a verification of the audit hash chain (periodic job, the API or the CLI).
   * A broken chain is logged as `audit.chain_broken`; a valid one moves only the gauges.
   */
  auditChainVerified(result: { valid: boolean; checked: number; firstInvalidId?: string }): void {
    this.metrics.auditChainValid.set(result.valid ? 1 : 0);
    this.metrics.auditChainVerifiedAt.set(Date.now() / 1000);
    this.metrics.auditChainVerifications.inc({ result: result.valid ? 'valid' : 'invalid' });
    if (!result.valid) {
      this.logger.error(
        {
          event: 'audit.chain_broken',
          checked: result.checked,
          ...safeSubject({ resourceId: result.firstInvalidId }),
        },
        'security event audit.chain_broken',
      );
    }
  }
}

function safeSubject(subject: SecurityEventSubject): Partial<SecurityEventSubject> {
  const out: Partial<SecurityEventSubject> = {};
  for (const key of SUBJECT_KEYS) {
    const value = subject[key];
    if (typeof value === 'string' && ID_PATTERN.test(value)) out[key] = value;
  }
  return out;
}
