import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedColumn } from '../../crypto/encrypted-column.decorator';

export interface CustomerAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/**
 * A customer of a user, as stored. Every personal field is an `@EncryptedColumn` (AES-256-GCM
 * under the key ring, bound to `customers.<column>`) whose value is itself sealed under the
 * customer's own data key (CustomerSealer, crypto-shredding): these properties hold `v1:dk:`
 * envelopes, never clear values. The email also has a blind index for exact-match lookups.
 * Never returned to clients: the service opens it and maps it to CustomerResponseDto.
 */
@Entity({ name: 'customers' })
export class Customer {
  @PrimaryColumn('uuid')
  id: string;

  /** The user who owns this customer: put into every query (OWASP API1, BOLA). */
  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @EncryptedColumn({ table: 'customers', column: 'full_name', type: 'string' })
  fullName: string;

  @EncryptedColumn({ table: 'customers', column: 'email', type: 'string' })
  email: string;

  /** HMAC-SHA256 of the normalised email (BlindIndexService.email). */
  @Column({ name: 'email_bidx', type: 'char', length: 64 })
  emailIndex: string;

  @EncryptedColumn({ table: 'customers', column: 'phone', type: 'string', nullable: true })
  phone: string | null;

  /** Sealed YYYY-MM-DD. */
  @EncryptedColumn({ table: 'customers', column: 'date_of_birth', type: 'string', nullable: true })
  dateOfBirth: string | null;

  @EncryptedColumn({ table: 'customers', column: 'national_id', type: 'string', nullable: true })
  nationalId: string | null;

  /** Sealed JSON of a CustomerAddress. */
  @EncryptedColumn({ table: 'customers', column: 'address', type: 'string', nullable: true })
  address: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
