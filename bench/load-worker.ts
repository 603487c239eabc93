/**
 * A load generator process of `npm run bench`: bench/run.ts forks it and sends one job; it runs
 * autocannon (HTTP/1.1 on loopback) and answers with a summary. Load runs in its own process so
 * the driver's event loop, and a second load running at the same time (the login storm), do
 * not skew each other's latency figures.
 */
import { randomUUID } from 'node:crypto';

export interface LoadJob {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  /** Per-request variation set by autocannon's setupRequest. */
  vary?: 'idempotency-key' | 'customer-email';
}

export interface LoadResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations; the shapes above are the parts read here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

function setupRequest(vary: LoadJob['vary']) {
  if (vary === 'idempotency-key') {
    // A new key on every request: every POST /v1/payments creates a payment (no replay).
    return (request: AutocannonRequest) => ({
      ...request,
      headers: { ...request.headers, 'idempotency-key': randomUUID() },
    });
  }
  if (vary === 'customer-email') {
    return (request: AutocannonRequest) => {
      const body = JSON.parse(request.body ?? '{}') as Record<string, unknown>;
      body.email = `c-${randomUUID()}@example.com`;
      return { ...request, body: JSON.stringify(body) };
    };
  }
  return undefined;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    requests: [
      {
        method: job.method,
        path: job.path,
        headers: job.headers,
        body: job.body,
        // autocannon calls setupRequest when the key is present, even if undefined.
        ...(job.vary ? { setupRequest: setupRequest(job.vary) } : {}),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = count;
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String(error) }, () => process.exit(1)),
  );
});
