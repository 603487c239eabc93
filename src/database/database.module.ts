import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * The runtime connection: the `app_runtime` role, entities registered by each feature module
 * (`TypeOrmModule.forFeature`), never `synchronize`.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: config.database.url,
        autoLoadEntities: true,
        synchronize: false,
        migrationsRun: false,
        logging: false,
        extra: { max: 20, application_name: 'secure-api' },
      }),
    }),
  ],
})
export class DatabaseModule {}
