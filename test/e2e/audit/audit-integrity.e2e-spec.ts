import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { AuditService } from '../../../src/audit/audit.service';
import { AuditQueryService } from '../../../src/audit/audit-query.service';
import type { AuditRow } from '../../../src/audit/audit-entry';
import { AuditWriter } from '../../../src/audit/audit-writer';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { AuditProbeModule, PROBE_TABLE_SQL } from './audit-probe.module';

async function asRole<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface Row {
  id: string;
  action: string;
  outcome: string;
  status: number;
  resource_id: string | null;
  details: Record<string, unknown>;
}

describe('audit log integrity (e2e)', () => {
  let t: TestApp;
  let audit: AuditService;

  beforeAll(async () => {
    t = await startTestApp({ extraModules: [AuditProbeModule] });
    await asRole(t.db.ownerUrl, (c) => c.query(PROBE_TABLE_SQL));
    audit = t.app.get(AuditService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const probeRows = (): Promise<Row[]> =>
    t.sql<Row>("SELECT * FROM audit_log WHERE action LIKE 'probes.%' ORDER BY seq");

  it('should commit a change and exactly one success entry in the same transaction', async () => {
    const res = await request(t.url)
      .post('/v1/test-only/audit-probe')
      .send({ name: 'first' })
      .expect(201);
    await audit.flush();
    const rows = await t.sql<Row>('SELECT * FROM audit_log WHERE resource_id = $1', [res.body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'probes.create', outcome: 'success', status: 201 });
    expect(rows[0].details.fields).toEqual(['name']);
  });

  it('should roll the change back and answer 503 when the audit insert fails', async () => {
    // Test-only trigger: every audit insert fails.
    await t.sql(`CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit insert refused by test'; END $$`);
    await t.sql(
      'CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail()',
    );
    try {
      const res = await request(t.url)
        .post('/v1/test-only/audit-probe')
        .send({ name: 'must-not-persist' })
        .expect(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.type).toMatch(/audit-unavailable$/);
      expect(JSON.stringify(res.body)).not.toMatch(/refused by test|audit_log|trigger/);
    } finally {
      await t.sql('DROP TRIGGER audit_fail ON audit_log');
      await t.sql('DROP FUNCTION audit_fail()');
    }
    const persisted = await t.sql("SELECT 1 FROM audit_probe WHERE name = 'must-not-persist'");
    expect(persisted).toHaveLength(0);
  });

  it('should strip a value whose key names a secret and control characters from user strings', async () => {
    await request(t.url)
      .post('/v1/test-only/audit-probe')
      .set('User-Agent', 'evil\t{"forged":true}agent')
      .send({ name: 'line1\nline2\r\u0007\u2028x', password: 'canary-password-Zq81x' })
      .expect(201);
    await audit.flush();
    const dump = JSON.stringify(await t.sql('SELECT * FROM audit_log'));
    expect(dump).not.toContain('canary-password-Zq81x');
    const [row] = await t.sql<Row & { user_agent: string }>(
      "SELECT * FROM audit_log WHERE details->>'name' LIKE 'line1%'",
    );
    expect(row.details.name).toBe('line1line2x');
    expect(row.details.password).toBe('[redacted]');
    expect(row.user_agent).toBe('evil{"forged":true}agent');
  });

  it('should refuse UPDATE, DELETE and TRUNCATE on the audit table to the runtime role', async () => {
    await asRole(t.db.runtimeUrl, async (c) => {
      await expect(c.query("UPDATE audit_log SET action = 'x.y'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied/);
      await expect(c.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied/);
      // Nor can it forge, change or drop a link of the chain, move the sealer's horizon, or
      // choose the transaction id an entry is sealed by.
      await expect(
        c.query("INSERT INTO audit_chain VALUES (999999, 1, repeat('0', 64), repeat('0', 64))"),
      ).rejects.toThrow(/permission denied/);
      await expect(c.query('UPDATE audit_chain SET hash = prev_hash')).rejects.toThrow(
        /permission denied/,
      );
      await expect(c.query("UPDATE audit_seal_state SET since = '1'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        c.query(
          `INSERT INTO audit_log (id, at, actor_type, action, outcome, txid)
           VALUES (gen_random_uuid(), now(), 'anonymous', 'probes.create', 'success', '1')`,
        ),
      ).rejects.toThrow(/permission denied/);
      // The maintenance setting opens nothing without the grants.
      await c.query("SELECT set_config('audit.mode', 'maintenance', false)");
      await expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied/);
    });
  });

  it('should refuse UPDATE, DELETE and TRUNCATE to the owner outside the maintenance path', async () => {
    await asRole(t.db.ownerUrl, async (c) => {
      await expect(c.query("UPDATE audit_log SET action = 'x.y'")).rejects.toThrow(/append-only/);
      await expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(c.query('TRUNCATE audit_log')).rejects.toThrow(/append-only|foreign key/);
      await expect(c.query('TRUNCATE audit_log, audit_chain')).rejects.toThrow(/append-only/);
      // No setting opens UPDATE: an entry is written once, never changed.
      for (const mode of ['seal', 'maintenance']) {
        await c.query('BEGIN');
        await c.query("SELECT set_config('audit.mode', $1, true)", [mode]);
        await expect(c.query("UPDATE audit_log SET action = 'x.y'")).rejects.toThrow(/append-only/);
        await c.query('ROLLBACK');
      }
      await expect(c.query('DELETE FROM audit_chain')).rejects.toThrow(/append-only/);
    });
    expect((await probeRows()).length).toBeGreaterThan(0);
  });

  it('should keep the chain valid under 200 concurrent mutations and concurrent sealers', async () => {
    const sealers = Array.from({ length: 3 }, () =>
      asRole(t.db.runtimeUrl, async (c) => {
        for (let i = 0; i < 20; i++) await c.query('SELECT audit_seal(7)');
      }),
    );
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(t.url)
          .post('/v1/test-only/audit-probe')
          .send({ name: `concurrent-${i}` }),
      ),
    );
    await Promise.all(sealers);
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201));
    const res = await request(t.app.getHttpServer()).get('/health/live');
    expect(res.status).toBe(200);
    await audit.flush();
    const result = await t.app.get(AuditQueryService).verify();
    expect(result.valid).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(202);
    const [{ count }] = await t.sql<{ count: string }>(
      "SELECT count(*) FROM audit_log WHERE action = 'probes.create' AND details->>'name' LIKE 'concurrent-%'",
    );
    expect(Number(count)).toBe(200);
  });

  it('should write the good rows of a batch that holds a row the database refuses', async () => {
    const writer = t.app.get(AuditWriter);
    const row = (n: number, actorType: string): AuditRow => ({
      id: randomUUID(),
      at: new Date(),
      requestId: null,
      actor: { type: actorType as AuditRow['actor']['type'], id: null },
      action: `probes.batch_${n}`,
      resource: { type: null, id: null },
      outcome: 'denied',
      status: 401,
      ip: null,
      userAgent: null,
      details: {},
    });
    writer.enqueue(row(1, 'anonymous'));
    writer.enqueue(row(2, 'robot')); // violates the actor_type CHECK
    writer.enqueue(row(3, 'anonymous'));
    await audit.flush();
    const written = await t.sql<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'probes.batch_%' ORDER BY action",
    );
    expect(written.map((r) => r.action)).toEqual(['probes.batch_1', 'probes.batch_3']);
  });

  it('should keep one valid chain when two app instances write and seal at once', async () => {
    const second = await startTestApp({ db: t.db, extraModules: [AuditProbeModule] });
    try {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          request(i % 2 === 0 ? t.url : second.url)
            .post('/v1/test-only/audit-probe')
            .send({ name: `two-instances-${i}` }),
        ),
      );
      expect(responses.every((r) => r.status === 201)).toBe(true);
      await Promise.all([audit.flush(), second.app.get(AuditService).flush()]);
    } finally {
      await second.close();
    }
    const result = await t.app.get(AuditQueryService).verify();
    expect(result.valid).toBe(true);
    const [{ linked }] = await t.sql<{ linked: string }>(
      `SELECT count(*) AS linked FROM audit_chain c JOIN audit_log l ON l.seq = c.seq
        WHERE l.details->>'name' LIKE 'two-instances-%'`,
    );
    expect(Number(linked)).toBe(100);
  });

  it('should link an entry whose transaction took a lower seq but committed later, never skip it', async () => {
    await audit.flush();
    const insert = (c: Client, id: string) =>
      c.query(
        `INSERT INTO audit_log (id, at, actor_type, action, outcome)
         VALUES ($1, now(), 'anonymous', 'probes.create', 'success')`,
        [id],
      );
    const linked = async (id: string) =>
      (
        await t.sql<{ chain_pos: string | null }>(
          'SELECT c.chain_pos FROM audit_log l LEFT JOIN audit_chain c ON c.seq = l.seq WHERE l.id = $1',
          [id],
        )
      )[0]?.chain_pos ?? null;
    const slow = randomUUID();
    const fast = randomUUID();
    const writer = new Client({ connectionString: t.db.runtimeUrl });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await insert(writer, slow); // takes its seq first, commits last
      await asRole(t.db.runtimeUrl, (c) => insert(c, fast));
      await audit.flush();
      // The open transaction holds the horizon back: nothing after it is linked yet, and the
      // entry that is already visible counts as waiting, not as slipped in.
      expect(await linked(fast)).toBeNull();
      expect((await t.app.get(AuditQueryService).verify()).valid).toBe(true);
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }
    await audit.flush();
    const [slowPos, fastPos] = [await linked(slow), await linked(fast)];
    expect(slowPos).not.toBeNull();
    expect(fastPos).not.toBeNull();
    // Both in one sealing, in seq order.
    expect(BigInt(fastPos!)).toBe(BigInt(slowPos!) + 1n);
    expect((await t.app.get(AuditQueryService).verify()).valid).toBe(true);
  });

  it('should end a runtime session left idle in a transaction after 60 s (the horizon cannot stall)', async () => {
    await asRole(t.db.runtimeUrl, async (c) => {
      const { rows } = await c.query<{ idle_in_transaction_session_timeout: string }>(
        'SHOW idle_in_transaction_session_timeout',
      );
      expect(rows[0].idle_in_transaction_session_timeout).toBe('1min');
    });
  });

  it('should name an entry slipped in by the owner below the sealed horizon', async () => {
    await audit.flush();
    const id = '00000000-0000-4000-8000-00000000beef';
    // An old transaction id: the sealer has moved past it, so it is never linked.
    await asRole(t.db.ownerUrl, (c) =>
      c.query(
        `INSERT INTO audit_log (id, at, actor_type, action, outcome, txid)
         VALUES ($1, now(), 'anonymous', 'probes.create', 'success', '3')`,
        [id],
      ),
    );
    await audit.flush();
    const result = await t.app.get(AuditQueryService).verify();
    expect(result).toMatchObject({ valid: false, firstInvalidId: id });
    // Put things back for the next test, through the maintenance path.
    await asRole(t.db.ownerUrl, async (c) => {
      await c.query('BEGIN');
      await c.query("SELECT set_config('audit.mode', 'maintenance', true)");
      await c.query('DELETE FROM audit_log WHERE id = $1', [id]);
      await c.query('COMMIT');
    });
    expect((await t.app.get(AuditQueryService).verify()).valid).toBe(true);
  });

  it('should name the entry changed directly in SQL by the owner with the trigger disabled', async () => {
    await audit.flush();
    const [victim] = await t.sql<{ id: string }>(
      "SELECT id FROM audit_log WHERE details->>'name' = 'concurrent-17'",
    );
    await asRole(t.db.ownerUrl, async (c) => {
      await c.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await c.query("UPDATE audit_log SET outcome = 'denied' WHERE id = $1", [victim.id]);
      await c.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
    const result = await t.app.get(AuditQueryService).verify();
    expect(result).toMatchObject({ valid: false, firstInvalidId: victim.id });
  });
});
