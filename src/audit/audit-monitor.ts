import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditBacklog, MetricsService } from '../monitoring/metrics.service';
import { AuditQueryService } from './audit-query.service';

/**
 * Feeds the audit-integrity alerts (docs/monitoring.md):
 * - at every scrape, the unsealed backlog (count and oldest entry): the entries at or above the
 *   sealed horizon (`audit_seal_state.since`) without a link; a stuck sealer shows as a growing
 *   age (AuditSealerStalled);
 * - every AUDIT_VERIFY_INTERVAL_SECONDS, a full verification of the hash chain, whose result
 *   AuditQueryService reports (AuditChainBroken, AuditChainVerificationStale).
 * Only in the HTTP application: a CLI run does not start timers. Without MonitoringModule it
 * does nothing.
 */
@Injectable()
export class AuditMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditMonitor.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditQueryService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.metrics || !this.adapterHost.httpAdapter) return;
    this.metrics.setAuditBacklogProbe(() => this.backlog());
    const seconds = this.config.monitoring.auditVerifyIntervalSeconds;
    if (seconds === 0) return;
    // First run soon after start (so the gauges exist), then periodically; unref'd timers never
    // keep the process alive.
    this.timers.push(setTimeout(() => void this.verify(), 15_000).unref());
    this.timers.push(setInterval(() => void this.verify(), seconds * 1000).unref());
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  async backlog(): Promise<AuditBacklog> {
    const [row] = await this.dataSource.query<{ unsealed: number; oldest: Date | null }[]>(
      `SELECT count(*)::int AS unsealed, min(l.at) AS oldest FROM audit_log l
        WHERE l.txid >= (SELECT since FROM audit_seal_state)
          AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = l.seq)`,
    );
    return { unsealed: row.unsealed, oldestUnsealedAt: row.oldest };
  }

  private async verify(): Promise<void> {
    try {
      await this.audit.verify();
    } catch (error) {
      // No result is reported, so the staleness alert fires if this keeps failing.
      this.logger.error({ err: error }, 'Periodic audit chain verification failed');
    }
  }
}
