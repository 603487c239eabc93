import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SECURITY_EVENTS, SecurityEventName } from './security-event-catalog';

/** What the audit module reports at scrape time about the entries not yet sealed in the chain. */
export interface AuditBacklog {
  /** Entries written but not yet linked into the hash chain. */
  unsealed: number;
  /** Creation time of the oldest unsealed entry, or null when everything is sealed. */
  oldestUnsealedAt: Date | null;
}

export type AuditBacklogProbe = () => Promise<AuditBacklog>;

/** Label value of requests that matched no route: a fixed value, never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Every metric of the service, in one registry owned by this instance (not prom-client's
 * global default), so two applications in one process (tests, the two-instance rate-limit
 * test) never collide with "metric already registered".
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** 401 and 403 by route template: the spike alerts read these. */
  readonly unauthorized = new Counter({
    name: 'security_unauthorized_total',
    help: 'Requests answered 401 (no or bad credentials), by route template.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly forbidden = new Counter({
    name: 'security_forbidden_total',
    help: 'Requests answered 403 (missing role or scope), by route template.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly auditChainValid = new Gauge({
    name: 'audit_chain_valid',
    help: '1 when the last audit hash-chain verification passed, 0 when it found a broken link.',
    registers: [this.registry],
  });

  readonly auditChainVerifiedAt = new Gauge({
    name: 'audit_chain_last_verification_timestamp_seconds',
    help: 'Unix time of the last audit hash-chain verification.',
    registers: [this.registry],
  });

  readonly auditChainVerifications = new Counter({
    name: 'audit_chain_verifications_total',
    help: 'Audit hash-chain verifications, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** One counter per catalog event, created from the catalog so names cannot drift. */
  readonly events: Record<SecurityEventName, Counter<string>>;

  private auditProbe?: AuditBacklogProbe;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.events = Object.fromEntries(
      Object.entries(SECURITY_EVENTS).map(([event, spec]) => [
        event,
        new Counter({
          name: spec.metric,
          help: spec.help,
          labelNames: Object.keys(spec.labels),
          registers: [this.registry],
        }),
      ]),
    ) as Record<SecurityEventName, Counter<string>>;
    // Counters without labels are exported as 0 from the start; those with labels get their
    // series on first use. Zero-initialising every allowed combination lets `increase()` see
    // the first event (a series that appears at 1 is invisible to rate functions).
    for (const [event, spec] of Object.entries(SECURITY_EVENTS)) {
      const labels = Object.entries(spec.labels as Readonly<Record<string, readonly string[]>>);
      if (labels.length === 1) {
        const [name, values] = labels[0];
        for (const value of values)
          this.events[event as SecurityEventName].inc({ [name]: value }, 0);
      }
    }
    for (const result of ['valid', 'invalid']) this.auditChainVerifications.inc({ result }, 0);

    const readBacklog = () => this.readAuditBacklog();
    new Gauge({
      name: 'audit_unsealed_entries',
      help: 'Audit entries written but not yet sealed into the hash chain.',
      registers: [this.registry],
      async collect() {
        const backlog = await readBacklog();
        if (backlog) this.set(backlog.unsealed);
      },
    });
    new Gauge({
      name: 'audit_unsealed_oldest_age_seconds',
      help: 'Age of the oldest audit entry not yet sealed (0 when all are sealed): a stalled sealer.',
      registers: [this.registry],
      async collect() {
        const backlog = await readBacklog();
        if (backlog)
          this.set(
            backlog.oldestUnsealedAt
              ? Math.max(0, (Date.now() - backlog.oldestUnsealedAt.getTime()) / 1000)
              : 0,
          );
      },
    });
  }

  /** The audit module registers how to read its unsealed backlog (read at scrape time). */
  setAuditBacklogProbe(probe: AuditBacklogProbe): void {
    this.auditProbe = probe;
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private backlogRead?: Promise<AuditBacklog | undefined>;

  /** One probe call per scrape, shared by both gauges; a failing probe leaves them unset. */
  private readAuditBacklog(): Promise<AuditBacklog | undefined> {
    if (!this.auditProbe) return Promise.resolve(undefined);
    this.backlogRead ??= this.auditProbe()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (this.backlogRead = undefined)));
    return this.backlogRead;
  }
}
