import { HashSlots } from './hash-slots';

describe(HashSlots.name, () => {
  it('should run at most `size` operations at a time, and every one of them in order', async () => {
    const slots = new HashSlots(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const work = (i: number) =>
      slots.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return i;
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(work));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('should free the slot when an operation fails', async () => {
    const slots = new HashSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('should keep at least one slot on a one-core machine', () => {
    expect(new HashSlots().size).toBeGreaterThanOrEqual(1);
  });
});
