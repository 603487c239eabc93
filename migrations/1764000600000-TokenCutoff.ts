import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incident response (docs/monitoring.md): a per-client cut-off for access tokens. A client token
 * issued before `tokens_not_before` is refused on its next use, so `jwt:rotate --revoke-old`
 * (and `client:revoke`) stop every client token at once, without a list of issued `jti`s. User
 * tokens need no such column: revoking their sessions already stops them on the next request.
 */
export class TokenCutoff1764000600000 implements MigrationInterface {
  name = 'TokenCutoff1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients ADD COLUMN tokens_not_before timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients DROP COLUMN tokens_not_before');
  }
}
