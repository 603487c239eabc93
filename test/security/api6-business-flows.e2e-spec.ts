import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createClientToken, loginAs } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  createPayment,
  merchant,
  paymentBody,
  refund,
  sendWebhook,
  TEST_CARDS,
} from '../e2e/payments/payments-helpers';
import { createCustomer } from './security-helpers';

/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: automated abuse of a flow
 * that is legitimate one request at a time: card testing, double refunds, retry storms that
 * charge twice, client-secret guessing.
 *
 * Defences: the per-owner velocity limit counted inside the payment transaction
 * (src/payments/velocity/velocity-limiter.ts), idempotency keys with a race-safe claim
 * (src/payments/idempotency/idempotency.service.ts), refunds under a row lock with a CHECK that
 * the refunded amount never exceeds the amount (src/payments/payments.service.ts,
 * migrations/1764000500000-Payments.ts), webhook event ids remembered
 * (src/payments/webhooks/processor-webhook.service.ts), and route limits on the token endpoint
 * (src/rate-limit/route-limits.ts).
 *
 * Already proven, not repeated here:
 * - test/e2e/payments/velocity.e2e-spec.ts "should answer 429 quota-exceeded past the per-owner
 *   count, with Retry-After, and write nothing" (declines count), "should admit exactly the limit
 *   under 10 parallel requests";
 * - test/e2e/payments/idempotency.e2e-spec.ts "should create exactly one payment from 20 parallel
 *   identical requests";
 * - test/e2e/payments/refunds.e2e-spec.ts "should never refund more than the amount under
 *   concurrent refund requests (row lock)";
 * - test/e2e/payments/webhooks.e2e-spec.ts "should acknowledge a replayed event id with 200 and
 *   change nothing".
 */
describe('OWASP API6:2023 Unrestricted Access to Sensitive Business Flows (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PAYMENT_VELOCITY_MAX_COUNT: '6',
        RATE_LIMIT_OAUTH_TOKEN_LIMIT: '5',
        RATE_LIMIT_OAUTH_TOKEN_WINDOW_SECONDS: '3600',
        RATE_LIMIT_KEY_PREFIX: `api6-${Date.now()}:`,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const paymentsOf = async (ownerId: string): Promise<number> =>
    (
      await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE owner_id = $1', [
        ownerId,
      ])
    )[0].n;

  it('should not let card testing escape the velocity limit through more customers and OAuth clients', async () => {
    const fraudster = await merchant(t);
    const customers = [fraudster.customerId];
    for (let i = 0; i < 2; i++) customers.push(await createCustomer(t, fraudster.accessToken));
    const clients = [
      fraudster.accessToken,
      (await createClientToken(t, fraudster.accessToken, ['payments:write'])).accessToken,
      (await createClientToken(t, fraudster.accessToken, ['payments:write'])).accessToken,
    ];
    // Six card numbers tried, spread over three customers and three principals: one budget.
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await createPayment(
        t,
        clients[i % 3],
        paymentBody(customers[i % 3], { amount: 100 }, { number: TEST_CARDS.declined }),
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429, 429, 429]);
    expect(await paymentsOf(fraudster.userId)).toBe(6);
  });

  it('should charge once for a retry storm on one Idempotency-Key, parallel and sequential', async () => {
    const shopper = await merchant(t);
    const key = randomUUID();
    const body = paymentBody(shopper.customerId, { amount: 2500 });
    const parallel = await Promise.all(
      Array.from({ length: 8 }, () => createPayment(t, shopper.accessToken, body, key)),
    );
    const sequential = [];
    for (let i = 0; i < 4; i++)
      sequential.push(await createPayment(t, shopper.accessToken, body, key));
    const created = [...parallel, ...sequential].filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(5);
    // Every success is the same payment; the others were 409 (in flight), never a second charge.
    expect(new Set(created.map((r) => r.body.id as string)).size).toBe(1);
    expect([...parallel, ...sequential].every((r) => r.status === 201 || r.status === 409)).toBe(
      true,
    );
    expect(await paymentsOf(shopper.userId)).toBe(1);
  });

  it('should not refund twice through the API, an admin and the processor webhook racing', async () => {
    const shopper = await merchant(t);
    const admin = await loginAs(t, 'admin');
    const payment = await createPayment(
      t,
      shopper.accessToken,
      paymentBody(shopper.customerId, { amount: 1000 }),
    ).expect(201);
    const id = payment.body.id as string;
    const results = await Promise.all([
      refund(t, shopper.accessToken, id, { amount: 1000 }),
      refund(t, admin.accessToken, id, { amount: 1000 }),
      refund(t, shopper.accessToken, id, { amount: 600 }),
      sendWebhook(t, {
        id: `evt_${randomUUID()}`,
        type: 'payment.refunded',
        created: Math.floor(Date.now() / 1000),
        data: { paymentId: id, amount: 1000 },
      }),
    ]);
    const [row] = await t.sql<{ refunded_amount: number; refunds: number }>(
      `SELECT p.refunded_amount,
              (SELECT coalesce(sum(amount), 0)::int FROM payment_refunds WHERE payment_id = p.id) AS refunds
         FROM payments p WHERE p.id = $1`,
      [id],
    );
    expect(row.refunded_amount).toBeLessThanOrEqual(1000);
    expect(row.refunds).toBe(row.refunded_amount);
    // Whatever the order, at least one refund won and every loser was refused cleanly (422).
    expect(results.every((r) => r.status < 500)).toBe(true);
    expect(
      results.filter((r) => r.status === 201 || r.status === 200).length,
    ).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r.status >= 400).every((r) => r.status === 422)).toBe(true);
  });

  it('should stop client-secret guessing at the token endpoint per address', async () => {
    const owner = await loginAs(t, 'user');
    const client = await createClientToken(t, owner.accessToken, ['customers:read']);
    const statuses: number[] = [];
    // The budget (5 per address and minute) is shared with the tokens fetched above.
    for (let i = 0; i < 6; i++) {
      const res = await request(t.url)
        .post('/v1/oauth/token')
        .auth(client.clientId, `guess-${i}-${randomUUID()}`)
        .type('form')
        .send({ grant_type: 'client_credentials' });
      statuses.push(res.status);
    }
    // Wrong secrets are 401 until the budget is spent, then every attempt is 429.
    expect(statuses.join(',')).toMatch(/^(401,)*429(,429)*$/);
    // Even the right secret waits out the window now.
    const right = await request(t.url)
      .post('/v1/oauth/token')
      .auth(client.clientId, client.clientSecret)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(right.status).toBe(429);
    expect(right.text).not.toContain('access_token');
  });
});
