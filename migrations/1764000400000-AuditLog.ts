import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (docs/audit.md): append-only, tamper-evident.
 * NOTE: the next migration (1764000400001-AuditChainTable) moves the chain columns into their
 * own table and removes the `seal` update path below: read both.
 *
 * - Grants (least privilege, OWASP ASVS 7.3 / 16.x "log protection"): `app_runtime` may only
 *   INSERT and SELECT rows; UPDATE, DELETE and TRUNCATE are revoked.
 * - A trigger refuses UPDATE, DELETE and TRUNCATE to every role, the owner included, outside two
 *   documented paths that only the owner role can take (`current_user = 'app_owner'` AND the
 *   transaction-local setting `audit.mode`):
 *     `seal`        only inside `audit_seal()` (SECURITY DEFINER, owned by app_owner): fills in
 *                   the chain columns of a not-yet-sealed row, nothing else;
 *     `maintenance` the retention CLI (`audit:archive`), connected as the owner: DELETE only.
 *   The runtime role can set `audit.mode` in its own session but holds no UPDATE/DELETE grant,
 *   so the setting alone opens nothing. The owner can of course disable the trigger: that is what
 *   the hash chain is for (tampering by the owner is detected, not prevented).
 * - Hash chain: rows are inserted unsealed (chain columns NULL). `audit_seal()` takes a
 *   transaction-scoped advisory lock, so one sealer runs at a time across every app instance,
 *   and links the unsealed rows it can see in id (`seq`) order, giving each the next
 *   `chain_pos` and `hash = sha256(prev_hash || canonical(row, chain_pos))`. Positions are
 *   assigned by the sealer, not at insert time: a transaction that took a lower `seq` but
 *   commits later is simply chained later, so no row can be skipped or chained out of order.
 * - Retention leaves an anchor (`audit_anchor`): the position and hash of the last removed row,
 *   from which the remaining chain still verifies.
 */
export class AuditLog1764000400000 implements MigrationInterface {
  name = 'AuditLog1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        at timestamptz NOT NULL,
        request_id varchar(64),
        actor_type varchar(16) NOT NULL,
        actor_id varchar(128),
        action varchar(100) NOT NULL,
        resource_type varchar(64),
        resource_id varchar(200),
        outcome varchar(16) NOT NULL,
        status smallint,
        ip varchar(64),
        user_agent varchar(512),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        chain_pos bigint UNIQUE,
        prev_hash char(64),
        hash char(64),
        CONSTRAINT audit_log_actor_type_check CHECK (actor_type IN ('user', 'client', 'anonymous')),
        CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'denied', 'error')),
        CONSTRAINT audit_log_sealed_check CHECK (
          (chain_pos IS NULL AND prev_hash IS NULL AND hash IS NULL) OR
          (chain_pos IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL))
      )`);
    // Listing newest first with keyset pagination; filters; the sealer's work queue.
    await q.query('CREATE INDEX audit_log_at_idx ON audit_log (at DESC, seq DESC)');
    await q.query('CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC)');
    await q.query('CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC)');
    await q.query(
      'CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, at DESC)',
    );
    await q.query('CREATE INDEX audit_log_unsealed_idx ON audit_log (seq) WHERE chain_pos IS NULL');

    await q.query(`
      CREATE TABLE audit_anchor (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        through_pos bigint NOT NULL,
        last_hash char(64) NOT NULL,
        removed bigint NOT NULL,
        cutoff timestamptz NOT NULL,
        archive_sha256 char(64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Least privilege: the default privileges of Init gave the runtime role UPDATE and DELETE.
    await q.query('REVOKE ALL ON audit_log, audit_anchor FROM PUBLIC');
    await q.query('REVOKE ALL ON audit_log, audit_anchor FROM app_runtime');
    await q.query('GRANT SELECT, INSERT ON audit_log TO app_runtime');
    await q.query('GRANT SELECT ON audit_anchor TO app_runtime');

    // The canonical content of an entry: a jsonb array (jsonb text output is deterministic) with
    // the time normalised to UTC, prefixed by the previous hash. Covers every column but `seq`.
    await q.query(`
      CREATE FUNCTION audit_entry_hash(prev text, pos bigint, e audit_log) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
        SELECT encode(sha256(convert_to(prev || '|' || jsonb_build_array(
          pos, e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          e.request_id, e.actor_type, e.actor_id, e.action, e.resource_type, e.resource_id,
          e.outcome, e.status, e.ip, e.user_agent, e.details)::text, 'UTF8')), 'hex')
      $$`);

    await q.query(`
      CREATE FUNCTION audit_log_guard() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
      DECLARE
        mode text := coalesce(current_setting('audit.mode', true), '');
      BEGIN
        IF current_user = 'app_owner' THEN
          IF TG_OP = 'UPDATE' AND mode = 'seal' AND OLD.chain_pos IS NULL
             AND (to_jsonb(NEW) - 'chain_pos' - 'prev_hash' - 'hash')
                 = (to_jsonb(OLD) - 'chain_pos' - 'prev_hash' - 'hash') THEN
            RETURN NEW;
          END IF;
          IF TG_OP = 'DELETE' AND mode = 'maintenance' THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_guard()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`);
    // Anchors are history too: never changed once written.
    await q.query(`
      CREATE FUNCTION audit_anchor_guard() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_anchor is append-only' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_anchor_append_only
      BEFORE UPDATE OR DELETE ON audit_anchor
      FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard()`);
    await q.query(`
      CREATE TRIGGER audit_anchor_no_truncate
      BEFORE TRUNCATE ON audit_anchor
      FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard()`);

    // The sealer. SECURITY DEFINER so the runtime role can seal without holding UPDATE; the
    // trigger lets it change only the chain columns of unsealed rows. The advisory lock
    // serialises sealers of every instance; READ COMMITTED gives each statement a fresh snapshot
    // taken after the lock, so the last sealed position is always the latest committed one.
    await q.query(`
      CREATE FUNCTION audit_seal(max_rows integer DEFAULT 1000) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        last_pos bigint;
        last_hash text;
        r audit_log;
        sealed integer := 0;
      BEGIN
        -- Each statement below must see what earlier sealers committed: READ COMMITTED only.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit_seal() must run under READ COMMITTED';
        END IF;
        PERFORM pg_advisory_xact_lock(7364000400000);
        SELECT chain_pos, hash INTO last_pos, last_hash
          FROM audit_log WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1;
        IF last_pos IS NULL THEN
          SELECT through_pos, a.last_hash INTO last_pos, last_hash
            FROM audit_anchor a ORDER BY through_pos DESC LIMIT 1;
        END IF;
        last_pos := coalesce(last_pos, 0);
        last_hash := coalesce(last_hash, repeat('0', 64));
        PERFORM set_config('audit.mode', 'seal', true);
        FOR r IN SELECT * FROM audit_log WHERE chain_pos IS NULL ORDER BY seq LIMIT max_rows LOOP
          last_pos := last_pos + 1;
          UPDATE audit_log
             SET chain_pos = last_pos, prev_hash = last_hash,
                 hash = audit_entry_hash(last_hash, last_pos, r)
           WHERE seq = r.seq
           RETURNING hash INTO last_hash;
          sealed := sealed + 1;
        END LOOP;
        PERFORM set_config('audit.mode', '', true);
        RETURN sealed;
      END $$`);
    await q.query('REVOKE ALL ON FUNCTION audit_seal(integer) FROM PUBLIC');
    await q.query('GRANT EXECUTE ON FUNCTION audit_seal(integer) TO app_runtime');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS audit_seal(integer)');
    await q.query('DROP TABLE IF EXISTS audit_anchor');
    await q.query('DROP TABLE IF EXISTS audit_log');
    await q.query('DROP FUNCTION IF EXISTS audit_anchor_guard()');
    await q.query('DROP FUNCTION IF EXISTS audit_log_guard()');
  }
}
