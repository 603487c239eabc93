import { Logger } from '@nestjs/common';
import { HitResult, RateLimitStore } from './rate-limit-store';

/**
 * Redis outage policy: limiting never switches off. While the shared store fails, every hit is
 * counted in this instance's memory instead (each instance then enforces the full limit on its
 * own, so N instances admit up to N times the budget: degraded, never unlimited). The switch is
 * logged once each way and reported by `degraded` (shown on /health/ready).
 *
 * While degraded the shared store is retried at most every `retryIntervalMs`, so a Redis that
 * hangs (rather than refusing connections) costs one command timeout per interval, not one per
 * request.
 */
export class FailoverRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private failedAt: number | undefined;

  constructor(
    private readonly primary: RateLimitStore,
    private readonly fallback: RateLimitStore,
    private readonly retryIntervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get degraded(): boolean {
    return this.failedAt !== undefined;
  }

  /** Marks the shared store as failed (also used at start when Redis cannot be reached). */
  markFailed(error: unknown): void {
    if (this.failedAt === undefined) {
      this.logger.error(
        { err: error },
        'Rate-limit store (Redis) unavailable: counting per instance in memory until it returns',
      );
    }
    this.failedAt = this.now();
  }

  async hit(key: string, windowMs: number): Promise<HitResult> {
    if (this.shouldTryPrimary()) {
      try {
        const result = await this.primary.hit(key, windowMs);
        this.markRecovered();
        return result;
      } catch (error) {
        this.markFailed(error);
      }
    }
    return this.fallback.hit(key, windowMs);
  }

  async release(key: string): Promise<void> {
    if (this.shouldTryPrimary()) {
      try {
        await this.primary.release(key);
        this.markRecovered();
        return;
      } catch (error) {
        this.markFailed(error);
      }
    }
    await this.fallback.release(key);
  }

  private shouldTryPrimary(): boolean {
    return this.failedAt === undefined || this.now() - this.failedAt >= this.retryIntervalMs;
  }

  private markRecovered(): void {
    if (this.failedAt !== undefined) {
      this.failedAt = undefined;
      this.logger.warn('Rate-limit store (Redis) is back: counters are shared again');
    }
  }
}
