import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding: one random data key per customer, stored wrapped by the field-encryption
 * key ring (an envelope, rotated by keys:rotate), in its own table. The customer's fields are
 * sealed under this key inside their ring envelope. Erasure deletes the customer and, by the
 * cascade, its key in the same transaction: copies of the row elsewhere (backups of the data,
 * replicas restored later) no longer decrypt. Keep this table's backups short-lived and apart
 * from data archives (docs/encryption.md). A customer without a key row does not decrypt.
 */
export class CustomerDataKeys1764000300001 implements MigrationInterface {
  name = 'CustomerDataKeys1764000300001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_data_keys (
        customer_id uuid PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        wrapped_key text NOT NULL CONSTRAINT customer_data_keys_wrapped CHECK (wrapped_key LIKE 'v1:%'),
        created_at timestamptz NOT NULL
      )
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE customer_data_keys');
  }
}
