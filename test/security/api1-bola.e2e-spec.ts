import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createClientToken, loginAs, LoggedInUser } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createPayment, paymentBody, refund } from '../e2e/payments/payments-helpers';
import { createCustomer, customerBody, stableProblem } from './security-helpers';

/**
 * OWASP API1:2023 Broken Object Level Authorization: an attacker with a valid account swaps
 * object ids (path, query filters, body references) to reach objects of other users.
 *
 * Defence: ownership is part of every query (`findOneBy({ id, ownerId })`,
 * src/customers/customers.service.ts, src/payments/payments.service.ts,
 * src/auth/oauth/oauth-clients.repository.ts `deleteOwned`), and an object the caller may not see
 * is a 404 with the body of an id that does not exist (API-CONTRACT "Conventions").
 *
 * Already proven per feature, not repeated here:
 * - test/e2e/customers/customers.e2e-spec.ts "should not return a customer of another user: 404
 *   identical to a missing id", "should not let a user patch, delete or export another user's
 *   customer", "should not find another user's customer through ?email=";
 * - test/e2e/payments/payments.e2e-spec.ts "should not return a payment of another owner (404,
 *   same body as a missing id)", "should answer 404 for a customer of another owner and write
 *   nothing";
 * - test/e2e/payments/refunds.e2e-spec.ts "should answer 404 for another owner's payment and for
 *   an unknown id, changing nothing";
 * - test/e2e/auth/oauth.e2e-spec.ts "should not list or delete the clients of another user".
 * This spec runs the attack as one sweep over every object route, then checks the victim's data
 * is untouched, and adds the id tricks and filter/body references the feature specs do not try.
 */
describe('OWASP API1:2023 Broken Object Level Authorization (e2e)', () => {
  let t: TestApp;
  let alice: LoggedInUser;
  let mallory: LoggedInUser;
  let victimCustomer: { id: string; body: Record<string, unknown> & { email: string } };
  let victimPaymentId: string;
  let victimClientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = await loginAs(t, 'user');
    mallory = await loginAs(t, 'user');
    const body = customerBody();
    victimCustomer = { id: await createCustomer(t, alice.accessToken, body), body };
    victimPaymentId = (
      await createPayment(t, alice.accessToken, paymentBody(victimCustomer.id)).expect(201)
    ).body.id as string;
    victimClientId = (await createClientToken(t, alice.accessToken, ['customers:read'])).clientId;
  });
  afterAll(async () => {
    await t?.close();
  });

  type Kind = 'customer' | 'payment' | 'client';
  /** Every route that takes an object id, as the attacker calls it, with the kind of id it takes. */
  const objectRoutes: [string, Kind, (id: string) => request.Test][] = [
    ['GET customer', 'customer', (id) => request(t.url).get(`/v1/customers/${id}`)],
    [
      'PATCH customer',
      'customer',
      (id) => request(t.url).patch(`/v1/customers/${id}`).send({ fullName: 'Taken Over' }),
    ],
    ['DELETE customer', 'customer', (id) => request(t.url).delete(`/v1/customers/${id}`)],
    ['GET export', 'customer', (id) => request(t.url).get(`/v1/customers/${id}/export`)],
    ['GET payment', 'payment', (id) => request(t.url).get(`/v1/payments/${id}`)],
    [
      'POST refund',
      'payment',
      (id) =>
        request(t.url)
          .post(`/v1/payments/${id}/refunds`)
          .set('Idempotency-Key', randomUUID())
          .send({ amount: 1 }),
    ],
    ['DELETE OAuth client', 'client', (id) => request(t.url).delete(`/v1/oauth/clients/${id}`)],
  ];
  const victimId = (kind: Kind): string =>
    ({ customer: victimCustomer.id, payment: victimPaymentId, client: victimClientId })[kind];

  it("should answer every object route on another user's id exactly as on an id that does not exist", async () => {
    for (const [name, kind, send] of objectRoutes) {
      const stolen = await send(victimId(kind)).set(...bearer(mallory.accessToken));
      const absent = await send(randomUUID()).set(...bearer(mallory.accessToken));
      expect({ name, status: stolen.status }).toEqual({ name, status: 404 });
      expect(stableProblem(stolen.body)).toEqual(stableProblem(absent.body));
      expect(stolen.text).not.toContain(victimCustomer.body.email);
    }
  });

  it("should leave the victim's customer, payment and client exactly as they were", async () => {
    const customer = await request(t.url)
      .get(`/v1/customers/${victimCustomer.id}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(customer.body).toMatchObject(victimCustomer.body);
    const payment = await request(t.url)
      .get(`/v1/payments/${victimPaymentId}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(payment.body.status).toBe('succeeded');
    const [row] = await t.sql<{ refunded_amount: number }>(
      'SELECT refunded_amount FROM payments WHERE id = $1',
      [victimPaymentId],
    );
    expect(row.refunded_amount).toBe(0);
    const clients = await request(t.url)
      .get('/v1/oauth/clients')
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(JSON.stringify(clients.body)).toContain(victimClientId);
  });

  it("should not reach another user's objects through list filters", async () => {
    const byEmail = await request(t.url)
      .get('/v1/customers')
      .query({ email: victimCustomer.body.email })
      .set(...bearer(mallory.accessToken))
      .expect(200);
    expect(byEmail.body.data).toEqual([]);
    const byCustomer = await request(t.url)
      .get('/v1/payments')
      .query({ customerId: victimCustomer.id })
      .set(...bearer(mallory.accessToken))
      .expect(200);
    expect(byCustomer.body.data).toEqual([]);
    const clients = await request(t.url)
      .get('/v1/oauth/clients')
      .set(...bearer(mallory.accessToken))
      .expect(200);
    expect(JSON.stringify(clients.body)).not.toContain(victimClientId);
  });

  it("should not charge or refund through a body or path reference to another user's object", async () => {
    const [{ n: before }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM payments WHERE customer_id = $1',
      [victimCustomer.id],
    );
    await createPayment(t, mallory.accessToken, paymentBody(victimCustomer.id)).expect(404);
    await refund(t, mallory.accessToken, victimPaymentId).expect(404);
    const [{ n: after }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM payments WHERE customer_id = $1',
      [victimCustomer.id],
    );
    expect(after).toBe(before);
  });

  it("should hold the attacker's own OAuth client (every scope) to the attacker's objects", async () => {
    const client = await createClientToken(t, mallory.accessToken, [
      'customers:read',
      'customers:write',
      'payments:read',
      'payments:write',
    ]);
    for (const [name, kind, send] of objectRoutes.filter(([, k]) => k !== 'client')) {
      const res = await send(victimId(kind)).set(...bearer(client.accessToken));
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
  });

  it('should not be fooled by id spellings: upper case, padding, traversal, SQL', async () => {
    const id = victimCustomer.id;
    const spellings = [
      id.toUpperCase(),
      `{${id}}`,
      `${id}%20`,
      `%20${id}`,
      `${id}%00`,
      `..%2F${id}`,
      `${id}%27%20OR%20%271%27%3D%271`,
      `${id.replace(/-/g, '')}`,
      `${id},${randomUUID()}`,
    ];
    for (const spelling of spellings) {
      const res = await request(t.url)
        .get(`/v1/customers/${spelling}`)
        .set(...bearer(mallory.accessToken));
      expect({ spelling, status: [400, 404].includes(res.status) }).toEqual({
        spelling,
        status: true,
      });
      expect(res.text).not.toContain(victimCustomer.body.email);
    }
  });

  it('should give support masked read access only, and never write access, to any owner', async () => {
    // Roles that see every owner (API-CONTRACT "Principals and roles") are not a BOLA hole:
    // support reads masked values and cannot change an object it does not own.
    const support = await loginAs(t, 'support');
    const read = await request(t.url)
      .get(`/v1/customers/${victimCustomer.id}`)
      .set(...bearer(support.accessToken))
      .expect(200);
    expect(read.body.nationalId).not.toBe(victimCustomer.body.nationalId);
    expect(read.body.nationalId).toMatch(/^\*+6789$/);
    await request(t.url)
      .patch(`/v1/customers/${victimCustomer.id}`)
      .set(...bearer(support.accessToken))
      .send({ fullName: 'Taken Over' })
      .expect(403);
  });
});
