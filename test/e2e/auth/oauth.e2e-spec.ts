import request from 'supertest';
import { createClientToken, loginAs } from '../../helpers/auth';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { AuthProbeModule } from './probe.module';

describe('OAuth 2.0 clients, client credentials and revocation (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [AuthProbeModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  const tokenRequest = () => request(t.url).post('/v1/oauth/token').type('form');

  async function newClient(scopes = ['customers:read', 'payments:read']) {
    const owner = await loginAs(t, 'user');
    const res = await request(t.url)
      .post('/v1/oauth/clients')
      .set('Authorization', `Bearer ${owner.accessToken}`)
      .send({ name: 'sync', scopes })
      .expect(201);
    return {
      owner,
      id: res.body.client_id as string,
      secret: res.body.client_secret as string,
      body: res.body,
    };
  }

  it('should create a client, show the secret once, list it without the secret, and store only an HMAC', async () => {
    const { owner, id, secret, body } = await newClient();
    expect(body).toEqual({
      client_id: id,
      client_secret: expect.any(String),
      name: 'sync',
      scopes: ['customers:read', 'payments:read'],
      created_at: expect.any(String),
    });
    const list = await request(t.url)
      .get('/v1/oauth/clients')
      .set('Authorization', `Bearer ${owner.accessToken}`)
      .expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.data[0].client_secret).toBeUndefined();
    const dump = JSON.stringify(
      await t.sql(`SELECT encode(secret_hash, 'hex') AS h FROM oauth_clients`),
    );
    expect(dump).not.toContain(secret);
  });

  it('should not list or delete the clients of another user', async () => {
    const { id } = await newClient();
    const other = await loginAs(t, 'user');
    const list = await request(t.url)
      .get('/v1/oauth/clients')
      .set('Authorization', `Bearer ${other.accessToken}`)
      .expect(200);
    expect(list.body.data).toEqual([]);
    await request(t.url)
      .delete(`/v1/oauth/clients/${id}`)
      .set('Authorization', `Bearer ${other.accessToken}`)
      .expect(404);
    await request(t.url)
      .delete('/v1/oauth/clients/not-a-uuid')
      .set('Authorization', `Bearer ${other.accessToken}`)
      .expect(400);
  });

  it('should issue a token with HTTP Basic and with client_secret_post, no refresh token, no-store', async () => {
    const { id, secret } = await newClient();
    const basic = await tokenRequest()
      .auth(id, secret)
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    expect(basic.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'customers:read payments:read',
    });
    expect(basic.body.refresh_token).toBeUndefined();
    expect(basic.headers['cache-control']).toBe('no-store');
    const post = await tokenRequest()
      .send({
        grant_type: 'client_credentials',
        client_id: id,
        client_secret: secret,
        scope: 'customers:read',
      })
      .expect(200);
    expect(post.body.scope).toBe('customers:read');
  });

  it('should answer invalid_client 401 with WWW-Authenticate for a wrong secret or unknown client', async () => {
    const { id } = await newClient();
    for (const [user, pass] of [
      [id, 'wrong-secret'],
      ['00000000-0000-4000-8000-000000000000', 'x'],
      ['not-a-uuid', 'x'],
    ]) {
      const res = await tokenRequest()
        .auth(user, pass)
        .send({ grant_type: 'client_credentials' })
        .expect(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    }
    const none = await tokenRequest().send({ grant_type: 'client_credentials' }).expect(401);
    expect(none.body.error).toBe('invalid_client');
  });

  it('should answer unsupported_grant_type for password and authorization_code grants', async () => {
    const { id, secret } = await newClient();
    for (const grant of ['password', 'authorization_code', 'refresh_token']) {
      const res = await tokenRequest()
        .auth(id, secret)
        .send({ grant_type: grant, username: 'a', password: 'b' })
        .expect(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    }
  });

  it('should answer invalid_scope for a scope the client does not hold or does not exist', async () => {
    const { id, secret } = await newClient(['customers:read']);
    for (const scope of ['payments:write', 'admin', 'customers:read payments:read']) {
      const res = await tokenRequest()
        .auth(id, secret)
        .send({ grant_type: 'client_credentials', scope })
        .expect(400);
      expect(res.body.error).toBe('invalid_scope');
    }
  });

  it('should refuse GET and JSON bodies at the token endpoint', async () => {
    const { id, secret } = await newClient();
    await request(t.url).get('/v1/oauth/token').expect(405);
    const json = await request(t.url)
      .post('/v1/oauth/token')
      .auth(id, secret)
      .send({ grant_type: 'client_credentials' })
      .expect(400);
    expect(json.body.error).toBe('invalid_request');
  });

  it('should let a client token act within its scopes and answer insufficient_scope outside them', async () => {
    const owner = await loginAs(t, 'user');
    const client = await createClientToken(t, owner.accessToken, ['customers:read']);
    const me = await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(200);
    expect(me.body).toMatchObject({
      type: 'client',
      id: client.clientId,
      ownerId: owner.userId,
      roles: ['user'],
      scopes: ['customers:read'],
    });
    await request(t.url)
      .get('/v1/auth-probe/customers-read')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(200);
    const res = await request(t.url)
      .get('/v1/auth-probe/payments-write')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="payments:write"',
    );
    expect(res.body.type).toMatch(/insufficient-scope$/);
    // User-only routes refuse client tokens.
    await request(t.url)
      .get('/v1/auth/me')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(403);
  });

  it('should refuse a client token once the client is deleted', async () => {
    const owner = await loginAs(t, 'user');
    const client = await createClientToken(t, owner.accessToken, ['customers:read']);
    await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(200);
    await request(t.url)
      .delete(`/v1/oauth/clients/${client.clientId}`)
      .set('Authorization', `Bearer ${owner.accessToken}`)
      .expect(204);
    const res = await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('should refuse a client token once revoked (RFC 7009), and answer 200 for unknown tokens', async () => {
    const owner = await loginAs(t, 'user');
    const client = await createClientToken(t, owner.accessToken, ['customers:read']);
    const revoke = () =>
      request(t.url)
        .post('/v1/oauth/revoke')
        .type('form')
        .auth(client.clientId, client.clientSecret);
    await revoke().send({ token: client.accessToken }).expect(200);
    await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${client.accessToken}`)
      .expect(401);
    await revoke().send({ token: client.accessToken }).expect(200);
    await revoke().send({ token: 'garbage' }).expect(200);
    const noAuth = await request(t.url)
      .post('/v1/oauth/revoke')
      .type('form')
      .send({ token: client.accessToken })
      .expect(401);
    expect(noAuth.body.error).toBe('invalid_client');
  });

  it('should not let a client revoke a token of another client', async () => {
    const owner = await loginAs(t, 'user');
    const a = await createClientToken(t, owner.accessToken, ['customers:read']);
    const b = await createClientToken(t, owner.accessToken, ['customers:read']);
    await request(t.url)
      .post('/v1/oauth/revoke')
      .type('form')
      .auth(b.clientId, b.clientSecret)
      .send({ token: a.accessToken })
      .expect(200);
    await request(t.url)
      .get('/v1/auth-probe/any')
      .set('Authorization', `Bearer ${a.accessToken}`)
      .expect(200);
  });

  it('should refuse client creation with scopes that do not exist or properties not allowed', async () => {
    const owner = await loginAs(t, 'user');
    await request(t.url)
      .post('/v1/oauth/clients')
      .set('Authorization', `Bearer ${owner.accessToken}`)
      .send({ name: 'x', scopes: ['admin'] })
      .expect(400);
    await request(t.url)
      .post('/v1/oauth/clients')
      .set('Authorization', `Bearer ${owner.accessToken}`)
      .send({ name: 'x', scopes: ['customers:read'], owner_id: owner.userId })
      .expect(400);
  });

  it('should page the client list with limit and an opaque cursor, and refuse bad limits', async () => {
    const owner = await loginAs(t, 'user');
    const auth = ['Authorization', `Bearer ${owner.accessToken}`] as const;
    for (let i = 0; i < 5; i++)
      await request(t.url)
        .post('/v1/oauth/clients')
        .set(...auth)
        .send({ name: `c${i}`, scopes: ['customers:read'] })
        .expect(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(t.url)
        .get('/v1/oauth/clients')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(...auth)
        .expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((c: { name: string }) => c.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['c4', 'c3', 'c2', 'c1', 'c0']);
    for (const bad of ['0', '101', 'abc', '5.0'])
      await request(t.url)
        .get(`/v1/oauth/clients?limit=${bad}`)
        .set(...auth)
        .expect(400);
    await request(t.url)
      .get('/v1/oauth/clients?limit=1&limit=2')
      .set(...auth)
      .expect(400);
    await request(t.url)
      .get('/v1/oauth/clients?cursor=bm90LWEtY3Vyc29y')
      .set(...auth)
      .expect(400);
    await request(t.url)
      .get('/v1/oauth/clients?owner=x')
      .set(...auth)
      .expect(400);
  });
});
