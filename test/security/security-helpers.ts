import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from '../helpers/auth';
import type { TestApp } from '../helpers/test-app';

/**
 * Helpers shared by the OWASP API Security Top 10 (2023) specs in this folder. Each spec attacks
 * the real application over real HTTP on a real PostgreSQL (test/helpers/test-app.ts); these
 * helpers only build requests and compare answers, they never stub the code under attack.
 */

/** A problem body without its per-request members, so two answers can be compared whole. */
export function stableProblem(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _requestId, instance: _instance, ...rest } = body;
  return rest;
}

/** A customer with a unique marker in every personal field. */
export function customerBody(tag = randomUUID().slice(0, 8)): Record<string, unknown> & {
  email: string;
} {
  return {
    fullName: `Victim ${tag}`,
    email: `victim-${tag}@example.test`,
    phone: '+15550001234',
    nationalId: `NID-${tag}-6789`,
  };
}

/** Creates a customer as the holder of `token` and returns its id. */
export async function createCustomer(
  t: TestApp,
  token: string,
  body: Record<string, unknown> = customerBody(),
): Promise<string> {
  const res = await request(t.url)
    .post('/v1/customers')
    .set(...bearer(token))
    .send(body);
  if (res.status !== 201)
    throw new Error(`customer create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Waits for an instant (server-side work that follows a response, e.g. an outbound fetch). */
export const settle = (ms = 200): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
