import { HitResult, RateLimitStore } from './rate-limit-store';

interface Window {
  count: number;
  /** Epoch ms when the window closes. */
  resetAt: number;
}

/**
 * Per-instance counters in a `Map`. O(1) per hit: one lookup and one integer increment (the
 * stock @nestjs/throttler memory storage keeps every hit's timestamp and re-filters the array on
 * each request, and never forgets a key: nestjs/throttler#2665).
 *
 * Memory stays bounded two ways: expired windows are swept at most once per `sweepIntervalMs`
 * (amortised O(1) per hit, no timer to keep a process or a test runner alive), and beyond
 * `maxKeys` the oldest windows are dropped first (a `Map` iterates in insertion order). Dropping a
 * window forgets a count, so `maxKeys` should sit well above the number of clients seen per window.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(
    private readonly maxKeys = 500_000,
    private readonly sweepIntervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string, windowMs: number): HitResult {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    const window = this.windows.get(key);
    if (window !== undefined && window.resetAt > now) {
      window.count += 1;
      return { count: window.count, resetMs: window.resetAt - now };
    }
    if (window !== undefined) this.windows.delete(key);
    else if (this.windows.size >= this.maxKeys) this.evictOldest();
    this.windows.set(key, { count: 1, resetAt: now + windowMs });
    return { count: 1, resetMs: windowMs };
  }

  release(key: string): void {
    const window = this.windows.get(key);
    if (window !== undefined && window.resetAt > this.now() && window.count > 0) window.count -= 1;
  }

  /** Number of live keys (for tests and diagnostics). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + this.sweepIntervalMs;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  private evictOldest(): void {
    // Drop a tenth at once so a flood of new keys does not pay for one eviction per hit.
    let toDrop = Math.max(1, Math.floor(this.maxKeys / 10));
    for (const key of this.windows.keys()) {
      this.windows.delete(key);
      if (--toDrop === 0) break;
    }
  }
}
