import type { AuditRow } from './audit-entry';
import { COALESCE_WINDOW_MS, RateLimitedCoalescer } from './rate-limited-coalescer';

function row(ip: string, n: number): AuditRow {
  return {
    id: `id-${n}`,
    at: new Date(0),
    requestId: `req-${n}`,
    actor: { type: 'anonymous', id: null },
    action: 'auth.login',
    resource: { type: 'auth', id: null },
    outcome: 'denied',
    status: 429,
    ip,
    userAgent: null,
    details: {},
  };
}

describe(RateLimitedCoalescer.name, () => {
  it('should write the first 429 of a window at once and summarise the rest when it closes', () => {
    let now = 1_000;
    const coalescer = new RateLimitedCoalescer(() => now);
    expect(coalescer.admit(row('198.51.100.1', 1))).toHaveLength(1);
    for (let i = 2; i <= 500; i++) expect(coalescer.admit(row('198.51.100.1', i))).toEqual([]);
    now += COALESCE_WINDOW_MS;
    const [summary] = coalescer.expire();
    expect(summary).toMatchObject({ requestId: 'req-500', details: { suppressed: 499 } });
  });

  it('should keep addresses apart', () => {
    const coalescer = new RateLimitedCoalescer(() => 0);
    expect(coalescer.admit(row('198.51.100.1', 1))).toHaveLength(1);
    expect(coalescer.admit(row('198.51.100.2', 2))).toHaveLength(1);
  });

  it('should hand over every pending summary on drain', () => {
    const coalescer = new RateLimitedCoalescer(() => 0);
    coalescer.admit(row('198.51.100.1', 1));
    coalescer.admit(row('198.51.100.1', 2));
    expect(coalescer.drain()).toMatchObject([{ details: { suppressed: 1 } }]);
    expect(coalescer.drain()).toEqual([]);
  });
});
