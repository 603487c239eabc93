import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CardBrand } from '../card/card-brand';
import type { CurrencyCode } from '../money/currencies';

export const PAYMENT_STATUSES = [
  'succeeded',
  'declined',
  'refunded',
  'partially_refunded',
  'disputed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * A payment row. There is deliberately no property that could hold a card number or CVC; the
 * card is represented by brand, last four, expiry and a keyed fingerprint only.
 */
@Entity({ name: 'payments' })
export class Payment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  /** NULL once the customer has been erased; `customerRef` remains. */
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  /** Keyed pseudonym of the customer id (HMAC), written at creation; survives erasure. */
  @Column({ name: 'customer_ref', type: 'char', length: 64 })
  customerRef: string;

  @Column({ type: 'integer' })
  amount: number;

  @Column({ type: 'char', length: 3 })
  currency: CurrencyCode;

  @Column({ name: 'refunded_amount', type: 'integer', default: 0 })
  refundedAmount: number;

  @Column({ type: 'varchar', length: 24 })
  status: PaymentStatus;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'card_brand', type: 'varchar', length: 16 })
  cardBrand: CardBrand;

  @Column({ name: 'card_last4', type: 'char', length: 4 })
  cardLast4: string;

  @Column({ name: 'card_exp_month', type: 'smallint' })
  cardExpMonth: number;

  @Column({ name: 'card_exp_year', type: 'smallint' })
  cardExpYear: number;

  /** HMAC-SHA256 of the card number under CARD_FINGERPRINT_KEY: spots a card reused. */
  @Column({ name: 'card_fingerprint', type: 'char', length: 64 })
  cardFingerprint: string;

  @Column({ name: 'processor_reference', type: 'varchar', length: 255 })
  processorReference: string;

  @Column({ name: 'decline_code', type: 'varchar', length: 64, nullable: true })
  declineCode: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
