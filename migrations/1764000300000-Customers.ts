import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers: personal data encrypted per column by the application (src/crypto, AES-256-GCM),
 * so the database, its backups and its logs only ever hold envelopes. Plain: ids, the owner,
 * timestamps and the email blind index (an HMAC, docs/encryption.md).
 *
 * The CHECK constraint is defence in depth: a code path that forgot the transformer and tried
 * to write plaintext fails at the database instead of leaking (OWASP ASVS V8.3 / V6.1).
 * Erasure is a real DELETE; payments keep a pseudonymous reference (their FK is SET NULL).
 */
export class Customers1764000300000 implements MigrationInterface {
  name = 'Customers1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        full_name text NOT NULL,
        email text NOT NULL,
        email_bidx char(64) NOT NULL,
        phone text,
        date_of_birth text,
        national_id text,
        address text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT customers_fields_encrypted CHECK (
          full_name LIKE 'v1:%' AND email LIKE 'v1:%'
          AND (phone IS NULL OR phone LIKE 'v1:%')
          AND (date_of_birth IS NULL OR date_of_birth LIKE 'v1:%')
          AND (national_id IS NULL OR national_id LIKE 'v1:%')
          AND (address IS NULL OR address LIKE 'v1:%')
        ),
        CONSTRAINT customers_email_bidx_hex CHECK (email_bidx ~ '^[0-9a-f]{64}$')
      )
    `);
    // Keyset pagination per owner (and across owners for support/admin), newest first.
    await q.query(
      'CREATE INDEX customers_owner_created_idx ON customers (owner_id, created_at, id)',
    );
    await q.query('CREATE INDEX customers_created_idx ON customers (created_at, id)');
    await q.query('CREATE INDEX customers_email_bidx_idx ON customers (email_bidx)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE customers');
  }
}
