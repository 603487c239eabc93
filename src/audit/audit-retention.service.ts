import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { GENESIS_HASH, VerifyResult } from './audit-query.service';

export interface ArchiveResult {
  removed: number;
  /** Chain position and hash of the last removed entry: the new anchor. */
  throughPos: string | null;
  lastHash: string | null;
  file: string | null;
}

const PAGE = 5000;

interface ArchivedLink {
  id: string;
  chain_pos: string;
  prev_hash: string;
  hash: string;
}

/**
 * Retention (docs/audit.md "Retention"): entries older than N days are written to a JSON Lines
 * archive and then removed, in ONE transaction as the owner role, through the trigger's
 * maintenance path (`SET LOCAL audit.mode = 'maintenance'`). Only a prefix of the chain is ever
 * removed, and the position and hash of its last entry are kept in `audit_anchor`, so the
 * remaining chain still verifies from there, and the archive verifies up to it.
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger(AuditRetentionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Verifies an archive written by `archive()` on its own: from the anchor on its first line,
   * each entry must sit at the next position, carry the previous hash and hash (with the same
   * database function as the live chain) to its stored hash. Also says whether an anchor of
   * this database records the file's SHA-256 (`anchored`), i.e. the file is the one removed.
   */
  async verifyArchive(file: string): Promise<VerifyResult & { anchored: boolean }> {
    const text = await readFile(file, 'utf8');
    const sha256 = createHash('sha256').update(text).digest('hex');
    const [header, ...lines] = text.trimEnd().split('\n');
    const anchor = (JSON.parse(header) as { anchor: { throughPos: string; lastHash: string } })
      .anchor;
    let expectedPos = BigInt(anchor.throughPos) + 1n;
    let expectedPrev = anchor.lastHash;
    let checked = 0;
    for (let i = 0; i < lines.length; i += 500) {
      const rows = lines
        .slice(i, i + 500)
        .map((line) => JSON.parse(line) as Record<string, unknown> & ArchivedLink);
      const recomputed = await this.dataSource.query<{ hash: string }[]>(
        `SELECT audit_entry_hash(p, pos, jsonb_populate_record(NULL::audit_log, r)) AS hash
           FROM unnest($1::text[], $2::bigint[], $3::jsonb[]) WITH ORDINALITY AS t(p, pos, r, i)
          ORDER BY i`,
        [
          rows.map((r) => r.prev_hash),
          rows.map((r) => r.chain_pos),
          rows.map((r) => JSON.stringify(r)),
        ],
      );
      for (const [j, row] of rows.entries()) {
        if (
          BigInt(row.chain_pos) !== expectedPos ||
          row.prev_hash !== expectedPrev ||
          recomputed[j].hash !== row.hash
        ) {
          return { valid: false, checked, firstInvalidId: row.id, anchored: false };
        }
        checked++;
        expectedPos++;
        expectedPrev = row.hash;
      }
    }
    const anchors = await this.dataSource.query<{ last_hash: string }[]>(
      'SELECT last_hash FROM audit_anchor WHERE archive_sha256 = $1',
      [sha256],
    );
    return {
      valid: true,
      checked,
      headHash: expectedPrev,
      anchored: anchors.length > 0 && anchors[0].last_hash === expectedPrev,
    };
  }

  async archive(options: {
    olderThanDays: number;
    dir?: string;
    now?: Date;
  }): Promise<ArchiveResult> {
    const ownerUrl = this.config.database.ownerUrl;
    if (!ownerUrl)
      throw new Error('DATABASE_OWNER_URL is required: retention runs as the owner role');
    const cutoff = new Date(
      (options.now ?? new Date()).getTime() - options.olderThanDays * 86_400_000,
    );
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      // Seal everything first. audit_seal() takes the chain's advisory lock, held until COMMIT:
      // no other sealer can extend the chain while its prefix is archived.
      for (;;) {
        const { rows } = await client.query<{ sealed: number }>(
          'SELECT audit_seal(10000) AS sealed',
        );
        if (rows[0].sealed < 10000) break;
      }
      const anchor = await client.query<{ through_pos: string; last_hash: string }>(
        'SELECT through_pos, last_hash FROM audit_anchor ORDER BY through_pos DESC LIMIT 1',
      );
      const fromPos = anchor.rows[0] ? BigInt(anchor.rows[0].through_pos) + 1n : 1n;
      // The longest prefix of the chain whose entries are all older than the cutoff.
      const bound = await client.query<{ through: string | null }>(
        `WITH young AS (
           SELECT min(c.chain_pos) AS pos FROM audit_chain c JOIN audit_log l ON l.seq = c.seq
            WHERE l.at >= $1)
         SELECT CASE WHEN (SELECT pos FROM young) IS NULL
                     THEN (SELECT max(chain_pos) FROM audit_chain)
                     ELSE (SELECT pos - 1 FROM young) END AS through`,
        [cutoff],
      );
      const through = bound.rows[0].through === null ? null : BigInt(bound.rows[0].through);
      if (through === null || through < fromPos) {
        await client.query('ROLLBACK');
        return { removed: 0, throughPos: null, lastHash: null, file: null };
      }

      const dir = options.dir ?? this.config.audit.archiveDir;
      await mkdir(dir, { recursive: true });
      const file = join(dir, `audit-${fromPos}-${through}-${Date.now()}.jsonl`);
      const handle = await open(file, 'wx', 0o600);
      const digest = createHash('sha256');
      const write = async (line: string): Promise<void> => {
        digest.update(`${line}\n`);
        await handle.write(`${line}\n`);
      };
      let lastHash = '';
      let removed = 0;
      try {
        await write(
          JSON.stringify({
            anchor: {
              throughPos: (fromPos - 1n).toString(),
              lastHash: anchor.rows[0]?.last_hash ?? GENESIS_HASH,
            },
            cutoff: cutoff.toISOString(),
          }),
        );
        for (let pos = fromPos; pos <= through; pos += BigInt(PAGE)) {
          const { rows } = await client.query<Record<string, unknown> & { hash: string }>(
            `SELECT l.seq, l.id,
                    to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
                    l.request_id, l.actor_type, l.actor_id, l.action, l.resource_type,
                    l.resource_id, l.outcome, l.status, l.ip, l.user_agent, l.details,
                    c.chain_pos, c.prev_hash, c.hash
               FROM audit_chain c JOIN audit_log l ON l.seq = c.seq
              WHERE c.chain_pos >= $1 AND c.chain_pos <= $2 ORDER BY c.chain_pos`,
            [
              pos.toString(),
              (pos + BigInt(PAGE) - 1n < through ? pos + BigInt(PAGE) - 1n : through).toString(),
            ],
          );
          for (const row of rows) {
            await write(JSON.stringify(row));
            lastHash = row.hash;
            removed++;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      // The archive is on disk (fsynced) before anything is removed.
      await client.query(
        `INSERT INTO audit_anchor (through_pos, last_hash, removed, cutoff, archive_sha256)
         VALUES ($1, $2, $3, $4, $5)`,
        [through.toString(), lastHash, removed, cutoff, digest.digest('hex')],
      );
      await client.query("SELECT set_config('audit.mode', 'maintenance', true)");
      // Links first (they reference the entries), then the entries they linked.
      const unlinked = await client.query<{ seq: string }>(
        'DELETE FROM audit_chain WHERE chain_pos <= $1 RETURNING seq',
        [through.toString()],
      );
      const deleted = await client.query('DELETE FROM audit_log WHERE seq = ANY ($1::bigint[])', [
        unlinked.rows.map((row) => row.seq),
      ]);
      if (deleted.rowCount !== removed)
        throw new Error('audit archive: row count changed during archiving');
      await client.query('COMMIT');
      this.logger.log({ removed, through: through.toString(), file }, 'Audit entries archived');
      return { removed, throughPos: through.toString(), lastHash, file };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await client.end();
    }
  }
}
