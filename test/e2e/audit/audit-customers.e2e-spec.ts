import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditService } from '../../../src/audit/audit.service';
import { AuditQueryService } from '../../../src/audit/audit-query.service';
import { bearer, loginAs, LoggedInUser } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';

interface Row {
  action: string;
  outcome: string;
  status: number | null;
  actor_type: string;
  actor_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

function canaryCustomer(): Record<string, unknown> {
  const tag = randomBytes(5).toString('hex');
  return {
    fullName: `Audit Canary ${tag}`,
    email: `audit-canary-${tag}@example.test`,
    phone: `+1555${Math.floor(1_000_000 + Math.random() * 8_999_999)}`,
    dateOfBirth: '1979-01-02',
    nationalId: `NID-${tag}-1234`,
    address: {
      line1: `Audit Street ${tag}`,
      city: 'Auditville',
      postalCode: 'AU-1',
      country: 'FR',
    },
  };
}

/** Customers' changes commit with exactly one audit entry in the same transaction (issue 6). */
describe('audit of customers (e2e)', () => {
  let t: TestApp;
  let audit: AuditService;
  let owner: LoggedInUser;
  let stranger: LoggedInUser;
  let support: LoggedInUser;
  const personalValues: string[] = [];

  const rowsFor = async (res: request.Response): Promise<Row[]> => {
    await audit.flush();
    return t.sql<Row>('SELECT * FROM audit_log WHERE request_id = $1', [
      res.headers['x-request-id'],
    ]);
  };
  const createCustomer = async (token: string): Promise<{ id: string; res: request.Response }> => {
    const body = canaryCustomer();
    personalValues.push(
      body.fullName as string,
      body.email as string,
      body.nationalId as string,
      body.phone as string,
    );
    const res = await request(t.url)
      .post('/v1/customers')
      .set(...bearer(token))
      .send(body);
    expect(res.status).toBe(201);
    return { id: res.body.id as string, res };
  };

  beforeAll(async () => {
    t = await startTestApp();
    audit = t.app.get(AuditService);
    owner = await loginAs(t, 'user');
    stranger = await loginAs(t, 'user');
    support = await loginAs(t, 'support');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should write exactly one success entry for a create, with field names only', async () => {
    const { id, res } = await createCustomer(owner.accessToken);
    const rows = await rowsFor(res);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'customers.create',
      outcome: 'success',
      status: 201,
      actor_type: 'user',
      actor_id: owner.userId,
      resource_type: 'customers',
      resource_id: id,
    });
    expect(rows[0].details.fields).toEqual(
      expect.arrayContaining(['fullName', 'email', 'nationalId', 'address']),
    );
  });

  it('should write exactly one success entry for an update and one for a delete', async () => {
    const { id } = await createCustomer(owner.accessToken);
    const patched = await request(t.url)
      .patch(`/v1/customers/${id}`)
      .set(...bearer(owner.accessToken))
      .send({ fullName: 'Renamed Canary' })
      .expect(200);
    personalValues.push('Renamed Canary');
    const updates = await rowsFor(patched);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      action: 'customers.update',
      outcome: 'success',
      status: 200,
      resource_id: id,
    });
    expect(updates[0].details.fields).toEqual(['fullName']);

    const deleted = await request(t.url)
      .delete(`/v1/customers/${id}`)
      .set(...bearer(owner.accessToken))
      .expect(204);
    const deletes = await rowsFor(deleted);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).toMatchObject({
      action: 'customers.delete',
      outcome: 'success',
      status: 204,
      resource_id: id,
    });
  });

  it('should record reads of a customer and of its export', async () => {
    const { id } = await createCustomer(owner.accessToken);
    const read = await request(t.url)
      .get(`/v1/customers/${id}`)
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect(await rowsFor(read)).toMatchObject([
      { action: 'customers.read', outcome: 'success', status: 200, resource_id: id },
    ]);
    const exported = await request(t.url)
      .get(`/v1/customers/${id}/export`)
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect(await rowsFor(exported)).toMatchObject([
      { action: 'customers.export', outcome: 'success', status: 200, resource_id: id },
    ]);
  });

  it.each([
    ['get', 'customers.read'],
    ['patch', 'customers.update'],
    ['delete', 'customers.delete'],
  ] as const)(
    "should answer 404 to %s on another owner's customer and record a denial",
    async (method, action) => {
      const { id } = await createCustomer(owner.accessToken);
      const agent = request(t.url);
      const res = await agent[method](`/v1/customers/${id}`)
        .set(...bearer(stranger.accessToken))
        .send(method === 'patch' ? { fullName: 'Hijack' } : undefined)
        .expect(404);
      const rows = await rowsFor(res);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action,
        outcome: 'denied',
        status: 404,
        actor_id: stranger.userId,
        resource_id: id,
      });
      expect(rows[0].details.reason).toBe('not_owner');
    },
  );

  it('should not label a 404 for an id that does not exist as a denial', async () => {
    const missing = randomUUID();
    const res = await request(t.url)
      .patch(`/v1/customers/${missing}`)
      .set(...bearer(stranger.accessToken))
      .send({ fullName: 'Nobody' })
      .expect(404);
    const rows = await rowsFor(res);
    expect(rows).toMatchObject([{ action: 'customers.update', outcome: 'error', status: 404 }]);
  });

  it('should record a create without a token (401) and with the wrong role (403) as denied', async () => {
    const anonymous = await request(t.url).post('/v1/customers').send(canaryCustomer()).expect(401);
    expect(await rowsFor(anonymous)).toMatchObject([
      { action: 'customers.create', outcome: 'denied', status: 401, actor_type: 'anonymous' },
    ]);
    const wrongRole = await request(t.url)
      .post('/v1/customers')
      .set(...bearer(support.accessToken))
      .send(canaryCustomer())
      .expect(403);
    expect(await rowsFor(wrongRole)).toMatchObject([
      { action: 'customers.create', outcome: 'denied', status: 403, actor_id: support.userId },
    ]);
  });

  it('should roll back a customer change and answer 503 when its audit insert fails', async () => {
    const { id } = await createCustomer(owner.accessToken);
    const [before] = await t.sql<{ count: string }>('SELECT count(*) FROM customers');
    await t.sql(`CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit insert refused by test'; END $$`);
    await t.sql(
      'CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail()',
    );
    try {
      const created = await request(t.url)
        .post('/v1/customers')
        .set(...bearer(owner.accessToken))
        .send(canaryCustomer())
        .expect(503);
      expect(created.body.type).toMatch(/audit-unavailable$/);
      await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(...bearer(owner.accessToken))
        .send({ fullName: 'Must Not Stick' })
        .expect(503);
      await request(t.url)
        .delete(`/v1/customers/${id}`)
        .set(...bearer(owner.accessToken))
        .expect(503);
    } finally {
      await t.sql('DROP TRIGGER audit_fail ON audit_log');
      await t.sql('DROP FUNCTION audit_fail()');
    }
    const [after] = await t.sql<{ count: string }>('SELECT count(*) FROM customers');
    expect(after.count).toBe(before.count);
    const still = await request(t.url)
      .get(`/v1/customers/${id}`)
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect(still.body.fullName).not.toBe('Must Not Stick');
  });

  it('should keep the chain valid after 200 concurrent customer creations', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        request(t.url)
          .post('/v1/customers')
          .set(...bearer(owner.accessToken))
          .send(canaryCustomer()),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(200);
    const ids = responses.map((r) => r.body.id as string);
    await audit.flush();
    const [{ count }] = await t.sql<{ count: string }>(
      "SELECT count(*) FROM audit_log WHERE action = 'customers.create' AND resource_id = ANY($1)",
      [ids],
    );
    expect(Number(count)).toBe(200);
    const result = await t.app.get(AuditQueryService).verify();
    expect(result).toMatchObject({ valid: true });
    expect(result.checked).toBeGreaterThanOrEqual(200);
  });

  it('should hold no personal value, password or token in any audit row', async () => {
    await audit.flush();
    const dump = JSON.stringify(await t.sql('SELECT * FROM audit_log'));
    const secrets = [
      ...personalValues,
      owner.password,
      owner.accessToken,
      owner.refreshToken,
      stranger.password,
      stranger.accessToken,
      support.accessToken,
    ];
    for (const value of secrets) expect(dump).not.toContain(value);
  });
});
