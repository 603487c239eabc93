import { MemoryRateLimitStore } from './memory-rate-limit.store';

describe(MemoryRateLimitStore.name, () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('should count hits in one window and report the time left', () => {
    const store = new MemoryRateLimitStore(100, 10_000, clock);
    expect(store.hit('k', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    now += 15_000;
    expect(store.hit('k', 60_000)).toEqual({ count: 2, resetMs: 45_000 });
  });

  it('should open a fresh window once the previous one has closed', () => {
    const store = new MemoryRateLimitStore(100, 10_000, clock);
    store.hit('k', 1000);
    store.hit('k', 1000);
    now += 1000;
    expect(store.hit('k', 1000)).toEqual({ count: 1, resetMs: 1000 });
  });

  it('should keep keys apart', () => {
    const store = new MemoryRateLimitStore(100, 10_000, clock);
    store.hit('a', 1000);
    expect(store.hit('b', 1000).count).toBe(1);
  });

  it('should give a released hit back, never below zero, and keep the window', () => {
    const store = new MemoryRateLimitStore(100, 10_000, clock);
    store.hit('k', 1000);
    store.hit('k', 1000);
    store.release('k');
    store.release('k');
    store.release('k');
    expect(store.hit('k', 1000).count).toBe(1);
    store.release('missing');
    expect(store.size).toBe(1);
  });

  it('should sweep expired windows so idle keys do not accumulate', () => {
    const store = new MemoryRateLimitStore(100, 10_000, clock);
    for (let i = 0; i < 50; i++) store.hit(`k${i}`, 1000);
    expect(store.size).toBe(50);
    now += 10_000;
    store.hit('fresh', 1000);
    expect(store.size).toBe(1);
  });

  it('should stay within maxKeys by evicting the oldest windows first', () => {
    const store = new MemoryRateLimitStore(1000, 10_000, clock);
    for (let i = 0; i < 5000; i++) store.hit(`k${i}`, 60_000);
    expect(store.size).toBeLessThanOrEqual(1000);
    expect(store.hit('k4999', 60_000).count).toBe(2);
    expect(store.hit('k0', 60_000).count).toBe(1);
  });

  it('should cost the same per hit whatever the count (no per-hit history)', () => {
    const store = new MemoryRateLimitStore();
    // Best of five runs each, so a busy shared machine does not decide the outcome.
    const time = (n: number) => {
      let best = Infinity;
      for (let run = 0; run < 5; run++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < n; i++) store.hit('hot', 3_600_000);
        best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
      }
      return best;
    };
    time(10_000); // warm-up
    const early = time(20_000);
    for (let i = 0; i < 500_000; i++) store.hit('hot', 3_600_000);
    const late = time(20_000);
    expect(late).toBeLessThan(early * 4 + 200);
  });
});
