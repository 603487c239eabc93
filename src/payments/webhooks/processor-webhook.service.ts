import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { TransactionHost } from '../../audit/transaction-host';
import { ProblemException } from '../../http/problem';
import { Payment } from '../entities/payment.entity';
import { assertRefundable, PaymentsService } from '../payments.service';
import { ProcessorEventDto } from './processor-event.dto';

export interface WebhookAck {
  received: true;
  duplicate: boolean;
}

/**
 * Applies a processor event once. The event id is inserted first (`ON CONFLICT DO NOTHING`,
 * primary key): a replay, even a concurrent one, finds it and changes nothing (200). Everything
 * runs in one transaction, so an event that fails (unknown payment: 400; not applicable: 422)
 * leaves no trace and the processor may retry it.
 */
@Injectable()
export class ProcessorWebhookService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly payments: PaymentsService,
  ) {}

  async handle(event: ProcessorEventDto): Promise<WebhookAck> {
    return this.tx.run(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO processor_webhook_events (id, type, payment_id, event_created_at)
         SELECT $1, $2, p.id, to_timestamp($4) FROM payments p WHERE p.id = $3
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.type, event.data.paymentId, event.created],
      );
      if (inserted.length === 0) {
        const known: unknown[] = await manager.query(
          'SELECT 1 FROM processor_webhook_events WHERE id = $1',
          [event.id],
        );
        if (known.length > 0) return { received: true, duplicate: true };
        throw new ProblemException(400, {
          slug: 'unknown-payment',
          title: 'Unknown payment',
          detail: 'The event refers to no known payment.',
        });
      }

      const payment = await manager
        .getRepository(Payment)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id: event.data.paymentId })
        .getOneOrFail();
      const before = payment.status;
      if (event.type === 'payment.refunded') {
        assertRefundable(payment);
        const left = payment.amount - payment.refundedAmount;
        const amount = event.data.amount ?? left;
        if (left === 0 || amount > left) {
          throw new ProblemException(422, {
            slug: 'refund-exceeds-remaining',
            title: 'Refund exceeds what is left',
            detail: 'The event refunds more than is left of the payment.',
          });
        }
        await this.payments.applyRefund(manager, payment, amount, 'processor', event.id);
      } else {
        if (payment.status === 'declined') {
          throw new ProblemException(422, {
            slug: 'payment-not-disputable',
            title: 'Payment cannot be disputed',
            detail: 'A declined payment took no money and cannot be disputed.',
          });
        }
        await manager
          .getRepository(Payment)
          .update({ id: payment.id }, { status: 'disputed', updatedAt: () => 'now()' });
      }
      await this.audit.record({
        action: event.type === 'payment.refunded' ? 'payments.refund' : 'payments.dispute',
        resource: { type: 'payments', id: payment.id },
        outcome: 'success',
        status: 200,
        actor: { type: 'anonymous', id: null },
        details: {
          source: 'processor',
          eventId: event.id,
          eventType: event.type,
          statusBefore: before,
          ...(event.data.amount !== undefined ? { amount: event.data.amount } : {}),
        },
      });
      return { received: true, duplicate: false };
    });
  }
}
