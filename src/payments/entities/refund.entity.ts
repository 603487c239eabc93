import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CurrencyCode } from '../money/currencies';

/** One refund of a payment: requested through the API, or reported by the processor's webhook. */
@Entity({ name: 'payment_refunds' })
export class Refund {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @Column({ type: 'integer' })
  amount: number;

  @Column({ type: 'char', length: 3 })
  currency: CurrencyCode;

  @Column({ type: 'varchar', length: 16 })
  status: 'succeeded';

  @Column({ type: 'varchar', length: 16 })
  source: 'api' | 'processor';

  @Column({ name: 'processor_reference', type: 'varchar', length: 255 })
  processorReference: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
