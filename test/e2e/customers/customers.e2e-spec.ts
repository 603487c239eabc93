import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createClientToken, loginAs, LoggedInUser } from '../../helpers/auth';
import { FieldCipher } from '../../../src/crypto/field-cipher';
import { startTestApp, TestApp } from '../../helpers/test-app';

const ENCRYPTED_COLUMNS = [
  'full_name',
  'email',
  'phone',
  'date_of_birth',
  'national_id',
  'address',
];

/** A customer whose every field is a unique canary, so a raw read can look for it. */
function canaryCustomer(): Record<string, unknown> & { email: string; nationalId: string } {
  const tag = randomBytes(5).toString('hex');
  return {
    fullName: `Canary Name ${tag}`,
    email: `canary-${tag}@example.test`,
    phone: `+1555${Math.floor(1_000_000 + Math.random() * 8_999_999)}`,
    dateOfBirth: '1987-06-05',
    nationalId: `NID-${tag}-6789`,
    address: {
      line1: `Canary Street ${tag}`,
      city: `Canaryville${tag}`,
      postalCode: 'CN-4242',
      country: 'DE',
    },
  };
}

async function create(t: TestApp, token: string, body = canaryCustomer()) {
  const res = await request(t.url)
    .post('/v1/customers')
    .set(...bearer(token))
    .send(body);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, body, response: res.body };
}

/** The problem body without its per-request members. */
const stable = (body: Record<string, unknown>) => {
  const { requestId: _r, instance: _i, ...rest } = body;
  return rest;
};

describe('customers (e2e)', () => {
  let t: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let support: LoggedInUser;
  let admin: LoggedInUser;
  let auditor: LoggedInUser;

  beforeAll(async () => {
    t = await startTestApp();
    [alice, bob, support, admin, auditor] = [
      await loginAs(t, 'user'),
      await loginAs(t, 'user'),
      await loginAs(t, 'support'),
      await loginAs(t, 'admin'),
      await loginAs(t, 'auditor'),
    ];
  });
  afterAll(async () => t.close());

  describe('encryption at rest', () => {
    it('should store no plaintext of any encrypted field, only envelopes under the active key', async () => {
      const { id, body } = await create(t, alice.accessToken);
      const [row] = await t.sql<Record<string, string>>(
        'SELECT row_to_json(c)::text AS raw, c.* FROM customers c WHERE id = $1',
        [id],
      );
      const raw = row.raw.toLowerCase();
      const address = body.address as Record<string, string>;
      for (const canary of [
        body.fullName as string,
        body.email,
        (body.phone as string).slice(1),
        body.dateOfBirth as string,
        body.nationalId,
        address.line1,
        address.city,
        address.postalCode,
      ])
        expect(raw).not.toContain(canary.toLowerCase());
      const active = t.config.crypto.activeEncryptionKeyId;
      for (const column of ENCRYPTED_COLUMNS)
        expect(row[column]).toMatch(
          new RegExp(`^v1:${active}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$`),
        );
      expect(row.email_bidx).toMatch(/^[0-9a-f]{64}$/);
    });

    it('should read every field back in full for the owner', async () => {
      const { id, body } = await create(t, alice.accessToken);
      const res = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...body,
        id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.body).not.toHaveProperty('ownerId');
    });

    it('should refuse plaintext written past the application (database CHECK)', async () => {
      const { id } = await create(t, alice.accessToken);
      await expect(
        t.sql("UPDATE customers SET national_id = '123-45-6789' WHERE id = $1", [id]),
      ).rejects.toThrow(/customers_fields_encrypted/);
    });

    it('should answer a bare 500 for a tampered value, and for a value moved to another column', async () => {
      // An owner of its own: its rows are broken on purpose and would fail other tests' lists.
      const victim = await loginAs(t, 'user');
      const { id } = await create(t, victim.accessToken);
      await t.sql(
        `UPDATE customers SET national_id = overlay(national_id placing
           (CASE WHEN substr(national_id, length(national_id), 1) = 'A' THEN 'B' ELSE 'A' END)
           from length(national_id) for 1) WHERE id = $1`,
        [id],
      );
      const tampered = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(victim.accessToken));
      expect(tampered.status).toBe(500);
      expect(stable(tampered.body)).toEqual({
        type: expect.stringMatching(/internal-error$/),
        title: 'Internal Server Error',
        status: 500,
      });

      const other = await create(t, victim.accessToken);
      await t.sql('UPDATE customers SET full_name = national_id WHERE id = $1', [other.id]);
      const moved = await request(t.url)
        .get(`/v1/customers/${other.id}`)
        .set(...bearer(victim.accessToken));
      expect(moved.status).toBe(500);
      expect(JSON.stringify(moved.body)).not.toMatch(/decrypt|cipher|NID-/i);
    });
  });

  describe('object-level authorization (BOLA)', () => {
    it('should not return a customer of another user: 404 identical to a missing id', async () => {
      const { id } = await create(t, bob.accessToken);
      const theirs = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken));
      const missing = await request(t.url)
        .get(`/v1/customers/${randomUUID()}`)
        .set(...bearer(alice.accessToken));
      expect(theirs.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(stable(theirs.body)).toEqual(stable(missing.body));
    });

    it("should not let a user patch, delete or export another user's customer", async () => {
      const { id } = await create(t, bob.accessToken);
      const [before] = await t.sql('SELECT * FROM customers WHERE id = $1', [id]);
      const patch = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken))
        .send({ fullName: 'Hijacked' });
      const del = await request(t.url)
        .delete(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken));
      const exp = await request(t.url)
        .get(`/v1/customers/${id}/export`)
        .set(...bearer(alice.accessToken));
      expect([patch.status, del.status, exp.status]).toEqual([404, 404, 404]);
      const [after] = await t.sql('SELECT * FROM customers WHERE id = $1', [id]);
      expect(after).toEqual(before);
      const own = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(bob.accessToken));
      expect(own.status).toBe(200);
      expect(own.body.fullName).not.toBe('Hijacked');
    });

    it("should not find another user's customer through ?email=", async () => {
      const { id, body } = await create(t, bob.accessToken);
      const asAlice = await request(t.url)
        .get('/v1/customers')
        .query({ email: body.email })
        .set(...bearer(alice.accessToken));
      expect(asAlice.status).toBe(200);
      expect(asAlice.body).toEqual({ data: [], nextCursor: null });
      const asBob = await request(t.url)
        .get('/v1/customers')
        .query({ email: `  ${body.email.toUpperCase()}`.trim() })
        .set(...bearer(bob.accessToken));
      expect(asBob.body.data.map((c: { id: string }) => c.id)).toEqual([id]);
    });

    it("should list only the caller's own customers", async () => {
      const carol = await loginAs(t, 'user');
      const mine = [await create(t, carol.accessToken), await create(t, carol.accessToken)];
      await create(t, bob.accessToken);
      const res = await request(t.url)
        .get('/v1/customers')
        .set(...bearer(carol.accessToken));
      expect(res.status).toBe(200);
      expect(res.body.data.map((c: { id: string }) => c.id).sort()).toEqual(
        mine.map((c) => c.id).sort(),
      );
    });

    it('should hold an OAuth client token to its owner and its scopes', async () => {
      const own = await create(t, alice.accessToken);
      const theirs = await create(t, bob.accessToken);
      const reader = await createClientToken(t, alice.accessToken, ['customers:read']);
      const ok = await request(t.url)
        .get(`/v1/customers/${own.id}`)
        .set(...bearer(reader.accessToken));
      expect(ok.status).toBe(200);
      expect(ok.body.nationalId).toBe(own.body.nationalId);
      const other = await request(t.url)
        .get(`/v1/customers/${theirs.id}`)
        .set(...bearer(reader.accessToken));
      expect(other.status).toBe(404);
      const list = await request(t.url)
        .get('/v1/customers')
        .set(...bearer(reader.accessToken));
      expect(list.status).toBe(200);
      expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(theirs.id);
      const write = await request(t.url)
        .post('/v1/customers')
        .set(...bearer(reader.accessToken))
        .send(canaryCustomer());
      expect(write.status).toBe(403);
      expect(write.headers['www-authenticate']).toMatch(/insufficient_scope/);

      const writer = await createClientToken(t, alice.accessToken, ['customers:write']);
      const read = await request(t.url)
        .get(`/v1/customers/${own.id}`)
        .set(...bearer(writer.accessToken));
      expect(read.status).toBe(403);
      const patchOther = await request(t.url)
        .patch(`/v1/customers/${theirs.id}`)
        .set(...bearer(writer.accessToken))
        .send({ fullName: 'Hijacked' });
      expect(patchOther.status).toBe(404);
      const created = await request(t.url)
        .post('/v1/customers')
        .set(...bearer(writer.accessToken))
        .send(canaryCustomer());
      expect(created.status).toBe(201);
      const [row] = await t.sql<{ owner_id: string }>(
        'SELECT owner_id FROM customers WHERE id = $1',
        [created.body.id],
      );
      expect(row.owner_id).toBe(alice.userId);
    });

    it('should refuse a request without a token', async () => {
      const res = await request(t.url).get('/v1/customers');
      expect(res.status).toBe(401);
    });
  });

  describe('roles', () => {
    it("should show support masked values of any owner's customer", async () => {
      const { id } = await create(t, bob.accessToken, {
        ...canaryCustomer(),
        email: 'jane.doe@example.com',
        phone: '+15551234567',
        nationalId: '123-45-6789',
      });
      const res = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(support.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        email: 'j***@example.com',
        phone: '**********67',
        nationalId: '*****6789',
        dateOfBirth: '****-**-**',
        address: { line1: '***', postalCode: '***', country: 'DE' },
      });
      const list = await request(t.url)
        .get('/v1/customers')
        .query({ email: 'jane.doe@example.com', limit: '100' })
        .set(...bearer(support.accessToken));
      const listed = list.body.data.find((c: { id: string }) => c.id === id);
      expect(listed.nationalId).toBe('*****6789');
      expect(JSON.stringify(list.body)).not.toContain('123-45-6789');
    });

    it('should not let support change, erase or export a customer', async () => {
      const { id } = await create(t, bob.accessToken);
      const patch = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(...bearer(support.accessToken))
        .send({ fullName: 'x' });
      const del = await request(t.url)
        .delete(`/v1/customers/${id}`)
        .set(...bearer(support.accessToken));
      const exp = await request(t.url)
        .get(`/v1/customers/${id}/export`)
        .set(...bearer(support.accessToken));
      expect([patch.status, del.status, exp.status]).toEqual([403, 403, 403]);
    });

    it("should show admin full values of any owner's customer", async () => {
      const { id, body } = await create(t, bob.accessToken);
      const res = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(admin.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        email: body.email,
        nationalId: body.nationalId,
        phone: body.phone,
      });
    });

    it('should refuse the auditor every customer route', async () => {
      const { id } = await create(t, bob.accessToken);
      const calls = [
        request(t.url).get('/v1/customers'),
        request(t.url).get(`/v1/customers/${id}`),
        request(t.url).get(`/v1/customers/${id}/export`),
        request(t.url).post('/v1/customers').send(canaryCustomer()),
        request(t.url).patch(`/v1/customers/${id}`).send({ fullName: 'x' }),
        request(t.url).delete(`/v1/customers/${id}`),
      ];
      for (const call of calls)
        expect((await call.set(...bearer(auditor.accessToken))).status).toBe(403);
    });
  });

  describe('input validation', () => {
    it.each([
      ['sort injection', { sort: 'createdAt; DROP TABLE customers--' }],
      ['sort on an encrypted field', { sort: 'fullName' }],
      ['sort with SQL', { sort: "createdAt' OR '1'='1" }],
      ['email filter injection', { email: "' OR 1=1--" }],
      ['limit 0', { limit: '0' }],
      ['limit 101', { limit: '101' }],
      ['limit not a number', { limit: '10; DROP TABLE customers' }],
      ['an unknown filter', { ownerId: randomUUID() }],
      ['a forged cursor', { cursor: 'eyJzIjoiLWNyZWF0ZWRBdCJ9' }],
    ])('should answer 400 to %s', async (_name, query) => {
      const res = await request(t.url)
        .get('/v1/customers')
        .query(query)
        .set(...bearer(alice.accessToken));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('should answer 400 to a repeated limit', async () => {
      const res = await request(t.url)
        .get('/v1/customers?limit=5&limit=10')
        .set(...bearer(alice.accessToken));
      expect(res.status).toBe(400);
    });

    it('should answer 400 to a malformed UUID on every id route', async () => {
      for (const [method, path] of [
        ['get', '/v1/customers/not-a-uuid'],
        ['patch', "/v1/customers/1' OR '1'='1"],
        ['delete', '/v1/customers/123'],
        ['get', '/v1/customers/xyz/export'],
      ] as const) {
        const agent = request(t.url);
        const res = await agent[method](path)
          .set(...bearer(alice.accessToken))
          .send({});
        expect(res.status).toBe(400);
      }
    });

    it.each(['id', 'ownerId', 'createdAt', 'updatedAt'])(
      'should answer 400 to a body carrying the server-owned %s',
      async (field) => {
        const res = await request(t.url)
          .post('/v1/customers')
          .set(...bearer(alice.accessToken))
          .send({ ...canaryCustomer(), [field]: field === 'ownerId' ? bob.userId : randomUUID() });
        expect(res.status).toBe(400);
        expect(res.body.errors).toContainEqual({ field, message: 'is not allowed' });
      },
    );

    it.each([
      ['a phone that is not E.164', { phone: '555-1234' }],
      ['a date of birth in the future', { dateOfBirth: '2999-01-01' }],
      [
        'an unknown country',
        { address: { line1: 'x', city: 'y', postalCode: '1', country: 'ZZ' } },
      ],
      ['an over-long name', { fullName: 'x'.repeat(201) }],
    ])('should answer 400 to %s', async (_name, change) => {
      const res = await request(t.url)
        .post('/v1/customers')
        .set(...bearer(alice.accessToken))
        .send({ ...canaryCustomer(), ...change });
      expect(res.status).toBe(400);
    });
  });

  describe('pagination', () => {
    it('should page through every customer once with an opaque cursor, in both orders', async () => {
      const dave = await loginAs(t, 'user');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create(t, dave.accessToken)).id);
      for (const [sort, expected] of [
        ['createdAt', ids],
        ['-createdAt', [...ids].reverse()],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: Record<string, string> = { limit: '2', sort };
          if (cursor) query.cursor = cursor;
          const res = await request(t.url)
            .get('/v1/customers')
            .query(query)
            .set(...bearer(dave.accessToken));
          expect(res.status).toBe(200);
          seen.push(...res.body.data.map((c: { id: string }) => c.id));
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(expected);
      }
    });

    it('should default to 20 per page', async () => {
      const erin = await loginAs(t, 'user');
      for (let i = 0; i < 21; i++) await create(t, erin.accessToken);
      const res = await request(t.url)
        .get('/v1/customers')
        .set(...bearer(erin.accessToken));
      expect(res.body.data).toHaveLength(20);
      expect(typeof res.body.nextCursor).toBe('string');
    });
  });

  describe('changes, erasure and export', () => {
    it('should patch fields, clear optional ones and re-index a changed email', async () => {
      const { id } = await create(t, alice.accessToken);
      const res = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken))
        .send({ fullName: 'New Name', email: 'New.Address@Example.test', phone: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        fullName: 'New Name',
        email: 'New.Address@Example.test',
        phone: null,
      });
      const found = await request(t.url)
        .get('/v1/customers')
        .query({ email: 'new.address@example.test' })
        .set(...bearer(alice.accessToken));
      expect(found.body.data.map((c: { id: string }) => c.id)).toEqual([id]);
      const [row] = await t.sql<{ phone: string | null }>(
        'SELECT phone FROM customers WHERE id = $1',
        [id],
      );
      expect(row.phone).toBeNull();
    });

    it('should refuse id or ownerId in a patch', async () => {
      const { id } = await create(t, alice.accessToken);
      const res = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken))
        .send({ ownerId: bob.userId });
      expect(res.status).toBe(400);
    });

    it('should erase the row for good on delete', async () => {
      const { id } = await create(t, alice.accessToken);
      const res = await request(t.url)
        .delete(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken));
      expect(res.status).toBe(204);
      expect(await t.sql('SELECT 1 FROM customers WHERE id = $1', [id])).toHaveLength(0);
      const again = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(alice.accessToken));
      expect(again.status).toBe(404);
    });

    it('should leave a restored copy of an erased customer unreadable (crypto-shredding)', async () => {
      const owner = await loginAs(t, 'user');
      const { id, body } = await create(t, owner.accessToken);
      const [key] = await t.sql<{ wrapped_key: string }>(
        'SELECT wrapped_key FROM customer_data_keys WHERE customer_id = $1',
        [id],
      );
      expect(key.wrapped_key).toMatch(new RegExp(`^v1:${t.config.crypto.activeEncryptionKeyId}:`));
      // A "backup" of the data taken before the erasure.
      await t.sql(
        `CREATE TABLE shred_backup_${id.slice(0, 8)} AS SELECT * FROM customers WHERE id = $1`,
        [id],
      );
      const del = await request(t.url)
        .delete(`/v1/customers/${id}`)
        .set(...bearer(owner.accessToken));
      expect(del.status).toBe(204);
      expect(
        await t.sql('SELECT 1 FROM customer_data_keys WHERE customer_id = $1', [id]),
      ).toHaveLength(0);

      // The data backup restored, with the live key table: the ring still opens the outer layer,
      // but what is inside is sealed under a data key that no longer exists.
      await t.sql(`INSERT INTO customers SELECT * FROM shred_backup_${id.slice(0, 8)}`);
      const [restored] = await t.sql<{ national_id: string }>(
        'SELECT national_id FROM customers WHERE id = $1',
        [id],
      );
      const inner = t.app
        .get(FieldCipher)
        .decrypt(restored.national_id, { table: 'customers', column: 'national_id' });
      expect(inner).toMatch(/^v1:dk:/);
      expect(inner).not.toContain(body.nationalId);
      const res = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set(...bearer(owner.accessToken));
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain(body.nationalId);
      await t.sql('DELETE FROM customers WHERE id = $1', [id]);
    });

    it("should not decrypt a value copied from another customer's row (row-bound data key)", async () => {
      const owner = await loginAs(t, 'user');
      const a = await create(t, owner.accessToken);
      const b = await create(t, owner.accessToken);
      await t.sql(
        'UPDATE customers SET national_id = (SELECT national_id FROM customers WHERE id = $1) WHERE id = $2',
        [a.id, b.id],
      );
      const res = await request(t.url)
        .get(`/v1/customers/${b.id}`)
        .set(...bearer(owner.accessToken));
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain(a.body.nationalId);
    });

    it('should export everything held about the customer as JSON', async () => {
      const { id, body } = await create(t, alice.accessToken);
      const res = await request(t.url)
        .get(`/v1/customers/${id}/export`)
        .set(...bearer(alice.accessToken));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.customer).toEqual({
        ...body,
        id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(typeof res.body.exportedAt).toBe('string');
      expect(typeof res.body.related).toBe('object');
    });
  });
});
