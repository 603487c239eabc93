import { TestApp } from '../../helpers/test-app';
import {
  createPayment,
  merchant,
  paymentBody,
  startPaymentsApp,
  TEST_CARDS,
} from './payments-helpers';

describe('payment velocity limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startPaymentsApp({
      PAYMENT_VELOCITY_WINDOW_SECONDS: '600',
      PAYMENT_VELOCITY_MAX_COUNT: '3',
      PAYMENT_VELOCITY_MAX_AMOUNT: '10000',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should answer 429 quota-exceeded past the per-owner count, with Retry-After, and write nothing', async () => {
    const alice = await merchant(t);
    for (let i = 0; i < 2; i++)
      await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { amount: 100 }),
      ).expect(201);
    // Declines count: card testing is a stream of declines.
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, { amount: 100 }, { number: TEST_CARDS.declined }),
    ).expect(201);
    const res = await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, { amount: 100 }),
    ).expect(429);
    expect(res.body.type).toMatch(/quota-exceeded$/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(res.headers['ratelimit-policy']).toMatch(/q=3;w=600/);
    const [row] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM payments WHERE owner_id = $1',
      [alice.userId],
    );
    expect(row.n).toBe(3);

    // Another owner has a budget of their own.
    const bob = await merchant(t);
    await createPayment(t, bob.accessToken, paymentBody(bob.customerId, { amount: 100 })).expect(
      201,
    );
  });

  it('should answer 429 past the per-owner amount in one currency, other currencies unaffected', async () => {
    const carol = await merchant(t);
    await createPayment(
      t,
      carol.accessToken,
      paymentBody(carol.customerId, { amount: 9000 }),
    ).expect(201);
    const res = await createPayment(
      t,
      carol.accessToken,
      paymentBody(carol.customerId, { amount: 1001 }),
    ).expect(429);
    expect(res.body.type).toMatch(/quota-exceeded$/);
    await createPayment(
      t,
      carol.accessToken,
      paymentBody(carol.customerId, { amount: 1000 }),
    ).expect(201);
    await createPayment(
      t,
      carol.accessToken,
      paymentBody(carol.customerId, { amount: 9000, currency: 'USD' }),
    ).expect(201);
  });

  it('should admit exactly the limit under 10 parallel requests', async () => {
    const dave = await merchant(t);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        createPayment(t, dave.accessToken, paymentBody(dave.customerId, { amount: 10 })).then(
          (r) => r,
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('should open the budget again once payments leave the window', async () => {
    const erin = await merchant(t);
    for (let i = 0; i < 3; i++)
      await createPayment(t, erin.accessToken, paymentBody(erin.customerId, { amount: 10 })).expect(
        201,
      );
    await createPayment(t, erin.accessToken, paymentBody(erin.customerId, { amount: 10 })).expect(
      429,
    );
    await t.sql(
      "UPDATE payments SET created_at = created_at - interval '601 seconds' WHERE owner_id = $1",
      [erin.userId],
    );
    await createPayment(t, erin.accessToken, paymentBody(erin.customerId, { amount: 10 })).expect(
      201,
    );
  });
});
