import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { signWebhook } from '../../../src/payments/processor/webhook-signature';
import { TEST_CARDS } from '../../../src/payments/processor/simulated-processor';
import { bearer, loginAs, LoggedInUser } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import type { Role } from '../../../src/auth/principal';

export { TEST_CARDS };

/** A CVC that occurs nowhere else, so scans for it cannot match by accident. */
export const TEST_CVC = '7391';
export const NEXT_YEAR = new Date().getUTCFullYear() + 1;

/**
 * The payments specs start the real app. The route rate limits are off here (they have their
 * own specs, and a spec that creates dozens of payments would hit them); the per-owner velocity
 * limit, which this feature implements, stays on.
 */
export function startPaymentsApp(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ env: { RATE_LIMIT_ENABLED: 'false', ...env } });
}

export interface Merchant extends LoggedInUser {
  customerId: string;
}

/** A user with one customer of their own. */
export async function merchant(t: TestApp, role: Role = 'user'): Promise<Merchant> {
  const user = await loginAs(t, role);
  const res = await request(t.url)
    .post('/v1/customers')
    .set(...bearer(user.accessToken))
    .send({ fullName: 'Ada Lovelace', email: `ada-${randomUUID()}@example.test` });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status}`);
  return { ...user, customerId: res.body.id as string };
}

export function paymentBody(
  customerId: string,
  overrides: Record<string, unknown> = {},
  card: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    customerId,
    amount: 1999,
    currency: 'EUR',
    description: 'Order 1',
    card: {
      number: TEST_CARDS.succeeds,
      expMonth: 12,
      expYear: NEXT_YEAR,
      cvc: TEST_CVC,
      ...card,
    },
    ...overrides,
  };
}

export function createPayment(
  t: TestApp,
  token: string,
  body: Record<string, unknown>,
  key: string = randomUUID(),
): request.Test {
  return request(t.url)
    .post('/v1/payments')
    .set(...bearer(token))
    .set('Idempotency-Key', key)
    .send(body);
}

export function refund(
  t: TestApp,
  token: string,
  paymentId: string,
  body: Record<string, unknown> = {},
  key: string = randomUUID(),
): request.Test {
  return request(t.url)
    .post(`/v1/payments/${paymentId}/refunds`)
    .set(...bearer(token))
    .set('Idempotency-Key', key)
    .send(body);
}

/** Sends a processor event signed as the simulated processor signs it. */
export function sendWebhook(
  t: TestApp,
  event: Record<string, unknown>,
  options: { secret?: string; timestamp?: number; signature?: string } = {},
): request.Test {
  const raw = JSON.stringify(event);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature ??
    signWebhook(options.secret ?? t.config.payments.webhookSecret, raw, timestamp);
  return request(t.url)
    .post('/v1/webhooks/processor')
    .set('Content-Type', 'application/json')
    .set('Processor-Signature', signature)
    .send(raw);
}

export async function countRows(t: TestApp, table: string): Promise<number> {
  const [row] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row.n;
}
