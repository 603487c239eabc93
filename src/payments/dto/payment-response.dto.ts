import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CURRENCY_CODES } from '../money/currencies';
import { PAYMENT_STATUSES, PaymentStatus } from '../entities/payment.entity';
import type { Payment } from '../entities/payment.entity';
import type { Refund } from '../entities/refund.entity';

/** What may be shown of a card: brand, last four and expiry (PCI DSS 3.4.1). */
export class CardSummaryDto {
  @ApiProperty({ example: 'visa' })
  brand: string;
  @ApiProperty({ example: '4242' })
  last4: string;
  @ApiProperty({ example: 12 })
  expMonth: number;
  @ApiProperty({ example: 2030 })
  expYear: number;
}

/** A payment as the API returns it; `ownerId`, the fingerprint and processor ids stay inside. */
export class PaymentResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'null once the customer has been erased',
  })
  customerId: string | null;
  @ApiProperty({ example: 1999, description: 'minor units' })
  amount: number;
  @ApiProperty({ enum: CURRENCY_CODES })
  currency: string;
  @ApiProperty({ enum: PAYMENT_STATUSES })
  status: PaymentStatus;
  @ApiProperty({ example: 0, description: 'minor units refunded so far' })
  refundedAmount: number;
  @ApiProperty({ type: CardSummaryDto })
  card: CardSummaryDto;
  @ApiPropertyOptional({ maxLength: 500 })
  description?: string;
  @ApiPropertyOptional({ example: 'card_declined' })
  declineCode?: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** `masked`: the support view; free text may hold personal data, so it is masked. */
  static from(payment: Payment, masked = false): PaymentResponseDto {
    return {
      id: payment.id,
      customerId: payment.customerId,
      amount: payment.amount,
      currency: payment.currency,
      status: payment.status,
      refundedAmount: payment.refundedAmount,
      card: {
        brand: payment.cardBrand,
        last4: payment.cardLast4,
        expMonth: payment.cardExpMonth,
        expYear: payment.cardExpYear,
      },
      ...(payment.description !== null
        ? { description: masked ? '*****' : payment.description }
        : {}),
      ...(payment.declineCode !== null ? { declineCode: payment.declineCode } : {}),
      createdAt: payment.createdAt.toISOString(),
    };
  }
}

export class PaymentListResponseDto {
  @ApiProperty({ type: [PaymentResponseDto] })
  data: PaymentResponseDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class RefundResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  paymentId: string;
  @ApiProperty({ example: 500, description: 'minor units' })
  amount: number;
  @ApiProperty({ enum: CURRENCY_CODES })
  currency: string;
  @ApiProperty({ enum: ['succeeded'] })
  status: 'succeeded';
  @ApiProperty({ type: PaymentResponseDto, description: 'the payment after this refund' })
  payment: PaymentResponseDto;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(refund: Refund, payment: Payment): RefundResponseDto {
    return {
      id: refund.id,
      paymentId: refund.paymentId,
      amount: refund.amount,
      currency: refund.currency,
      status: refund.status,
      payment: PaymentResponseDto.from(payment),
      createdAt: refund.createdAt.toISOString(),
    };
  }
}
