import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AuthService } from '../../src/auth/auth.service';
import type { Role, Scope } from '../../src/auth/principal';
import type { TestApp } from './test-app';

/**
 * Auth helpers for every feature's e2e tests: real accounts through the real service, real
 * tokens through the real HTTP endpoints.
 */

/** A random password that passes the policy (20 characters of base64url). */
export function randomPassword(): string {
  return `pw-${randomBytes(15).toString('base64url')}`;
}

export function randomEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}@example.test`;
}

export interface TestUser {
  userId: string;
  email: string;
  password: string;
}

/** Creates an account with any role (support/auditor/admin too) through AuthService. */
export async function createUser(
  t: TestApp,
  options: { role?: Role; email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? randomEmail(options.role ?? 'user');
  const password = options.password ?? randomPassword();
  const userId = await t.app
    .get(AuthService)
    .createUser({ email, password, role: options.role ?? 'user' });
  return { userId, email: email.trim().toLowerCase(), password };
}

export interface LoggedInUser extends TestUser {
  accessToken: string;
  refreshToken: string;
}

/** Logs in over HTTP and returns the token pair. */
export async function login(
  t: TestApp,
  email: string,
  password: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await request(t.url).post('/v1/auth/login').send({ email, password });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.access_token, refreshToken: res.body.refresh_token };
}

/** A fresh account with this role, logged in. */
export async function loginAs(
  t: TestApp,
  role: Role = 'user',
  options: { email?: string; password?: string } = {},
): Promise<LoggedInUser> {
  const user = await createUser(t, { role, ...options });
  return { ...user, ...(await login(t, user.email, user.password)) };
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  accessToken: string;
}

/** Creates an OAuth client for the owner of `ownerAccessToken` and gets a client-credentials token. */
export async function createClientToken(
  t: TestApp,
  ownerAccessToken: string,
  scopes: Scope[],
): Promise<TestClient> {
  const created = await request(t.url)
    .post('/v1/oauth/clients')
    .set('Authorization', `Bearer ${ownerAccessToken}`)
    .send({ name: `client-${randomBytes(3).toString('hex')}`, scopes });
  if (created.status !== 201)
    throw new Error(`client create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const token = await request(t.url)
    .post('/v1/oauth/token')
    .auth(created.body.client_id, created.body.client_secret)
    .type('form')
    .send({ grant_type: 'client_credentials' });
  if (token.status !== 200)
    throw new Error(`client token failed: ${token.status} ${JSON.stringify(token.body)}`);
  return {
    clientId: created.body.client_id,
    clientSecret: created.body.client_secret,
    accessToken: token.body.access_token,
  };
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
