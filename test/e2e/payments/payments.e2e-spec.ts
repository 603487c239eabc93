import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditService } from '../../../src/audit/audit.service';
import { bearer, createClientToken, loginAs } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import {
  countRows,
  createPayment,
  merchant,
  Merchant,
  NEXT_YEAR,
  paymentBody,
  startPaymentsApp,
  TEST_CARDS,
} from './payments-helpers';

describe('payments (e2e)', () => {
  let t: TestApp;
  let alice: Merchant;
  let bob: Merchant;

  beforeAll(async () => {
    t = await startPaymentsApp();
    alice = await merchant(t);
    bob = await merchant(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('creation', () => {
    it('should create a succeeded payment that keeps only brand, last four and expiry of the card', async () => {
      const res = await createPayment(t, alice.accessToken, paymentBody(alice.customerId)).expect(
        201,
      );
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        customerId: alice.customerId,
        amount: 1999,
        currency: 'EUR',
        status: 'succeeded',
        refundedAmount: 0,
        card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: NEXT_YEAR },
        description: 'Order 1',
        createdAt: expect.any(String),
      });
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      const [row] = await t.sql<Record<string, unknown>>('SELECT * FROM payments WHERE id = $1', [
        res.body.id,
      ]);
      expect(row.card_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(row.owner_id).toBe(alice.userId);
      const got = await request(t.url)
        .get(`/v1/payments/${res.body.id}`)
        .set(...bearer(alice.accessToken))
        .expect(200);
      expect(got.body).toEqual(res.body);
    });

    it('should create a declined payment (201, status declined) for the declined test card', async () => {
      const res = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, {}, { number: TEST_CARDS.declined }),
      ).expect(201);
      expect(res.body).toMatchObject({ status: 'declined', declineCode: 'card_declined' });
      expect(res.body.card.last4).toBe('0002');
    });

    it('should audit a payment in the same transaction, a decline with outcome success and result declined', async () => {
      const ok = await createPayment(t, alice.accessToken, paymentBody(alice.customerId)).expect(
        201,
      );
      const declined = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, {}, { number: TEST_CARDS.declined }),
      ).expect(201);
      await t.app.get(AuditService).flush();
      const rows = await t.sql<{
        resource_id: string;
        outcome: string;
        details: Record<string, unknown>;
      }>(
        "SELECT resource_id, outcome, details FROM audit_log WHERE action = 'payments.create' AND resource_id = ANY($1)",
        [[ok.body.id, declined.body.id]],
      );
      expect(rows).toHaveLength(2);
      const byId = Object.fromEntries(rows.map((r) => [r.resource_id, r]));
      expect(byId[ok.body.id]).toMatchObject({
        outcome: 'success',
        details: { result: 'succeeded' },
      });
      expect(byId[declined.body.id]).toMatchObject({
        outcome: 'success',
        details: { result: 'declined', declineCode: 'card_declined' },
      });
    });

    it('should refuse a card number that fails the Luhn check with 400, without echoing it', async () => {
      const before = await countRows(t, 'payments');
      const res = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, {}, { number: '4242424242424241' }),
      ).expect(400);
      expect(res.body.errors).toEqual([{ field: 'card.number', message: expect.any(String) }]);
      expect(JSON.stringify(res.body)).not.toContain('4242424242424241');
      expect(await countRows(t, 'payments')).toBe(before);
    });

    it('should refuse an expired card, a bad cvc and a malformed number with 400', async () => {
      for (const card of [
        { expMonth: 1, expYear: 2020 },
        { expMonth: 13 },
        { cvc: '12' },
        { cvc: 123 },
        { number: '4242-4242-4242-4242' },
        { number: '424242424242424242424' },
      ]) {
        const res = await createPayment(
          t,
          alice.accessToken,
          paymentBody(alice.customerId, {}, card),
        );
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toMatch(/^card\./);
      }
    });

    it.each([
      ['a string "100"', '100'],
      ['a fraction 1.5', 1.5],
      ['a negative -1', -1],
      ['zero', 0],
      ['above the maximum', 100_000_001],
      ['an array', [100]],
      ['an object', { value: 100 }],
      ['null', null],
    ])('should refuse an amount that is %s with 400', async (_label, amount) => {
      const res = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { amount }),
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'amount', message: expect.any(String) }]);
    });

    it('should refuse the amount 1e309 (Infinity once parsed) with 400', async () => {
      const raw = JSON.stringify(paymentBody(alice.customerId)).replace(
        '"amount":1999',
        '"amount":1e309',
      );
      const res = await request(t.url)
        .post('/v1/payments')
        .set(...bearer(alice.accessToken))
        .set('Idempotency-Key', randomUUID())
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(res.status).toBe(400);
    });

    it('should accept the amount bounds 1 and 100000000 and a zero-exponent currency', async () => {
      await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { amount: 1 }),
      ).expect(201);
      const max = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { amount: 100_000_000, currency: 'JPY' }),
      ).expect(201);
      expect(max.body).toMatchObject({ amount: 100_000_000, currency: 'JPY' });
    });

    it.each(['eur', 'XXX', 'EURO', '', 978])(
      'should refuse the currency %j with 400',
      async (currency) => {
        const res = await createPayment(
          t,
          alice.accessToken,
          paymentBody(alice.customerId, { currency }),
        );
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'currency', message: expect.any(String) }]);
      },
    );

    it('should refuse a description that holds a card number (it would be stored in clear)', async () => {
      const res = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { description: 'card 4242 4242 4242 4242' }),
      ).expect(400);
      expect(res.body.errors).toEqual([
        { field: 'description', message: 'must not contain a card number' },
      ]);
      expect(JSON.stringify(res.body)).not.toContain('4242 4242');
    });

    it('should answer 502 when the processor fails, write nothing, and free the key for a retry', async () => {
      const payments = await countRows(t, 'payments');
      const key = randomUUID();
      const body = paymentBody(alice.customerId, {}, { number: TEST_CARDS.processorError });
      const res = await createPayment(t, alice.accessToken, body, key).expect(502);
      expect(res.body.type).toMatch(/processor-unavailable$/);
      // Not 409 (in flight) nor a replay of the failure: the key was released.
      await createPayment(t, alice.accessToken, body, key).expect(502);
      expect(await countRows(t, 'payments')).toBe(payments);
      const keys = await t.sql('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
      expect(keys).toHaveLength(0);
    });

    it('should refuse unknown properties with 400 naming them', async () => {
      const res = await createPayment(
        t,
        alice.accessToken,
        paymentBody(alice.customerId, { status: 'refunded', ownerId: bob.userId }),
      ).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'ownerId',
        'status',
      ]);
    });

    it('should answer 404 for a customer of another owner and write nothing', async () => {
      const payments = await countRows(t, 'payments');
      const keys = await countRows(t, 'idempotency_keys');
      const res = await createPayment(t, alice.accessToken, paymentBody(bob.customerId)).expect(
        404,
      );
      expect(res.body.type).toMatch(/not-found$/);
      const unknown = await createPayment(t, alice.accessToken, paymentBody(randomUUID())).expect(
        404,
      );
      expect(unknown.body.detail).toBe(res.body.detail);
      expect(await countRows(t, 'payments')).toBe(payments);
      expect(await countRows(t, 'idempotency_keys')).toBe(keys);
    });

    it('should refuse payment creation without a token (401) and to support (403)', async () => {
      await request(t.url)
        .post('/v1/payments')
        .set('Idempotency-Key', randomUUID())
        .send(paymentBody(alice.customerId))
        .expect(401);
      const support = await loginAs(t, 'support');
      await createPayment(t, support.accessToken, paymentBody(alice.customerId)).expect(403);
    });

    it('should let an OAuth client with payments:write pay for its owner, and refuse one without it', async () => {
      const writer = await createClientToken(t, alice.accessToken, [
        'payments:write',
        'payments:read',
      ]);
      const created = await createPayment(
        t,
        writer.accessToken,
        paymentBody(alice.customerId),
      ).expect(201);
      const reader = await createClientToken(t, alice.accessToken, ['payments:read']);
      await createPayment(t, reader.accessToken, paymentBody(alice.customerId)).expect(403);
      await request(t.url)
        .get(`/v1/payments/${created.body.id}`)
        .set(...bearer(reader.accessToken))
        .expect(200);
      const customersOnly = await createClientToken(t, alice.accessToken, ['customers:read']);
      await request(t.url)
        .get(`/v1/payments/${created.body.id}`)
        .set(...bearer(customersOnly.accessToken))
        .expect(403);
    });
  });

  describe('reads', () => {
    let alicePayment: string;
    let bobPayment: string;

    beforeAll(async () => {
      alicePayment = (
        await createPayment(t, alice.accessToken, paymentBody(alice.customerId)).expect(201)
      ).body.id;
      bobPayment = (
        await createPayment(
          t,
          bob.accessToken,
          paymentBody(bob.customerId, { description: 'Bob private' }),
        )
      ).body.id;
    });

    it('should not return a payment of another owner (404, same body as a missing id)', async () => {
      const other = await request(t.url)
        .get(`/v1/payments/${bobPayment}`)
        .set(...bearer(alice.accessToken))
        .expect(404);
      const missing = await request(t.url)
        .get(`/v1/payments/${randomUUID()}`)
        .set(...bearer(alice.accessToken))
        .expect(404);
      expect({ ...other.body, requestId: undefined }).toEqual({
        ...missing.body,
        requestId: undefined,
      });
    });

    it('should answer 400 for a malformed id', async () => {
      await request(t.url)
        .get('/v1/payments/not-a-uuid')
        .set(...bearer(alice.accessToken))
        .expect(400);
    });

    it('should list only the caller own payments, filtered by customer and status', async () => {
      const res = await request(t.url)
        .get('/v1/payments?limit=100')
        .set(...bearer(alice.accessToken))
        .expect(200);
      const ids = res.body.data.map((p: { id: string }) => p.id);
      expect(ids).toContain(alicePayment);
      expect(ids).not.toContain(bobPayment);
      const declined = await request(t.url)
        .get(`/v1/payments?status=declined&customerId=${alice.customerId}`)
        .set(...bearer(alice.accessToken))
        .expect(200);
      expect(declined.body.data.length).toBeGreaterThan(0);
      expect(declined.body.data.every((p: { status: string }) => p.status === 'declined')).toBe(
        true,
      );
    });

    it('should page with an opaque cursor, newest first, without overlap', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/v1/payments?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await request(t.url)
          .get(url)
          .set(...bearer(alice.accessToken))
          .expect(200);
        seen.push(...res.body.data.map((p: { id: string }) => p.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      const all = await t.sql<{ id: string }>(
        'SELECT id FROM payments WHERE owner_id = $1 ORDER BY created_at DESC, id DESC',
        [alice.userId],
      );
      expect(seen).toEqual(all.map((r) => r.id));
    });

    it.each([
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=10&limit=20',
      'sort=amount',
      'status=lost',
      'cursor=%21%21',
      'cursor=bm9wZQ',
      'customerId=x',
      'foo=1',
    ])('should refuse the list query %s with 400', async (query) => {
      await request(t.url)
        .get(`/v1/payments?${query}`)
        .set(...bearer(alice.accessToken))
        .expect(400);
    });

    it('should show support every payment with the description masked, and admin in full', async () => {
      const support = await loginAs(t, 'support');
      const masked = await request(t.url)
        .get(`/v1/payments/${bobPayment}`)
        .set(...bearer(support.accessToken))
        .expect(200);
      expect(masked.body.description).toBe('*****');
      expect(JSON.stringify(masked.body)).not.toContain('Bob private');
      const admin = await loginAs(t, 'admin');
      const full = await request(t.url)
        .get(`/v1/payments/${bobPayment}`)
        .set(...bearer(admin.accessToken))
        .expect(200);
      expect(full.body.description).toBe('Bob private');
      const list = await request(t.url)
        .get('/v1/payments?limit=100')
        .set(...bearer(admin.accessToken))
        .expect(200);
      const ids = list.body.data.map((p: { id: string }) => p.id);
      expect(ids).toEqual(expect.arrayContaining([alicePayment, bobPayment]));
    });

    it('should deny the auditor role payments (403)', async () => {
      const auditor = await loginAs(t, 'auditor');
      await request(t.url)
        .get('/v1/payments')
        .set(...bearer(auditor.accessToken))
        .expect(403);
    });
  });

  describe('customer erasure', () => {
    it('should keep the payments of an erased customer with a pseudonymous reference only', async () => {
      const carol = await merchant(t);
      const paid = await createPayment(t, carol.accessToken, paymentBody(carol.customerId)).expect(
        201,
      );
      const [before] = await t.sql<{ customer_ref: string }>(
        'SELECT customer_ref FROM payments WHERE id = $1',
        [paid.body.id],
      );
      await request(t.url)
        .delete(`/v1/customers/${carol.customerId}`)
        .set(...bearer(carol.accessToken))
        .expect(204);
      const got = await request(t.url)
        .get(`/v1/payments/${paid.body.id}`)
        .set(...bearer(carol.accessToken))
        .expect(200);
      expect(got.body.customerId).toBeNull();
      expect(got.body.amount).toBe(1999);
      const [after] = await t.sql<{ customer_id: string | null; customer_ref: string }>(
        'SELECT customer_id, customer_ref FROM payments WHERE id = $1',
        [paid.body.id],
      );
      expect(after.customer_id).toBeNull();
      expect(after.customer_ref).toBe(before.customer_ref);
      expect(after.customer_ref).not.toContain(carol.customerId);
      const anywhere = await t.sql(
        'SELECT 1 FROM payments WHERE customer_id = $1::uuid OR customer_ref = $2',
        [carol.customerId, carol.customerId],
      );
      expect(anywhere).toHaveLength(0);
    });

    it("should include the customer's payments in the customer's export", async () => {
      const dave = await merchant(t);
      const paid = await createPayment(t, dave.accessToken, paymentBody(dave.customerId)).expect(
        201,
      );
      const res = await request(t.url)
        .get(`/v1/customers/${dave.customerId}/export`)
        .set(...bearer(dave.accessToken))
        .expect(200);
      expect(res.body.related.payments).toEqual([expect.objectContaining({ id: paid.body.id })]);
    });
  });
});
