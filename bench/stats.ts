/**
 * The statistics of `npm run bench` (bench/run.ts), kept apart so that they can be unit-tested
 * (bench/stats.spec.ts): medians, a mean with its confidence interval, and the audit's cost from
 * the blocks of the interleaved measurement (docs/performance.md "Method").
 */

/** One block of the interleaved audit measurement: what the server did with the audit on or off. */
export interface AuditBlock {
  audit: boolean;
  responses: number;
  seconds: number;
  /** The server's own CPU over the block. */
  cpuUs: number;
  /** PostgreSQL's CPU over the block, when /proc is readable. */
  dbCpuUs: number | undefined;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Student's t, 97.5th percentile, by degrees of freedom (1-30; 1.96 beyond). */
const T975 = [
  12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/** The mean of `values` and its 95% confidence interval (t distribution); needs two values. */
export function meanInterval(values: number[]) {
  const n = values.length;
  if (n < 2) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = ((T975[n - 2] ?? 1.96) * sd) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half };
}

/** The sums over the blocks with the audit `audit` (PostgreSQL's only if every block has it). */
export function totals(blocks: AuditBlock[], audit: boolean) {
  const side = blocks.filter((b) => b.audit === audit);
  const sum = (f: (b: AuditBlock) => number) => side.reduce((a, b) => a + f(b), 0);
  return {
    responses: sum((b) => b.responses),
    seconds: sum((b) => b.seconds),
    cpuUs: sum((b) => b.cpuUs),
    dbCpuUs: side.every((b) => b.dbCpuUs !== undefined) ? sum((b) => b.dbCpuUs!) : undefined,
  };
}

/**
 * The audit's cost from the interleaved blocks, one array per round, each in the order measured
 * (on-off-off-on or its reverse):
 * - `cost`: the throughput lost, 1 - (responses per second on) / (off), every block pooled;
 * - `cpuShare`: the share of Node + PostgreSQL CPU per response that the audit adds;
 * - `nodeCpuUsDelta`, `dbCpuUsDelta`: CPU per response, on - off;
 * - `quads`: the cost measured by each group of four blocks of a round, their spread, and the
 *   mean with its 95% interval (how far one short measurement can be trusted).
 */
export function interleavedCost(rounds: AuditBlock[][]) {
  const all = rounds.flat();
  const on = totals(all, true);
  const off = totals(all, false);
  const rate = (blocks: AuditBlock[], audit: boolean) => {
    const t = totals(blocks, audit);
    return t.responses / t.seconds;
  };
  const quads = rounds.flatMap((blocks) =>
    Array.from({ length: Math.floor(blocks.length / 4) }, (_, i) => {
      const quad = blocks.slice(4 * i, 4 * i + 4);
      return 1 - rate(quad, true) / rate(quad, false);
    }),
  );
  const nodeOn = on.cpuUs / on.responses;
  const nodeOff = off.cpuUs / off.responses;
  const dbOn = on.dbCpuUs === undefined ? undefined : on.dbCpuUs / on.responses;
  const dbOff = off.dbCpuUs === undefined ? undefined : off.dbCpuUs / off.responses;
  const bothDb = dbOn !== undefined && dbOff !== undefined;
  const interval = meanInterval(quads);
  return {
    blocks: all.length,
    cost: 1 - on.responses / on.seconds / (off.responses / off.seconds),
    cpuShare: bothDb ? 1 - (nodeOff + dbOff) / (nodeOn + dbOn) : undefined,
    nodeCpuUsDelta: nodeOn - nodeOff,
    dbCpuUsDelta: bothDb ? dbOn - dbOff : undefined,
    quads: {
      n: quads.length,
      median: median(quads),
      min: quads.length ? Math.min(...quads) : undefined,
      max: quads.length ? Math.max(...quads) : undefined,
      mean: interval?.mean,
      ci95: interval && [interval.low, interval.high],
    },
  };
}
