import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CliIo, parseArgs } from '../../../src/cli/cli-command';
import { customersReindexCommand } from '../../../src/cli/commands/customers-reindex.command';
import { keysRotateCommand } from '../../../src/cli/commands/keys-rotate.command';
import { bearer, loginAs } from '../../helpers/auth';
import { createTestDatabase, startTestApp, TestDatabase } from '../../helpers/test-app';

const ENCRYPTED_COLUMNS = [
  'full_name',
  'email',
  'phone',
  'date_of_birth',
  'national_id',
  'address',
];

function captureIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), readStdin: async () => '' };
}

/** Key ids of every non-null encrypted value of the table, counted. */
async function keyIds(sql: (q: string) => Promise<Array<{ kid: string; n: number }>>) {
  const rows = await sql(
    `SELECT split_part(v, ':', 2) AS kid, count(*)::int AS n
       FROM customers, unnest(ARRAY[${ENCRYPTED_COLUMNS.join(', ')}]) AS v
      WHERE v IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.kid, r.n]));
}

describe('keys:rotate (e2e)', () => {
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  const k2 = `k_2:${randomBytes(32).toString('base64')}`;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('should move every row from k1 to k2, keep them readable, and be resumable', async () => {
    // 1. Rows written under k1 only.
    const before = await startTestApp({
      db,
      env: { FIELD_ENCRYPTION_KEYS: k1, FIELD_ENCRYPTION_ACTIVE_KEY_ID: 'k1' },
    });
    const user = await loginAs(before, 'user');
    const created: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 7; i++) {
      const res = await request(before.url)
        .post('/v1/customers')
        .set(...bearer(user.accessToken))
        .send({
          fullName: `Rotated ${i}`,
          email: `rotated-${i}@example.test`,
          nationalId: `ID-${i}-6789`,
          ...(i % 2 === 0
            ? {
                phone: `+4930123456${i}`,
                dateOfBirth: '1970-01-0' + (i + 1),
                address: { line1: `${i} Road`, city: 'Berlin', postalCode: '10115', country: 'DE' },
              }
            : {}),
        });
      expect(res.status).toBe(201);
      created.push(res.body);
    }
    const total = (await keyIds(before.sql)).k1;
    expect(await keyIds(before.sql)).toEqual({ k1: total });
    await before.close();

    // 2. k2 added and made active: old rows still read, new rows are written under k2.
    const after = await startTestApp({
      db,
      env: { FIELD_ENCRYPTION_KEYS: `${k1},${k2}`, FIELD_ENCRYPTION_ACTIVE_KEY_ID: 'k_2' },
    });
    try {
      const token = (await loginAs(after, 'user')).accessToken;
      const owner = (
        await request(after.url)
          .post('/v1/auth/login')
          .send({ email: user.email, password: user.password })
      ).body.access_token as string;
      const readable = await request(after.url)
        .get(`/v1/customers/${created[0].id as string}`)
        .set(...bearer(owner));
      expect(readable.body).toEqual(created[0]);
      expect(
        (
          await request(after.url)
            .post('/v1/customers')
            .set(...bearer(token))
            .send({ fullName: 'New', email: 'new@example.test' })
        ).status,
      ).toBe(201);
      expect(await keyIds(after.sql)).toEqual({ k1: total, k_2: 2 });

      // 3. Rotate in batches of 3 rows.
      const io = captureIo();
      await expect(
        keysRotateCommand.run(after.app, parseArgs(['--batch-size', '3']), io),
      ).resolves.toBe(0);
      expect(io.lines.filter((l) => /customers: batch of/.test(l))).toHaveLength(3);
      expect(io.lines).toContain(`customers.full_name: 8, 1, 7, 0, 0, 0`);
      // The customers' own data keys are re-wrapped too (crypto-shredding keys).
      expect(io.lines).toContain(`customer_data_keys.wrapped_key: 8, 1, 7, 0, 0, 0`);
      expect(io.lines.join('\n')).toMatch(/older keys may now be removed/);
      expect(await keyIds(after.sql)).toEqual({ k_2: total + 2 });
      const raw = await after.sql<Record<string, string | null>>('SELECT * FROM customers');
      for (const row of raw)
        for (const column of ENCRYPTED_COLUMNS)
          if (row[column] !== null) expect(row[column]).toMatch(/^v1:k_2:/);

      // 4. A second run has nothing left to do (resumable, idempotent).
      const again = captureIo();
      await expect(keysRotateCommand.run(after.app, parseArgs([]), again)).resolves.toBe(0);
      expect(again.lines).toContain(`customers.full_name: 8, 8, 0, 0, 0, 0`);
    } finally {
      await after.close();
    }

    // 5. k1 removed from the ring: every row still reads in full through the API.
    const retired = await startTestApp({
      db,
      env: { FIELD_ENCRYPTION_KEYS: k2, FIELD_ENCRYPTION_ACTIVE_KEY_ID: 'k_2' },
    });
    try {
      const owner = (
        await request(retired.url)
          .post('/v1/auth/login')
          .send({ email: user.email, password: user.password })
      ).body.access_token as string;
      for (const customer of created) {
        const res = await request(retired.url)
          .get(`/v1/customers/${customer.id as string}`)
          .set(...bearer(owner));
        expect(res.status).toBe(200);
        expect(res.body).toEqual(customer);
      }
      const found = await request(retired.url)
        .get('/v1/customers')
        .query({ email: 'rotated-3@example.test' })
        .set(...bearer(owner));
      expect(found.body.data).toHaveLength(1);
    } finally {
      await retired.close();
    }
  });

  it('should report values that do not decrypt and exit 1, leaving them as they are', async () => {
    const app = await startTestApp({
      db,
      env: { FIELD_ENCRYPTION_KEYS: k1, FIELD_ENCRYPTION_ACTIVE_KEY_ID: 'k1' },
    });
    try {
      const user = await loginAs(app, 'user');
      const res = await request(app.url)
        .post('/v1/customers')
        .set(...bearer(user.accessToken))
        .send({ fullName: 'Tampered', email: 'tampered@example.test' });
      // Under k1 now, with k_2 active in the ring below; then its full_name is moved to email.
      await app.sql('UPDATE customers SET email = full_name WHERE id = $1', [res.body.id]);
    } finally {
      await app.close();
    }
    const rotating = await startTestApp({
      db,
      env: { FIELD_ENCRYPTION_KEYS: `${k1},${k2}`, FIELD_ENCRYPTION_ACTIVE_KEY_ID: 'k_2' },
    });
    try {
      const io = captureIo();
      await expect(keysRotateCommand.run(rotating.app, parseArgs([]), io)).resolves.toBe(1);
      expect(io.lines.find((l) => l.startsWith('customers.email:'))).toMatch(/, 1, 0, 1$/);
      expect(io.lines.join('\n')).toMatch(
        /1 values are not under the active key yet \(1 did not decrypt\)/,
      );
    } finally {
      await rotating.close();
    }
  });
  it('should make ?email= find customers again after a blind-index key change and customers:reindex', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    // A database of its own: the one above holds a deliberately tampered row.
    const own = await createTestDatabase();
    const first = await startTestApp({ db: own, env: { BLIND_INDEX_KEY: oldKey } });
    const user = await loginAs(first, 'user');
    try {
      const res = await request(first.url)
        .post('/v1/customers')
        .set(...bearer(user.accessToken))
        .send({ fullName: 'Indexed', email: 'reindex-me@example.test' });
      expect(res.status).toBe(201);
    } finally {
      await first.close();
    }
    const second = await startTestApp({ db: own, env: { BLIND_INDEX_KEY: newKey } });
    try {
      const token = (
        await request(second.url)
          .post('/v1/auth/login')
          .send({ email: user.email, password: user.password })
      ).body.access_token as string;
      const search = () =>
        request(second.url)
          .get('/v1/customers')
          .query({ email: 'reindex-me@example.test' })
          .set(...bearer(token));
      expect((await search()).body.data).toHaveLength(0);
      const io = captureIo();
      await expect(
        customersReindexCommand.run(second.app, parseArgs(['--batch-size', '2']), io),
      ).resolves.toBe(0);
      expect(io.lines[0]).toMatch(/blind indexes rewritten: [1-9]/);
      expect((await search()).body.data).toHaveLength(1);
      const again = captureIo();
      await expect(customersReindexCommand.run(second.app, parseArgs([]), again)).resolves.toBe(0);
      expect(again.lines[0]).toMatch(/blind indexes rewritten: 0$/);
    } finally {
      await second.close();
      await own.drop();
    }
  });
});
