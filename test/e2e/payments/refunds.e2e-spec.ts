import { randomUUID } from 'node:crypto';
import { AuditService } from '../../../src/audit/audit.service';
import { loginAs } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import {
  createPayment,
  merchant,
  Merchant,
  paymentBody,
  refund,
  startPaymentsApp,
  TEST_CARDS,
} from './payments-helpers';

describe('payment refunds (e2e)', () => {
  let t: TestApp;
  let alice: Merchant;
  let bob: Merchant;

  const pay = async (owner: Merchant, amount = 1000): Promise<string> =>
    (
      await createPayment(t, owner.accessToken, paymentBody(owner.customerId, { amount })).expect(
        201,
      )
    ).body.id;
  const stateOf = async (id: string) =>
    (
      await t.sql<{ status: string; refunded_amount: number; refunds: number }>(
        `SELECT status, refunded_amount,
                (SELECT count(*)::int FROM payment_refunds r WHERE r.payment_id = p.id) AS refunds
           FROM payments p WHERE id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    t = await startPaymentsApp();
    alice = await merchant(t);
    bob = await merchant(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should refund partially, then the rest, moving the status to partially_refunded then refunded', async () => {
    const id = await pay(alice);
    const part = await refund(t, alice.accessToken, id, { amount: 300 }).expect(201);
    expect(part.body).toMatchObject({
      paymentId: id,
      amount: 300,
      currency: 'EUR',
      status: 'succeeded',
      payment: { status: 'partially_refunded', refundedAmount: 300 },
    });
    const rest = await refund(t, alice.accessToken, id).expect(201);
    expect(rest.body).toMatchObject({
      amount: 700,
      payment: { status: 'refunded', refundedAmount: 1000 },
    });
    expect(await stateOf(id)).toEqual({ status: 'refunded', refunded_amount: 1000, refunds: 2 });
  });

  it('should refuse a refund of more than what is left with 422 and change nothing', async () => {
    const id = await pay(alice);
    await refund(t, alice.accessToken, id, { amount: 600 }).expect(201);
    const res = await refund(t, alice.accessToken, id, { amount: 401 }).expect(422);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/refund-exceeds-remaining$/),
      refundable: 400,
    });
    expect(await stateOf(id)).toEqual({
      status: 'partially_refunded',
      refunded_amount: 600,
      refunds: 1,
    });
    await refund(t, alice.accessToken, id, { amount: 400 }).expect(201);
    await refund(t, alice.accessToken, id, { amount: 1 }).expect(422);
    await refund(t, alice.accessToken, id).expect(422);
  });

  it('should never refund more than the amount under concurrent refund requests (row lock)', async () => {
    const id = await pay(alice, 1000);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        refund(t, alice.accessToken, id, { amount: 300 }).then((r) => r),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 422)).toHaveLength(7);
    expect(await stateOf(id)).toEqual({
      status: 'partially_refunded',
      refunded_amount: 900,
      refunds: 3,
    });
    const [sum] = await t.sql<{ total: number }>(
      'SELECT sum(amount)::int AS total FROM payment_refunds WHERE payment_id = $1',
      [id],
    );
    expect(sum.total).toBe(900);
  });

  it('should refuse to refund a declined payment with 422', async () => {
    const declined = await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, {}, { number: TEST_CARDS.declined }),
    ).expect(201);
    const res = await refund(t, alice.accessToken, declined.body.id).expect(422);
    expect(res.body.type).toMatch(/payment-not-refundable$/);
    expect(await stateOf(declined.body.id)).toEqual({
      status: 'declined',
      refunded_amount: 0,
      refunds: 0,
    });
  });

  it("should answer 404 for another owner's payment and for an unknown id, changing nothing", async () => {
    const id = await pay(bob);
    const other = await refund(t, alice.accessToken, id, { amount: 100 }).expect(404);
    const unknown = await refund(t, alice.accessToken, randomUUID(), { amount: 100 }).expect(404);
    expect(other.body.detail).toBe(unknown.body.detail);
    expect(await stateOf(id)).toEqual({ status: 'succeeded', refunded_amount: 0, refunds: 0 });
    await t.app.get(AuditService).flush();
    const denied = await t.sql(
      "SELECT 1 FROM audit_log WHERE action = 'payments.refund' AND outcome = 'denied' AND resource_id = $1",
      [id],
    );
    expect(denied).toHaveLength(1);
  });

  it('should let an admin refund any payment, and refuse support (403)', async () => {
    const id = await pay(bob);
    const support = await loginAs(t, 'support');
    await refund(t, support.accessToken, id, { amount: 100 }).expect(403);
    const admin = await loginAs(t, 'admin');
    await refund(t, admin.accessToken, id, { amount: 100 }).expect(201);
    expect(await stateOf(id)).toMatchObject({ refunded_amount: 100 });
  });

  it('should audit every refund in the same transaction', async () => {
    const id = await pay(alice);
    const res = await refund(t, alice.accessToken, id, { amount: 250 }).expect(201);
    await t.app.get(AuditService).flush();
    const rows = await t.sql<{ outcome: string; details: Record<string, unknown> }>(
      "SELECT outcome, details FROM audit_log WHERE action = 'payments.refund' AND resource_id = $1",
      [id],
    );
    expect(rows).toEqual([
      {
        outcome: 'success',
        details: expect.objectContaining({ refundId: res.body.id, amount: 250, currency: 'EUR' }),
      },
    ]);
  });

  it.each([0, -5, 1.5, '100', 100_000_001])(
    'should refuse the refund amount %j with 400',
    async (amount) => {
      const id = await pay(alice);
      await refund(t, alice.accessToken, id, { amount }).expect(400);
    },
  );
});
