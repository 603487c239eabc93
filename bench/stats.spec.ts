import { AuditBlock, interleavedCost, meanInterval, median } from './stats';

/**
 * A 1 s block serving `rate` responses per second at `nodeUs` + `dbUs` of CPU per response
 * (`dbUs` null: PostgreSQL not measured).
 */
function block(audit: boolean, rate: number, nodeUs = 1000, dbUs: number | null = 500) {
  return {
    audit,
    responses: rate,
    seconds: 1,
    cpuUs: rate * nodeUs,
    dbCpuUs: dbUs === null ? undefined : rate * dbUs,
  } satisfies AuditBlock;
}

describe('bench statistics', () => {
  it('should take the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('should give the mean with its 95% interval from Student t', () => {
    const interval = meanInterval([1, 2, 3, 4])!;
    // sd = 1.291, t(3) = 3.182: half-width 3.182 * 1.291 / 2 = 2.054
    expect(interval.mean).toBe(2.5);
    expect(interval.low).toBeCloseTo(0.446, 3);
    expect(interval.high).toBeCloseTo(4.554, 3);
    expect(meanInterval([1])).toBeUndefined();
  });

  it('should pool the blocks into the throughput lost and the CPU added by the audit', () => {
    // The audit costs 10% in the first quad of blocks and 20% in the second.
    const round = [true, false, false, true, true, false, false, true].map((on, i) =>
      on ? block(true, i < 4 ? 90 : 80, 1100, 600) : block(false, 100, 1000, 500),
    );
    const cost = interleavedCost([round]);
    expect(cost.blocks).toBe(8);
    expect(cost.cost).toBeCloseTo(0.15, 10);
    expect(cost.cpuShare).toBeCloseTo(1 - 1500 / 1700, 10);
    expect(cost.nodeCpuUsDelta).toBeCloseTo(100, 10);
    expect(cost.dbCpuUsDelta).toBeCloseTo(100, 10);
    expect(cost.quads.n).toBe(2);
    expect(cost.quads.median).toBeCloseTo(0.15, 10);
    expect(cost.quads.min).toBeCloseTo(0.1, 10);
    expect(cost.quads.max).toBeCloseTo(0.2, 10);
    expect(cost.quads.mean).toBeCloseTo(0.15, 10);
    // sd 0.0707, t(1) = 12.71: half-width 12.71 * 0.0707 / sqrt(2) = 0.6355
    expect(cost.quads.ci95![0]).toBeCloseTo(0.15 - 0.6355, 3);
    expect(cost.quads.ci95![1]).toBeCloseTo(0.15 + 0.6355, 3);
  });

  it('should cancel a linear drift of the machine within an on-off-off-on quad', () => {
    // The machine speeds up by 10% per block; the audit costs 10% throughout.
    const order = [true, false, false, true];
    const round = order.map((on, i) => block(on, (on ? 90 : 100) * (1 + 0.1 * i)));
    const cost = interleavedCost([round]);
    expect(cost.cost).toBeCloseTo(0.1, 10);
    // In two windows (on, then off) the same drift would read as a 1% cost.
    const twoWindows = interleavedCost([[block(true, 90), block(false, 100 * 1.1)]]);
    expect(twoWindows.cost).toBeCloseTo(1 - 90 / 110, 10);
  });

  it('should leave the CPU share out when PostgreSQL was not measured in every block', () => {
    const round = [
      block(true, 90),
      block(false, 100),
      block(false, 100),
      block(true, 90, 1000, null),
    ];
    const cost = interleavedCost([round]);
    expect(cost.cpuShare).toBeUndefined();
    expect(cost.dbCpuUsDelta).toBeUndefined();
    expect(cost.cost).toBeCloseTo(0.1, 10);
    expect(cost.quads.ci95).toBeUndefined(); // one quad: no interval
  });
});
