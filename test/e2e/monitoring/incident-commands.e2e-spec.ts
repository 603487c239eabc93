import request from 'supertest';
import { CliIo, parseArgs } from '../../../src/cli/cli-command';
import {
  clientRevokeCommand,
  jwtRotateCommand,
  sessionsRevokeCommand,
  userDisableCommand,
} from '../../../src/cli/commands/incident.commands';
import type { CliCommand } from '../../../src/cli/cli-command';
import { AuditService } from '../../../src/audit/audit.service';
import { bearer, createClientToken, loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { delta } from './metrics-helpers';

async function run(
  command: CliCommand,
  argv: string[],
  app: TestApp['app'],
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: async () => '',
  };
  const code = await command.run(app, parseArgs(argv), io);
  return { code, out, err };
}

/**
 * The incident commands (docs/monitoring.md) take effect on the NEXT request of the running app
 * (same process here; other instances read the same rows), are audited, and are counted.
 */
describe('incident commands (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function auditEntries(action: string, resourceId: string): Promise<number> {
    await t.app.get(AuditService).flush();
    const rows = await t.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND resource_id = $2 AND details->>'via' = 'cli'",
      [action, resourceId],
    );
    return rows[0].n;
  }

  const me = (token: string) =>
    request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(token));

  it('should refuse every token of a user on the next request after sessions:revoke', async () => {
    const user = await loginAs(t);
    const second = await loginAs(t);
    await me(user.accessToken).expect(200);
    const moved = await delta(
      t,
      'security_incident_actions_total',
      { action: 'sessions_revoked' },
      async () =>
        expect((await run(sessionsRevokeCommand, ['--user', user.email], t.app)).code).toBe(0),
    );
    expect(moved).toBe(1);
    await me(user.accessToken).expect(401);
    await request(t.url)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(401);
    await me(second.accessToken).expect(200); // only that user
    expect(await auditEntries('sessions.revoke_all', user.userId)).toBe(1);
    // The account itself still works: a new login succeeds.
    await request(t.url)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
  });

  it('should refuse login, sessions and OAuth clients of a user after user:disable', async () => {
    const user = await loginAs(t);
    const client = await createClientToken(t, user.accessToken, ['customers:read']);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(200);
    expect((await run(userDisableCommand, ['--user', user.userId], t.app)).code).toBe(0);
    await me(user.accessToken).expect(401);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(401);
    await request(t.url)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(401);
    expect(await auditEntries('users.disable', user.userId)).toBe(1);
  });

  it('should refuse a client token and the client secret after client:revoke', async () => {
    const owner = await loginAs(t);
    const client = await createClientToken(t, owner.accessToken, ['customers:read']);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(200);
    expect((await run(clientRevokeCommand, ['--client', client.clientId], t.app)).code).toBe(0);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(401);
    await request(t.url)
      .post('/v1/oauth/token')
      .auth(client.clientId, client.clientSecret)
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(401);
    await me(owner.accessToken).expect(200); // the owner is untouched
    expect(await auditEntries('oauth_clients.revoke', client.clientId)).toBe(1);
  });

  it('should answer a usage error for an unknown user or client', async () => {
    await expect(
      run(sessionsRevokeCommand, ['--user', 'nobody@example.test'], t.app),
    ).rejects.toThrow(/No such user/);
    await expect(
      run(clientRevokeCommand, ['--client', '00000000-0000-4000-8000-000000000000'], t.app),
    ).rejects.toThrow(/No such OAuth client/);
  });
});

/**
 * Signing-key rotation needs a restarted instance to prove what the printed configuration does.
 * Passport keeps ONE strategy registry per process, so the instance started last verifies the
 * tokens of both apps in this process: each test here owns both of its apps, and uses the first
 * one only for what does not verify tokens once the second is up (login, the command itself).
 */
describe('incident command jwt:rotate (e2e)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
  });
  afterEach(async () => {
    await t.close();
  });
  const me = (token: string) =>
    request(t.url)
      .get('/v1/auth/me')
      .set(...bearer(token));

  it('should keep issued tokens valid through a planned jwt:rotate', async () => {
    const user = await loginAs(t);
    const { code, out } = await run(jwtRotateCommand, [], t.app);
    expect(code).toBe(0);
    await me(user.accessToken).expect(200); // nothing revoked on the running app
    const env = Object.fromEntries(out.map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(env.JWT_PUBLISHED_PUBLIC_KEYS).not.toBe('');
    // A restarted instance with the new key still accepts the old token (old key published)
    // and signs new tokens with the new key.
    const next = await startTestApp({ db: t.db, env: { RATE_LIMIT_ENABLED: 'false', ...env } });
    try {
      await request(next.url)
        .get('/v1/auth/me')
        .set(...bearer(user.accessToken))
        .expect(200);
      const login = await request(next.url)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      const kid = (token: string) =>
        JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
      expect(kid(login.body.access_token as string)).not.toBe(kid(user.accessToken));
    } finally {
      await next.close();
    }
  });

  it('should refuse every earlier token at once after jwt:rotate --revoke-old', async () => {
    const user = await loginAs(t);
    const client = await createClientToken(t, user.accessToken, ['customers:read']);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(200);
    const { code, out } = await run(jwtRotateCommand, ['--revoke-old'], t.app);
    expect(code).toBe(0);
    // On the running instance, before any restart:
    await me(user.accessToken).expect(401);
    await request(t.url)
      .get('/v1/customers')
      .set(...bearer(client.accessToken))
      .expect(401);
    const env = Object.fromEntries(out.map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(env.JWT_PUBLISHED_PUBLIC_KEYS).toBe('');
    // After the restart with the new key, a token signed by the old key is an unknown key.
    const next = await startTestApp({ db: t.db, env: { RATE_LIMIT_ENABLED: 'false', ...env } });
    try {
      const fresh = await request(t.url)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200); // signed by the OLD key on the not-yet-restarted instance
      await request(next.url)
        .get('/v1/auth/me')
        .set(...bearer(fresh.body.access_token as string))
        .expect(401);
    } finally {
      await next.close();
    }
    await t.app.get(AuditService).flush();
    const [{ n }] = await t.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'signing_keys.rotate' AND details->>'revokeOld' = 'true'",
    );
    expect(n).toBe(1);
  });
});
