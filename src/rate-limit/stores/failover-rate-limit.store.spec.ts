import { Logger } from '@nestjs/common';
import { FailoverRateLimitStore } from './failover-rate-limit.store';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { HitResult, RateLimitStore } from './rate-limit-store';

class FlakyStore implements RateLimitStore {
  up = true;
  calls = 0;
  private readonly inner = new MemoryRateLimitStore();
  async hit(key: string, windowMs: number): Promise<HitResult> {
    this.calls += 1;
    if (!this.up) throw new Error('ECONNREFUSED');
    return this.inner.hit(key, windowMs);
  }
  async release(key: string): Promise<void> {
    if (!this.up) throw new Error('ECONNREFUSED');
    this.inner.release(key);
  }
}

describe(FailoverRateLimitStore.name, () => {
  let now: number;
  let primary: FlakyStore;
  let store: FailoverRateLimitStore;
  beforeEach(() => {
    now = 0;
    primary = new FlakyStore();
    store = new FailoverRateLimitStore(primary, new MemoryRateLimitStore(), 1000, () => now);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('should count in the shared store while it answers', async () => {
    await store.hit('k', 60_000);
    await expect(store.hit('k', 60_000)).resolves.toMatchObject({ count: 2 });
    expect(store.degraded).toBe(false);
  });

  it('should keep counting in memory when the shared store fails, and report degraded', async () => {
    primary.up = false;
    await expect(store.hit('k', 60_000)).resolves.toMatchObject({ count: 1 });
    await expect(store.hit('k', 60_000)).resolves.toMatchObject({ count: 2 });
    await expect(store.hit('k', 60_000)).resolves.toMatchObject({ count: 3 });
    expect(store.degraded).toBe(true);
    expect(Logger.prototype.error).toHaveBeenCalledTimes(1);
  });

  it('should retry the shared store only once per interval while degraded', async () => {
    primary.up = false;
    await store.hit('k', 60_000);
    const calls = primary.calls;
    await store.hit('k', 60_000);
    await store.hit('k', 60_000);
    expect(primary.calls).toBe(calls);
    now += 1000;
    await store.hit('k', 60_000);
    expect(primary.calls).toBe(calls + 1);
  });

  it('should go back to the shared store when it recovers', async () => {
    primary.up = false;
    await store.hit('k', 60_000);
    primary.up = true;
    now += 1000;
    await expect(store.hit('k', 60_000)).resolves.toMatchObject({ count: 1 });
    expect(store.degraded).toBe(false);
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
  });
});
