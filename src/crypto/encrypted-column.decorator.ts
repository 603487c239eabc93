import { Column, FindOperator, ValueTransformer } from 'typeorm';
import { FieldBinding } from './field-cipher';
import { registeredFieldCipher } from './field-cipher.registry';

/** What the property holds before encryption: text, a `Date`, or a JSON-serialisable object. */
export type EncryptedValueType = 'string' | 'date' | 'json';

export interface EncryptedColumnOptions extends FieldBinding {
  type: EncryptedValueType;
  /** Default false. `null` is stored as SQL NULL (not encrypted): that a value is absent shows. */
  nullable?: boolean;
}

/** One encrypted column of an entity: the key rotation walks this list. */
export interface EncryptedColumnInfo extends FieldBinding {
  /** The entity class (its primary key is read from TypeORM metadata at rotation time). */
  target: abstract new (...args: never[]) => unknown;
  propertyName: string;
}

const ENCRYPTED_COLUMNS: EncryptedColumnInfo[] = [];

/** Every column declared with `@EncryptedColumn`, in every entity loaded in this process. */
export function encryptedColumns(): readonly EncryptedColumnInfo[] {
  return ENCRYPTED_COLUMNS;
}

/**
 * A `text` column whose value is encrypted by the FieldCipher (AES-256-GCM, AAD = table and
 * column) on write and decrypted on read:
 *
 * ```ts
 * @EncryptedColumn({ table: 'customers', column: 'national_id', type: 'string', nullable: true })
 * nationalId: string | null;
 * ```
 *
 * `column` is the database column name and part of the AAD, so it must not change without
 * re-encrypting. Encrypted columns cannot be searched or sorted: give them a blind index.
 */
export function EncryptedColumn(options: EncryptedColumnOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    ENCRYPTED_COLUMNS.push({
      target: target.constructor as EncryptedColumnInfo['target'],
      table: options.table,
      column: options.column,
      propertyName: String(propertyKey),
    });
    Column({
      name: options.column,
      type: 'text',
      nullable: options.nullable ?? false,
      transformer: encryptedTransformer(options),
    })(target, propertyKey);
  };
}

/** The transformer behind `@EncryptedColumn`; exported for its unit test. */
export function encryptedTransformer(options: EncryptedColumnOptions): ValueTransformer {
  const binding: FieldBinding = { table: options.table, column: options.column };
  return {
    to(value: unknown): string | null | undefined {
      // undefined: TypeORM leaves the column out of the statement; null: SQL NULL.
      if (value === undefined || value === null) return value;
      if (value instanceof FindOperator)
        // A random IV makes equal values encrypt differently: a WHERE on the ciphertext could
        // never match. Refuse loudly instead of silently finding nothing.
        throw new Error(`${options.table}.${options.column} is encrypted: query its blind index`);
      return registeredFieldCipher().encrypt(serialise(value, options.type), binding);
    },
    from(value: unknown): unknown {
      if (value === null || value === undefined) return null;
      // A non-text value in an encrypted column is tampering too: the cipher refuses it.
      const stored = typeof value === 'string' ? value : '';
      return deserialise(registeredFieldCipher().decrypt(stored, binding), options.type);
    },
  };
}

function serialise(value: unknown, type: EncryptedValueType): string {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError('Encrypted string column needs a string');
      return value;
    case 'date':
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        throw new TypeError('Encrypted date column needs a valid Date');
      return value.toISOString();
    case 'json':
      return JSON.stringify(value);
  }
}

function deserialise(text: string, type: EncryptedValueType): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'date':
      return new Date(text);
    case 'json':
      return JSON.parse(text) as unknown;
  }
}
