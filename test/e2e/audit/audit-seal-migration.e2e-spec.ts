import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ALL_MIGRATIONS } from '../../../migrations';
import { AuditSealHorizon1764000800000 } from '../../../migrations/1764000800000-AuditSealHorizon';
import { runMigrations } from '../../../src/database/migrate';
import { provisionDatabase, withDatabase } from '../../../src/database/provision-database';
import { adminDatabaseUrl } from '../../helpers/test-app';

async function query<T>(url: string, text: string, params?: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Migration 1764000800000 replaces the sealer's queue by a transaction-id horizon on a database
 * that already holds entries: linked ones, and queued ones the old sealer had not reached.
 */
describe('audit sealing migration on existing entries (e2e)', () => {
  const name = `t_seal_${randomBytes(4).toString('hex')}`;
  let ownerUrl: string;
  let runtimeUrl: string;

  beforeAll(async () => {
    ({ ownerUrl, runtimeUrl } = await provisionDatabase(adminDatabaseUrl(), name, {
      owner: 'test-owner-password',
      runtime: 'test-runtime-password',
    }));
  });
  afterAll(async () => {
    await query(
      withDatabase(adminDatabaseUrl(), 'postgres'),
      `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
    );
  });

  it('should link the queued entries, then seal new ones by horizon into one valid chain', async () => {
    const before = ALL_MIGRATIONS.indexOf(AuditSealHorizon1764000800000);
    expect(before).toBeGreaterThan(0);
    await runMigrations(ownerUrl, ALL_MIGRATIONS.slice(0, before));
    const insert = () =>
      query(
        runtimeUrl,
        `INSERT INTO audit_log (id, at, actor_type, action, outcome)
         VALUES ($1, now(), 'anonymous', 'probes.create', 'success')`,
        [randomUUID()],
      );
    for (let i = 0; i < 3; i++) await insert();
    await query(runtimeUrl, 'SELECT audit_seal(2)'); // one entry left in the old queue
    expect(await query(runtimeUrl, 'SELECT seq FROM audit_pending')).toHaveLength(1);

    await runMigrations(ownerUrl);
    for (let i = 0; i < 2; i++) await insert();
    await query(runtimeUrl, 'SELECT audit_seal()');

    const links = await query<{ chain_pos: string; ok: boolean; linked: boolean }>(
      ownerUrl,
      `SELECT c.chain_pos, c.seq IS NOT NULL AS linked,
              c.hash = audit_entry_hash(c.prev_hash, c.chain_pos, l)
                AND c.prev_hash = coalesce(lag(c.hash) OVER (ORDER BY c.chain_pos), repeat('0', 64))
                AS ok
         FROM audit_log l LEFT JOIN audit_chain c ON c.seq = l.seq ORDER BY l.seq`,
    );
    expect(links).toHaveLength(5);
    expect(links.every((row) => row.linked && row.ok)).toBe(true);
    expect(links.map((row) => Number(row.chain_pos))).toEqual([1, 2, 3, 4, 5]);
  });
});
