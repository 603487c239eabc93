import type { INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { AuditEntryInput } from '../../audit/audit-entry';
import { IncidentResponseService } from '../../auth/incident-response.service';
import type { INCIDENT_ACTIONS } from '../../monitoring/security-event-catalog';
import { SecurityEvents } from '../../monitoring/security-events.service';
import { CliCommand, CliUsageError, requireOption } from '../cli-command';

/**
 * Incident-response commands (docs/monitoring.md "Incident commands"). Each one changes the
 * database, so it takes effect on the next request of every running instance (tokens are checked
 * against their session or client on every request); each one is audited and counted.
 *
 * The audit entry is written before the command reports success: an action that could not be
 * recorded is reported as a failure (exit 1) even though it was made, so the operator knows the
 * trail is incomplete and can record it by hand.
 */

/** Audited as the operator at the console: no principal, marked as coming from the CLI. */
async function audit(
  app: INestApplicationContext,
  entry: Omit<AuditEntryInput, 'actor' | 'outcome'>,
  action: (typeof INCIDENT_ACTIONS)[number],
  subject: { userId?: string; clientId?: string } = {},
): Promise<void> {
  app.get(SecurityEvents, { strict: false }).record('incident.action', { action }, subject);
  const auditService = app.get(AuditService, { strict: false });
  await auditService.record({
    ...entry,
    actor: { type: 'anonymous', id: null },
    outcome: 'success',
    details: { ...entry.details, via: 'cli' },
  });
  await auditService.flush();
}

async function userOf(app: INestApplicationContext, value: string): Promise<string> {
  const id = await app.get(IncidentResponseService, { strict: false }).findUserId(value);
  if (!id) throw new CliUsageError('No such user (give its id or email)');
  return id;
}

export const sessionsRevokeCommand: CliCommand = {
  name: 'sessions:revoke',
  usage: 'sessions:revoke --user <id or email>',
  description: 'Revoke every session of a user: its access and refresh tokens stop at once',
  async run(app, args, io) {
    const userId = await userOf(app, requireOption(args, 'user'));
    const revoked = await app
      .get(IncidentResponseService, { strict: false })
      .revokeSessions(userId);
    await audit(
      app,
      {
        action: 'sessions.revoke_all',
        resource: { type: 'user', id: userId },
        details: { revoked },
      },
      'sessions_revoked',
      { userId },
    );
    io.out(`Revoked ${revoked} session(s) of user ${userId}.`);
    return 0;
  },
};

export const userDisableCommand: CliCommand = {
  name: 'user:disable',
  usage: 'user:disable --user <id or email>',
  description: 'Disable an account: no login, its sessions and its OAuth clients refused at once',
  async run(app, args, io) {
    const userId = await userOf(app, requireOption(args, 'user'));
    const { sessionsRevoked } = await app
      .get(IncidentResponseService, { strict: false })
      .disableUser(userId);
    await audit(
      app,
      {
        action: 'users.disable',
        resource: { type: 'user', id: userId },
        details: { sessionsRevoked },
      },
      'user_disabled',
      { userId },
    );
    io.out(`Disabled user ${userId}; revoked ${sessionsRevoked} session(s).`);
    return 0;
  },
};

export const clientRevokeCommand: CliCommand = {
  name: 'client:revoke',
  usage: 'client:revoke --client <client_id>',
  description: 'Revoke an OAuth client: its secret and every token it holds stop at once',
  async run(app, args, io) {
    const clientId = requireOption(args, 'client');
    const revoked = await app
      .get(IncidentResponseService, { strict: false })
      .revokeClient(clientId);
    if (!revoked) throw new CliUsageError('No such OAuth client');
    await audit(
      app,
      { action: 'oauth_clients.revoke', resource: { type: 'oauth_client', id: clientId } },
      'client_revoked',
      { clientId },
    );
    io.out(`Revoked OAuth client ${clientId}.`);
    return 0;
  },
};

export const jwtRotateCommand: CliCommand = {
  name: 'jwt:rotate',
  usage: 'jwt:rotate [--revoke-old]',
  description:
    'New ES256 signing key (printed as env lines); --revoke-old refuses every earlier token at once',
  async run(app, args, io) {
    const revokeOld = args.options['revoke-old'] === true;
    const rotation = await app
      .get(IncidentResponseService, { strict: false })
      .rotateSigningKey({ revokeOld });
    await audit(
      app,
      {
        action: 'signing_keys.rotate',
        resource: { type: 'signing_key', id: rotation.newKid },
        details: {
          oldKid: rotation.oldKid,
          revokeOld,
          sessionsRevoked: rotation.sessionsRevoked,
          clientsCutOff: rotation.clientsCutOff,
        },
      },
      'signing_key_rotated',
    );
    io.err(
      revokeOld
        ? `Revoked ${rotation.sessionsRevoked} session(s) and cut off the tokens of ` +
            `${rotation.clientsCutOff} client(s): every token issued so far is refused now.`
        : 'Planned rotation: the old public key stays published, so issued tokens keep working.',
    );
    io.err(
      'Set these two variables (a secret: store it in your secret manager, not in a ticket) and ' +
        'restart every instance:',
    );
    io.out(`JWT_PRIVATE_KEY=${rotation.privateKey}`);
    io.out(`JWT_PUBLISHED_PUBLIC_KEYS=${rotation.publishedPublicKeys}`);
    return 0;
  },
};

export const INCIDENT_COMMANDS: CliCommand[] = [
  sessionsRevokeCommand,
  userDisableCommand,
  clientRevokeCommand,
  jwtRotateCommand,
];
