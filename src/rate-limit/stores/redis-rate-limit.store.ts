import Redis, { RedisOptions } from 'ioredis';
import { HitResult, RateLimitStore } from './rate-limit-store';

/**
 * One round trip per hit, atomic: INCR, and on the window's first hit PEXPIRE, run as one Lua
 * script, so two instances counting the same key at once can never both see "first hit" or lose
 * an increment. A negative PTTL also repairs a key that lost its expiry (it would otherwise block
 * forever). ioredis' `defineCommand` sends the script by EVALSHA and falls back to EVAL only
 * after a NOSCRIPT (a Redis restart), instead of shipping the script text on every request
 * (the cost STACK-NOTES found in @nest-lab/throttler-storage-redis, nest-lab#52).
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** DECR keeps the key's TTL; a missing or spent key is left alone (no immortal negative key). */
const RELEASE_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

interface RateLimitCommands {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
  rateLimitRelease(key: string): Promise<number>;
}

/**
 * Counters shared by every instance. The client is built here from a URL (never handed in), so
 * this class owns it and `close()` really ends the connection (STACK-NOTES: otherwise Jest hangs).
 * No offline queue and no per-command retries: when Redis is away a command fails at once and
 * the caller (FailoverRateLimitStore) counts in memory instead of waiting.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly client: Redis & RateLimitCommands;

  constructor(url: string, options: { commandTimeoutMs: number } & Partial<RedisOptions>) {
    const { commandTimeoutMs, ...rest } = options;
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: 2000,
      // Keep trying to come back, at most every 2 s; the memory fallback covers the gap.
      retryStrategy: (times) => Math.min(times * 200, 2000),
      ...rest,
    }) as Redis & RateLimitCommands;
    this.client.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.client.defineCommand('rateLimitRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  /** Connects, waiting at most `timeoutMs`; a failure is not fatal (the caller falls back). */
  async connect(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.client.connect().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async hit(key: string, windowMs: number): Promise<HitResult> {
    const [count, resetMs] = await this.client.rateLimitHit(key, windowMs);
    return { count, resetMs };
  }

  async release(key: string): Promise<void> {
    await this.client.rateLimitRelease(key);
  }

  async close(): Promise<void> {
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}
