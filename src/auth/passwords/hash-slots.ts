import { availableParallelism } from 'node:os';

/**
 * At most `size` argon2 operations at a time in this process; the others wait their turn, first
 * come first served. argon2 runs on libuv's thread pool (4 threads by default): on a 2-core
 * machine, a login storm would otherwise keep every core busy hashing and starve the event loop
 * that serves every other request (docs/performance.md: p99 of an authenticated GET during a
 * storm). The queue is bounded in practice by the login, register and lock-out rate limits in
 * front of it (docs/rate-limiting.md). Nothing about a hash or its timing changes: a login waits
 * for a slot, then takes exactly as long as before.
 */
export class HashSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size = Math.max(1, availableParallelism() - 1)) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (active unchanged), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
