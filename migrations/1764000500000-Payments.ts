import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments, refunds, idempotency records and processed webhook events.
 *
 * Card data: only brand, last four, expiry and a keyed fingerprint (HMAC-SHA256 under
 * CARD_FINGERPRINT_KEY) are columns; there is no column that could hold a card number or a CVC
 * (PCI DSS 3.3, 3.4). Money: integer minor units with CHECKs that repeat the API's bounds, and
 * `refunded_amount <= amount` as a last line of defence against over-refunding.
 *
 * Customer erasure (GDPR art. 17) hard-deletes the customer row: `customer_id` is then set to
 * NULL by the foreign key, and `customer_ref`, a keyed pseudonym written at creation, still ties
 * the payments of that (now anonymous) customer together for accounting.
 */
export class Payments1764000500000 implements MigrationInterface {
  name = 'Payments1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL,
        customer_id uuid REFERENCES customers(id) ON DELETE SET NULL,
        customer_ref char(64) NOT NULL,
        amount integer NOT NULL CHECK (amount BETWEEN 1 AND 100000000),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        refunded_amount integer NOT NULL DEFAULT 0,
        status varchar(24) NOT NULL
          CHECK (status IN ('succeeded','declined','refunded','partially_refunded','disputed')),
        description varchar(500),
        card_brand varchar(16) NOT NULL,
        card_last4 char(4) NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
        card_exp_month smallint NOT NULL CHECK (card_exp_month BETWEEN 1 AND 12),
        card_exp_year smallint NOT NULL,
        card_fingerprint char(64) NOT NULL,
        processor_reference varchar(255) NOT NULL,
        decline_code varchar(64),
        -- Millisecond precision: the list cursor carries it through a JavaScript Date exactly.
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT payments_refunded_within_amount CHECK (refunded_amount BETWEEN 0 AND amount),
        CONSTRAINT payments_declined_not_refunded CHECK (status <> 'declined' OR refunded_amount = 0)
      )`);
    // Lists (newest first, keyset pagination) and the velocity window both read by owner and time.
    await q.query(
      'CREATE INDEX payments_owner_created_idx ON payments (owner_id, created_at DESC, id DESC)',
    );
    await q.query('CREATE INDEX payments_created_idx ON payments (created_at DESC, id DESC)');
    await q.query('CREATE INDEX payments_customer_idx ON payments (customer_id)');
    await q.query('CREATE INDEX payments_fingerprint_idx ON payments (card_fingerprint)');

    await q.query(`
      CREATE TABLE payment_refunds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL REFERENCES payments(id) ON DELETE RESTRICT,
        amount integer NOT NULL CHECK (amount BETWEEN 1 AND 100000000),
        currency char(3) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('succeeded')),
        source varchar(16) NOT NULL CHECK (source IN ('api','processor')),
        processor_reference varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX payment_refunds_payment_idx ON payment_refunds (payment_id)');

    // draft-ietf-httpapi-idempotency-key-header: one row per (owner, operation, key). The primary
    // key is the race guard: the first INSERT ... ON CONFLICT DO NOTHING wins the claim.
    // Holds a keyed hash of the request (never the request: it carries card data) and the
    // response, which holds no card data beyond brand and last four.
    await q.query(`
      CREATE TABLE idempotency_keys (
        owner_id uuid NOT NULL,
        operation varchar(64) NOT NULL,
        key varchar(255) NOT NULL CHECK (key ~ '^[\\x21-\\x7e]{1,255}$'),
        request_hash char(64) NOT NULL,
        claim_id uuid NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('in_flight','completed')),
        response_status smallint,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (owner_id, operation, key)
      )`);
    await q.query('CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)');

    // Processor events already applied: the primary key makes a replayed event a no-op.
    await q.query(`
      CREATE TABLE processor_webhook_events (
        id varchar(255) PRIMARY KEY,
        type varchar(64) NOT NULL,
        payment_id uuid NOT NULL REFERENCES payments(id) ON DELETE RESTRICT,
        event_created_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Payments are financial records: the runtime role may not delete them or their refunds.
    await q.query(
      'REVOKE DELETE ON payments, payment_refunds, processor_webhook_events FROM app_runtime',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS processor_webhook_events');
    await q.query('DROP TABLE IF EXISTS idempotency_keys');
    await q.query('DROP TABLE IF EXISTS payment_refunds');
    await q.query('DROP TABLE IF EXISTS payments');
  }
}
