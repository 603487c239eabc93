/**
 * `npm run bench:throttle`: what the rate limiter costs on the hot path.
 *
 * Requests per second of a GET that runs the whole global pipeline (request-id hook, tier-1
 * address hook, authentication, authorization and rate-limit guards: `/health/live`, public) with
 * the limiter off and on, in the same run, for the memory store and the Redis store, every request
 * on ONE key (one client address: the case where the stock @nestjs/throttler memory storage
 * collapsed, STACK-NOTES). The stock ThrottlerGuard + its memory storage is measured too, for
 * comparison. Limits are set high enough that nothing is refused: we measure counting, not 429s.
 *
 * Rounds alternate the order of the configurations and the median per configuration is
 * reported, because the machine is shared. Load comes from autocannon in a child process.
 *
 * Environment: BENCH_ADMIN_DATABASE_URL (or DATABASE_URL: a superuser URL; otherwise a throwaway
 * embedded PostgreSQL), REDIS_URL (default redis://127.0.0.1:6379; `none` skips Redis),
 * BENCH_DURATION (s, default 8), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 50).
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { DynamicModule, ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { createApp } from '../src/app';
import { generateSecrets } from '../src/config/dev-secrets';
import { loadConfig } from '../src/config/load-config';
import { RateLimitGuard } from '../src/rate-limit/rate-limit.guard';
import { RateLimitHooks } from '../src/rate-limit/rate-limit.hooks';
import { RateLimiter } from '../src/rate-limit/rate-limiter.service';
import { Database, database } from './database';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const REDIS_URL =
  process.env.REDIS_URL === 'none'
    ? undefined
    : (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const PATH = '/health/live';
const HIGH = '1000000';
/** `|`-separated scenario names to run besides `off` (default: all), e.g. `on, memory`. */
const ONLY = process.env.BENCH_ONLY?.split('|').map((n) => n.trim());

interface Scenario {
  name: string;
  env: Record<string, string>;
  extraModules?: DynamicModule['imports'];
}

/** The stock guard and storage, as @nestjs/throttler's README wires them (our limiter off). */
@Module({
  imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: Number(HIGH) }])],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
class StockThrottlerModule {}

function scenarios(): Scenario[] {
  const on = {
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ADDRESS_LIMIT: HIGH,
    RATE_LIMIT_PRINCIPAL_LIMIT: HIGH,
  };
  const list: Scenario[] = [
    { name: 'off', env: { RATE_LIMIT_ENABLED: 'false' } },
    { name: 'on, memory', env: on },
  ];
  if (REDIS_URL) {
    list.push({
      name: 'on, redis',
      env: {
        ...on,
        REDIS_URL,
        RATE_LIMIT_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
      },
    });
  }
  list.push({
    name: 'stock @nestjs/throttler, memory',
    env: { RATE_LIMIT_ENABLED: 'false' },
    extraModules: [StockThrottlerModule],
  });
  return list;
}

interface LoadResult {
  rps: number;
  non2xx: number;
  p99: number;
  total: number;
  /** CPU time of this process (the app) per request, in microseconds. */
  cpuUsPerRequest: number;
}

function autocannon(url: string, seconds: number): Promise<LoadResult> {
  const bin = require.resolve('autocannon/autocannon.js');
  const args = [bin, '-c', String(CONNECTIONS), '-d', String(seconds), '-j', url];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        reject(new Error(`autocannon failed: ${error.message}`));
        return;
      }
      const out = JSON.parse(stdout) as {
        requests: { average: number; total: number };
        non2xx: number;
        latency: { p99: number };
      };
      resolve({
        rps: out.requests.average,
        non2xx: out.non2xx,
        p99: out.latency.p99,
        total: out.requests.total,
        cpuUsPerRequest: 0,
      });
    });
  });
}

async function measure(db: Database, secrets: Record<string, string>, s: Scenario) {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.runtimeUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DATABASE_MIGRATE_ON_START: 'false',
    ...secrets,
    ...s.env,
  });
  const app: NestFastifyApplication = await createApp(config, {
    extraModules: s.extraModules,
    swaggerUi: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}${PATH}`;
  try {
    await autocannon(url, 2); // warm-up (JIT, connection pools)
    // CPU time is far less sensitive than req/s to other work on a shared machine.
    const before = process.cpuUsage();
    const result = await autocannon(url, DURATION);
    const cpu = process.cpuUsage(before);
    result.cpuUsPerRequest = (cpu.user + cpu.system) / Math.max(1, result.total);
    return result;
  } finally {
    await app.close();
  }
}

/**
 * The limiter's own work per request, measured in-process without HTTP: the tier-1 hook and the
 * guard as they run for this GET, on one hot key, best of five. This is the figure the load test
 * cannot resolve on a busy machine (its noise is larger than the limiter).
 */
async function limiterCostPerRequest(
  db: Database,
  secrets: Record<string, string>,
): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.runtimeUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DATABASE_MIGRATE_ON_START: 'false',
    ...secrets,
    RATE_LIMIT_ADDRESS_LIMIT: HIGH,
  });
  const app = await createApp(config, { swaggerUi: false });
  try {
    // The hook is a private member: reached through an index, as a test would.
    const hookOwner: RateLimitHooks = app.get(RateLimitHooks, { strict: false });
    const limitByAddress = (hookOwner as unknown as Record<string, unknown>)['limitByAddress'] as (
      req: unknown,
      reply: unknown,
      done: (e?: unknown) => void,
    ) => void;
    const guard = new RateLimitGuard(app.get(RateLimiter));
    const request = { ip: '127.0.0.1', method: 'GET', routeOptions: { url: PATH } };
    const reply = { header: () => reply };
    const context = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    let refused = 0;
    const done = (error?: unknown) => {
      if (error) refused += 1;
    };
    const n = 100_000; // 6 runs: 600k hits, under the 1M limit (nothing refused)
    let best = Infinity;
    for (let run = 0; run < 6; run++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        limitByAddress(request, reply, done);
        // Synchronous for a public route with the memory store (no promise to await).
        void guard.canActivate(context);
      }
      if (run > 0) best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
    }
    return (
      `\nLimiter work per request (tier-1 hook + guard, memory store, one key, in-process): ` +
      `${(best / 1000).toFixed(2)} us${refused > 0 ? ` (${refused} refused!)` : ''}\n`
    );
  } finally {
    await app.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const db = await database();
  const secrets = generateSecrets();
  const list = scenarios().filter((s) => s.name === 'off' || !ONLY || ONLY.includes(s.name));
  const results = new Map<string, LoadResult[]>(list.map((s) => [s.name, []]));
  let micro: string | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? list : [...list].reverse();
      for (const s of order) {
        const r = await measure(db, secrets, s);
        results.get(s.name)!.push(r);
        process.stdout.write(
          `round ${round + 1} ${s.name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s` +
            `  ${r.cpuUsPerRequest.toFixed(0).padStart(4)} us CPU/req  p99 ${r.p99} ms` +
            `${r.non2xx > 0 ? `  NON-2XX ${r.non2xx}` : ''}\n`,
        );
      }
    }
    micro = await limiterCostPerRequest(db, secrets);
  } finally {
    await db.dispose();
  }
  const rps = (name: string) => median(results.get(name)!.map((r) => r.rps));
  const cpu = (name: string) => median(results.get(name)!.map((r) => r.cpuUsPerRequest));
  const off = rps('off');
  process.stdout.write(
    `\n${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (ratios matter, not absolutes)` +
      `\nGET ${PATH}, ${CONNECTIONS} connections, ${DURATION} s x ${ROUNDS} rounds, one client ` +
      `address (one key); medians:\n\n` +
      `| configuration | req/s | vs off | app CPU per request | off/on CPU |\n|---|---|---|---|---|\n`,
  );
  for (const s of list) {
    process.stdout.write(
      `| ${s.name} | ${rps(s.name).toFixed(0)} | ${((rps(s.name) / off) * 100).toFixed(1)}% | ` +
        `${cpu(s.name).toFixed(0)} us | ${((cpu('off') / cpu(s.name)) * 100).toFixed(1)}% |\n`,
    );
  }
  // Each round measures every configuration back to back: the ratio within a round is less
  // exposed to the machine's load changing between rounds than the ratio of medians.
  const paired = (name: string) =>
    median(results.get(name)!.map((r, i) => r.rps / results.get('off')![i].rps));
  for (const s of list.filter((x) => x.name !== 'off')) {
    process.stdout.write(
      `${s.name}: median of per-round ratios to off ${(paired(s.name) * 100).toFixed(1)}%\n`,
    );
  }
  process.stdout.write(micro ?? '');
  const memory = rps('on, memory');
  const ok = memory >= 0.9 * off;
  process.stdout.write(
    `\nTarget (memory store >= 90% of off, req/s): ${ok ? 'met' : 'NOT met'} ` +
      `(${((memory / off) * 100).toFixed(1)}%; by CPU per request ` +
      `${((cpu('off') / cpu('on, memory')) * 100).toFixed(1)}%)\n`,
  );
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
