import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invalidation for the liveness cache (src/auth/liveness, docs/auth.md "Liveness cache").
 *
 * Every statement that can end a session or a token, or change what a principal may do, sends
 * `NOTIFY auth_liveness` when it commits: UPDATE or DELETE of a session (logout, reuse
 * detection, incident revocation, expiry), of a user (roles, disabled) or of an OAuth client
 * (incident cut-off, deletion), and a revoked client token (RFC 7009). Each app instance LISTENs
 * and empties its cache on every notification, so a change made anywhere (another instance, the
 * CLI, plain SQL) reaches every instance within milliseconds of its commit.
 *
 * Statement-level triggers, no payload: one notification per statement whatever the row count,
 * and PostgreSQL folds identical notifications of one transaction into one. INSERTs of sessions,
 * users and clients need none: a row that did not exist was never cached as live.
 */
export class AuthLivenessNotify1764000700000 implements MigrationInterface {
  name = 'AuthLivenessNotify1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION auth_liveness_notify() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
      BEGIN
        PERFORM pg_notify('auth_liveness', '');
        RETURN NULL;
      END $$`);
    for (const [table, events] of [
      ['auth_sessions', 'UPDATE OR DELETE'],
      ['users', 'UPDATE OR DELETE'],
      ['oauth_clients', 'UPDATE OR DELETE'],
      ['oauth_revoked_tokens', 'INSERT'],
    ]) {
      await q.query(`
        CREATE TRIGGER ${table}_liveness_notify
        AFTER ${events} OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION auth_liveness_notify()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['auth_sessions', 'users', 'oauth_clients', 'oauth_revoked_tokens']) {
      await q.query(`DROP TRIGGER IF EXISTS ${table}_liveness_notify ON ${table}`);
    }
    await q.query('DROP FUNCTION IF EXISTS auth_liveness_notify()');
  }
}
