import { Logger } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ensureDevSecrets, loadEnvFile } from './config/dev-secrets';
import { loadConfig } from './config/load-config';
import { EmbeddedDatabase, startEmbeddedDatabase } from './database/embedded-database';
import { runMigrations } from './database/migrate';

/** Default place of the generated development secrets (git-ignored); `DEV_SECRETS_FILE` moves it. */
export const DEV_SECRETS_FILE = '.secrets/dev.env';

export interface Runtime {
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * Everything that must happen before Nest starts, shared by `main.ts` and the CLI:
 * `.env` loaded, development secrets generated once, config validated, the embedded database
 * started when DATABASE_URL is unset (never in production), migrations applied in development.
 */
export async function prepareRuntime(env: Record<string, string | undefined>): Promise<Runtime> {
  const logger = new Logger('Runtime');
  loadEnvFile(env, '.env');
  if (env.NODE_ENV !== 'production') {
    const secretsFile = env.DEV_SECRETS_FILE?.trim() || DEV_SECRETS_FILE;
    const { generated } = ensureDevSecrets(env, secretsFile);
    if (generated.length > 0) {
      logger.warn(
        `!!! Generated development secrets (${generated.join(', ')}) into ${secretsFile}. ` +
          'They are for this machine only; production refuses to start without real ones. !!!',
      );
    }
  }
  const config = loadConfig(env);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    embedded = await startEmbeddedDatabase({
      dataDir: config.database.embeddedDataDir,
      port: config.database.embeddedPort,
      passwordSeed: config.database.embeddedPasswordSeed,
      persistent: true,
    });
    config.database.url = embedded.runtimeUrl;
    config.database.ownerUrl = embedded.ownerUrl;
  }
  if (config.database.migrateOnStart) {
    if (!config.database.ownerUrl)
      throw new Error('DATABASE_OWNER_URL is required to apply migrations');
    const applied = await runMigrations(config.database.ownerUrl);
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
  return {
    config,
    close: async () => {
      if (embedded) await embedded.stop();
    },
  };
}
