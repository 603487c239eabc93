import { randomBytes } from 'node:crypto';
import { DynamicModule } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { LivenessListener } from '../../src/auth/liveness/liveness-listener';
import { AppConfig } from '../../src/config/app-config';
import { generateSecrets } from '../../src/config/dev-secrets';
import { loadConfig } from '../../src/config/load-config';
import { runMigrations } from '../../src/database/migrate';
import { provisionDatabase, withDatabase } from '../../src/database/provision-database';

/** Secrets are generated once per test process (an EC key pair takes a moment). */
let secrets: Record<string, string> | undefined;
export function testSecrets(): Record<string, string> {
  secrets ??= generateSecrets();
  return secrets;
}

export function adminDatabaseUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url)
    throw new Error(
      'TEST_ADMIN_DATABASE_URL is not set: run e2e tests through jest (global setup)',
    );
  return url;
}

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  runtimeUrl: string;
  /** Administrative connection to this database (superuser): for raw SQL checks in tests. */
  adminUrl: string;
  drop(): Promise<void>;
}

/** A fresh database with the two roles and every migration applied: isolation per test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = adminDatabaseUrl();
  const { ownerUrl, runtimeUrl } = await provisionDatabase(admin, name, {
    owner: 'test-owner-password',
    runtime: 'test-runtime-password',
  });
  await runMigrations(ownerUrl);
  return {
    name,
    ownerUrl,
    runtimeUrl,
    adminUrl: withDatabase(admin, name),
    drop: async () => {
      const client = new Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A validated test configuration; `env` overrides any variable. */
export function testConfig(
  db: Pick<TestDatabase, 'runtimeUrl' | 'ownerUrl'>,
  env: Record<string, string> = {},
): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.runtimeUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DATABASE_MIGRATE_ON_START: 'false',
    ...testSecrets(),
    ...env,
  });
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  /** Base URL of the listening server: tests talk real HTTP. */
  url: string;
  /** Runs SQL as the superuser on this test's database. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Starts the real application (the same `createApp` as production) on a fresh database,
 * listening on a free loopback port.
 */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    extraModules?: DynamicModule['imports'];
    db?: TestDatabase;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig(db, options.env);
  const app = await createApp(config, { extraModules: options.extraModules, swaggerUi: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address() as { port: number };
  const liveness = app.get(LivenessListener);
  const sqlClient = new Client({ connectionString: db.adminUrl });
  await sqlClient.connect();
  return {
    app,
    config,
    db,
    url: `http://127.0.0.1:${address.port}`,
    sql: async <T>(text: string, params?: unknown[]) => {
      const rows = (await sqlClient.query(text, params)).rows as T[];
      // A change of a session, user or client reaches the app's liveness cache by NOTIFY,
      // asynchronously: wait for it, as a request from another client would (docs/auth.md).
      await liveness.sync();
      return rows;
    },
    close: async () => {
      await app.close();
      await sqlClient.end();
      if (!options.db) await db.drop();
    },
  };
}
