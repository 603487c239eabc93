import { DynamicModule, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { configureHttpPipeline, createFastifyAdapter } from './http/http-pipeline';
import { setupOpenApi } from './http/openapi';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { createValidationPipe } from './http/validation.pipe';

/**
 * Builds the application exactly as production runs it; `main.ts` and every e2e test call this,
 * so tests exercise the real pipeline. `extraModules` lets a test add a test-only controller.
 */
export async function createApp(
  config: AppConfig,
  options: { extraModules?: DynamicModule['imports']; swaggerUi?: boolean } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.extraModules),
    createFastifyAdapter(config),
    { bufferLogs: true, bodyParser: false, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  // Signals are handled by main.ts (graceful shutdown in the right order), not per app: tests
  // create many apps in one process and close them explicitly.
  await configureHttpPipeline(app, config);
  if (config.http.apiDocs) setupOpenApi(app, { ui: options.swaggerUi ?? true });
  await app.init();
  return app;
}
