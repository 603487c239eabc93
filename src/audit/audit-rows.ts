import type { AuditRow } from './audit-entry';
import type { FinalStatement } from './commit-with-statements';

/** Columns written by the application; the chain columns are filled by `audit_seal()` only. */
const COLUMNS =
  'id, at, request_id, actor_type, actor_id, action, resource_type, resource_id, outcome, status, ip, user_agent, details';

export const INSERT_ONE_SQL = `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

/**
 * One statement for a whole batch (STACK-NOTES: a 100-row `unnest` INSERT wrote 41-52k rows/s
 * against 2-3k for single rows): each column travels as one array parameter.
 */
export const INSERT_BATCH_SQL = `INSERT INTO audit_log (${COLUMNS})
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[],
    $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[], $10::smallint[], $11::varchar[],
    $12::varchar[], $13::jsonb[])`;

export function rowParams(row: AuditRow): FinalStatement['values'] {
  return [
    row.id,
    row.at,
    row.requestId,
    row.actor.type,
    row.actor.id,
    row.action,
    row.resource.type,
    row.resource.id,
    row.outcome,
    row.status,
    row.ip,
    row.userAgent,
    JSON.stringify(row.details),
  ];
}

export function batchParams(rows: AuditRow[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  for (const row of rows) rowParams(row).forEach((value, i) => columns[i].push(value));
  return columns;
}
