import {
  BeforeApplicationShutdown,
  OnApplicationBootstrap,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SecurityEvents } from '../monitoring/security-events.service';
import type { AuditRow } from './audit-entry';
import { batchParams, INSERT_BATCH_SQL } from './audit-rows';
import { RateLimitedCoalescer } from './rate-limited-coalescer';
import { AuditSealer } from './audit-sealer';

/** A batch is written at 100 rows or 25 ms after its first row, whichever comes first. */
export const AUDIT_BATCH_SIZE = 100;
export const AUDIT_FLUSH_MS = 25;
/** Rows kept for a retry while the database is unreachable; beyond that, loss is logged loudly. */
const MAX_PENDING = 50_000;
/** Batches written at once: the audit never takes more than this many pool connections. */
const MAX_IN_FLIGHT = 2;

/**
 * The asynchronous path, for entries that are not part of a business transaction: denials
 * (401, 403, 404-not-yours, 429), failed mutations and sensitive reads. The response is never
 * held for them: `enqueue` only pushes to memory, and a batch goes out as one INSERT.
 * Graceful shutdown drains the queue (`beforeApplicationShutdown`, then again in
 * `onApplicationShutdown` for entries of requests that finished while the server closed, through
 * a direct connection if the pool is already closed).
 */
@Injectable()
export class AuditWriter
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(AuditWriter.name);
  private queue: AuditRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private readonly rateLimited = new RateLimitedCoalescer();
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sealer: AuditSealer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  onApplicationBootstrap(): void {
    // Closes the 429 windows that saw no further request, writing their summaries.
    this.sweep = setInterval(() => this.rateLimited.expire().forEach((r) => this.enqueue(r)), 1000);
    this.sweep.unref();
  }

  /** A 429: coalesced per client address and action (rate-limited-coalescer.ts). */
  enqueueRateLimited(row: AuditRow): void {
    for (const admitted of this.rateLimited.admit(row)) this.enqueue(admitted);
  }

  enqueue(row: AuditRow): void {
    this.queue.push(row);
    if (this.queue.length >= AUDIT_BATCH_SIZE) this.flushSoon(0);
    else this.flushSoon(AUDIT_FLUSH_MS);
  }

  /** Writes everything queued so far and waits for batches already in flight. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // A snapshot: rows that fail are re-queued by `write` and wait for the next flush.
    const pending = this.queue.splice(0);
    for (let i = 0; i < pending.length; i += AUDIT_BATCH_SIZE * 10) {
      await this.track(this.write(pending.slice(i, i + AUDIT_BATCH_SIZE * 10)));
    }
    await Promise.allSettled([...this.inFlight]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.queue.push(...this.rateLimited.drain());
    await this.flush();
    await this.sealer.sealNow();
    // No timer may fire while the pool closes; rows written from here on are linked by the next
    // start or by another instance's sweep.
    this.sealer.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      this.logger.fatal({ err: error }, 'Audit rows could not be written at shutdown');
    }
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        // Requests keep the pool; the queue waits (a finishing batch reschedules it).
        this.flushSoon(AUDIT_FLUSH_MS);
        return;
      }
      const batch = this.queue.splice(0, AUDIT_BATCH_SIZE);
      if (batch.length > 0)
        this.track(this.write(batch))
          .then(() => {
            if (this.queue.length > 0) this.flushSoon(0);
          })
          .catch(() => undefined); // `write` has logged it
      if (this.queue.length > 0) this.flushSoon(0);
    }, delayMs);
    this.timer.unref();
  }

  private track(promise: Promise<void>): Promise<void> {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async write(batch: AuditRow[]): Promise<void> {
    try {
      if (this.dataSource.isInitialized) {
        await this.dataSource.query(INSERT_BATCH_SQL, batchParams(batch));
      } else {
        await this.writeDirect(batch);
      }
      this.sealer.kick();
    } catch (error) {
      this.securityEvents?.record('audit.write_failed', {}); // docs/monitoring.md
      // A row the database refuses as data (SQLSTATE classes 22 and 23) must not hold the
      // others hostage: write them one by one and drop only the refused ones, loudly.
      const failure = error as { code?: unknown; driverError?: { code?: unknown } };
      const code = failure.code ?? failure.driverError?.code;
      if (batch.length > 1 && typeof code === 'string' && /^2[23]/.test(code)) {
        for (const row of batch) await this.write([row]);
        return;
      }
      if (batch.length === 1 && typeof code === 'string' && /^2[23]/.test(code)) {
        this.logger.fatal(
          { err: error, action: batch[0].action },
          'Audit row refused by the database',
        );
        return;
      }
      // Keep the rows for the next batch rather than lose them; bounded so that a long outage
      // cannot exhaust memory (the loss is then logged, with the count, for the operator).
      if (this.queue.length + batch.length <= MAX_PENDING) {
        this.queue.unshift(...batch);
        this.logger.error({ err: error, rows: batch.length }, 'Audit batch failed; will retry');
        if (this.dataSource.isInitialized) this.flushSoon(1000);
      } else {
        this.logger.fatal({ err: error, rows: batch.length }, 'Audit rows dropped: queue full');
      }
      if (!this.dataSource.isInitialized) throw error;
    }
  }

  /** Shutdown path: the pool is already closed, one short connection as the runtime role. */
  private async writeDirect(batch: AuditRow[]): Promise<void> {
    const client = new Client({ connectionString: this.config.database.url });
    await client.connect();
    try {
      await client.query(INSERT_BATCH_SQL, batchParams(batch));
    } finally {
      await client.end();
    }
  }
}
