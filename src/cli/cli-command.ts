import type { INestApplicationContext } from '@nestjs/common';

/** Parsed `--name value` options and bare positionals. */
export interface CliArgs {
  options: Record<string, string | true>;
  positionals: string[];
}

/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Reads all of standard input (passwords are never taken from argv: shell history). */
  readStdin(): Promise<string>;
}

/**
 * One admin command of `npm run cli -- <name>`. Commands are thin faces over the services of the
 * modules (STYLE.md module map): they resolve a service from `app` and call it.
 * `run` returns the process exit code.
 */
export interface CliCommand {
  name: string;
  usage: string;
  description: string;
  run(app: INestApplicationContext, args: CliArgs, io: CliIo): Promise<number>;
}

export function parseArgs(argv: string[]): CliArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) options[name] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) options[name] = argv[++i];
      else options[name] = true;
    } else positionals.push(arg);
  }
  return { options, positionals };
}

/** A required string option, or an error naming it. */
export function requireOption(args: CliArgs, name: string): string {
  const value = args.options[name];
  if (typeof value !== 'string' || value === '') throw new CliUsageError(`--${name} is required`);
  return value;
}

export class CliUsageError extends Error {}
