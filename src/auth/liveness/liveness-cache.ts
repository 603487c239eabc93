/** Upper bound on entries: memory stays small whatever the traffic. */
export const LIVENESS_CACHE_MAX = 10_000;

interface Entry {
  value: unknown;
  expiresAtMs: number;
}

/**
 * Remembers, for a short time, that a session or a client token was found live (not revoked,
 * not expired, its user not disabled) and with which roles, so that a burst of requests with
 * one token costs one database lookup instead of one each (docs/performance.md).
 *
 * It can only be used while the invalidation channel is open (`LivenessListener`: LISTEN
 * auth_liveness, fed by triggers on every table that decides liveness). The rules:
 * - `invalidateAll()` empties it: called by this process right after it revokes anything
 *   (logout, refresh-token reuse, incident response), and on every notification, so a change
 *   committed anywhere reaches this instance within milliseconds;
 * - while the channel is closed (not yet connected, connection lost) nothing is served from the
 *   cache and nothing is stored: every request goes to the database, as without a cache;
 * - an entry lives at most `ttlMs` (default 1 s), and never past the session's own expiry: the
 *   bound that holds even if notifications were silently lost (a half-open connection);
 * - a lookup that started before an invalidation does not store its (possibly stale) answer:
 *   each invalidation starts a new generation, and only answers read in the current generation
 *   are kept;
 * - only "live" answers are kept; a refusal always goes back to the database.
 */
export class LivenessCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private channelOpen = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = LIVENESS_CACHE_MAX,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True when answers may be served from memory: a TTL above 0 and the channel open. */
  get active(): boolean {
    return this.ttlMs > 0 && this.channelOpen;
  }

  /**
   * The cached answer for `key`, or `load()`'s. `notAfterMs` caps the entry's life (e.g. the
   * session's absolute expiry, epoch milliseconds).
   */
  async lookup<T extends object>(
    key: string,
    load: () => Promise<{ value: T; notAfterMs?: number } | undefined>,
  ): Promise<T | undefined> {
    if (!this.active) return (await load())?.value;
    const now = this.nowMs();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAtMs > now) return hit.value as T;
    if (hit) this.entries.delete(key);

    const generation = this.generation;
    const loaded = await load();
    if (!loaded) return undefined;
    if (generation === this.generation && this.active) {
      this.store(key, loaded.value, Math.min(now + this.ttlMs, loaded.notAfterMs ?? Infinity));
    }
    return loaded.value;
  }

  /** Forgets everything, and refuses to store any answer read before this call. */
  invalidateAll(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** The invalidation channel is listening: answers may be cached from now on. */
  open(): void {
    this.invalidateAll();
    this.channelOpen = true;
  }

  /** The invalidation channel is down: forget everything and bypass the cache until `open()`. */
  close(): void {
    this.channelOpen = false;
    this.invalidateAll();
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: unknown, expiresAtMs: number): void {
    if (expiresAtMs <= this.nowMs()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (a Map iterates in insertion order): bounded, and never a wrong answer.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value: Object.freeze(value), expiresAtMs });
  }
}
