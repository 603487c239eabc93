/**
 * The outcome of counting one hit against a key: the count inside the current window (this hit
 * included) and the milliseconds until that window closes.
 */
export interface HitResult {
  count: number;
  resetMs: number;
}

/** What a store returns: synchronously from memory (no promise on the hot path), or from Redis. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Fixed-window counters: the first hit on a key opens a window of `windowMs`, every hit in it
 * increments one integer, and the key disappears when the window closes. Cost per hit is O(1)
 * in time and space whatever the limit (unlike a log of timestamps per key).
 */
export interface RateLimitStore {
  /** Counts a hit and returns the new count. Atomic: concurrent hits never lose an increment. */
  hit(key: string, windowMs: number): MaybePromise<HitResult>;
  /** Takes one hit back (a reserved login attempt that turned out not to be a failure). */
  release(key: string): MaybePromise<void>;
}

/** Resolves a store answer without allocating a promise when it is already a value. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
