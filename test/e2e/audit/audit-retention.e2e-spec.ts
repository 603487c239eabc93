import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AuditService } from '../../../src/audit/audit.service';
import { CliIo, parseArgs } from '../../../src/cli/cli-command';
import { auditArchiveCommand } from '../../../src/cli/commands/audit-archive.command';
import { auditVerifyCommand } from '../../../src/cli/commands/audit-verify.command';
import { createTestDatabase, startTestApp, TestApp } from '../../helpers/test-app';

function captureIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    readStdin: () => Promise.resolve(''),
  };
}

/** Inserts an entry dated `daysAgo` as the runtime role (INSERT is all it may do). */
async function insertEntry(t: TestApp, daysAgo: number, action = 'test.old'): Promise<string> {
  const id = randomUUID();
  const client = new Client({ connectionString: t.db.runtimeUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO audit_log (id, at, actor_type, action, outcome)
       VALUES ($1, now() - make_interval(days => $2), 'anonymous', $3, 'success')`,
      [id, daysAgo, action],
    );
  } finally {
    await client.end();
  }
  return id;
}

describe('audit retention and CLI (e2e)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), 'audit-archive-'));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should archive and remove old entries while the remaining chain still verifies', async () => {
    for (let i = 0; i < 5; i++) await insertEntry(t, 400);
    const recent = await insertEntry(t, 0, 'test.recent');
    const io = captureIo();
    const code = await auditArchiveCommand.run(
      t.app,
      parseArgs(['--days', '30', '--dir', dir]),
      io,
    );
    expect(code).toBe(0);
    expect(io.lines.join('\n')).toMatch(/Archived and removed 5 entries/);
    const left = await t.sql<{ id: string; action: string }>('SELECT id, action FROM audit_log');
    expect(left.map((r) => r.id)).toContain(recent);
    expect(left.filter((r) => r.action === 'test.old')).toHaveLength(0);

    const [file] = await readdir(dir);
    const lines = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(JSON.parse(lines[0]).anchor.lastHash).toBe('0'.repeat(64));

    const verifyIo = captureIo();
    expect(await auditVerifyCommand.run(t.app, parseArgs([]), verifyIo)).toBe(0);
    expect(verifyIo.lines[0]).toMatch(/Audit chain valid: [1-9]\d* entries/);
  });

  it('should verify an archive on its own, and name an entry changed in it', async () => {
    const [file] = await readdir(dir);
    const io = captureIo();
    expect(await auditVerifyCommand.run(t.app, parseArgs(['--archive', join(dir, file)]), io)).toBe(
      0,
    );
    expect(io.lines[0]).toMatch(/Archive valid: 5 entries.*recorded by an anchor/);

    const lines = (await readFile(join(dir, file), 'utf8')).trimEnd().split('\n');
    const victim = JSON.parse(lines[3]) as { id: string; action: string };
    lines[3] = JSON.stringify({ ...victim, action: 'test.rewritten' });
    const forged = join(dir, 'forged.jsonl.txt');
    await writeFile(forged, `${lines.join('\n')}\n`);
    const bad = captureIo();
    expect(await auditVerifyCommand.run(t.app, parseArgs(['--archive', forged]), bad)).toBe(1);
    expect(bad.lines.join('\n')).toContain(victim.id);
    await unlink(forged);
  });

  it('should only ever remove a prefix of the chain', async () => {
    // An old-dated entry sealed after a recent one stays: removing it would break the chain.
    await insertEntry(t, 400, 'test.late-old');
    const io = captureIo();
    expect(
      await auditArchiveCommand.run(t.app, parseArgs(['--days', '30', '--dir', dir]), io),
    ).toBe(0);
    expect(io.lines[0]).toMatch(/Nothing older than 30 days/);
    const left = await t.sql("SELECT 1 FROM audit_log WHERE action = 'test.late-old'");
    expect(left).toHaveLength(1);
  });

  it('should exit 1 from audit:verify naming the entry changed behind the trigger', async () => {
    await t.app.get(AuditService).flush();
    const [victim] = await t.sql<{ id: string }>(
      "SELECT id FROM audit_log WHERE action = 'test.recent'",
    );
    const owner = new Client({ connectionString: t.db.ownerUrl });
    await owner.connect();
    try {
      await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await owner.query("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = $1", [
        victim.id,
      ]);
      await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    } finally {
      await owner.end();
    }
    const io = captureIo();
    expect(await auditVerifyCommand.run(t.app, parseArgs([]), io)).toBe(1);
    expect(io.lines.join('\n')).toContain(victim.id);
  });

  it('should refuse a --days value that is not a whole number', async () => {
    await expect(
      auditArchiveCommand.run(t.app, parseArgs(['--days', '-3']), captureIo()),
    ).rejects.toThrow(/--days/);
  });
});

describe('audit writer on graceful shutdown (e2e)', () => {
  it('should write every queued entry before the application closes', async () => {
    const db = await createTestDatabase();
    try {
      const t = await startTestApp({ db });
      const audit = t.app.get(AuditService);
      for (let i = 0; i < 250; i++) audit.annotate({ action: 'test.shutdown', outcome: 'denied' });
      await t.close(); // no flush first: the shutdown hooks must drain the queue
      const client = new Client({ connectionString: db.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>(
          "SELECT count(*) FROM audit_log WHERE action = 'test.shutdown'",
        );
        expect(Number(rows[0].count)).toBe(250);
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  }, 30_000);
});
