import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service';
import {
  ChargeResult,
  PAYMENT_PROCESSOR,
  PaymentProcessor,
} from '../../src/payments/processor/payment-processor';
import { signWebhook } from '../../src/payments/processor/webhook-signature';
import { bearer } from '../helpers/auth';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  createPayment,
  merchant,
  Merchant,
  paymentBody,
  sendWebhook,
  TEST_CARDS,
} from '../e2e/payments/payments-helpers';
import { captureStdout } from '../helpers/capture-stdout';

/**
 * OWASP API10:2023 Unsafe Consumption of APIs: the service trusts what a third party sends or
 * answers: a webhook that was never signed, a replayed or oversized one, a payload carrying
 * injection, a processor answer with data it should never hold, an identity provider's JWKS that
 * is huge, slow or garbage.
 *
 * Defences: src/payments/webhooks/processor-signature.guard.ts (HMAC over the raw body,
 * constant-time compare, 300 s tolerance), src/payments/webhooks/processor-event.dto.ts (the
 * event validated only after its signature), event ids remembered once
 * (src/payments/webhooks/processor-webhook.service.ts), the database CHECKs on what a processor
 * answer may put in a row (migrations/1764000500000-Payments.ts), and the bounded JWKS fetch
 * (src/auth/external/external-jwt.strategy.ts: 3 s, 64 KB, no redirects).
 *
 * Already proven, not repeated here:
 * - test/e2e/payments/webhooks.e2e-spec.ts "should answer 401 to a bad or missing signature and
 *   change nothing", "should answer 400 to a correctly signed event more than 300 seconds old or
 *   ahead", "should acknowledge a replayed event id with 200 and change nothing", "should refuse
 *   a signed event of an unknown type or shape with 400";
 * - test/e2e/payments/payments.e2e-spec.ts "should answer 502 when the processor fails, write
 *   nothing, and free the key for a retry";
 * - test/e2e/auth/external-issuer.e2e-spec.ts "should refuse a wrong issuer, a wrong audience, an
 *   expired token and a foreign key", "should refuse HS256 signed with the external public key".
 */
describe('OWASP API10:2023 Unsafe Consumption of APIs (e2e)', () => {
  describe('payment processor webhooks and answers', () => {
    let t: TestApp;
    let alice: Merchant;
    let capture: ReturnType<typeof captureStdout>;

    beforeAll(async () => {
      // Every log line is kept, to search it for data a hostile answer tried to plant.
      capture = captureStdout();
      t = await startTestApp({ env: { LOG_LEVEL: 'info' } });
      alice = await merchant(t);
    });
    afterAll(async () => {
      capture.restore();
      await t?.close();
    });

    const pay = async (amount = 1000): Promise<string> =>
      (
        await createPayment(t, alice.accessToken, paymentBody(alice.customerId, { amount })).expect(
          201,
        )
      ).body.id as string;
    const event = (paymentId: string, type = 'payment.disputed', extra: object = {}) => ({
      id: `evt_${randomUUID()}`,
      type,
      created: Math.floor(Date.now() / 1000),
      data: { paymentId, ...extra },
    });
    const stateOf = async (id: string) =>
      (
        await t.sql<{ status: string; refunded_amount: number }>(
          'SELECT status, refunded_amount FROM payments WHERE id = $1',
          [id],
        )
      )[0];

    it('should refuse a webhook signed over other bytes, another timestamp or with a downgraded scheme', async () => {
      const id = await pay();
      const evt = event(id, 'payment.refunded');
      const raw = JSON.stringify(evt);
      const now = Math.floor(Date.now() / 1000);
      const good = signWebhook(t.config.payments.webhookSecret, raw, now);
      const hex = /v1=([0-9a-f]+)/.exec(good)![1];
      for (const signature of [
        `t=${now - 1},v1=${hex}`, // the timestamp is part of what is signed
        `t=${now},v0=${hex}`, // an unknown scheme carries no proof
        `t=${now},v1=${hex.slice(0, 32)}`, // a truncated MAC
        `t=${now},v1=${hex.toUpperCase()}x`,
        `v1=${hex}`, // no timestamp
      ]) {
        const res = await request(t.url)
          .post('/v1/webhooks/processor')
          .set('Content-Type', 'application/json')
          .set('Processor-Signature', signature)
          .send(raw);
        expect({ signature, status: res.status }).toEqual({ signature, status: 401 });
      }
      // Signed bytes with a prototype-polluting key: refused, not merged into anything.
      const polluted = raw.replace('"data":{', '"data":{"__proto__":{"admin":true},');
      const res = await request(t.url)
        .post('/v1/webhooks/processor')
        .set('Content-Type', 'application/json')
        .set('Processor-Signature', signWebhook(t.config.payments.webhookSecret, polluted, now))
        .send(polluted);
      expect(res.status).toBe(400);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      expect(await stateOf(id)).toEqual({ status: 'succeeded', refunded_amount: 0 });
    });

    it('should treat injection in a signed event as data, and refuse what does not fit', async () => {
      const id = await pay();
      const injected = {
        ...event(id),
        id: `evt_';DROP_TABLE_payments;--`,
      };
      await sendWebhook(t, injected).expect(200);
      expect((await stateOf(id)).status).toBe('disputed');
      const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM payments');
      expect(n).toBeGreaterThan(0);
      for (const hostile of [
        event(id, 'payment.disputed', { reason: "x' OR '1'='1" }),
        event(id, 'payment.disputed', { reason: '<script>alert(1)</script>' }),
        event(id, 'payment.refunded', { amount: -500 }),
        event(id, 'payment.refunded', { amount: '1000; DROP TABLE payments' }),
        { ...event(id), data: { paymentId: `${id}' OR '1'='1` } },
        { ...event(id), created: 'now' },
      ])
        await sendWebhook(t, hostile).expect(400);
    });

    it('should not refund more than was paid on the word of a signed webhook', async () => {
      const id = await pay(1000);
      await sendWebhook(t, event(id, 'payment.refunded', { amount: 600 })).expect(200);
      const res = await sendWebhook(t, event(id, 'payment.refunded', { amount: 600 }));
      expect(res.status).toBe(422);
      expect(await stateOf(id)).toEqual({ status: 'partially_refunded', refunded_amount: 600 });
    });

    it('should refuse oversized and non-JSON webhooks before checking anything else', async () => {
      const id = await pay();
      const big = JSON.stringify({ ...event(id), padding: 'x'.repeat(200_000) });
      const now = Math.floor(Date.now() / 1000);
      await request(t.url)
        .post('/v1/webhooks/processor')
        .set('Content-Type', 'application/json')
        .set('Processor-Signature', signWebhook(t.config.payments.webhookSecret, big, now))
        .send(big)
        .expect(413);
      const xml = `<event><paymentId>${id}</paymentId></event>`;
      await request(t.url)
        .post('/v1/webhooks/processor')
        .set('Content-Type', 'application/xml')
        .set('Processor-Signature', signWebhook(t.config.payments.webhookSecret, xml, now))
        .send(xml)
        .expect(415);
      expect(await stateOf(id)).toEqual({ status: 'succeeded', refunded_amount: 0 });
    });

    it('should not store or echo a full card number that a hostile processor answer puts in last4', async () => {
      const processor = t.app.get<PaymentProcessor>(PAYMENT_PROCESSOR, { strict: false });
      const pan = TEST_CARDS.succeeds;
      const hostile: ChargeResult = {
        status: 'succeeded',
        processorReference: `ch_${randomUUID()}`,
        card: { brand: 'visa', last4: pan, expMonth: 12, expYear: 2099 },
      };
      const spy = jest.spyOn(processor, 'charge').mockResolvedValue(hostile);
      const before = capture.lines.length;
      try {
        const res = await createPayment(t, alice.accessToken, paymentBody(alice.customerId));
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.text).not.toContain(pan);
      } finally {
        spy.mockRestore();
      }
      await t.app.get(AuditService).flush();
      const [{ found }] = await t.sql<{ found: number }>(
        `SELECT count(*)::int AS found FROM payments p WHERE row_to_json(p)::text LIKE $1`,
        [`%${pan}%`],
      );
      expect(found).toBe(0);
      expect(capture.lines.slice(before).join('')).not.toContain(pan);
    });
  });

  describe("an identity provider's JWKS endpoint (resource-server mode)", () => {
    const ISSUER = 'https://idp.example.test';
    const AUDIENCE = 'secure-api-api10';
    let t: TestApp;
    let idp: Server;
    let mode: 'huge' | 'slow' | 'garbage' | 'good' = 'good';
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };

    beforeAll(async () => {
      idp = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        if (mode === 'huge')
          res.end(JSON.stringify({ keys: [jwk], padding: 'x'.repeat(2 * 1024 * 1024) }));
        else if (mode === 'slow') setTimeout(() => res.end(JSON.stringify({ keys: [jwk] })), 6000);
        else if (mode === 'garbage') res.end('<html>maintenance</html>');
        else res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      t = await startTestApp({
        env: {
          AUTH_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`,
          AUTH_ISSUER: ISSUER,
          AUTH_AUDIENCE: AUDIENCE,
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      idp.closeAllConnections();
      await new Promise((resolve) => idp.close(resolve));
    });

    const token = () =>
      jwt.sign({ sub: `ext-${randomUUID()}`, scope: 'customers:read' }, key.privateKey, {
        algorithm: 'ES256',
        keyid: 'k1',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 300,
      });

    it('should refuse tokens, quickly and without a 5xx, while the JWKS is huge, garbage or slow', async () => {
      for (const current of ['huge', 'garbage', 'slow'] as const) {
        mode = current;
        const started = performance.now();
        const res = await request(t.url)
          .get('/v1/customers')
          .set(...bearer(token()));
        const elapsed = performance.now() - started;
        expect({ mode: current, status: res.status }).toEqual({ mode: current, status: 401 });
        // JWKS_FETCH_TIMEOUT_MS is 3 s: the request is answered before the provider's 6 s.
        expect(elapsed).toBeLessThan(5500);
      }
      await request(t.url).get('/health/live').expect(200);
    });

    it('should accept the same tokens once the provider answers properly again', async () => {
      mode = 'good';
      const res = await request(t.url)
        .get('/v1/customers')
        .set(...bearer(token()));
      expect(res.status).toBe(200);
    });
  });
});
