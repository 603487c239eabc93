import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Rows linked per call of `audit_seal()` (one short transaction each). */
const SEAL_BATCH = 1000;
/** Delay after new rows before sealing: groups many writes into one sealing transaction. */
const SEAL_DELAY_MS = 100;
/** Safety sweep: seals rows left by an instance that stopped before sealing them. */
const SWEEP_MS = 5000;

/**
 * Links new audit rows into the hash chain by calling `audit_seal()` (migration
 * 1764000400000). The database does the linking under an advisory lock, so any number of app
 * instances may run this concurrently: they queue on the lock and each continues from the last
 * committed position. Sealing is off the request path; a row is durable (and readable) from its
 * INSERT, and tamper-evident from its sealing, normally within ~100 ms.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditSealer.name);
  private timer: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.sweep = setInterval(() => this.kick(), SWEEP_MS);
    this.sweep.unref();
    this.kick();
  }

  /** Asks for a seal soon (coalesced). */
  kick(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sealNow().catch((error: unknown) =>
        this.logger.error({ err: error }, 'Sealing the audit chain failed; will retry'),
      );
    }, SEAL_DELAY_MS);
    this.timer.unref();
  }

  /** Seals every row visible now; returns how many were linked. */
  async sealNow(): Promise<number> {
    while (this.running) await this.running.catch(() => 0);
    this.running = this.sealAll();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweep) clearInterval(this.sweep);
  }

  private async sealAll(): Promise<number> {
    if (!this.dataSource.isInitialized) return 0;
    let total = 0;
    for (;;) {
      const rows = await this.dataSource.query<{ sealed: number }[]>(
        'SELECT audit_seal($1) AS sealed',
        [SEAL_BATCH],
      );
      total += rows[0].sealed;
      if (rows[0].sealed < SEAL_BATCH) return total;
    }
  }
}
