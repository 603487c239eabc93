import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditService } from '../../../src/audit/audit.service';
import { bearer } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import {
  createPayment,
  merchant,
  Merchant,
  NEXT_YEAR,
  paymentBody,
  refund,
  sendWebhook,
  startPaymentsApp,
  TEST_CARDS,
  TEST_CVC,
} from './payments-helpers';
import { captureStdout } from '../../helpers/capture-stdout';

/** Every card number this spec sends, valid or not. */
const NUMBERS = [TEST_CARDS.succeeds, TEST_CARDS.declined, '5555555555554444', '4242424242424241'];
/** The CVC as a token of its own (not inside a hex or base64 string, where 4 digits occur by chance). */
const CVC_PATTERN = `(^|[^0-9A-Za-z+/=_-])${TEST_CVC}([^0-9A-Za-z+/=_-]|$)`;

/**
 * PCI DSS 3.3 / 3.4: the card number and the CVC are never stored or logged. Rather than trust
 * the code, this spec drives every payment path with known card data and then searches the
 * whole database and every log line for it.
 */
describe('card data never stored or logged (e2e)', () => {
  let t: TestApp;
  let alice: Merchant;
  let capture: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    // pino writes through process.stdout when its `write` has been replaced: capture every line.
    capture = captureStdout();
    t = await startPaymentsApp({ LOG_LEVEL: 'trace' });
    alice = await merchant(t);

    // Every path that sees a card: success, decline, replay, mismatch, validation failures of
    // each card field, another owner's customer, refunds, webhooks.
    const key = randomUUID();
    const ok = await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key);
    expect(ok.status).toBe(201);
    await createPayment(t, alice.accessToken, paymentBody(alice.customerId), key).expect(201);
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, { amount: 5 }),
      key,
    ).expect(422);
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, {}, { number: TEST_CARDS.declined }),
    ).expect(201);
    await createPayment(
      t,
      alice.accessToken,
      paymentBody(alice.customerId, {}, { number: '5555555555554444' }),
    ).expect(201);
    for (const card of [
      { number: '4242424242424241' },
      { expMonth: 1, expYear: 2020 },
      { cvc: `${TEST_CVC}9` },
      { expMonth: 13, extra: TEST_CVC },
    ]) {
      await createPayment(t, alice.accessToken, paymentBody(alice.customerId, {}, card)).expect(
        400,
      );
    }
    await createPayment(t, alice.accessToken, paymentBody(alice.customerId, { amount: 0 })).expect(
      400,
    );
    await createPayment(t, alice.accessToken, paymentBody(randomUUID())).expect(404);
    await request(t.url)
      .post('/v1/payments')
      .set(...bearer(alice.accessToken))
      .send(paymentBody(alice.customerId))
      .expect(400);
    await request(t.url).post('/v1/payments').send(paymentBody(alice.customerId)).expect(401);
    await refund(t, alice.accessToken, ok.body.id, { amount: 100 }).expect(201);
    await sendWebhook(t, {
      id: `evt_${randomUUID()}`,
      type: 'payment.disputed',
      created: Math.floor(Date.now() / 1000),
      data: { paymentId: ok.body.id },
    }).expect(200);
    await t.app.get(AuditService).flush();
  });

  afterAll(async () => {
    capture.restore();
    await t?.close();
  });

  it('should find neither the card numbers nor the CVC in any text, json or bytea column of any table', async () => {
    const columns = await t.sql<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
         JOIN information_schema.tables tb
           ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
    );
    const tables = new Set(columns.map((c) => c.table_name));
    // The scan covers the tables that see payment traffic (a guard against scanning nothing).
    for (const name of [
      'payments',
      'payment_refunds',
      'idempotency_keys',
      'audit_log',
      'processor_webhook_events',
    ])
      expect(tables.has(name)).toBe(true);
    const hits: string[] = [];
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const value = type === 'bytea' ? `encode("${column}", 'escape')` : `"${column}"::text`;
      const [row] = await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}"
          WHERE ${value} ~ $1 OR ${NUMBERS.map((_, i) => `strpos(${value}, $${i + 2}) > 0`).join(' OR ')}`,
        [CVC_PATTERN, ...NUMBERS],
      );
      if (row.n > 0) hits.push(`${table}.${column}`);
    }
    expect(hits).toEqual([]);
    const [payments] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM payments');
    expect(payments.n).toBeGreaterThanOrEqual(3);
  });

  it('should have no column that could hold a card number or CVC', async () => {
    const suspicious = await t.sql(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public'
          AND (column_name ~* 'cvc|cvv|pan$|card_?number|^number$')`,
    );
    expect(suspicious).toEqual([]);
  });

  it('should keep the audit trail free of card data while recording each payment', async () => {
    const rows = await t.sql<{ action: string; details: unknown }>(
      "SELECT action, details FROM audit_log WHERE action LIKE 'payments.%'",
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const text = JSON.stringify(rows);
    for (const number of NUMBERS) expect(text).not.toContain(number);
    expect(text).not.toMatch(new RegExp(CVC_PATTERN));
  });

  it('should write no card number or CVC to any log line', () => {
    const text = capture.lines.join('');
    // The capture works: the request log lines of this spec are there.
    expect(text).toContain('/v1/payments');
    for (const number of NUMBERS) expect(text).not.toContain(number);
    expect(text).not.toMatch(new RegExp(CVC_PATTERN));
  });

  it('should echo no card value in any error body', async () => {
    const res = await createPayment(
      t,
      alice.accessToken,
      paymentBody(
        alice.customerId,
        {},
        { number: '4242424242424241', cvc: `${TEST_CVC}99`, expYear: NEXT_YEAR + 200 },
      ),
    ).expect(400);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('4242424242424241');
    expect(text).not.toContain(TEST_CVC);
  });
});
