import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AuthService } from '../../src/auth/auth.service';
import { startThrowawayApi, ThrowawayApi } from '../lib/throwaway-api';

/**
 * `npm run scan:sqlmap`: Debian's sqlmap against the list, filter and id endpoints of a
 * throw-away API, authenticated with a valid bearer token, so the payloads reach validation,
 * the services and the queries (OWASP WSTG-INPV-05). Results in docs/sqlmap.md.
 *
 * Environment:
 * - SQLMAP_ADMIN_DATABASE_URL: a PostgreSQL superuser URL; a fresh database is created there
 *   (and dropped). Unset: an embedded PostgreSQL in a temporary directory.
 * - SQLMAP_LEVEL (default 3), SQLMAP_RISK (default 2): sqlmap's level and risk.
 * - SQLMAP_TARGET_TIMEOUT_SECONDS (default 600): a target still running then is stopped and
 *   reported as incomplete.
 * - SQLMAP_OUTPUT_DIR (default .data/sqlmap/<timestamp>): sqlmap's session, traffic and logs,
 *   and summary.json.
 * Exits 1 if sqlmap reports an injection point, the API answered any 5xx, or a target did
 * not finish.
 */

/** Generous limits: sqlmap sends thousands of requests; the scan is about the queries. */
const SCAN_ENV: Record<string, string> = {
  RATE_LIMIT_ADDRESS_LIMIT: '1000000',
  RATE_LIMIT_PRINCIPAL_LIMIT: '1000000',
  RATE_LIMIT_LOGIN_LIMIT: '1000000',
  LOGIN_LOCKOUT_ACCOUNT_FAILURES: '1000',
  LOGIN_LOCKOUT_ADDRESS_FAILURES: '10000',
  // The login target fails thousands of times for one email: a 1 s window keeps the lock-out
  // (tested elsewhere) from answering 429 to the payloads instead of the handler.
  LOGIN_LOCKOUT_WINDOW_SECONDS: '1',
};

interface Target {
  name: string;
  /** URL path and query; `*` marks an injection point in the path. */
  path: string;
  token: string;
  data?: string;
}

interface TargetResult {
  name: string;
  request: string;
  verdict: 'not injectable' | 'INJECTABLE' | 'incomplete';
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  injectionPoints: string[];
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function json(
  api: ThrowawayApi,
  method: string,
  path: string,
  body: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function login(api: ThrowawayApi, email: string, password: string): Promise<string> {
  return String((await json(api, 'POST', '/v1/auth/login', { email, password })).access_token);
}

/** A user with customers and payments, and an auditor: the data the queries run over. */
async function seed(api: ThrowawayApi): Promise<Target[]> {
  const user = { email: 'scan-user@example.test', password: 'scan-user-password-1' };
  const auditor = { email: 'scan-auditor@example.test', password: 'scan-auditor-password-1' };
  await api.app.get(AuthService).createUser({ ...user, role: 'user' });
  await api.app.get(AuthService).createUser({ ...auditor, role: 'auditor' });
  const token = await login(api, user.email, user.password);
  const auditorToken = await login(api, auditor.email, auditor.password);
  const me = await fetch(`${api.url}/v1/auth/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const userId = String(((await me.json()) as { id: string }).id);
  const customerIds: string[] = [];
  for (const i of [1, 2, 3]) {
    const c = await json(
      api,
      'POST',
      '/v1/customers',
      { fullName: `Scan Customer ${i}`, email: `customer${i}@example.test`, nationalId: `ID-${i}` },
      token,
    );
    customerIds.push(String(c.id));
  }
  const payment = await json(
    api,
    'POST',
    '/v1/payments',
    {
      customerId: customerIds[0],
      amount: 2500,
      currency: 'EUR',
      description: 'scan',
      card: {
        number: '4242424242424242',
        expMonth: 12,
        expYear: new Date().getFullYear() + 2,
        cvc: '123',
      },
    },
    token,
    { 'idempotency-key': 'scan-seed-1' },
  );
  const q = (params: Record<string, string>): string => new URLSearchParams(params).toString();
  return [
    {
      name: 'customers list + filter',
      path: `/v1/customers?${q({ email: 'customer1@example.test', limit: '10', sort: '-createdAt' })}`,
      token,
    },
    { name: 'customer by id', path: `/v1/customers/${customerIds[0]}*`, token },
    { name: 'customer export by id', path: `/v1/customers/${customerIds[1]}*/export`, token },
    {
      name: 'payments list + filters',
      path: `/v1/payments?${q({ customerId: customerIds[0], status: 'succeeded', limit: '10', sort: '-createdAt' })}`,
      token,
    },
    { name: 'payment by id', path: `/v1/payments/${String(payment.id)}*`, token },
    {
      name: 'audit log list + filters',
      path: `/v1/audit-logs?${q({
        actorId: userId,
        action: 'customers.create',
        resourceType: 'customers',
        resourceId: customerIds[0],
        outcome: 'success',
        limit: '10',
      })}`,
      token: auditorToken,
    },
    {
      name: 'login (JSON body)',
      path: '/v1/auth/login',
      token: '',
      data: JSON.stringify({ email: user.email, password: 'not-the-password-1' }),
    },
  ];
}

function sqlmapArgs(target: Target, api: ThrowawayApi, dir: string, traffic: string): string[] {
  const args = [
    '-u',
    `${api.url}${target.path}`,
    '--batch',
    `--level=${process.env.SQLMAP_LEVEL ?? '3'}`,
    `--risk=${process.env.SQLMAP_RISK ?? '2'}`,
    // The back end is known: testing PostgreSQL payloads only keeps the run bounded.
    '--dbms=PostgreSQL',
    '--time-sec=2',
    '--threads=4',
    '--flush-session',
    '--disable-coloring',
    `--output-dir=${dir}`,
    '-t',
    traffic,
  ];
  if (target.token) args.push('-H', `Authorization: Bearer ${target.token}`);
  // A failed login is a 401: without this sqlmap stops at its connection test.
  if (target.data)
    args.push('--data', target.data, '-H', 'Content-Type: application/json', '--ignore-code=401');
  return args;
}

function runTarget(
  target: Target,
  api: ThrowawayApi,
  dir: string,
  timeoutSeconds: number,
): Promise<TargetResult> {
  const slug = target.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const traffic = join(dir, `${slug}.traffic.txt`);
  const logFile = join(dir, `${slug}.log`);
  const args = sqlmapArgs(target, api, join(dir, slug), traffic);
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('sqlmap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutSeconds * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      writeFileSync(logFile, output);
      let trafficText = '';
      try {
        trafficText = readFileSync(traffic, 'utf8');
      } catch {
        // No request was sent.
      }
      const statuses: Record<string, number> = {};
      for (const match of trafficText.matchAll(/^HTTP response \[#\d+\] \((\d{3})/gm))
        statuses[match[1]] = (statuses[match[1]] ?? 0) + 1;
      const injectionPoints = [...output.matchAll(/^Parameter: (.+)$/gm)].map((m) => m[1]);
      const injectable =
        injectionPoints.length > 0 ||
        /identified the following injection point|appears to be injectable|is vulnerable/i.test(
          output,
        );
      const finished = /do not appear to be injectable|not injectable|injection point/i.test(
        output,
      );
      done({
        name: target.name,
        request: `${target.data ? 'POST' : 'GET'} ${target.path}`,
        verdict: injectable
          ? 'INJECTABLE'
          : timedOut || !finished
            ? 'incomplete'
            : 'not injectable',
        seconds: Math.round((Date.now() - started) / 1000),
        requests: (trafficText.match(/^HTTP request \[#\d+\]/gm) ?? []).length,
        statuses,
        injectionPoints,
      });
    });
  });
}

async function main(): Promise<number> {
  const probe = spawnSync('sqlmap', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    out('sqlmap is not installed: apt-get install -y sqlmap (Debian) and run again.');
    return 2;
  }
  const version = probe.stdout.split('\n')[0].trim();
  const dir = resolve(
    process.env.SQLMAP_OUTPUT_DIR ??
      join('.data', 'sqlmap', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  mkdirSync(dir, { recursive: true });
  const timeoutSeconds = Number(process.env.SQLMAP_TARGET_TIMEOUT_SECONDS ?? '600');
  const api = await startThrowawayApi({
    env: SCAN_ENV,
    adminDatabaseUrl: process.env.SQLMAP_ADMIN_DATABASE_URL,
    log: out,
  });
  const results: TargetResult[] = [];
  try {
    const targets = await seed(api);
    out(`sqlmap ${version} against ${api.url}; output in ${dir}`);
    for (const target of targets) {
      out(`- ${target.name}: ${target.data ? 'POST' : 'GET'} ${target.path}`);
      const result = await runTarget(target, api, dir, timeoutSeconds);
      out(
        `  ${result.verdict}; ${result.requests} requests in ${result.seconds} s; statuses ${JSON.stringify(result.statuses)}`,
      );
      results.push(result);
    }
    const ready = await fetch(`${api.url}/health/ready`);
    out(`/health/ready after the scan: ${ready.status}`);
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          sqlmap: version,
          options: sqlmapArgs(targets[0], api, '<dir>', '<traffic>').filter((a) =>
            a.startsWith('--'),
          ),
          results,
          readyAfter: ready.status,
        },
        null,
        2,
      ),
    );
    const serverErrors = results.some((r) =>
      Object.keys(r.statuses).some((s) => s.startsWith('5')),
    );
    const bad = results.filter((r) => r.verdict !== 'not injectable');
    out(
      bad.length === 0 && !serverErrors && ready.status === 200
        ? `No injection found on ${results.length} targets; no 5xx.`
        : `Attention: ${bad.map((r) => `${r.name} (${r.verdict})`).join(', ') || 'a 5xx was answered'}.`,
    );
    return bad.length === 0 && !serverErrors && ready.status === 200 ? 0 : 1;
  } finally {
    await api.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`scan failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
