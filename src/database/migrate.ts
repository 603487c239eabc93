import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';

/**
 * Applies pending migrations as the owner role. Schema changes happen only here, never through
 * `synchronize` (STYLE.md). Each migration runs in its own transaction.
 */
export async function runMigrations(
  ownerUrl: string,
  migrations: typeof ALL_MIGRATIONS = ALL_MIGRATIONS,
): Promise<string[]> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: ownerUrl,
    // A prefix of the list only in tests of a migration on existing data.
    migrations,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
