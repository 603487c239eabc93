import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';

/**
 * Applies pending migrations as the owner role. Schema changes happen only here, never through
 * `synchronize` (STYLE.md). Each migration runs in its own transaction.
 */
export async function runMigrations(ownerUrl: string): Promise<string[]> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: ownerUrl,
    migrations: ALL_MIGRATIONS,
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
