/**
 * The server process of `npm run bench` (bench/run.ts forks it, once per configuration).
 *
 * It builds the application exactly as `src/main.ts` does (`loadConfig(process.env)` then
 * `createApp(config)`), without `prepareRuntime`: the benchmark has already provisioned the
 * database and passes secrets in the environment, and `.env` / `.secrets/dev.env` must not leak
 * into a measurement. The only addition is the IPC channel to the benchmark driver: it reports
 * the port, and on request this process's own `process.cpuUsage()` and RSS, or (non-production
 * servers) switches the audit and counts the responses between two marks. Nothing is added to
 * the HTTP surface, so the production-mode server stays the production application.
 */
import 'reflect-metadata';
import { createApp } from '../src/app';
import { AuditService } from '../src/audit/audit.service';
import { loadConfig } from '../src/config/load-config';

export type ServerMessage =
  | { type: 'listening'; port: number; nodeEnv: string }
  | { type: 'stats'; id: number; cpuUs: number; rssBytes: number; heapBytes: number }
  | { type: 'audit'; id: number; enabled: boolean }
  | { type: 'mark'; id: number; responses: number; cpuUs: number; elapsedUs: number };

export type DriverMessage =
  | { type: 'stats'; id: number }
  | { type: 'audit'; id: number; enabled: boolean }
  | { type: 'mark'; id: number }
  | { type: 'stop' };

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/server is started by bench/run (IPC channel)');
  const config = loadConfig(process.env);
  const app = await createApp(config, { swaggerUi: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.getHttpServer().address() as { port: number };
  const send = (message: ServerMessage) => process.send!(message);
  // The audit's interleaved measurement (bench/run.ts measureInterleaved): responses finished,
  // CPU and time between two marks. Counted only once a mark was asked for.
  let responses = 0;
  let counting = false;
  const countResponse = () => responses++;
  let last = { cpuUs: 0, at: process.hrtime.bigint(), responses: 0 };
  process.on('message', (message: DriverMessage) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      send({
        type: 'stats',
        id: message.id,
        cpuUs: cpu.user + cpu.system,
        rssBytes: memory.rss,
        // V8's heap as reserved (used or not): the part of RSS the JavaScript heap accounts for.
        heapBytes: memory.heapTotal,
      });
    } else if (message.type === 'audit') {
      // Non-production servers only: AuditService refuses this in production.
      app.get(AuditService).setEnabledForBenchmark(message.enabled);
      send({ type: 'audit', id: message.id, enabled: message.enabled });
    } else if (message.type === 'mark') {
      if (!counting) {
        counting = true;
        app.getHttpServer().on('request', (_request, response) => {
          response.once('finish', countResponse);
        });
      }
      const cpu = process.cpuUsage();
      const now = { cpuUs: cpu.user + cpu.system, at: process.hrtime.bigint(), responses };
      send({
        type: 'mark',
        id: message.id,
        responses: now.responses - last.responses,
        cpuUs: now.cpuUs - last.cpuUs,
        elapsedUs: Number(now.at - last.at) / 1000,
      });
      last = now;
    } else if (message.type === 'stop') {
      // Closing the app writes a --cpu-prof profile on the normal exit that follows.
      void app.close().then(() => process.exit(0));
    }
  });
  send({ type: 'listening', port, nodeEnv: config.nodeEnv });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
