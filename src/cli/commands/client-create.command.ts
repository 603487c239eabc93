import { AuthService } from '../../auth/auth.service';
import { OAuthService } from '../../auth/oauth/oauth.service';
import { Scope, SCOPES } from '../../auth/principal';
import { CliCommand, CliUsageError, requireOption } from '../cli-command';
import { reportProblem } from './user-create.command';

/**
 * `npm run cli -- client:create --owner EMAIL --name N --scopes a,b`: an OAuth client owned by
 * that user. Prints the client id and secret ONCE (only an HMAC of the secret is stored).
 */
export const clientCreateCommand: CliCommand = {
  name: 'client:create',
  usage: 'client:create --owner EMAIL --name N --scopes customers:read,payments:read',
  description: 'Create an OAuth client for a user; prints its id and secret once',
  async run(app, args, io) {
    const ownerEmail = requireOption(args, 'owner');
    const name = requireOption(args, 'name');
    if (name.length > 100) throw new CliUsageError('--name must be at most 100 characters');
    const scopes = requireOption(args, 'scopes')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
    if (scopes.length === 0 || unknown.length > 0)
      throw new CliUsageError(`--scopes must be a comma-separated list of ${SCOPES.join(', ')}`);
    const owner = await app.get(AuthService).principalForEmail(ownerEmail);
    if (!owner) {
      io.err(`No active account with the email ${ownerEmail}`);
      return 1;
    }
    try {
      const client = await app.get(OAuthService).createClient(owner, name, scopes as Scope[]);
      io.out(`client_id=${client.client_id}`);
      io.out(`client_secret=${client.client_secret}`);
      io.out('Store the secret now: it is shown this once and cannot be recovered.');
      return 0;
    } catch (error) {
      return reportProblem(error, io);
    }
  },
};
