import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Stops the application in the order that keeps in-flight requests whole:
 * 1. Fastify closes: the listening socket closes (no new connections), a new request on a
 *    kept-alive connection gets 503 (`return503OnClosing`), and it waits for the requests already
 *    in flight to finish;
 * 2. only then Nest closes the modules (the TypeORM pool among them).
 * Nest's own `app.close()` alone runs the module shutdown hooks first, closing the database pool
 * under requests still running. `main.ts` calls this on SIGTERM/SIGINT, then stops the
 * embedded database. Tested in test/e2e/http/graceful-shutdown.e2e-spec.ts.
 */
export async function shutdownGracefully(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // Node's `server.close()` closes the connections idle at that moment only; a kept-alive
  // connection whose request finishes later would hold the shutdown for the whole keep-alive
  // timeout (72 s). Close each one as soon as its last response is out.
  const sweep = setInterval(() => fastify.server.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    await fastify.close();
  } finally {
    clearInterval(sweep);
  }
  await (app as INestApplication).close();
}

const IDLE_SWEEP_MS = 50;
