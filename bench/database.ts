/**
 * The throwaway database of the benchmarks (`npm run bench`, `npm run bench:throttle`): both
 * roles and every migration, as the e2e tests get. With BENCH_ADMIN_DATABASE_URL or DATABASE_URL
 * (a superuser URL) a new database on that server, dropped by `dispose()`; otherwise an embedded
 * PostgreSQL in a temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedDatabase } from '../src/database/embedded-database';
import { runMigrations } from '../src/database/migrate';
import { provisionDatabase, withDatabase } from '../src/database/provision-database';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Database {
  runtimeUrl: string;
  ownerUrl: string;
  dispose(): Promise<void>;
}

/** A throwaway database with both roles and every migration (as test/helpers/test-app.ts). */
export async function database(): Promise<Database> {
  const admin = process.env.BENCH_ADMIN_DATABASE_URL ?? process.env.DATABASE_URL;
  if (admin) {
    const name = `bench_${randomBytes(4).toString('hex')}`;
    // The test suite's role passwords: the roles are cluster-wide and shared with it.
    const db = await provisionDatabase(admin, name, {
      owner: 'test-owner-password',
      runtime: 'test-runtime-password',
    });
    await runMigrations(db.ownerUrl);
    return {
      ...db,
      dispose: async () => {
        const client = new Client({ connectionString: withDatabase(admin, 'postgres') });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  const embedded = await startEmbeddedDatabase({
    dataDir: dir,
    port: await freePort(),
    passwordSeed: randomBytes(16).toString('hex'),
    persistent: false,
  });
  await runMigrations(embedded.ownerUrl);
  return {
    ...embedded,
    dispose: async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
