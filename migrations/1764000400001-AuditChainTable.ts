import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash chain moves out of `audit_log` into its own insert-only table, so that an audit entry
 * is never updated at all (docs/audit.md "Integrity").
 *
 * Why: sealing by UPDATE rewrote every row once, with all seven of its indexes (chain_pos is
 * indexed, so no HOT update): measured ~3x the cost of the INSERT itself. Now:
 * - `audit_log` is strictly write-once: the trigger refuses every UPDATE, to every role; DELETE
 *   only on the owner's maintenance path (retention);
 * - an AFTER INSERT statement trigger queues the new ids in `audit_pending` (one INSERT per
 *   statement, through a transition table, so a 100-row batch costs one extra statement);
 * - `audit_seal()` takes the advisory lock, links the pending rows in id order, writes their
 *   links to `audit_chain` with ONE insert, and dequeues them;
 * - `audit_chain` (position, entry, previous hash, hash) is append-only like the log.
 * The canonical content and the hash function are unchanged: chains sealed before this
 * migration are carried over as they are and still verify.
 */
export class AuditChainTable1764000400001 implements MigrationInterface {
  name = 'AuditChainTable1764000400001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_chain (
        chain_pos bigint PRIMARY KEY,
        seq bigint NOT NULL UNIQUE REFERENCES audit_log (seq),
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query('CREATE TABLE audit_pending (seq bigint PRIMARY KEY)');
    await q.query(`
      INSERT INTO audit_chain (chain_pos, seq, prev_hash, hash)
      SELECT chain_pos, seq, prev_hash, hash FROM audit_log WHERE chain_pos IS NOT NULL`);
    await q.query(
      'INSERT INTO audit_pending (seq) SELECT seq FROM audit_log WHERE chain_pos IS NULL',
    );

    await q.query('REVOKE ALL ON audit_chain, audit_pending FROM PUBLIC');
    await q.query('REVOKE ALL ON audit_chain, audit_pending FROM app_runtime');
    // Read-only for the API (verification, the backlog gauge); only audit_seal() writes them.
    await q.query('GRANT SELECT ON audit_chain, audit_pending TO app_runtime');

    // The entry itself: never updated again, by anyone.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
      BEGIN
        IF current_user = 'app_owner' AND TG_OP = 'DELETE'
           AND coalesce(current_setting('audit.mode', true), '') = 'maintenance' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_chain_append_only
      BEFORE UPDATE OR DELETE ON audit_chain
      FOR EACH ROW EXECUTE FUNCTION audit_log_guard()`);
    await q.query(`
      CREATE TRIGGER audit_chain_no_truncate
      BEFORE TRUNCATE ON audit_chain
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`);

    // New entries queue themselves for sealing (SECURITY DEFINER: the runtime role has no
    // privilege on the queue).
    await q.query(`
      CREATE FUNCTION audit_log_enqueue() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      BEGIN
        INSERT INTO audit_pending (seq) SELECT seq FROM new_rows;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_enqueue
      AFTER INSERT ON audit_log REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_enqueue()`);
    await q.query('REVOKE ALL ON FUNCTION audit_log_enqueue() FROM PUBLIC');

    await q.query(`
      CREATE OR REPLACE FUNCTION audit_seal(max_rows integer DEFAULT 1000) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        last_pos bigint;
        last_hash text;
        r audit_log;
        positions bigint[] := '{}';
        seqs bigint[] := '{}';
        prevs text[] := '{}';
        hashes text[] := '{}';
      BEGIN
        -- Each statement below must see what earlier sealers committed: READ COMMITTED only.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit_seal() must run under READ COMMITTED';
        END IF;
        PERFORM pg_advisory_xact_lock(7364000400000);
        SELECT chain_pos, hash INTO last_pos, last_hash
          FROM audit_chain ORDER BY chain_pos DESC LIMIT 1;
        IF last_pos IS NULL THEN
          SELECT through_pos, a.last_hash INTO last_pos, last_hash
            FROM audit_anchor a ORDER BY through_pos DESC LIMIT 1;
        END IF;
        last_pos := coalesce(last_pos, 0);
        last_hash := coalesce(last_hash, repeat('0', 64));
        FOR r IN
          SELECT l.* FROM audit_pending p JOIN audit_log l ON l.seq = p.seq
           ORDER BY p.seq LIMIT max_rows
        LOOP
          last_pos := last_pos + 1;
          positions := positions || last_pos;
          seqs := seqs || r.seq;
          prevs := prevs || last_hash;
          last_hash := audit_entry_hash(last_hash, last_pos, r);
          hashes := hashes || last_hash;
        END LOOP;
        IF cardinality(seqs) > 0 THEN
          INSERT INTO audit_chain (chain_pos, seq, prev_hash, hash)
            SELECT * FROM unnest(positions, seqs, prevs, hashes);
          DELETE FROM audit_pending WHERE seq = ANY (seqs);
        END IF;
        RETURN cardinality(seqs);
      END $$`);

    await q.query('ALTER TABLE audit_log DROP CONSTRAINT audit_log_sealed_check');
    await q.query('DROP INDEX audit_log_unsealed_idx');
    await q.query(
      'ALTER TABLE audit_log DROP COLUMN chain_pos, DROP COLUMN prev_hash, DROP COLUMN hash',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Irreversible in place (the chain columns would need resealing); restore from a backup.
    await q.query('SELECT 1');
    throw new Error('AuditChainTable1764000400001 cannot be reverted');
  }
}
