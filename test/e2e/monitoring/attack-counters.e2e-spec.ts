import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { Client } from 'pg';
import request from 'supertest';
import { AuditSealer } from '../../../src/audit/audit-sealer';
import { jwkThumbprint } from '../../../src/auth/tokens/signing-keys';
import { bearer, createUser, loginAs, LoggedInUser } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { createPayment, merchant, paymentBody, sendWebhook } from '../payments/payments-helpers';
import { delta, scrape, Sample } from './metrics-helpers';

/**
 * Each attack the monitoring issue names, run over real HTTP against the real app on real
 * PostgreSQL, moves its counter; afterwards no label anywhere carries an id, an email, a token
 * or any value outside the allow-lists (docs/monitoring.md "No personal data ... in labels").
 */
describe('security counters move on attacks (e2e)', () => {
  let t: TestApp;
  let alice: LoggedInUser;
  const seen = new Set<string>(); // every id, email and token the test handled

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        LOGIN_LOCKOUT_ACCOUNT_FAILURES: '3',
        LOGIN_LOCKOUT_ADDRESS_FAILURES: '1000',
        RATE_LIMIT_LOGIN_LIMIT: '1000',
        RATE_LIMIT_ADDRESS_LIMIT: '100000',
      },
    });
    alice = await loginAs(t);
    remember(alice);
  });
  afterAll(async () => {
    await t.close();
  });

  function remember(user: Partial<LoggedInUser> & { userId: string; email: string }): void {
    for (const value of [user.userId, user.email, user.accessToken, user.refreshToken])
      if (value) seen.add(value);
  }

  /** Signs a token with the test's own signing key, with any claims and header changes. */
  function forge(
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key = createPrivateKey(t.config.auth.jwtPrivateKeyPem),
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const kid = jwkThumbprint(createPublicKey(t.config.auth.jwtPrivateKeyPem));
    return jwt.sign(
      {
        iss: t.config.auth.issuer,
        aud: t.config.auth.audience,
        sub: alice.userId,
        sid: randomUUID(),
        jti: randomUUID(),
        iat: now,
        exp: now + 300,
        ...claims,
      },
      key,
      { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid, ...header } },
    );
  }

  it('should count a failed login', async () => {
    const moved = await delta(t, 'security_login_failures_total', {}, () =>
      request(t.url)
        .post('/v1/auth/login')
        .send({ email: alice.email, password: 'wrong-password-123456' })
        .expect(401),
    );
    expect(moved).toBe(1);
  });

  it('should count an account lock-out and its 429 by tier', async () => {
    const victim = await createUser(t);
    remember(victim);
    const before = await scrape(t);
    for (let i = 0; i < 3; i++)
      await request(t.url)
        .post('/v1/auth/login')
        .send({ email: victim.email, password: `wrong-password-${i}-abcdef` })
        .expect(401);
    await request(t.url)
      .post('/v1/auth/login')
      .send({ email: victim.email, password: victim.password })
      .expect(429);
    const after = await scrape(t);
    expect(moved(before, after, 'security_account_lockouts_total')).toBe(1);
    expect(moved(before, after, 'security_rate_limited_total', { tier: 'account' })).toBe(1);
    expect(moved(before, after, 'security_login_failures_total')).toBe(3);
  });

  it('should count a refresh-token reuse', async () => {
    const first = await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: alice.refreshToken })
      .expect(200);
    seen.add(first.body.refresh_token as string);
    const moved = await delta(t, 'security_refresh_token_reuse_total', {}, () =>
      request(t.url)
        .post('/v1/auth/refresh')
        .send({ refresh_token: alice.refreshToken })
        .expect(401),
    );
    expect(moved).toBe(1);
    alice = await loginAs(t); // the reuse revoked the session: continue with a fresh user
    remember(alice);
  });

  it.each([
    ['expired', () => forge({ exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['bad_signature', () => forge({}).slice(0, -6) + 'AAAAAA'],
    ['wrong_audience', () => forge({ aud: 'another-api' })],
    ['wrong_issuer', () => forge({ iss: 'https://evil.example' })],
    ['unknown_kid', () => forge({}, { kid: 'no-such-key' })],
    ['wrong_type', () => forge({}, { typ: 'JWT' })],
    // RFC 8725 §2.1: HS256 "signed" with a secret of the attacker's choosing, our real kid.
    [
      'bad_algorithm',
      () =>
        jwt.sign({ sub: alice.userId, aud: t.config.auth.audience }, 'attacker-chosen-secret', {
          algorithm: 'HS256',
          header: {
            alg: 'HS256',
            typ: 'at+jwt',
            kid: jwkThumbprint(createPublicKey(t.config.auth.jwtPrivateKeyPem)),
          },
        }),
    ],
    ['malformed', () => 'not-a-jwt'],
  ])('should count a token refused as %s', async (reason, token) => {
    const value = token();
    seen.add(value);
    const moved = await delta(t, 'security_tokens_refused_total', { reason }, () =>
      request(t.url)
        .get('/v1/auth/me')
        .set(...bearer(value))
        .expect(401),
    );
    expect(moved).toBe(1);
  });

  it('should count a token of a revoked session as revoked', async () => {
    const bob = await loginAs(t);
    remember(bob);
    await request(t.url)
      .post('/v1/auth/logout')
      .set(...bearer(bob.accessToken))
      .send({})
      .expect(204);
    const moved = await delta(t, 'security_tokens_refused_total', { reason: 'revoked' }, () =>
      request(t.url)
        .get('/v1/auth/me')
        .set(...bearer(bob.accessToken))
        .expect(401),
    );
    expect(moved).toBe(1);
  });

  it('should count 401 and 403 responses by route template', async () => {
    const before = await scrape(t);
    await request(t.url)
      .get('/v1/audit-logs')
      .set(...bearer(alice.accessToken))
      .expect(403);
    await request(t.url).get(`/v1/payments/${randomUUID()}`).expect(401);
    const after = await scrape(t);
    expect(moved(before, after, 'security_forbidden_total', { route: '/v1/audit-logs' })).toBe(1);
    expect(moved(before, after, 'security_unauthorized_total', { route: '/v1/payments/:id' })).toBe(
      1,
    );
  });

  it("should count a 404 for another owner's payment", async () => {
    const owner = await merchant(t);
    remember(owner);
    const created = await createPayment(t, owner.accessToken, paymentBody(owner.customerId)).expect(
      201,
    );
    seen.add(created.body.id as string);
    const moved = await delta(
      t,
      'security_foreign_object_not_found_total',
      { resource: 'payment' },
      () =>
        request(t.url)
          .get(`/v1/payments/${created.body.id as string}`)
          .set(...bearer(alice.accessToken))
          .expect(404),
    );
    expect(moved).toBe(1);
  });

  it('should count an idempotency conflict', async () => {
    const owner = await merchant(t);
    remember(owner);
    const key = randomUUID();
    await createPayment(t, owner.accessToken, paymentBody(owner.customerId), key).expect(201);
    const moved = await delta(t, 'security_idempotency_conflicts_total', { kind: 'mismatch' }, () =>
      createPayment(t, owner.accessToken, paymentBody(owner.customerId, { amount: 5 }), key).expect(
        422,
      ),
    );
    expect(moved).toBe(1);
  });

  it('should count a webhook with a bad signature', async () => {
    const event = { id: `evt_${randomUUID()}`, type: 'payment.refunded', created: 1, data: {} };
    const moved = await delta(
      t,
      'security_webhook_signature_failures_total',
      { reason: 'invalid' },
      () => sendWebhook(t, event, { secret: 'not-the-secret-0123456789abcdef0123' }).expect(401),
    );
    expect(moved).toBe(1);
  });

  it('should count an audit write failure', async () => {
    const owner = await merchant(t);
    remember(owner);
    await withOwner((c) => c.query('REVOKE INSERT ON audit_log FROM app_runtime'));
    try {
      const moved = await delta(t, 'audit_write_failures_total', {}, () =>
        createPayment(t, owner.accessToken, paymentBody(owner.customerId)).expect(503),
      );
      expect(moved).toBeGreaterThanOrEqual(1);
    } finally {
      await withOwner((c) => c.query('GRANT INSERT ON audit_log TO app_runtime'));
    }
  });

  it('should report a broken audit chain after verification', async () => {
    const auditor = await loginAs(t, 'auditor');
    remember(auditor);
    await request(t.url)
      .get('/v1/audit-logs/verify')
      .set(...bearer(auditor.accessToken))
      .expect(200);
    let samples = await scrape(t);
    expect(value(samples, 'audit_chain_valid')).toBe(1);
    expect(value(samples, 'audit_chain_last_verification_timestamp_seconds')).toBeGreaterThan(0);

    await withOwner(async (c) => {
      await c.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await c.query(
        "UPDATE audit_log SET action = 'tampered.entry' WHERE seq = (SELECT min(seq) FROM audit_chain)",
      );
      await c.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
    const res = await request(t.url)
      .get('/v1/audit-logs/verify')
      .set(...bearer(auditor.accessToken))
      .expect(200);
    expect(res.body.valid).toBe(false);
    samples = await scrape(t);
    expect(value(samples, 'audit_chain_valid')).toBe(0);
    expect(value(samples, 'audit_chain_verifications_total', { result: 'invalid' })).toBe(1);
    expect(value(samples, 'audit_unsealed_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('should report the age of the oldest audit entry the sealer has not linked yet', async () => {
    // An entry written 10 minutes ago and never sealed: what a stuck sealer looks like. The
    // app's sealer is stopped first (its 5 s sweep, or a kick from an earlier request, could
    // link the entry before the scrape: this test once failed that way in CI); inserted as the
    // superuser, the entry kicks no sealer.
    const sealer = t.app.get(AuditSealer);
    sealer.stop();
    await t.sql(
      `INSERT INTO audit_log (id, at, actor_type, action, outcome)
       VALUES (gen_random_uuid(), now() - interval '10 minutes', 'anonymous', 'probe.stalled', 'success')`,
    );
    const samples = await scrape(t);
    expect(value(samples, 'audit_unsealed_entries')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'audit_unsealed_oldest_age_seconds')).toBeGreaterThanOrEqual(600);
    // Linked now (sealNow works on a stopped sealer), so the rest of the file sees no backlog.
    await sealer.sealNow();
  });

  it('should carry no personal data and no value outside the allow-lists in any label', async () => {
    const samples = await scrape(t);
    const routes = new Set<string>();
    for (const s of samples) if (s.labels.route) routes.add(s.labels.route);
    // Route labels are templates or the fixed `unmatched`: no raw id, no query string.
    for (const route of routes) {
      expect(route === 'unmatched' || /^\/[A-Za-z0-9/:._-]*$/.test(route)).toBe(true);
      expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    }
    for (const s of samples)
      for (const [name, value] of Object.entries(s.labels)) {
        const allowed = ALLOWED_LABELS[name];
        expect({ metric: s.name, label: name, allowed: allowed !== undefined }).toEqual({
          metric: s.name,
          label: name,
          allowed: true,
        });
        if (allowed instanceof RegExp) expect(value).toMatch(allowed);
        else if (allowed !== ANY_ROUTE) expect(allowed).toContain(value);
      }
    const text = JSON.stringify(samples);
    for (const secret of seen) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/@example\.test/);
  });

  async function withOwner(fn: (c: Client) => Promise<unknown>): Promise<void> {
    const client = new Client({ connectionString: t.db.ownerUrl });
    await client.connect();
    try {
      await fn(client);
    } finally {
      await client.end();
    }
  }
});

const ANY_ROUTE = Symbol('checked above');
/** Every label name any metric may carry, and its allowed values. */
const ALLOWED_LABELS: Record<string, readonly string[] | RegExp | typeof ANY_ROUTE> = {
  method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'],
  route: ANY_ROUTE,
  status: /^[1-5]\d\d$/,
  le: /^(\d+(\.\d+)?|\+Inf)$/,
  reason: [
    'expired',
    'bad_signature',
    'revoked',
    'wrong_audience',
    'wrong_issuer',
    'wrong_type',
    'unknown_kid',
    'bad_algorithm',
    'malformed',
    'missing',
    'invalid',
    'stale',
    'other',
  ],
  tier: ['address', 'principal', 'route', 'login', 'account', 'velocity', 'other'],
  resource: ['customer', 'payment', 'refund', 'oauth_client', 'audit_log', 'other'],
  // idempotency conflicts; and prom-client's GC metric kinds
  kind: ['mismatch', 'in_flight', 'other', 'major', 'minor', 'incremental', 'weakcb'],
  action: ['sessions_revoked', 'user_disabled', 'client_revoked', 'signing_key_rotated', 'other'],
  result: ['valid', 'invalid'],
  // prom-client default process metrics
  version: /^v\d+\.\d+\.\d+$/,
  major: /^\d+$/,
  minor: /^\d+$/,
  patch: /^\d+$/,
  space: /^[a-z_]+$/,
  type: /^[A-Za-z_]+$/, // nodejs_active_resources: libuv handle types
};

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function moved(
  before: Sample[],
  after: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return value(after, name, labels) - value(before, name, labels);
}

describe('429s counted by limiter tier (e2e)', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('should count refusals of the route, principal and payment-velocity limits by tier', async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_REGISTER_LIMIT: '2',
        RATE_LIMIT_PRINCIPAL_LIMIT: '3',
        PAYMENT_VELOCITY_MAX_COUNT: '1',
      },
    });
    const before = await scrape(t);
    const register = () =>
      request(t.url)
        .post('/v1/auth/register')
        .send({ email: `tier-${randomUUID()}@example.test`, password: 'a-long-enough-password-1' });
    await register().expect(202);
    await register().expect(202);
    await register().expect(429);

    const user = await loginAs(t);
    for (let i = 0; i < 3; i++)
      await request(t.url)
        .get('/v1/auth/me')
        .set(...bearer(user.accessToken))
        .expect(200);
    await request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(user.accessToken))
      .expect(429);

    const owner = await merchant(t); // one principal hit (the customer)
    await createPayment(t, owner.accessToken, paymentBody(owner.customerId)).expect(201);
    await createPayment(t, owner.accessToken, paymentBody(owner.customerId)).expect(429);

    const after = await scrape(t);
    expect(moved(before, after, 'security_rate_limited_total', { tier: 'route' })).toBe(1);
    expect(moved(before, after, 'security_rate_limited_total', { tier: 'principal' })).toBe(1);
    expect(moved(before, after, 'security_rate_limited_total', { tier: 'velocity' })).toBe(1);
  });

  it('should count refusals of the per-address limit as tier address', async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ADDRESS_LIMIT: '3' } });
    // The scrapes go to the metrics listener, which no limiter sees.
    const moved = await delta(t, 'security_rate_limited_total', { tier: 'address' }, async () => {
      for (let i = 0; i < 3; i++) await request(t.url).get('/health/live').expect(200);
      await request(t.url).get('/health/live').expect(429);
    });
    expect(moved).toBe(1);
  });
});
