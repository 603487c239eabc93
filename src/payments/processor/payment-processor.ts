import type { CardBrand } from '../card/card-brand';
import type { CurrencyCode } from '../money/currencies';

/**
 * The seam between this service and a payment provider. `SimulatedProcessor` implements it for
 * development and tests; a real adapter (Stripe, Adyen, ...) implements the same interface and
 * is bound to `PAYMENT_PROCESSOR` in payments.module.ts. What an adapter must do is written in
 * docs/payments.md ("Writing a real processor adapter").
 */
export interface PaymentProcessor {
  /**
   * Authorises and captures a card payment. A decline is a normal result, not an error; a
   * thrown error means the outcome is unknown (timeout, 5xx) and the caller answers 502/500.
   * `idempotencyKey` must be forwarded to the provider so that a retry never charges twice.
   */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Refunds part or all of a succeeded charge. */
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** Injection token of the active processor adapter. */
export const PAYMENT_PROCESSOR = Symbol('PAYMENT_PROCESSOR');

/** Card data in memory only: never persisted, logged or put in an error (PCI DSS 3.3, 3.4). */
export interface CardDetails {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
}

export interface ChargeRequest {
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: CurrencyCode;
  readonly card: CardDetails;
  readonly description?: string;
}

export interface ChargeResult {
  readonly status: 'succeeded' | 'declined';
  /** The provider's id of the charge (used to refund and to match webhooks). */
  readonly processorReference: string;
  /** A stable decline reason, e.g. `card_declined`, `insufficient_funds`. */
  readonly declineCode?: string;
  /** What may be kept of the card (PCI DSS 3.4.1: at most BIN and last four; we keep last four). */
  readonly card: {
    readonly brand: CardBrand;
    readonly last4: string;
    readonly expMonth: number;
    readonly expYear: number;
  };
}

export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly processorReference: string;
  readonly amount: number;
  readonly currency: CurrencyCode;
}

export interface RefundResult {
  readonly status: 'succeeded';
  readonly processorReference: string;
}
