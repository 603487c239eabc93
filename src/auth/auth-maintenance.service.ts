import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How often expired auth rows are purged, and how long a dead session is kept for forensics. */
export const AUTH_PURGE_INTERVAL_MS = 60 * 60 * 1000;
export const DEAD_SESSION_RETENTION = '7 days';

/**
 * Keeps the auth tables bounded: sessions past their absolute lifetime (or revoked) more than
 * DEAD_SESSION_RETENTION ago are deleted with their spent refresh-token hashes (cascade), and
 * revoked client-token ids past their expiry are dropped (the token would be refused by `exp`
 * anyway). A spent-token row must outlive its session's usefulness, never less: reuse detection
 * needs it as long as the session could still be refreshed.
 */
@Injectable()
export class AuthMaintenanceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuthMaintenanceService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: DataSource) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purgeSafely(), AUTH_PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Returns how many sessions and revoked-token rows were deleted. */
  async purge(): Promise<{ sessions: number; revokedTokens: number }> {
    const sessions: unknown[] = await this.db.query(
      `WITH d AS (DELETE FROM auth_sessions
         WHERE LEAST(expires_at, COALESCE(revoked_at, expires_at), idle_expires_at)
               < now() - $1::interval
         RETURNING id) SELECT id FROM d`,
      [DEAD_SESSION_RETENTION],
    );
    const tokens: unknown[] = await this.db.query(
      'WITH d AS (DELETE FROM oauth_revoked_tokens WHERE expires_at < now() RETURNING jti) SELECT jti FROM d',
    );
    return { sessions: sessions.length, revokedTokens: tokens.length };
  }

  private async purgeSafely(): Promise<void> {
    try {
      const purged = await this.purge();
      if (purged.sessions + purged.revokedTokens > 0)
        this.logger.log(purged, 'Purged expired auth rows');
    } catch (error) {
      this.logger.warn({ err: error }, 'Purging expired auth rows failed; will retry');
    }
  }
}
