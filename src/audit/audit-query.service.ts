import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../http/problem';
import { SecurityEvents } from '../monitoring/security-events.service';
import type { AuditEntryView } from './audit-entry';
import { AuditSealer } from './audit-sealer';
import { ListAuditLogsQueryDto } from './dto/list-audit-logs.query.dto';

/** The chain's starting point before the first entry (no anchor yet). */
export const GENESIS_HASH = '0'.repeat(64);
const VERIFY_PAGE = 5000;

export interface VerifyResult {
  valid: boolean;
  checked: number;
  firstInvalidId?: string;
  /** Hash of the last verified entry: record it elsewhere to detect truncation of the tail. */
  headHash?: string;
}

interface AuditDbRow {
  seq: string;
  id: string;
  at_text: string;
  request_id: string | null;
  actor_type: AuditEntryView['actor']['type'];
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: AuditEntryView['outcome'];
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  details: AuditEntryView['details'];
}

interface ChainRow {
  id: string;
  chain_pos: string;
  prev_hash: string;
  hash: string;
  recomputed: string;
}

const AT_TEXT = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The read side: listing (keyset pagination, newest first) and chain verification. */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sealer: AuditSealer,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  async list(
    query: ListAuditLogsQueryDto,
  ): Promise<{ data: AuditEntryView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.actorId !== undefined) add('actor_id = ?', query.actorId);
    if (query.action !== undefined) add('action = ?', query.action);
    if (query.resourceType !== undefined) add('resource_type = ?', query.resourceType);
    if (query.resourceId !== undefined) add('resource_id = ?', query.resourceId);
    if (query.outcome !== undefined) add('outcome = ?', query.outcome);
    if (query.from !== undefined) add('at >= ?::timestamptz', query.from);
    if (query.to !== undefined) add('at <= ?::timestamptz', query.to);
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.at, cursor.seq);
      where.push(`(at, seq) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<AuditDbRow[]>(
      `SELECT seq, id, ${AT_TEXT} AS at_text, request_id, actor_type, actor_id, action,
              resource_type, resource_id, outcome, status, ip, user_agent, details
         FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY at DESC, seq DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor(last.at_text, last.seq) : null,
    };
  }

  /**
   * Recomputes the chain from the anchor (or genesis): each entry must sit at the next
   * position, carry the previous entry's hash, and hash to its stored hash. Pending rows are
   * sealed first so that everything written so far is checked.
   */
  /**
   * Recomputes the chain and reports the result to monitoring (`audit_chain_valid`; a broken
   * chain is also an `audit.chain_broken` log line), whoever asked: the API, the CLI or the
   * periodic check (audit-monitor.ts).
   */
  async verify(): Promise<VerifyResult> {
    const result = await this.verifyChain();
    this.securityEvents?.auditChainVerified(result);
    return result;
  }

  private async verifyChain(): Promise<VerifyResult> {
    await this.sealer.sealNow();
    const anchors = await this.dataSource.query<{ through_pos: string; last_hash: string }[]>(
      'SELECT through_pos, last_hash FROM audit_anchor ORDER BY through_pos DESC LIMIT 1',
    );
    let expectedPos = anchors[0] ? BigInt(anchors[0].through_pos) + 1n : 1n;
    let expectedPrev = anchors[0]?.last_hash ?? GENESIS_HASH;
    const startPos = expectedPos;
    let checked = 0;
    let headHash: string | undefined;
    for (;;) {
      const rows = await this.dataSource.query<ChainRow[]>(
        `SELECT l.id, c.chain_pos, c.prev_hash, c.hash,
                audit_entry_hash(c.prev_hash, c.chain_pos, l) AS recomputed
           FROM audit_chain c JOIN audit_log l ON l.seq = c.seq
          WHERE c.chain_pos >= $1 ORDER BY c.chain_pos LIMIT ${VERIFY_PAGE}`,
        [expectedPos.toString()],
      );
      for (const row of rows) {
        if (
          BigInt(row.chain_pos) !== expectedPos ||
          row.prev_hash !== expectedPrev ||
          row.recomputed !== row.hash
        ) {
          return { valid: false, checked, firstInvalidId: row.id };
        }
        checked++;
        expectedPos++;
        expectedPrev = row.hash;
        headHash = row.hash;
      }
      if (rows.length < VERIFY_PAGE) break;
    }
    // A link cannot precede the anchor (retention removed everything up to it), and every
    // entry is either linked or waiting for the sealer (its transaction at or above the sealed
    // horizon, migration 1764000800000): one that is neither was inserted or unlinked behind
    // the sealer's back.
    const stray = await this.dataSource.query<{ id: string }[]>(
      `(SELECT l.id FROM audit_chain c JOIN audit_log l ON l.seq = c.seq
         WHERE c.chain_pos < $1 ORDER BY c.chain_pos LIMIT 1)
       UNION ALL
       (SELECT l.id FROM audit_log l
         WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = l.seq)
           AND l.txid < (SELECT since FROM audit_seal_state)
         ORDER BY l.seq LIMIT 1)
       LIMIT 1`,
      [startPos.toString()],
    );
    if (stray[0]) return { valid: false, checked, firstInvalidId: stray[0].id };
    return { valid: true, checked, ...(headHash ? { headHash } : {}) };
  }
}

function toView(row: AuditDbRow): AuditEntryView {
  return {
    id: row.id,
    at: row.at_text,
    requestId: row.request_id,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    outcome: row.outcome,
    status: row.status,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
  };
}

function encodeCursor(at: string, seq: string): string {
  return Buffer.from(JSON.stringify([at, seq])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; seq: string } {
  try {
    const [at, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof at === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at) &&
      typeof seq === 'string' &&
      /^\d{1,19}$/.test(seq)
    )
      return { at, seq };
  } catch {
    // fall through: malformed
  }
  throw new ProblemException(400, {
    detail: 'cursor is not valid',
    errors: [{ field: 'cursor', message: 'cursor is not valid' }],
  });
}
