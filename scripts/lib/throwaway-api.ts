import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { generateSecrets } from '../../src/config/dev-secrets';
import { loadConfig } from '../../src/config/load-config';
import { startEmbeddedDatabase } from '../../src/database/embedded-database';
import { runMigrations } from '../../src/database/migrate';
import { provisionDatabase } from '../../src/database/provision-database';

/**
 * A throw-away instance of the API for the demo and the scanners: a fresh database (an
 * embedded PostgreSQL in a temporary directory, or a new database on the server named by
 * `adminDatabaseUrl`), fresh secrets, free ports. Nothing is read from `.env` or `.secrets/`,
 * so a developer's own configuration cannot change what is shown.
 */
export interface ThrowawayApi {
  app: NestFastifyApplication;
  url: string;
  ownerUrl: string;
  runtimeUrl: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayApi(
  options: {
    env?: Record<string, string>;
    adminDatabaseUrl?: string;
    log?: (line: string) => void;
  } = {},
): Promise<ThrowawayApi> {
  const log = options.log ?? (() => undefined);
  Logger.overrideLogger(['error', 'warn']);
  const secrets = generateSecrets();
  const cleanups: (() => Promise<void>)[] = [];
  let ownerUrl: string;
  let runtimeUrl: string;
  if (options.adminDatabaseUrl) {
    const name = `throwaway_${randomBytes(4).toString('hex')}`;
    log(`Creating database ${name} on the given server ...`);
    // The two roles are cluster-wide: provisioning sets their passwords. Use the values the
    // test suite sets (test/helpers/test-app.ts), so a scan beside running tests breaks nothing.
    // This mode is for a development or CI server only.
    const roles = { owner: 'test-owner-password', runtime: 'test-runtime-password' };
    ({ ownerUrl, runtimeUrl } = await provisionDatabase(options.adminDatabaseUrl, name, roles));
    cleanups.push(async () => {
      const admin = new Client({ connectionString: options.adminDatabaseUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    });
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'secure-api-throwaway-'));
    // As root, initdb runs as a `postgres` OS user (STACK-NOTES), which must reach the
    // directory; PostgreSQL keeps its own data directory (inside it) at 0700.
    chmodSync(dataDir, 0o755);
    log(`Starting an embedded PostgreSQL in ${dataDir} ...`);
    const db = await startEmbeddedDatabase({
      dataDir: join(dataDir, 'pg'),
      port: await freePort(),
      passwordSeed: secrets.EMBEDDED_DB_PASSWORD ?? randomBytes(24).toString('base64url'),
      persistent: false,
    });
    ({ ownerUrl, runtimeUrl } = db);
    cleanups.push(async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }
  try {
    await runMigrations(ownerUrl);
    const config = loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      DATABASE_URL: runtimeUrl,
      DATABASE_OWNER_URL: ownerUrl,
      DATABASE_MIGRATE_ON_START: 'false',
      METRICS_PORT: '0',
      ...secrets,
      ...(options.env ?? {}),
    });
    const app = await createApp(config, { swaggerUi: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.getHttpServer().address() as { port: number };
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      ownerUrl,
      runtimeUrl,
      stop: async () => {
        await app.close();
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
}
