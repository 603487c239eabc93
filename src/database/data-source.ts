/**
 * DataSource for the TypeORM CLI (`npm run migration:generate|migration:create`), run against
 * the compiled output. It connects as the owner role (DATABASE_OWNER_URL).
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';

export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_OWNER_URL ?? process.env.DATABASE_URL,
  entities: [join(__dirname, '..', '**', '*.entity.js')],
  migrations: ALL_MIGRATIONS,
  synchronize: false,
});
