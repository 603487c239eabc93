import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { prepareRuntime } from './runtime';

/** Entry point: prepare config and database, build the app, listen. No logic of its own. */
async function main(): Promise<void> {
  const runtime = await prepareRuntime(process.env);
  const app = await createApp(runtime.config);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => runtime.close());
  await app.listen({ host: runtime.config.http.host, port: runtime.config.http.port });
  new Logger('Main').log(
    `Listening on http://${runtime.config.http.host}:${runtime.config.http.port}`,
  );
}

main().catch((error: unknown) => {
  // Config errors name the bad variables only (never values); anything else is a startup bug.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
