import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { bearer } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import {
  countRows,
  createPayment,
  merchant,
  Merchant,
  paymentBody,
  refund,
  startPaymentsApp,
} from './payments-helpers';

const paymentsOf = async (t: TestApp, ownerId: string): Promise<number> =>
  (
    await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE owner_id = $1', [
      ownerId,
    ])
  )[0].n;

describe('payments idempotency (e2e)', () => {
  let t: TestApp;
  let alice: Merchant;

  beforeAll(async () => {
    t = await startPaymentsApp();
    alice = await merchant(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should require an Idempotency-Key of 1 to 255 visible ASCII characters (400)', async () => {
    const before = await countRows(t, 'payments');
    const missing = await request(t.url)
      .post('/v1/payments')
      .set(...bearer(alice.accessToken))
      .send(paymentBody(alice.customerId))
      .expect(400);
    expect(missing.body.type).toMatch(/idempotency-key-required$/);
    for (const key of ['x'.repeat(256), 'has space', 'tab\there', 'ünïcode']) {
      const res = await request(t.url)
        .post('/v1/payments')
        .set(...bearer(alice.accessToken))
        .set('Idempotency-Key', key)
        .send(paymentBody(alice.customerId));
      expect(res.status).toBe(400);
    }
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId),
      'x'.repeat(255),
    ).expect(201);
    expect(await countRows(t, 'payments')).toBe(before + 1);
  });

  it('should replay the first response (same status and body, marked) without a new payment', async () => {
    const key = randomUUID();
    const body = paymentBody(alice.customerId);
    const first = await createPayment(t, alice.accessToken, body, key).expect(201);
    const count = await paymentsOf(t, alice.userId);
    // Same payload, other key order: still the same request.
    const reordered = { card: body.card, currency: body.currency, ...body };
    const second = await createPayment(t, alice.accessToken, reordered, key).expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body).toEqual(first.body);
    expect(await paymentsOf(t, alice.userId)).toBe(count);
  });

  it('should replay a decline as a decline (the card is not charged again)', async () => {
    const key = randomUUID();
    const body = paymentBody(alice.customerId, {}, { number: '4000000000000002' });
    const first = await createPayment(t, alice.accessToken, body, key).expect(201);
    const second = await createPayment(t, alice.accessToken, body, key).expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.body.status).toBe('declined');
  });

  it('should answer 422 for the same key with another body, and write nothing', async () => {
    const key = randomUUID();
    await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key).expect(201);
    const count = await paymentsOf(t, alice.userId);
    const res = await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, { amount: 2000 }),
      key,
    ).expect(422);
    expect(res.body.type).toMatch(/idempotency-key-reused$/);
    // The card is part of the request too.
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, {}, { number: '5555555555554444' }),
      key,
    ).expect(422);
    expect(await paymentsOf(t, alice.userId)).toBe(count);
  });

  it('should answer 409 while a request with the same key is still in flight', async () => {
    const key = randomUUID();
    const body = paymentBody(alice.customerId);
    // Hold the owner's velocity lock from outside: the first request claims the key, then
    // waits inside its transaction, in flight.
    const blocker = new Client({ connectionString: t.db.adminUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `payments.velocity:${alice.userId}`,
      ]);
      const first = createPayment(t, alice.accessToken, body, key).then((r) => r);
      await waitFor(async () => {
        const rows = await t.sql(
          "SELECT 1 FROM idempotency_keys WHERE key = $1 AND state = 'in_flight'",
          [key],
        );
        return rows.length === 1;
      });
      const second = await createPayment(t, alice.accessToken, body, key);
      expect(second.status).toBe(409);
      expect(second.body.type).toMatch(/idempotency-request-in-flight$/);
      await blocker.query('COMMIT');
      expect((await first).status).toBe(201);
    } finally {
      await blocker.end();
    }
    const third = await createPayment(t, alice.accessToken, body, key).expect(201);
    expect(third.headers['idempotent-replayed']).toBe('true');
  });

  it('should create exactly one payment from 20 parallel identical requests', async () => {
    const key = randomUUID();
    const body = paymentBody(alice.customerId, { amount: 4321 });
    const count = await paymentsOf(t, alice.userId);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        createPayment(t, alice.accessToken, body, key).then((r) => r),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(await paymentsOf(t, alice.userId)).toBe(count + 1);
    const rows = await t.sql('SELECT 1 FROM payments WHERE owner_id = $1 AND amount = 4321', [
      alice.userId,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('should scope keys to the owner: another owner may use the same key', async () => {
    const bob = await merchant(t);
    const key = randomUUID();
    const a = await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key).expect(
      201,
    );
    const b = await createPayment(t, bob.accessToken, paymentBody(bob.customerId), key).expect(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.customerId).toBe(bob.customerId);
  });

  it('should let a key be used again after it expired (24 hours)', async () => {
    const key = randomUUID();
    const first = await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId),
      key,
    ).expect(201);
    const [row] = await t.sql<{ hours: number }>(
      'SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM idempotency_keys WHERE key = $1',
      [key],
    );
    expect(row.hours).toBe(24);
    await t.sql(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    const again = await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, { amount: 777 }),
      key,
    ).expect(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('should release the key when the request fails, so it can be retried', async () => {
    const key = randomUUID();
    await createPayment(t, alice.accessToken, paymentBody(randomUUID()), key).expect(404);
    await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key).expect(201);
  });

  it('should store the request as a keyed hash and the response without card data', async () => {
    const key = randomUUID();
    await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key).expect(201);
    const [row] = await t.sql<{ request_hash: string; response_body: Record<string, unknown> }>(
      'SELECT request_hash, response_body FROM idempotency_keys WHERE key = $1',
      [key],
    );
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(row);
    expect(text).not.toContain('4242424242424242');
    expect(text).not.toContain('cvc');
    expect(row.response_body.card).toEqual(expect.objectContaining({ last4: '4242' }));
  });

  it('should make refunds idempotent too: a replay refunds once', async () => {
    const paid = await createPayment(t, alice.accessToken, paymentBody(alice.customerId)).expect(
      201,
    );
    const key = randomUUID();
    const first = await refund(t, alice.accessToken, paid.body.id, { amount: 500 }, key).expect(
      201,
    );
    const second = await refund(t, alice.accessToken, paid.body.id, { amount: 500 }, key).expect(
      201,
    );
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    await refund(t, alice.accessToken, paid.body.id, { amount: 600 }, key).expect(422);
    const [row] = await t.sql<{ refunded_amount: number }>(
      'SELECT refunded_amount FROM payments WHERE id = $1',
      [paid.body.id],
    );
    expect(row.refunded_amount).toBe(500);
    await request(t.url)
      .post(`/v1/payments/${paid.body.id}/refunds`)
      .set(...bearer(alice.accessToken))
      .send({})
      .expect(400);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached in time');
}
