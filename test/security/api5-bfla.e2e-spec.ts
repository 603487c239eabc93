import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createClientToken, loginAs, LoggedInUser } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createPayment, paymentBody } from '../e2e/payments/payments-helpers';
import { createCustomer, customerBody } from './security-helpers';

/**
 * OWASP API5:2023 Broken Function Level Authorization: a caller reaches a function meant for
 * another role (admin, auditor) or another kind of principal (a user-only function with an OAuth
 * client token), by guessing the route, switching the method, or overriding it.
 *
 * Defences: deny by default (src/auth/guards/authentication.guard.ts: a route without @Public()
 * needs a token), one rule per route (src/auth/decorators/authorize.decorator.ts, enforced by
 * src/auth/guards/authorization.guard.ts: roles read live, principal kinds, scopes with
 * `insufficient_scope`), no user management over HTTP (the CLI only: src/cli/commands/).
 *
 * Already proven, not repeated here:
 * - test/e2e/auth/route-inventory.e2e-spec.ts "should have every route either @Public() or
 *   covered by an @Authorize rule", "should answer 401 with WWW-Authenticate: Bearer on every
 *   protected route without a token";
 * - test/e2e/auth/guards.e2e-spec.ts "should refuse a route that has no @Authorize rule even with
 *   a valid token", "should take a role change effect at the next request (roles read live, not
 *   from the token)";
 * - test/e2e/customers/customers.e2e-spec.ts "should not let support change, erase or export a
 *   customer", "should refuse the auditor every customer route";
 * - test/e2e/payments/refunds.e2e-spec.ts "should let an admin refund any payment, and refuse
 *   support (403)".
 */
describe('OWASP API5:2023 Broken Function Level Authorization (e2e)', () => {
  let t: TestApp;
  let user: LoggedInUser;
  let support: LoggedInUser;
  let auditor: LoggedInUser;
  let customerId: string;
  let paymentId: string;

  beforeAll(async () => {
    t = await startTestApp();
    [user, support, auditor] = [
      await loginAs(t, 'user'),
      await loginAs(t, 'support'),
      await loginAs(t, 'auditor'),
    ];
    customerId = await createCustomer(t, user.accessToken);
    paymentId = (await createPayment(t, user.accessToken, paymentBody(customerId)).expect(201)).body
      .id as string;
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: object) => {
    const req = request(t.url)[method](path).set('Idempotency-Key', randomUUID());
    return body ? req.send(body) : req;
  };

  it('should refuse the audit log and its verification to users and support', async () => {
    for (const who of [user, support])
      for (const path of ['/v1/audit-logs', '/v1/audit-logs/verify']) {
        const res = await call('get', path).set(...bearer(who.accessToken));
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
    // Control: the auditor holds the function.
    await call('get', '/v1/audit-logs/verify')
      .set(...bearer(auditor.accessToken))
      .expect(200);
  });

  it('should refuse every write function to support and every customer or payment function to the auditor', async () => {
    const writes: [string, () => request.Test][] = [
      ['create customer', () => call('post', '/v1/customers', customerBody())],
      ['patch customer', () => call('patch', `/v1/customers/${customerId}`, { fullName: 'X' })],
      ['erase customer', () => call('delete', `/v1/customers/${customerId}`)],
      ['export customer', () => call('get', `/v1/customers/${customerId}/export`)],
      ['create payment', () => call('post', '/v1/payments', paymentBody(customerId))],
      ['refund', () => call('post', `/v1/payments/${paymentId}/refunds`, { amount: 1 })],
      [
        'create OAuth client',
        () => call('post', '/v1/oauth/clients', { name: 'x', scopes: ['customers:read'] }),
      ],
    ];
    const reads: [string, () => request.Test][] = [
      ['list customers', () => call('get', '/v1/customers')],
      ['read customer', () => call('get', `/v1/customers/${customerId}`)],
      ['list payments', () => call('get', '/v1/payments')],
      ['read payment', () => call('get', `/v1/payments/${paymentId}`)],
    ];
    for (const [name, send] of writes) {
      const res = await send().set(...bearer(support.accessToken));
      expect({ who: 'support', name, status: res.status }).toEqual({
        who: 'support',
        name,
        status: 403,
      });
    }
    for (const [name, send] of [...writes, ...reads]) {
      const res = await send().set(...bearer(auditor.accessToken));
      expect({ who: 'auditor', name, status: res.status }).toEqual({
        who: 'auditor',
        name,
        status: 403,
      });
    }
    // Nothing changed: the customer is still there and the payment is not refunded.
    await call('get', `/v1/customers/${customerId}`)
      .set(...bearer(user.accessToken))
      .expect(200);
    const [row] = await t.sql<{ refunded_amount: number }>(
      'SELECT refunded_amount FROM payments WHERE id = $1',
      [paymentId],
    );
    expect(row.refunded_amount).toBe(0);
  });

  it('should refuse user-only functions to an OAuth client token, whatever its scopes', async () => {
    const client = await createClientToken(t, user.accessToken, [
      'customers:read',
      'customers:write',
      'payments:read',
      'payments:write',
    ]);
    const userOnly: [string, () => request.Test][] = [
      [
        'create client',
        () => call('post', '/v1/oauth/clients', { name: 'x', scopes: ['customers:read'] }),
      ],
      ['list clients', () => call('get', '/v1/oauth/clients')],
      ['delete client', () => call('delete', `/v1/oauth/clients/${client.clientId}`)],
      ['me', () => call('get', '/v1/auth/me')],
      ['logout', () => call('post', '/v1/auth/logout', {})],
      ['audit log', () => call('get', '/v1/audit-logs')],
    ];
    for (const [name, send] of userOnly) {
      const res = await send().set(...bearer(client.accessToken));
      expect({ name, status: res.status }).toEqual({ name, status: 403 });
    }
    // The client still works for what it is for: it did not delete itself.
    await call('get', '/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(200);
  });

  it('should hold an OAuth client to its scopes with insufficient_scope (RFC 6750 §3.1)', async () => {
    const reader = await createClientToken(t, user.accessToken, ['customers:read']);
    for (const [name, send] of [
      ['create customer', () => call('post', '/v1/customers', customerBody())],
      ['erase customer', () => call('delete', `/v1/customers/${customerId}`)],
      ['list payments', () => call('get', '/v1/payments')],
      ['create payment', () => call('post', '/v1/payments', paymentBody(customerId))],
    ] as [string, () => request.Test][]) {
      const res = await send().set(...bearer(reader.accessToken));
      expect({ name, status: res.status }).toEqual({ name, status: 403 });
      expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    }
  });

  it('should offer no user or role management over HTTP', async () => {
    for (const [method, path] of [
      ['post', '/v1/users'],
      ['get', '/v1/users'],
      ['post', '/v1/admin/users'],
      ['patch', `/v1/users/${user.userId}`],
      ['patch', '/v1/auth/me'],
      ['put', '/v1/auth/me'],
      ['post', '/v1/auth/roles'],
    ] as const) {
      const agent = request(t.url);
      const res = await agent[method](path)
        .set(...bearer(user.accessToken))
        .send({ roles: ['admin'] });
      expect({ path, status: [404, 405].includes(res.status) }).toEqual({ path, status: true });
    }
    const me = await call('get', '/v1/auth/me')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(me.body.roles).toEqual(['user']);
  });

  it('should ignore method-override headers and parameters', async () => {
    for (const send of [
      () =>
        call('get', `/v1/customers/${customerId}`)
          .set('X-HTTP-Method-Override', 'DELETE')
          .set(...bearer(user.accessToken)),
      () =>
        call('post', `/v1/customers/${customerId}?_method=DELETE`, {}).set(
          ...bearer(user.accessToken),
        ),
      () =>
        call('get', `/v1/customers/${customerId}`)
          .set('X-HTTP-Method', 'DELETE')
          .set('X-Method-Override', 'DELETE')
          .set(...bearer(support.accessToken)),
    ])
      expect((await send()).status).not.toBe(204);
    await call('get', `/v1/customers/${customerId}`)
      .set(...bearer(user.accessToken))
      .expect(200);
  });

  it('should withdraw an admin function at once when the role is taken away', async () => {
    const admin = await loginAs(t, 'admin');
    await call('get', '/v1/audit-logs')
      .set(...bearer(admin.accessToken))
      .expect(200);
    await t.sql("UPDATE users SET roles = '{user}' WHERE id = $1", [admin.userId]);
    // Same token, still unexpired: the role is read live (src/auth/strategies/principal.resolver.ts).
    await call('get', '/v1/audit-logs')
      .set(...bearer(admin.accessToken))
      .expect(403);
  });
});
