import { Client } from 'pg';
import { OWNER_ROLE, RUNTIME_ROLE } from './database-roles';

/** The runtime role's idle-in-transaction limit, here and in docker/postgres/init.sh. */
const RUNTIME_IDLE_IN_TRANSACTION_TIMEOUT = '60s';

export interface ProvisionedDatabase {
  ownerUrl: string;
  runtimeUrl: string;
}

/**
 * Creates (if missing) the owner and runtime roles and a database owned by the owner role,
 * connecting with an administrative URL. Used by the embedded development database and by the
 * test suite; docker-compose does the same in `docker/postgres/init.sh`.
 */
export async function provisionDatabase(
  adminUrl: string,
  database: string,
  passwords: { owner: string; runtime: string },
): Promise<ProvisionedDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error('invalid database name');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await ensureRole(admin, OWNER_ROLE, passwords.owner);
    await ensureRole(admin, RUNTIME_ROLE, passwords.runtime);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${database} OWNER ${OWNER_ROLE}`);
    }
    await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${RUNTIME_ROLE}`);
    // As docker/postgres/init.sh: a runtime session left idle inside a transaction ends after
    // 60 s, so it cannot hold the audit sealer's horizon back for long (docs/audit.md).
    await admin.query(
      `ALTER ROLE ${RUNTIME_ROLE} IN DATABASE ${database} SET idle_in_transaction_session_timeout = '${RUNTIME_IDLE_IN_TRANSACTION_TIMEOUT}'`,
    );
  } finally {
    await admin.end();
  }
  // The public schema must belong to the owner role so that migrations can manage it.
  const db = new Client({ connectionString: withDatabase(adminUrl, database) });
  await db.connect();
  try {
    await db.query(`ALTER SCHEMA public OWNER TO ${OWNER_ROLE}`);
    await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  } finally {
    await db.end();
  }
  return {
    ownerUrl: withCredentials(adminUrl, database, OWNER_ROLE, passwords.owner),
    runtimeUrl: withCredentials(adminUrl, database, RUNTIME_ROLE, passwords.runtime),
  };
}

async function ensureRole(admin: Client, role: string, password: string): Promise<void> {
  const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (found.rowCount === 0) {
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    } catch (error) {
      // Another process created it between our check and our CREATE (tests run in parallel).
      if (
        (error as { code?: string }).code !== '23505' &&
        (error as { code?: string }).code !== '42710'
      )
        throw error;
    }
  }
  // Passwords are set through a literal because ALTER ROLE does not take bind parameters;
  // the value is escaped by the driver, never interpolated raw. Roles are cluster-wide, so two
  // processes provisioning at once (parallel test runs) can collide on the same catalog row:
  // PostgreSQL then answers "tuple concurrently updated" (XX000), and a retry settles it.
  const sql = `ALTER ROLE ${role} WITH LOGIN PASSWORD ${admin.escapeLiteral(password)}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(sql);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'XX000' || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function withCredentials(url: string, database: string, user: string, password: string): string {
  const parsed = new URL(withDatabase(url, database));
  parsed.username = user;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
