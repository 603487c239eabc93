/**
 * `npm run bench`: what the security stack costs, measured side by side in ONE run.
 *
 * Server processes (bench/server.ts, forked, each the real `createApp`), all on one throwaway
 * database and started before the first measurement:
 * - `secured`: NODE_ENV=production, every control on (the side being measured);
 * - `baseline`: NODE_ENV=test with BENCHMARK_SECURITY_OFF (no guards, no limiter, no audit, no
 *   encryption); production refuses that switch, hence NODE_ENV=test here;
 * - `control`: NODE_ENV=test, every control on: shows that production vs test mode is not
 *   what the ratio measures, and is the reference for the next two. Its audit is also switched
 *   off and on in the same process under one continuous load (`measureInterleaved`), reported as
 *   `control-audit-off`: the audit's cost with the least noise this machine allows;
 * - `no-limiter` (RATE_LIMIT_ENABLED=false) and `no-audit` (AUDIT_DISABLED_FOR_BENCHMARK=true):
 *   NODE_ENV=test, one control off each: the limiter's and the audit's own cost;
 * - `layers`: NODE_ENV=test, audit off and fields in clear (BENCHMARK_PLAINTEXT_FIELDS): the
 *   request layers alone (authentication, roles, limiter), for their CPU per request.
 * Every other setting is identical (rate limits raised so that nothing is refused: one client
 * address sends everything; see docs/performance.md), and every server runs Node as production
 * does (src/config/node-runtime.ts: heap and malloc bounds).
 *
 * Scenarios: GET /health/live (the floor), GET /v1/customers/:id (authenticated, audited read,
 * decryption), GET /v1/customers (a page of 20), POST /v1/customers, POST /v1/payments (a new
 * Idempotency-Key each request), then the GET by id again while a login storm runs.
 * For each scenario the configurations run back to back (order rotated per scenario).
 * Load comes from autocannon in child processes (bench/load-worker.ts). CPU per request is the
 * server process's own `process.cpuUsage()` delta over the measured window, read over IPC; RSS
 * and V8's heap (`heapTotal`) are read at the end of each window.
 *
 * Environment: BENCH_ADMIN_DATABASE_URL or DATABASE_URL (a superuser URL; otherwise an embedded
 * PostgreSQL), BENCH_DURATION (s, default 6), BENCH_CONNECTIONS (default 32),
 * BENCH_STORM_CONNECTIONS (default 8), BENCH_CPU_PROF=<configuration>|... (write a --cpu-prof
 * profile of each named server into bench/results/profile-<configuration>/), BENCH_ONLY=<configuration>|... and
 * BENCH_SCENARIOS=<scenario>|...|storm (subsets, for profiling), BENCH_ROUNDS (default 1: every
 * scenario that many times, configurations alternating; the summary reports medians of the
 * per-round comparisons), BENCH_AUDIT_BLOCK_MS (default 1000: a block of the interleaved audit
 * measurement; 2 x BENCH_DURATION blocks per scenario and round).
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateSecrets } from '../src/config/dev-secrets';
import { NODE_RUNTIME } from '../src/config/node-runtime';
import { Database, database } from './database';
import type { LoadJob, LoadResult } from './load-worker';
import type { DriverMessage, ServerMessage } from './server';
import { AuditBlock, interleavedCost, median, totals } from './stats';

const SECONDS = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP_SECONDS = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STORM_CONNECTIONS = Number(process.env.BENCH_STORM_CONNECTIONS ?? 8);
/** Rounds of every scenario (configurations alternating); the summary takes medians. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
/** The interleaved audit measurement: length of a block, and the pause after each switch. */
const AUDIT_BLOCK_MS = Number(process.env.BENCH_AUDIT_BLOCK_MS ?? 1000);
const AUDIT_SETTLE_MS = 250;
const RESULTS_DIR = join(__dirname, '..', '..', '..', 'bench', 'results');
const HIGH = '1000000';

interface Configuration {
  name: string;
  description: string;
  env: Record<string, string>;
  /** Also measured with its audit switched off in the same process, as `<name>-audit-off`. */
  auditToggle?: boolean;
}

const CONFIGURATIONS: Configuration[] = [
  {
    name: 'secured',
    description: 'NODE_ENV=production, every control on',
    env: { NODE_ENV: 'production' },
  },
  {
    name: 'baseline',
    description: 'NODE_ENV=test, BENCHMARK_SECURITY_OFF=true',
    env: { NODE_ENV: 'test', BENCHMARK_SECURITY_OFF: 'true' },
  },
  {
    name: 'control',
    description: 'NODE_ENV=test, every control on',
    env: { NODE_ENV: 'test' },
    auditToggle: true,
  },
  {
    name: 'no-limiter',
    description: 'NODE_ENV=test, RATE_LIMIT_ENABLED=false',
    env: { NODE_ENV: 'test', RATE_LIMIT_ENABLED: 'false' },
  },
  {
    name: 'no-audit',
    description: 'NODE_ENV=test, AUDIT_DISABLED_FOR_BENCHMARK=true',
    env: { NODE_ENV: 'test', AUDIT_DISABLED_FOR_BENCHMARK: 'true' },
  },
  {
    // The request layers alone: authentication, roles, the limiter (validation runs in every
    // configuration). Minus the baseline: their CPU per request (issue 9: at most 100 us).
    name: 'layers',
    description: 'NODE_ENV=test, audit off, fields in clear: guards and limiter only',
    env: {
      NODE_ENV: 'test',
      AUDIT_DISABLED_FOR_BENCHMARK: 'true',
      BENCHMARK_PLAINTEXT_FIELDS: 'true',
    },
  },
];

/** Identical for every configuration. */
function commonEnv(db: Database, secrets: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.runtimeUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DATABASE_MIGRATE_ON_START: 'false',
    // Production's default level: every request writes its log line (to /dev/null here).
    LOG_LEVEL: 'info',
    API_DOCS: 'false',
    METRICS_PORT: '0',
    AUDIT_VERIFY_INTERVAL_SECONDS: '0',
    // The run is longer than the default 10-minute token lifetime.
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    // One client address sends every request: limits high enough that nothing is refused, so
    // the limiter counts every request (its cost) without refusing any (docs/performance.md).
    RATE_LIMIT_ADDRESS_LIMIT: HIGH,
    RATE_LIMIT_PRINCIPAL_LIMIT: HIGH,
    RATE_LIMIT_LOGIN_LIMIT: HIGH,
    RATE_LIMIT_REGISTER_LIMIT: HIGH,
    RATE_LIMIT_PAYMENT_CREATE_LIMIT: HIGH,
    PAYMENT_VELOCITY_WINDOW_SECONDS: '1',
    PAYMENT_VELOCITY_MAX_COUNT: HIGH,
    PAYMENT_VELOCITY_MAX_AMOUNT: '1000000000000',
    ...secrets,
  };
}

/** A running server process and the data the scenarios need. */
interface Server {
  config: Configuration;
  child: ChildProcess;
  url: string;
  token: string;
  customerId: string;
  storm: { email: string; password: string };
  stats(): Promise<{ cpuUs: number; rssBytes: number; heapBytes: number }>;
  /** Switches the audit of this (non-production) server off or on, in the same process. */
  setAudit(enabled: boolean): Promise<void>;
  /** Responses, CPU and time since the previous mark (the interleaved audit measurement). */
  mark(): Promise<{ responses: number; cpuUs: number; elapsedUs: number }>;
  stop(): Promise<void>;
}

async function startServer(
  config: Configuration,
  env: Record<string, string>,
  profileDir?: string,
): Promise<Server> {
  const logs = process.env.BENCH_SERVER_LOGS === '1';
  // Node started as in production (Dockerfile, start:prod): the same heap and malloc bounds.
  const execArgv: string[] = [...NODE_RUNTIME.flags];
  if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const child = fork(join(__dirname, 'server.js'), [], {
    env: { ...env, ...NODE_RUNTIME.env, ...config.env },
    execArgv,
    // Request logs go to /dev/null (written, as in production, but not kept), unless
    // BENCH_SERVER_LOGS=1 keeps them in bench/results/<configuration>.log.
    stdio: [
      'ignore',
      logs ? openSync(join(RESULTS_DIR, `${config.name}.log`), 'w') : 'ignore',
      'inherit',
      'ipc',
    ],
  });
  // Never leave a server behind when the driver stops, whatever the reason.
  process.once('exit', () => child.kill());
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${config.name} server exited (${code})`)));
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'listening') resolve(m.port);
    });
  });
  let nextId = 0;
  /** One request over IPC, answered by the server message of the same type and id. */
  const ask = <T extends ServerMessage['type']>(
    request: DistributiveOmit<Extract<DriverMessage, { type: T }>, 'id'>,
  ) =>
    new Promise<Extract<ServerMessage, { type: T }>>((resolve) => {
      const id = ++nextId;
      const onMessage = (m: ServerMessage) => {
        if (m.type === request.type && 'id' in m && m.id === id) {
          child.off('message', onMessage);
          resolve(m as Extract<ServerMessage, { type: T }>);
        }
      };
      child.on('message', onMessage);
      child.send({ ...request, id });
    });
  const stats = async () => {
    const { cpuUs, rssBytes, heapBytes } = await ask<'stats'>({ type: 'stats' });
    return { cpuUs, rssBytes, heapBytes };
  };
  const setAudit = async (enabled: boolean) => {
    await ask<'audit'>({ type: 'audit', enabled });
  };
  const mark = async () => {
    const { responses, cpuUs, elapsedUs } = await ask<'mark'>({ type: 'mark' });
    return { responses, cpuUs, elapsedUs };
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.send({ type: 'stop' } satisfies DriverMessage);
    });
  const url = `http://127.0.0.1:${port}`;
  const data = await seed(url);
  return { config, child, url, ...data, stats, setAudit, mark, stop };
}

async function call(url: string, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'POST' && path === '/v1/payments' ? { 'idempotency-key': randomUUID() } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

function customerBody(email = `c-${randomUUID()}@example.com`) {
  return {
    fullName: 'Jane Doe',
    email,
    phone: '+15551234567',
    dateOfBirth: '1990-05-17',
    nationalId: '123-45-6789',
    address: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
  };
}

function paymentBody(customerId: string) {
  return {
    customerId,
    amount: 1250,
    currency: 'EUR',
    description: 'bench',
    card: {
      number: '4242424242424242',
      expMonth: 12,
      expYear: new Date().getFullYear() + 3,
      cvc: '123',
    },
  };
}

async function expectStatus(what: string, got: { status: number }, want: number) {
  if (got.status !== want) throw new Error(`${what}: expected ${want}, got ${got.status}`);
}

/** A user with 20 customers (the list page) and a second user for the login storm. */
async function seed(url: string) {
  const user = { email: `bench-${randomUUID()}@example.com`, password: `bench ${randomUUID()}` };
  const storm = { email: `storm-${randomUUID()}@example.com`, password: `storm ${randomUUID()}` };
  for (const account of [user, storm])
    await expectStatus('register', await call(url, 'POST', '/v1/auth/register', account), 202);
  const login = await call(url, 'POST', '/v1/auth/login', user);
  await expectStatus('login', login, 200);
  const token = String(login.json.access_token);
  let customerId = '';
  for (let i = 0; i < 20; i++) {
    const created = await call(url, 'POST', '/v1/customers', customerBody(), token);
    await expectStatus('create customer', created, 201);
    customerId ||= String(created.json.id);
  }
  await expectStatus(
    'read customer',
    await call(url, 'GET', `/v1/customers/${customerId}`, undefined, token),
    200,
  );
  await expectStatus(
    'payment',
    await call(url, 'POST', '/v1/payments', paymentBody(customerId), token),
    201,
  );
  return { token, customerId, storm };
}

interface Scenario {
  name: string;
  expected: number;
  job(server: Server): Omit<LoadJob, 'url' | 'connections' | 'seconds'>;
}

const json = { 'content-type': 'application/json' };
const bearer = (s: Server) => ({ authorization: `Bearer ${s.token}` });

const SCENARIOS: Scenario[] = [
  {
    name: 'GET /health/live',
    expected: 200,
    job: () => ({ method: 'GET', path: '/health/live', headers: {} }),
  },
  {
    name: 'GET /v1/customers/:id',
    expected: 200,
    job: (s) => ({ method: 'GET', path: `/v1/customers/${s.customerId}`, headers: bearer(s) }),
  },
  {
    name: 'GET /v1/customers',
    expected: 200,
    job: (s) => ({ method: 'GET', path: '/v1/customers?limit=20', headers: bearer(s) }),
  },
  {
    name: 'POST /v1/customers',
    expected: 201,
    job: (s) => ({
      method: 'POST',
      path: '/v1/customers',
      headers: { ...bearer(s), ...json },
      body: JSON.stringify(customerBody()),
      vary: 'customer-email',
    }),
  },
  {
    name: 'POST /v1/payments',
    expected: 201,
    job: (s) => ({
      method: 'POST',
      path: '/v1/payments',
      headers: { ...bearer(s), ...json },
      body: JSON.stringify(paymentBody(s.customerId)),
      vary: 'idempotency-key',
    }),
  },
];

function load(job: LoadJob): Promise<LoadResult> {
  const worker = fork(join(__dirname, 'load-worker.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) =>
      m.ok ? resolve(m.result!) : reject(new Error(m.error)),
    );
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited (${code})`));
    });
    worker.send(job);
  });
}

/**
 * CPU time (µs) used so far by each PostgreSQL process on this machine, by pid, from Linux's
 * /proc (utime + stime, in USER_HZ = 100 ticks per second); undefined where /proc is missing.
 */
function postgresCpuByPid(): Map<string, number> | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const cpu = new Map<string, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const end = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, end) !== 'postgres') continue;
      const fields = stat.slice(end + 2).split(' '); // fields[0] is field 3 (state)
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100); // utime + stime
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return cpu;
}

/**
 * PostgreSQL's CPU between two snapshots: per process, so that a backend closed in between (an
 * idle pool connection of a server not being measured) does not take its past CPU with it. A
 * process started in between counts in full; one that ended loses its last moments (small).
 * Every database of the server counts: run the bench on a quiet machine.
 */
function postgresCpuBetween(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, us] of after) total += us - (before.get(pid) ?? 0);
  return total;
}

const answeredOf = (result: LoadResult) =>
  Object.values(result.statuses).reduce((a, b) => a + b, 0);

/** Responses other than the scenario's expected status, plus connection errors. */
function unexpectedOf(result: LoadResult, scenario: Scenario): number {
  return answeredOf(result) - (result.statuses[String(scenario.expected)] ?? 0) + result.errors;
}

interface Measurement extends LoadResult {
  cpuUsPerRequest: number;
  /** PostgreSQL's CPU over the window per response (postgresCpuBetween), when readable. */
  dbCpuUsPerRequest: number | undefined;
  rssMb: number;
  heapMb: number;
  unexpected: number;
}

async function measure(server: Server, scenario: Scenario, during?: () => Promise<LoadResult>) {
  const base = { url: server.url, connections: CONNECTIONS, ...scenario.job(server) };
  await load({ ...base, seconds: WARMUP_SECONDS }); // JIT, pools, caches
  const before = await server.stats();
  const dbBefore = postgresCpuByPid();
  const [result, storm] = await Promise.all([load({ ...base, seconds: SECONDS }), during?.()]);
  const dbAfter = postgresCpuByPid();
  const after = await server.stats();
  const answered = answeredOf(result);
  // Includes the storm's logins when one runs: CPU per request is reported for quiet runs.
  const responses = Math.max(1, answered + (storm?.total ?? 0));
  const dbCpuUs = postgresCpuBetween(dbBefore, dbAfter);
  const measurement: Measurement = {
    ...result,
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / responses,
    dbCpuUsPerRequest: dbCpuUs === undefined ? undefined : dbCpuUs / responses,
    rssMb: after.rssBytes / 1024 / 1024,
    heapMb: after.heapBytes / 1024 / 1024,
    unexpected: unexpectedOf(result, scenario),
  };
  return { measurement, storm };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The audit's cost in ONE process under ONE continuous load: the audit is switched on and off
 * every block (AUDIT_BLOCK_MS), in the order on-off-off-on (then the reverse in odd rounds), so
 * that a drift in the machine's speed during the run weighs on both sides alike. Each block
 * starts AUDIT_SETTLE_MS after the switch (requests in flight finish under the old setting, not
 * counted). The server counts the responses it finished and its CPU between two marks; the
 * driver reads PostgreSQL's CPU at the same marks. The two sides of the run come back as two
 * measurements, `<configuration>` (audit on) and `<configuration>-audit-off`; their p50 and p99
 * are those of the whole mixed load.
 */
async function measureInterleaved(server: Server, scenario: Scenario, round: number) {
  const base = { url: server.url, connections: CONNECTIONS, ...scenario.job(server) };
  await load({ ...base, seconds: WARMUP_SECONDS });
  const count = 2 * Math.max(2, Math.round(SECONDS));
  const seconds = Math.ceil((count * (AUDIT_BLOCK_MS + AUDIT_SETTLE_MS)) / 1000) + 2;
  const running = load({ ...base, seconds });
  await sleep(500); // every connection open and busy
  const blocks: AuditBlock[] = [];
  for (let i = 0; i < count; i++) {
    const audit = (i % 4 === 0 || i % 4 === 3) !== (round % 2 === 1);
    await server.setAudit(audit);
    await sleep(AUDIT_SETTLE_MS);
    await server.mark();
    const dbBefore = postgresCpuByPid();
    await sleep(AUDIT_BLOCK_MS);
    const m = await server.mark();
    const dbCpuUs = postgresCpuBetween(dbBefore, postgresCpuByPid());
    blocks.push({
      audit,
      responses: m.responses,
      seconds: m.elapsedUs / 1e6,
      cpuUs: m.cpuUs,
      dbCpuUs,
    });
  }
  await server.setAudit(true);
  const result = await running;
  const after = await server.stats();
  if (blocks.some((b) => b.responses === 0))
    throw new Error('a block of the interleaved audit run had no response: the load ended early');
  const side = (audit: boolean, unexpected: number): Measurement => {
    const t = totals(blocks, audit);
    return {
      ...result,
      rps: t.responses / t.seconds,
      total: t.responses,
      cpuUsPerRequest: t.cpuUs / t.responses,
      dbCpuUsPerRequest: t.dbCpuUs === undefined ? undefined : t.dbCpuUs / t.responses,
      rssMb: after.rssBytes / 1024 / 1024,
      heapMb: after.heapBytes / 1024 / 1024,
      unexpected,
    };
  };
  return { on: side(true, unexpectedOf(result, scenario)), off: side(false, 0), blocks };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const fmt = (x: number | undefined, g: (x: number) => string) => (x === undefined ? '-' : g(x));
const pad = (s: string | number, n: number) => String(s).padStart(n);

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split('|').map((s) => s.trim());
  const configurations = CONFIGURATIONS.filter((c) => !only || only.includes(c.name));
  const started = new Date();
  const loadBefore = loadavg();
  const db = await database();
  const secrets = generateSecrets();
  const env = commonEnv(db, secrets);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const servers: Server[] = [];
  const rows: Array<{ scenario: string; configuration: string; round: number } & Measurement> = [];
  const storms: Array<Record<string, unknown>> = [];
  const auditBlocks: Array<{ scenario: string; round: number } & AuditBlock> = [];
  let failed = false;
  try {
    for (const c of configurations)
      servers.push(
        await startServer(
          c,
          env,
          process.env.BENCH_CPU_PROF?.split('|').includes(c.name)
            ? join(RESULTS_DIR, `profile-${c.name}`)
            : undefined,
        ),
      );
    process.stdout.write(
      `${cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}; ` +
        `${CONNECTIONS} connections, ${SECONDS} s per measurement (after ${WARMUP_SECONDS} s warm-up)\n\n` +
        `${'scenario'.padEnd(24)}${'configuration'.padEnd(18)}   req/s    p50    p99  CPU us/req  DB us/req  RSS MB  heap MB  other statuses\n`,
    );
    const picked = process.env.BENCH_SCENARIOS?.split('|').map((x) => x.trim());
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, scenario] of SCENARIOS.entries()) {
        if (picked && !picked.includes(scenario.name)) continue;
        // Rotate the order so no configuration always runs first (the machine is shared).
        const order = servers.map((_, k) => servers[(k + i + round) % servers.length]);
        for (const server of order) {
          const results: Array<{ name: string; m: Measurement }> = [];
          if (server.config.auditToggle) {
            // Audit on and off in the SAME process under one load, interleaved by block.
            const { on, off, blocks } = await measureInterleaved(server, scenario, round);
            results.push({ name: server.config.name, m: on });
            results.push({ name: `${server.config.name}-audit-off`, m: off });
            auditBlocks.push(...blocks.map((b) => ({ scenario: scenario.name, round, ...b })));
          } else {
            results.push({
              name: server.config.name,
              m: (await measure(server, scenario)).measurement,
            });
          }
          for (const { name, m } of results) {
            rows.push({ scenario: scenario.name, configuration: name, round, ...m });
            if (m.unexpected > 0) failed = true;
            process.stdout.write(
              `${scenario.name.padEnd(24)}${name.padEnd(18)}${pad(m.rps.toFixed(0), 8)}` +
                `${pad(m.p50, 7)}${pad(m.p99, 7)}${pad(m.cpuUsPerRequest.toFixed(0), 12)}${pad(m.dbCpuUsPerRequest?.toFixed(0) ?? '-', 11)}${pad(m.rssMb.toFixed(0), 8)}${pad(m.heapMb.toFixed(0), 9)}` +
                `  ${m.unexpected > 0 ? JSON.stringify(m.statuses) + (m.errors ? ` errors ${m.errors}` : '') : ''}\n`,
            );
          }
        }
      }
    // The authenticated GET again, quiet then during a login storm, on the secured and the
    // baseline servers (a storm of correct-password logins: each one a real argon2id verify).
    const read = SCENARIOS[1];
    const stormOn = !picked || picked.includes('storm');
    for (const server of servers.filter(
      (s) => stormOn && ['secured', 'baseline'].includes(s.config.name),
    )) {
      const quiet = (await measure(server, read)).measurement;
      const stormJob: LoadJob = {
        url: server.url,
        connections: STORM_CONNECTIONS,
        // Starts with the measured load (after the warm-up) and outlasts it.
        seconds: SECONDS + 1,
        method: 'POST',
        path: '/v1/auth/login',
        headers: json,
        body: JSON.stringify(server.storm),
      };
      const { measurement: stormy, storm } = await measure(server, read, () => load(stormJob));
      const loginOk = storm?.statuses['200'] ?? 0;
      const loginOther = (storm?.total ?? 0) - loginOk;
      if (stormy.unexpected > 0 || loginOther > 0) failed = true;
      const ratio = stormy.p99 / Math.max(1, quiet.p99);
      storms.push({
        configuration: server.config.name,
        quiet: { rps: quiet.rps, p50: quiet.p50, p99: quiet.p99 },
        storm: { rps: stormy.rps, p50: stormy.p50, p99: stormy.p99, rssMb: stormy.rssMb },
        logins: { rps: storm?.rps, ok: loginOk, other: storm?.statuses, p99: storm?.p99 },
        p99Ratio: ratio,
      });
      process.stdout.write(
        `\nlogin storm (${STORM_CONNECTIONS} connections, ${(storm?.rps ?? 0).toFixed(0)} logins/s, ` +
          `${loginOther} not 200) on ${server.config.name}: GET /v1/customers/:id p99 ` +
          `${quiet.p99} ms quiet -> ${stormy.p99} ms (x${ratio.toFixed(2)}), p50 ${quiet.p50} -> ${stormy.p50} ms, ` +
          `${quiet.rps.toFixed(0)} -> ${stormy.rps.toFixed(0)} req/s, RSS ${stormy.rssMb.toFixed(0)} MB`,
      );
    }
  } finally {
    for (const server of servers) await server.stop();
    await db.dispose();
  }

  // Every figure below is a median over the rounds of a per-round comparison (the two sides of
  // a pair ran seconds apart), so that drift in the machine's load cancels out.
  const paired = (
    scenario: string,
    a: string,
    b: string,
    f: (x: Measurement, y: Measurement) => number | undefined,
  ): number | undefined => {
    const values: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const at = (c: string) =>
        rows.find((r) => r.scenario === scenario && r.configuration === c && r.round === round);
      const x = at(a);
      const y = at(b);
      const value = x && y ? f(x, y) : undefined;
      if (value !== undefined) values.push(value);
    }
    return median(values);
  };
  const rpsOf = (scenario: string, configuration: string) =>
    median(
      rows
        .filter((r) => r.scenario === scenario && r.configuration === configuration)
        .map((r) => r.rps),
    );
  const summary: Array<Record<string, unknown>> = [];
  process.stdout.write(
    `\n\n${ROUNDS > 1 ? `medians of ${ROUNDS} rounds\n` : ''}` +
      `| scenario | secured req/s | baseline req/s | secured / baseline | CPU us/req secured - baseline | layers CPU us/req - baseline | limiter cost | audit cost (vs no-audit process) | audit cost (same process, interleaved) | audit share of Node + DB CPU (same process, interleaved) |\n|---|---|---|---|---|---|---|---|---|---|\n`,
  );
  for (const scenario of SCENARIOS) {
    const name = scenario.name;
    const sRps = rpsOf(name, 'secured');
    const bRps = rpsOf(name, 'baseline');
    const ratio = paired(name, 'secured', 'baseline', (x, y) => x.rps / y.rps);
    const cpu = (x: Measurement, y: Measurement) => x.cpuUsPerRequest - y.cpuUsPerRequest;
    const cpuDelta = paired(name, 'secured', 'baseline', cpu);
    const layersCpu = paired(name, 'layers', 'baseline', cpu);
    // A control's cost: the throughput lost by switching it on, 1 - on/off.
    const cost = (x: Measurement, y: Measurement) => 1 - x.rps / y.rps;
    const limiter = paired(name, 'control', 'no-limiter', cost);
    const audit = paired(name, 'control', 'no-audit', cost);
    const auditSameProcess = paired(name, 'control', 'control-audit-off', cost);
    const auditSameProcessCpu = paired(name, 'control', 'control-audit-off', cpu);
    // The same switch seen as CPU: the share of the server's and PostgreSQL's CPU per request
    // that the audit adds, 1 - off/on. On a CPU-bound machine it is what req/s would show,
    // without the load generator's share of the same cores.
    const totalCpu = (m: Measurement) =>
      m.dbCpuUsPerRequest === undefined ? undefined : m.cpuUsPerRequest + m.dbCpuUsPerRequest;
    const auditCpuShare = paired(name, 'control', 'control-audit-off', (x, y) => {
      const on = totalCpu(x);
      const off = totalCpu(y);
      return on === undefined || off === undefined ? undefined : 1 - off / on;
    });
    const limiterCpu = paired(name, 'control', 'no-limiter', cpu);
    const auditCpu = paired(name, 'control', 'no-audit', cpu);
    summary.push({
      scenario: name,
      ratio,
      cpuDeltaUs: cpuDelta,
      layersCpuUs: layersCpu,
      limiter,
      limiterCpu,
      audit,
      auditCpu,
      auditSameProcess,
      auditSameProcessCpu,
      auditCpuShare,
    });
    process.stdout.write(
      `| ${name} | ${fmt(sRps, (x) => x.toFixed(0))} | ${fmt(bRps, (x) => x.toFixed(0))} | ${fmt(ratio, pct)} | ` +
        `${fmt(cpuDelta, (x) => x.toFixed(0))} | ${fmt(layersCpu, (x) => x.toFixed(0))} | ` +
        `${fmt(limiter, pct)} (${fmt(limiterCpu, (x) => x.toFixed(0))} us) | ` +
        `${fmt(audit, pct)} (${fmt(auditCpu, (x) => x.toFixed(0))} us) | ` +
        `${fmt(auditSameProcess, pct)} (${fmt(auditSameProcessCpu, (x) => x.toFixed(0))} us) | ` +
        `${fmt(auditCpuShare, pct)} |\n`,
    );
  }
  // The audit's interleaved blocks, pooled over every round, and the spread of the cost measured
  // by each on-off-off-on quad of blocks (how far one short measurement can be trusted).
  const auditInterleaved: Array<Record<string, unknown>> = [];
  for (const scenario of SCENARIOS) {
    const mine = auditBlocks.filter((b) => b.scenario === scenario.name);
    if (mine.length === 0) continue;
    const byRound = Array.from({ length: ROUNDS }, (_, round) =>
      mine.filter((b) => b.round === round),
    );
    const pooled = {
      scenario: scenario.name,
      blockMs: AUDIT_BLOCK_MS,
      ...interleavedCost(byRound),
    };
    const { quads } = pooled;
    auditInterleaved.push(pooled);
    process.stdout.write(
      `\naudit, interleaved in one process (${scenario.name}, ${pooled.blocks} blocks of ${AUDIT_BLOCK_MS} ms): ` +
        `${pct(pooled.cost)} of req/s, ${fmt(pooled.cpuShare, pct)} of Node + DB CPU per request; ` +
        `${fmt(pooled.nodeCpuUsDelta, (x) => x.toFixed(0))} us of Node and ${fmt(pooled.dbCpuUsDelta, (x) => x.toFixed(0))} us of PostgreSQL CPU per request; ` +
        `per quad of blocks (n=${quads.n}): median ${fmt(quads.median, pct)}, ${fmt(quads.min, pct)} to ${fmt(quads.max, pct)}, ` +
        `mean ${fmt(quads.mean, pct)} (95% interval ${fmt(quads.ci95?.[0], pct)} to ${fmt(quads.ci95?.[1], pct)})`,
    );
  }
  process.stdout.write('\n');

  const maxRss = Math.max(
    ...rows.filter((r) => r.configuration === 'secured').map((r) => r.rssMb),
    ...storms
      .filter((s) => s.configuration === 'secured')
      .map((s) => (s.storm as { rssMb: number }).rssMb),
  );
  const loadAfter = loadavg();
  process.stdout.write(
    `\nmax RSS of the secured server under load: ${Number.isFinite(maxRss) ? `${maxRss.toFixed(0)} MB` : '- (not measured)'}; load average after ` +
      `${loadAfter.map((l) => l.toFixed(1)).join(' ')}\n`,
  );
  const report = {
    command: 'npm run bench',
    started: started.toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGb: totalmem() / 2 ** 30,
      node: process.version,
    },
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      stormConnections: STORM_CONNECTIONS,
    },
    configurations: configurations.map(({ name, description }) => ({ name, description })),
    measurements: rows,
    summary,
    loginStorm: storms,
    auditInterleaved,
    auditBlocks,
    maxRssMbSecured: Number.isFinite(maxRss) ? maxRss : null,
    unexpectedResponses: failed,
  };
  const file = join(RESULTS_DIR, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`report: ${file}\n`);
  if (failed) {
    process.stdout.write('UNEXPECTED RESPONSES (see "other statuses" above)\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
