import { AuthService } from '../../auth/auth.service';
import { Role, ROLES } from '../../auth/principal';
import { ProblemException } from '../../http/problem';
import { CliCommand, CliIo, CliUsageError, requireOption } from '../cli-command';

/**
 * `npm run cli -- user:create --email E --role R`, the password on standard input (never in
 * argv: it would land in shell history and `ps`). The only way to create support, auditor and
 * admin accounts (API-CONTRACT.md). Same password policy as registration.
 */
export const userCreateCommand: CliCommand = {
  name: 'user:create',
  usage: 'user:create --email E --role user|support|auditor|admin  (password on stdin)',
  description: 'Create an account with a role; reads the password from standard input',
  async run(app, args, io) {
    const email = requireOption(args, 'email');
    const role = requireOption(args, 'role');
    if (!ROLES.includes(role as Role))
      throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}`);
    // One trailing newline (from `echo` or a terminal) is not part of the password.
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    if (password === '') throw new CliUsageError('Send the password on standard input');
    try {
      const id = await app.get(AuthService).createUser({ email, password, role: role as Role });
      io.out(`Created ${role} ${email.trim().toLowerCase()} (id ${id})`);
      return 0;
    } catch (error) {
      return reportProblem(error, io);
    }
  },
};

/** A service's ProblemException as CLI output and exit code 1; anything else propagates. */
export function reportProblem(error: unknown, io: CliIo): number {
  if (!(error instanceof ProblemException)) throw error;
  io.err(error.problem.detail ?? error.message);
  for (const e of error.problem.errors ?? []) io.err(`  ${e.field}: ${e.message}`);
  return 1;
}
