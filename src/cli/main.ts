import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { runMigrations } from '../database/migrate';
import { prepareRuntime } from '../runtime';
import { CliIo, CliUsageError, parseArgs } from './cli-command';
import { COMMANDS } from './commands';

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readStdin: async () => {
    if (process.stdin.isTTY)
      process.stderr.write('(reading from standard input; end with Ctrl-D)\n');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

function help(): void {
  io.out('Usage: npm run cli -- <command> [options]\n');
  io.out('  migration:run    apply pending database migrations (as the owner role)');
  for (const command of COMMANDS) io.out(`  ${command.usage}\n      ${command.description}`);
}

/**
 * `npm run cli -- <command>`: the admin face of the service. It prepares the same runtime as
 * `npm start` (config, embedded database when DATABASE_URL is unset, migrations in development)
 * and runs one command inside a Nest application context, without an HTTP server.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') {
    help();
    return name ? 0 : 1;
  }
  process.env.LOG_LEVEL ??= 'warn';
  const runtime = await prepareRuntime(process.env);
  try {
    if (name === 'migration:run') {
      if (!runtime.config.database.ownerUrl)
        throw new CliUsageError('DATABASE_OWNER_URL is required');
      const applied = await runMigrations(runtime.config.database.ownerUrl);
      io.out(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      io.err(`Unknown command: ${name}`);
      help();
      return 2;
    }
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(runtime.config), {
      logger: ['error', 'warn'],
    });
    try {
      return await command.run(app, parseArgs(rest), io);
    } finally {
      await app.close();
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    io.err(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
