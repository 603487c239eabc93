import type { AuditRow } from './audit-entry';

/** One entry per client address and action per window; the rest are counted. */
export const COALESCE_WINDOW_MS = 10_000;
const MAX_KEYS = 10_000;

interface Window {
  endsAt: number;
  suppressed: number;
  last: AuditRow;
}

/**
 * 429s under a flood: each one is a denial worth knowing about, but writing a row for every
 * refused request would let a flood that the rate limiter stops turn into a flood of audit rows
 * (log exhaustion, OWASP Logging Cheat Sheet). So per client address and action, the first 429
 * of each 10-second window is written at once; the others in that window are counted, and one
 * summary entry (`details.suppressed = n`, the last request's id and time) is written when the
 * window closes. Nothing is lost but the per-request rows; every address and action appears.
 */
export class RateLimitedCoalescer {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Returns the rows to write now for this 429 (the first of a window), or none. */
  admit(row: AuditRow): AuditRow[] {
    const key = `${row.ip ?? ''}|${row.action}`;
    const at = this.now();
    const out = this.expire(at);
    const window = this.windows.get(key);
    if (window && window.endsAt > at) {
      window.suppressed++;
      window.last = row;
      return out;
    }
    if (this.windows.size >= MAX_KEYS) out.push(...this.drain());
    this.windows.set(key, { endsAt: at + COALESCE_WINDOW_MS, suppressed: 0, last: row });
    out.push(row);
    return out;
  }

  /** Summaries of the windows that have closed. */
  expire(at = this.now()): AuditRow[] {
    const out: AuditRow[] = [];
    for (const [key, window] of this.windows) {
      if (window.endsAt > at) continue;
      this.windows.delete(key);
      if (window.suppressed > 0) out.push(summary(window));
    }
    return out;
  }

  /** Every pending summary (shutdown, or too many addresses at once). */
  drain(): AuditRow[] {
    const out = [...this.windows.values()].filter((w) => w.suppressed > 0).map(summary);
    this.windows.clear();
    return out;
  }
}

function summary(window: Window): AuditRow {
  return {
    ...window.last,
    details: {
      ...window.last.details,
      suppressed: window.suppressed,
      windowSeconds: COALESCE_WINDOW_MS / 1000,
    },
  };
}
