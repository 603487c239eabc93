import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { cardBrandOf } from '../card/card-brand';
import {
  ChargeRequest,
  ChargeResult,
  PaymentProcessor,
  RefundRequest,
  RefundResult,
} from './payment-processor';

/** Test cards of the simulated processor (the same numbers as the common provider sandboxes). */
export const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  /** The processor fails (as on a timeout or a 5xx): the outcome is unknown. */
  processorError: '4000000000000119',
} as const;

/** What a provider SDK throws on a failed call; here, without any request data in it. */
export class SimulatedProcessorError extends Error {
  readonly code = 'processing_error';
}

const DECLINES: Record<string, string> = {
  [TEST_CARDS.declined]: 'card_declined',
  [TEST_CARDS.insufficientFunds]: 'insufficient_funds',
};

/**
 * A deterministic in-process stand-in for a payment provider. It has the provider's shape
 * (references, declines as results, idempotent by key) so that the service code is the code a
 * real adapter would run under. Any other Luhn-valid number succeeds.
 */
@Injectable()
export class SimulatedProcessor implements PaymentProcessor {
  charge(request: ChargeRequest): Promise<ChargeResult> {
    if (request.card.number === TEST_CARDS.processorError)
      return Promise.reject(new SimulatedProcessorError('Simulated processor failure'));
    const declineCode = DECLINES[request.card.number];
    return Promise.resolve({
      status: declineCode ? 'declined' : 'succeeded',
      // Derived from the idempotency key, as a provider returns the same charge for a retry.
      processorReference: `sim_ch_${reference(request.idempotencyKey)}`,
      ...(declineCode ? { declineCode } : {}),
      card: {
        brand: cardBrandOf(request.card.number),
        last4: request.card.number.slice(-4),
        expMonth: request.card.expMonth,
        expYear: request.card.expYear,
      },
    });
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return Promise.resolve({
      status: 'succeeded',
      processorReference: `sim_re_${reference(`${request.processorReference}:${request.idempotencyKey}`)}`,
    });
  }
}

function reference(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 24);
}
