import http from 'node:http';

import { DiscoveryModule } from '@nestjs/core';
import request from 'supertest';
import { bearer, createClientToken, loginAs } from '../helpers/auth';
import { listRoutes } from '../helpers/routes';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The fuzzing harness: the real application on a real PostgreSQL, one principal per role, seed
 * data so that valid ids exist, a raw HTTP sender (so any bytes, methods and headers can be
 * sent) and the response oracle every answer must pass.
 */

/** How many generated requests per route and principal (`npm run fuzz` raises it). */
export const NUM_RUNS = Number(process.env.FUZZ_NUM_RUNS ?? '12');
/** A fixed seed replays a failure exactly (fast-check prints the seed of a failing run). */
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/**
 * Limits generous enough that the fuzzer reaches the handlers instead of the limiter (which
 * still runs: its own answers must pass the oracle too). Velocity likewise.
 */
export const FUZZ_ENV: Record<string, string> = {
  RATE_LIMIT_ADDRESS_LIMIT: '1000000',
  RATE_LIMIT_PRINCIPAL_LIMIT: '1000000',
  RATE_LIMIT_LOGIN_LIMIT: '1000000',
  RATE_LIMIT_REGISTER_LIMIT: '1000000',
  RATE_LIMIT_REFRESH_LIMIT: '1000000',
  RATE_LIMIT_OAUTH_TOKEN_LIMIT: '1000000',
  RATE_LIMIT_PAYMENT_CREATE_LIMIT: '1000000',
  LOGIN_LOCKOUT_ACCOUNT_FAILURES: '1000',
  LOGIN_LOCKOUT_ADDRESS_FAILURES: '10000',
  PAYMENT_VELOCITY_MAX_COUNT: '1000000',
  PAYMENT_VELOCITY_MAX_AMOUNT: String(Number.MAX_SAFE_INTEGER),
};

/** The two endpoints that answer errors in the RFC 6749 §5.2 form instead of RFC 9457. */
export const OAUTH_ERROR_ROUTES = new Set(['POST /v1/oauth/token', 'POST /v1/oauth/revoke']);

export interface Route {
  method: string;
  path: string;
  key: string;
}

/** Every controller route of the running app (the same discovery as the route inventory). */
export function discoverRoutes(t: TestApp): Route[] {
  return listRoutes(t)
    .map(({ method, path }) => ({ method, path, key: `${method} ${path}` }))
    .sort((a, b) => destructiveLast(a) - destructiveLast(b));
}

/** Routes that end a session or erase data run last, so the others still meet live state. */
function destructiveLast(route: Route): number {
  if (route.key === 'POST /v1/auth/logout') return 2;
  return route.method === 'DELETE' ? 1 : 0;
}

export type Actor = 'user' | 'support' | 'auditor' | 'admin' | 'client' | 'anonymous';
export const ACTORS: Actor[] = ['user', 'support', 'auditor', 'admin', 'client', 'anonymous'];

/** Ids and secrets the generators draw "valid" values from. */
export interface FuzzWorld {
  tokens: Record<Actor, string | undefined>;
  /** Refresh tokens of a separate session per role: replaying one revokes only that session. */
  refreshTokens: string[];
  emails: string[];
  customerIds: string[];
  paymentIds: string[];
  /** A client of the user kept only to be deleted by the fuzzer (the fuzzing client stays). */
  spareClientIds: string[];
  clientCredentials: { id: string; secret: string };
  webhookSecret: string;
}

export interface FuzzApp {
  t: TestApp;
  routes: Route[];
  world: FuzzWorld;
}

const CARD_OK = '4242424242424242';
const CARD_DECLINED = '4000000000000002';

export async function startFuzzApp(): Promise<FuzzApp> {
  const t = await startTestApp({ env: FUZZ_ENV, extraModules: [DiscoveryModule] });
  const user = await loginAs(t, 'user');
  const support = await loginAs(t, 'support');
  const auditor = await loginAs(t, 'auditor');
  const admin = await loginAs(t, 'admin');
  const client = await createClientToken(t, user.accessToken, [
    'customers:read',
    'customers:write',
    'payments:read',
    'payments:write',
  ]);
  const spare = await createClientToken(t, user.accessToken, ['customers:read']);
  const customerIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await request(t.url)
      .post('/v1/customers')
      .set(...bearer(user.accessToken))
      .send({
        fullName: `Fuzz Seed ${i}`,
        email: `seed-${i}@example.test`,
        nationalId: '123456789',
      });
    if (res.status !== 201) throw new Error(`seed customer: ${res.status}`);
    customerIds.push(res.body.id);
  }
  const paymentIds: string[] = [];
  for (const [i, number] of [CARD_OK, CARD_DECLINED, CARD_OK].entries()) {
    const res = await request(t.url)
      .post('/v1/payments')
      .set(...bearer(user.accessToken))
      .set('Idempotency-Key', `seed-${i}`)
      .send({
        customerId: customerIds[0],
        amount: 1000,
        currency: 'EUR',
        card: { number, expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123' },
      });
    if (res.status !== 201) throw new Error(`seed payment: ${res.status}`);
    paymentIds.push(res.body.id);
  }
  const refreshTokens: string[] = [];
  for (const who of [user, support, auditor, admin]) {
    const second = await request(t.url)
      .post('/v1/auth/login')
      .send({ email: who.email, password: who.password });
    refreshTokens.push(second.body.refresh_token);
  }
  return {
    t,
    routes: discoverRoutes(t),
    world: {
      tokens: {
        user: user.accessToken,
        support: support.accessToken,
        auditor: auditor.accessToken,
        admin: admin.accessToken,
        client: client.accessToken,
        anonymous: undefined,
      },
      refreshTokens,
      emails: [user.email, support.email, auditor.email, admin.email],
      customerIds,
      paymentIds,
      spareClientIds: [spare.clientId],
      clientCredentials: { id: client.clientId, secret: client.clientSecret },
      webhookSecret: t.config.payments.webhookSecret,
    },
  };
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends exactly these bytes (no client-side validation beyond what HTTP/1.1 itself needs). */
export function send(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(req.body !== undefined ? { 'content-length': String(req.body.length) } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Internals that must never reach a client (contract: no stack, SQL, driver message, path). */
const LEAKS =
  /node_modules|QueryFailedError|TypeORMError|\bat [\w.<>]+ \(|\/src\/[\w/-]+\.(ts|js)|syntax error at or near|duplicate key value/;

/**
 * The oracle. Returns why a response is wrong, or undefined. Never a 5xx; every error an RFC
 * 9457 problem document whose `status` matches the response (`type`, `title`, `requestId`
 * present), or for the two OAuth endpoints an RFC 6749 §5.2 `{error}` JSON object; no
 * internals in any body; a server-generated `X-Request-Id` and `nosniff` on every response.
 */
export function violation(routeKey: string, req: RawRequest, res: RawResponse): string | undefined {
  if (res.status >= 500) return `server error ${res.status}: ${res.text.slice(0, 300)}`;
  if (LEAKS.test(res.text)) return `internal detail leaked: ${res.text.slice(0, 300)}`;
  // Headers every response carries (contract), refusals included.
  if (!UUID.test(String(res.headers['x-request-id'])))
    return `no server-generated X-Request-Id (${String(res.headers['x-request-id'])})`;
  if (res.headers['x-content-type-options'] !== 'nosniff') return 'no X-Content-Type-Options';
  if (res.headers['x-powered-by'] !== undefined) return 'X-Powered-By sent';
  if (res.status < 400 || req.method === 'HEAD') return undefined;
  const contentType = String(res.headers['content-type'] ?? '');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return `error ${res.status} without a JSON body (${contentType}): ${res.text.slice(0, 200)}`;
  }
  if (OAUTH_ERROR_ROUTES.has(routeKey) && contentType.startsWith('application/json')) {
    return typeof body.error === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(body.error)
      ? undefined
      : `OAuth error without an RFC 6749 error code: ${res.text.slice(0, 200)}`;
  }
  if (!contentType.startsWith('application/problem+json'))
    return `error ${res.status} with content-type ${contentType}`;
  const missing = ['type', 'title', 'requestId'].filter((k) => typeof body[k] !== 'string');
  if (missing.length > 0) return `problem without ${missing.join(', ')}: ${res.text.slice(0, 200)}`;
  if (body.status !== res.status) return `problem status ${String(body.status)} != ${res.status}`;
  if (body.requestId !== res.headers['x-request-id']) return 'problem requestId != X-Request-Id';
  return undefined;
}

/** After the run: ready, and an ordinary request by a fresh login still works. */
export async function assertHealthy(t: TestApp): Promise<void> {
  const ready = await request(t.url).get('/health/ready');
  expect(ready.status).toBe(200);
  const fresh = await loginAs(t, 'user');
  const created = await request(t.url)
    .post('/v1/customers')
    .set(...bearer(fresh.accessToken))
    .send({ fullName: 'After Fuzz', email: 'after-fuzz@example.test' });
  expect(created.status).toBe(201);
  const listed = await request(t.url)
    .get('/v1/customers')
    .set(...bearer(fresh.accessToken));
  expect(listed.status).toBe(200);
  expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
}
