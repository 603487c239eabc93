import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedColumn } from '../../crypto/encrypted-column.decorator';

/**
 * A customer's own data key (crypto-shredding), wrapped by the key ring: the column holds the
 * base64 key inside a ring envelope, so keys:rotate re-wraps it like any encrypted column.
 * Deleted with the customer (ON DELETE CASCADE).
 */
@Entity({ name: 'customer_data_keys' })
export class CustomerDataKey {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @EncryptedColumn({ table: 'customer_data_keys', column: 'wrapped_key', type: 'string' })
  wrappedKey: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
