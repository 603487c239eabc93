import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  createClientToken,
  loginAs,
  LoggedInUser,
  randomEmail,
  randomPassword,
} from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createPayment, paymentBody } from '../e2e/payments/payments-helpers';
import { createCustomer, customerBody } from './security-helpers';

/** The error list of a 400 problem, as text: the refused property must be named there. */
const errorsOf = (res: request.Response): string => JSON.stringify(res.body.errors ?? []);

/**
 * OWASP API3:2023 Broken Object Property Level Authorization: mass assignment (writing a
 * property the caller may not set: owner, id, role, status, balance) and excessive data exposure
 * (reading a property the caller may not see: owner, hashes, card data, secrets).
 *
 * Defences: the global ValidationPipe with whitelist + forbidNonWhitelisted
 * (src/http/validation.pipe.ts) over separate Create/Update DTOs (src/customers/dto/,
 * src/payments/dto/, src/auth/dto/, src/auth/oauth/dto/), and response DTOs built field by field
 * (src/customers/dto/customer-response.dto.ts, src/payments/dto/payment-response.dto.ts), masking
 * for support (src/customers/customer-masking.ts).
 *
 * Already proven, not repeated here:
 * - test/e2e/auth/accounts.e2e-spec.ts "should refuse roles in the registration body (mass
 *   assignment)";
 * - test/e2e/customers/customers.e2e-spec.ts "should refuse id or ownerId in a patch", "should
 *   show support masked values of any owner's customer";
 * - test/e2e/payments/payments.e2e-spec.ts "should create a succeeded payment that keeps only
 *   brand, last four and expiry of the card", "should show support every payment with the
 *   description masked, and admin in full";
 * - test/e2e/auth/oauth.e2e-spec.ts "should create a client, show the secret once, list it
 *   without the secret, and store only an HMAC".
 */
describe('OWASP API3:2023 Broken Object Property Level Authorization (e2e)', () => {
  let t: TestApp;
  let mallory: LoggedInUser;
  let victim: LoggedInUser;

  beforeAll(async () => {
    t = await startTestApp();
    mallory = await loginAs(t, 'user');
    victim = await loginAs(t, 'user');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('mass assignment', () => {
    it('should refuse server-owned properties in a new customer, naming them, and create nothing', async () => {
      const [{ n: before }] = await t.sql<{ n: number }>(
        'SELECT count(*)::int AS n FROM customers',
      );
      for (const [property, value] of [
        ['ownerId', victim.userId],
        ['owner_id', victim.userId],
        ['id', randomUUID()],
        ['createdAt', '2000-01-01T00:00:00.000Z'],
        ['emailBidx', 'f'.repeat(64)],
      ] as const) {
        const res = await request(t.url)
          .post('/v1/customers')
          .set(...bearer(mallory.accessToken))
          .send({ ...customerBody(), [property]: value });
        expect({ property, status: res.status }).toEqual({ property, status: 400 });
        expect(errorsOf(res)).toContain(property);
      }
      const [{ n: after }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM customers');
      expect(after).toBe(before);
    });

    it("should not move a customer into another user's account through a patch", async () => {
      const id = await createCustomer(t, mallory.accessToken);
      for (const patch of [
        { ownerId: victim.userId },
        { fullName: 'Renamed', owner: { id: victim.userId } },
        { updatedAt: '2000-01-01T00:00:00.000Z' },
      ]) {
        await request(t.url)
          .patch(`/v1/customers/${id}`)
          .set(...bearer(mallory.accessToken))
          .send(patch)
          .expect(400);
      }
      const [row] = await t.sql<{ owner_id: string }>(
        'SELECT owner_id FROM customers WHERE id = $1',
        [id],
      );
      expect(row.owner_id).toBe(mallory.userId);
    });

    it('should refuse a role, a disabled flag or a hash in a registration, even through __proto__', async () => {
      for (const extra of [
        { roles: ['admin'] },
        { role: 'admin' },
        { isAdmin: true },
        { disabled: false },
        { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA' },
      ]) {
        const email = randomEmail('escalate');
        const res = await request(t.url)
          .post('/v1/auth/register')
          .send({ email, password: randomPassword(), ...extra });
        expect({ extra, status: res.status }).toEqual({ extra, status: 400 });
      }
      const polluted = await request(t.url)
        .post('/v1/auth/register')
        .set('Content-Type', 'application/json')
        .send(
          `{"email":"${randomEmail('proto')}","password":"${randomPassword()}","__proto__":{"roles":["admin"]}}`,
        );
      expect(polluted.status).toBe(400);
      const [{ n }] = await t.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND (email LIKE 'escalate-%' OR email LIKE 'proto-%')",
      );
      expect(n).toBe(0);
    });

    it('should refuse a payment or refund body that sets its own status, owner or refunded amount', async () => {
      const customerId = await createCustomer(t, mallory.accessToken);
      for (const extra of [
        { status: 'refunded' },
        { ownerId: victim.userId },
        { refundedAmount: 0 },
        { processorReference: 'ch_forged' },
      ]) {
        const res = await createPayment(
          t,
          mallory.accessToken,
          paymentBody(customerId, extra),
        ).expect(400);
        expect(errorsOf(res)).toContain(Object.keys(extra)[0]);
      }
      // A declined card cannot be turned into a success from the body.
      const declined = await createPayment(
        t,
        mallory.accessToken,
        paymentBody(customerId, {}, { number: '4000000000000002' }),
      ).expect(201);
      expect(declined.body.status).toBe('declined');
      await request(t.url)
        .post(`/v1/payments/${declined.body.id}/refunds`)
        .set(...bearer(mallory.accessToken))
        .set('Idempotency-Key', randomUUID())
        .send({ amount: 1, status: 'succeeded' })
        .expect(400);
    });

    it('should not let a user grant an OAuth client more than the four scopes, or choose its secret', async () => {
      for (const body of [
        { name: 'x', scopes: ['customers:read', 'audit:read'] },
        { name: 'x', scopes: ['admin'] },
        { name: 'x', scopes: ['customers:read'], client_secret: 'chosen-by-attacker' },
        { name: 'x', scopes: ['customers:read'], ownerId: victim.userId },
        { name: 'x', scopes: ['customers:read'], roles: ['admin'] },
      ]) {
        const res = await request(t.url)
          .post('/v1/oauth/clients')
          .set(...bearer(mallory.accessToken))
          .send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
    });
  });

  describe('excessive data exposure', () => {
    it('should return exactly the documented customer, payment and account properties', async () => {
      const customerId = await createCustomer(t, mallory.accessToken);
      const customer = await request(t.url)
        .get(`/v1/customers/${customerId}`)
        .set(...bearer(mallory.accessToken))
        .expect(200);
      expect(Object.keys(customer.body).sort()).toEqual(
        [
          'address',
          'createdAt',
          'dateOfBirth',
          'email',
          'fullName',
          'id',
          'nationalId',
          'phone',
          'updatedAt',
        ].sort(),
      );
      const payment = await createPayment(t, mallory.accessToken, paymentBody(customerId)).expect(
        201,
      );
      expect(Object.keys(payment.body).sort()).toEqual(
        [
          'amount',
          'card',
          'createdAt',
          'currency',
          'customerId',
          'description',
          'id',
          'refundedAmount',
          'status',
        ].sort(),
      );
      expect(Object.keys(payment.body.card as object).sort()).toEqual(
        ['brand', 'expMonth', 'expYear', 'last4'].sort(),
      );
      const me = await request(t.url)
        .get('/v1/auth/me')
        .set(...bearer(mallory.accessToken))
        .expect(200);
      expect(Object.keys(me.body).sort()).toEqual(['email', 'id', 'roles']);
      // Nothing internal anywhere in these bodies.
      const all = JSON.stringify([customer.body, payment.body, me.body]);
      for (const internal of [
        'ownerId',
        'owner_id',
        'argon2',
        'password',
        'fingerprint',
        'processorReference',
        'bidx',
        'v1:',
      ])
        expect(all).not.toContain(internal);
    });

    it('should never show an OAuth client secret or its hash after creation', async () => {
      const client = await createClientToken(t, mallory.accessToken, ['customers:read']);
      const list = await request(t.url)
        .get('/v1/oauth/clients')
        .set(...bearer(mallory.accessToken))
        .expect(200);
      const [{ secret_hash: hash }] = await t.sql<{ secret_hash: string }>(
        "SELECT encode(secret_hash, 'hex') AS secret_hash FROM oauth_clients WHERE id = $1",
        [client.clientId],
      );
      expect(list.text).toContain(client.clientId);
      expect(list.text).not.toContain(client.clientSecret);
      expect(list.text).not.toContain(hash);
      expect(list.text).not.toMatch(/secret/i);
    });

    it('should show support masked personal data and a masked payment description', async () => {
      const body = customerBody();
      const customerId = await createCustomer(t, victim.accessToken, body);
      await createPayment(
        t,
        victim.accessToken,
        paymentBody(customerId, { description: 'Order for Victim' }),
      ).expect(201);
      const support = await loginAs(t, 'support');
      const customer = await request(t.url)
        .get(`/v1/customers/${customerId}`)
        .set(...bearer(support.accessToken))
        .expect(200);
      expect(customer.text).not.toContain(body.nationalId as string);
      expect(customer.text).not.toContain(body.phone as string);
      const payments = await request(t.url)
        .get('/v1/payments')
        .query({ customerId })
        .set(...bearer(support.accessToken))
        .expect(200);
      expect(payments.body.data).toHaveLength(1);
      expect(payments.text).not.toContain('Order for Victim');
    });
  });
});
