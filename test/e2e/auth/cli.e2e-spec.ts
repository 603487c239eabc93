import request from 'supertest';
import { CliIo, CliUsageError, parseArgs } from '../../../src/cli/cli-command';
import { clientCreateCommand } from '../../../src/cli/commands/client-create.command';
import { userCreateCommand } from '../../../src/cli/commands/user-create.command';
import { COMMANDS } from '../../../src/cli/commands';
import { randomEmail, randomPassword } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

function captureIo(stdin: string): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    readStdin: async () => stdin,
  };
}

describe('CLI user:create and client:create (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should be registered in the command list', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(
      expect.arrayContaining(['user:create', 'client:create']),
    );
  });

  it('should create an admin from a password on stdin, who can then log in', async () => {
    const email = randomEmail('admin');
    const password = randomPassword();
    const io = captureIo(`${password}\n`);
    const code = await userCreateCommand.run(
      t.app,
      parseArgs(['--email', email, '--role', 'admin']),
      io,
    );
    expect(code).toBe(0);
    expect(io.lines.join('\n')).not.toContain(password);
    const login = await request(t.url).post('/v1/auth/login').send({ email, password }).expect(200);
    const me = await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body.roles).toEqual(['admin']);
  });

  it('should refuse a weak password, an unknown role and a taken email', async () => {
    const email = randomEmail();
    const weak = captureIo('passwordpassword\n');
    expect(
      await userCreateCommand.run(t.app, parseArgs(['--email', email, '--role', 'user']), weak),
    ).toBe(1);
    expect(weak.errors.join('\n')).toContain('breached');
    await expect(
      userCreateCommand.run(
        t.app,
        parseArgs(['--email', email, '--role', 'root']),
        captureIo(randomPassword()),
      ),
    ).rejects.toThrow(CliUsageError);
    expect(
      await userCreateCommand.run(
        t.app,
        parseArgs(['--email', email, '--role', 'user']),
        captureIo(randomPassword()),
      ),
    ).toBe(0);
    expect(
      await userCreateCommand.run(
        t.app,
        parseArgs(['--email', email, '--role', 'user']),
        captureIo(randomPassword()),
      ),
    ).toBe(1);
  });

  it('should create a client, print its id and secret once, and the secret should work', async () => {
    const owner = randomEmail();
    await userCreateCommand.run(
      t.app,
      parseArgs(['--email', owner, '--role', 'user']),
      captureIo(randomPassword()),
    );
    const io = captureIo('');
    const code = await clientCreateCommand.run(
      t.app,
      parseArgs(['--owner', owner, '--name', 'etl', '--scopes', 'customers:read,payments:read']),
      io,
    );
    expect(code).toBe(0);
    const id = io.lines.find((l) => l.startsWith('client_id='))!.slice('client_id='.length);
    const secret = io.lines
      .find((l) => l.startsWith('client_secret='))!
      .slice('client_secret='.length);
    const token = await request(t.url)
      .post('/v1/oauth/token')
      .type('form')
      .auth(id, secret)
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    expect(token.body.scope).toBe('customers:read payments:read');
  });

  it('should refuse unknown scopes and an unknown owner', async () => {
    await expect(
      clientCreateCommand.run(
        t.app,
        parseArgs(['--owner', randomEmail(), '--name', 'x', '--scopes', 'admin']),
        captureIo(''),
      ),
    ).rejects.toThrow(CliUsageError);
    const io = captureIo('');
    expect(
      await clientCreateCommand.run(
        t.app,
        parseArgs(['--owner', randomEmail(), '--name', 'x', '--scopes', 'customers:read']),
        io,
      ),
    ).toBe(1);
  });
});
