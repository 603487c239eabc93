import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Least privilege for the runtime role: every table the owner creates from now on is readable
 * and writable by `app_runtime`, but the runtime role can create, alter or drop nothing.
 * Tables that need less (the audit log: INSERT and SELECT only) revoke in their own migration.
 */
export class Init1764000000000 implements MigrationInterface {
  name = 'Init1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS pgcrypto').catch(() => undefined);
    await q.query('GRANT USAGE ON SCHEMA public TO app_runtime');
    await q.query(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_runtime',
    );
    await q.query(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO app_runtime',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM app_runtime',
    );
    await q.query(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM app_runtime',
    );
    await q.query('REVOKE USAGE ON SCHEMA public FROM app_runtime');
  }
}
