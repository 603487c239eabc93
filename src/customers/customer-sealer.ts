import { Injectable } from '@nestjs/common';
import { FieldCipher, RowBinding } from '../crypto/field-cipher';
import { CustomerAddress, Customer } from './entities/customer.entity';

/** A customer's personal fields in clear, as the service works with them. */
export interface CustomerFields {
  fullName: string;
  email: string;
  phone: string | null;
  /** YYYY-MM-DD. */
  dateOfBirth: string | null;
  nationalId: string | null;
  address: CustomerAddress | null;
}

type SealedFields = Pick<Customer, keyof CustomerFields>;

/**
 * Two layers per field (envelope encryption, NIST SP 800-57 key hierarchy):
 * - inner: sealed here under the customer's own data key, AAD `customers.<column>` + the
 *   customer id (FieldCipher.encryptWithDataKey);
 * - outer: the `@EncryptedColumn` transformer seals that under the key ring's active key, so
 *   the raw table shows ring envelopes only, and keys:rotate re-encrypts them as usual.
 * Destroying the data key (erasure) leaves every copy of the inner values undecryptable.
 */
@Injectable()
export class CustomerSealer {
  constructor(private readonly cipher: FieldCipher) {}

  newDataKey(): Buffer {
    return this.cipher.generateDataKey();
  }

  /** Seals the fields present in `fields` (undefined: left out; null: stays null). */
  seal(
    customerId: string,
    dataKey: Buffer,
    fields: Partial<CustomerFields>,
  ): Partial<SealedFields> {
    const out: Partial<Record<keyof CustomerFields, string | null>> = {};
    for (const name of FIELD_NAMES) {
      const value = fields[name];
      if (value === undefined) continue;
      out[name] =
        value === null
          ? null
          : this.cipher.encryptWithDataKey(
              dataKey,
              typeof value === 'string' ? value : JSON.stringify(value),
              this.binding(customerId, name),
            );
    }
    // fullName and email are never null here: the DTOs refuse null for them.
    return out as Partial<SealedFields>;
  }

  /** Opens every field; without a data key (an erased customer restored) nothing decrypts. */
  open(customer: Customer, dataKey: Buffer | undefined): CustomerFields {
    const read = (name: keyof CustomerFields): string | null => {
      const sealed = customer[name];
      if (sealed === null) return null;
      const binding = this.binding(customer.id, name);
      if (!dataKey) return this.cipher.dataKeyMissing(binding);
      return this.cipher.decryptWithDataKey(dataKey, sealed, binding);
    };
    const address = read('address');
    return {
      fullName: read('fullName')!,
      email: read('email')!,
      phone: read('phone'),
      dateOfBirth: read('dateOfBirth'),
      nationalId: read('nationalId'),
      address: address === null ? null : (JSON.parse(address) as CustomerAddress),
    };
  }

  /** The generic decryption error, logged, for a customer whose data key is gone. */
  missingKey(customerId: string): never {
    return this.cipher.dataKeyMissing(this.binding(customerId, 'fullName'));
  }

  private binding(customerId: string, field: keyof CustomerFields): RowBinding {
    return { table: 'customers', column: COLUMNS[field], rowId: customerId };
  }
}

const COLUMNS: Record<keyof CustomerFields, string> = {
  fullName: 'full_name',
  email: 'email',
  phone: 'phone',
  dateOfBirth: 'date_of_birth',
  nationalId: 'national_id',
  address: 'address',
};
const FIELD_NAMES = Object.keys(COLUMNS) as Array<keyof CustomerFields>;
