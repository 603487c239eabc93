import { randomUUID } from 'node:crypto';
import type { ProcessorEventType } from '../webhooks/processor-event.dto';
import { signWebhook } from './webhook-signature';

export interface SimulatedEventInput {
  type: ProcessorEventType;
  paymentId: string;
  /** payment.refunded: minor units (default: everything left). */
  amount?: number;
  /** Event id; a fresh one by default. Reuse one to see a replay acknowledged without change. */
  id?: string;
  /** Unix seconds of the signature; default now. */
  timestamp?: number;
}

/**
 * An event as the simulated processor would send it to `POST /v1/webhooks/processor`: the exact
 * body text and its `Processor-Signature` header. Used by the `processor:event` CLI command and
 * the tests; a real provider signs its own events and this is never needed in production.
 */
export function simulatedProcessorEvent(
  secret: string,
  input: SimulatedEventInput,
): { body: string; signature: string } {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: input.id ?? `evt_sim_${randomUUID()}`,
    type: input.type,
    created: timestamp,
    data: {
      paymentId: input.paymentId,
      ...(input.amount !== undefined ? { amount: input.amount } : {}),
    },
  });
  return { body, signature: signWebhook(secret, body, timestamp) };
}
