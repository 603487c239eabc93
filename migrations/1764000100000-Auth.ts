import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity and access: users, sessions (rotating refresh tokens), OAuth clients and revoked
 * client tokens. Secrets are never stored: passwords as argon2id hashes, refresh tokens as
 * SHA-256 hashes, client secrets as HMAC-SHA256 (see docs/auth.md for why each).
 */
export class Auth1764000100000 implements MigrationInterface {
  name = 'Auth1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320) NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL DEFAULT '{user}',
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_roles_check CHECK (roles <@ ARRAY['user','support','auditor','admin']::text[] AND cardinality(roles) > 0),
        CONSTRAINT users_email_normalised CHECK (email = lower(email))
      )`);
    // Emails are stored normalised (trimmed, lower case): unique case-insensitively.
    await q.query('CREATE UNIQUE INDEX users_email_key ON users (email)');

    await q.query(`
      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        refresh_token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason varchar(32)
      )`);
    await q.query(
      'CREATE UNIQUE INDEX auth_sessions_refresh_token_hash_key ON auth_sessions (refresh_token_hash)',
    );
    await q.query('CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id)');

    // Refresh tokens already rotated away: presenting one again is reuse (RFC 9700 §4.14.2).
    await q.query(`
      CREATE TABLE auth_spent_refresh_tokens (
        token_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
        spent_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX auth_spent_refresh_tokens_session_idx ON auth_spent_refresh_tokens (session_id)',
    );

    await q.query(`
      CREATE TABLE oauth_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        secret_hash bytea NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oauth_clients_scopes_check CHECK (scopes <@ ARRAY['customers:read','customers:write','payments:read','payments:write']::text[])
      )`);
    await q.query('CREATE INDEX oauth_clients_owner_id_idx ON oauth_clients (owner_id)');

    // RFC 7009 revocation of client access tokens, by `jti`, kept until the token would expire.
    await q.query(`
      CREATE TABLE oauth_revoked_tokens (
        jti uuid PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS oauth_revoked_tokens');
    await q.query('DROP TABLE IF EXISTS oauth_clients');
    await q.query('DROP TABLE IF EXISTS auth_spent_refresh_tokens');
    await q.query('DROP TABLE IF EXISTS auth_sessions');
    await q.query('DROP TABLE IF EXISTS users');
  }
}
