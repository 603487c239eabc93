import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Client, Notification } from 'pg';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { LivenessCache } from './liveness-cache';

/** The channel the triggers of migration 1764000700000 notify. */
export const LIVENESS_CHANNEL = 'auth_liveness';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;
const SYNC_TIMEOUT_MS = 5_000;

/**
 * Keeps the liveness cache honest across processes: one dedicated PostgreSQL connection that
 * LISTENs on `auth_liveness` and empties the cache on every notification. The cache serves
 * answers only while this connection is up (`open()` after LISTEN succeeded, `close()` on any
 * error or end), so losing it costs speed, never correctness. It reconnects with backoff.
 *
 * Needs a direct connection (or a session-mode pooler): LISTEN does not work through a
 * transaction-mode pooler such as PgBouncer's default; there the cache stays closed.
 */
@Injectable()
export class LivenessListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LivenessListener.name);
  private client: Client | undefined;
  private stopped = false;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly syncWaiters = new Map<string, () => void>();

  constructor(
    readonly cache: LivenessCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.auth.livenessCacheMs === 0) return;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.cache.close();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /**
   * Resolves once every change committed before this call has reached this instance's cache
   * (notifications of one channel arrive in commit order, so our own marker arriving means the
   * earlier ones did). Used by the tests after changing liveness in plain SQL.
   */
  async sync(): Promise<void> {
    const client = this.client;
    if (!client || !this.cache.active) return;
    const marker = `sync:${randomUUID()}`;
    const seen = new Promise<void>((resolve) => {
      this.syncWaiters.set(marker, resolve);
      setTimeout(resolve, SYNC_TIMEOUT_MS).unref();
    });
    try {
      await client.query('SELECT pg_notify($1, $2)', [LIVENESS_CHANNEL, marker]);
      await seen;
    } catch {
      // The connection is gone, so the cache is closed (bypassed): nothing stale can be served.
    } finally {
      this.syncWaiters.delete(marker);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'secure-api-liveness',
      keepAlive: true,
    });
    client.on('notification', (n: Notification) => this.onNotification(n));
    client.on('error', (error: Error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVENESS_CHANNEL}`);
      if (this.client !== client || this.stopped) return;
      this.retryMs = RECONNECT_MIN_MS;
      this.cache.open();
    } catch (error) {
      this.lost(client, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onNotification(notification: Notification): void {
    if (notification.channel !== LIVENESS_CHANNEL) return;
    const payload = notification.payload ?? '';
    // A `sync()` marker only marks a position in the stream; every other notification (the
    // triggers send an empty payload) invalidates.
    const waiter = this.syncWaiters.get(payload);
    if (waiter) waiter();
    else this.cache.invalidateAll();
  }

  /** The channel is gone: bypass the cache at once, then reconnect after a backoff. */
  private lost(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.cache.close();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      { err: error?.message },
      'Liveness notifications lost: the session cache is bypassed until they are back',
    );
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
