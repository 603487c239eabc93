import { LivenessCache } from './liveness-cache';

describe('LivenessCache', () => {
  let now: number;
  const clock = () => now;
  const live = (value = { roles: ['user'] }) => jest.fn(async () => ({ value }));

  beforeEach(() => {
    now = 1_000_000;
  });

  it('should go to the database every time while the invalidation channel is closed', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    const load = live();
    await cache.lookup('k', load);
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  it('should reuse a live answer for at most the TTL once the channel is open', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    const load = live();
    await expect(cache.lookup('k', load)).resolves.toEqual({ roles: ['user'] });
    now += 999;
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(1);
    now += 1;
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should never keep an answer past the expiry the loader gives', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    const load = jest.fn(async () => ({ value: { ok: true }, notAfterMs: now + 100 }));
    await cache.lookup('k', load);
    now += 100;
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should not keep a refusal', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    const load = jest.fn(async () => undefined);
    await expect(cache.lookup('k', load)).resolves.toBeUndefined();
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should forget everything on invalidateAll and on close', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    const load = live();
    await cache.lookup('k', load);
    cache.invalidateAll();
    await cache.lookup('k', load);
    expect(load).toHaveBeenCalledTimes(2);
    cache.close();
    expect(cache.size).toBe(0);
    expect(cache.active).toBe(false);
  });

  it('should not store an answer read before an invalidation that happened during the read', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    let release!: () => void;
    const slow = jest.fn(
      () =>
        new Promise<{ value: { roles: string[] } }>((resolve) => {
          release = () => resolve({ value: { roles: ['admin'] } });
        }),
    );
    const pending = cache.lookup('k', slow);
    cache.invalidateAll(); // e.g. the role was changed while the query ran
    release();
    await expect(pending).resolves.toEqual({ roles: ['admin'] });
    expect(cache.size).toBe(0);
  });

  it('should stay off with a TTL of 0 even with the channel open', async () => {
    const cache = new LivenessCache(0, 10, clock);
    cache.open();
    const load = live();
    await cache.lookup('k', load);
    await cache.lookup('k', load);
    expect(cache.active).toBe(false);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should hold at most maxEntries, dropping the oldest', async () => {
    const cache = new LivenessCache(1000, 2, clock);
    cache.open();
    const load = live();
    await cache.lookup('a', load);
    await cache.lookup('b', load);
    await cache.lookup('c', load);
    expect(cache.size).toBe(2);
    await cache.lookup('a', load); // evicted: loaded again
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('should hand out frozen answers, so no caller can change what others get', async () => {
    const cache = new LivenessCache(1000, 10, clock);
    cache.open();
    const value = await cache.lookup('k', live());
    expect(Object.isFrozen(value)).toBe(true);
  });
});
