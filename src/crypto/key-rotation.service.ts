import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DecryptionError } from './decryption.error';
import { encryptedColumns } from './encrypted-column.decorator';
import { ENVELOPE_VERSION, FieldCipher } from './field-cipher';

export interface ColumnRotation {
  table: string;
  column: string;
  /** Non-null values before the run, and how many were already under the active key. */
  total: number;
  alreadyCurrent: number;
  rotated: number;
  /** Values that did not decrypt (tampered, or under a key missing from the ring): left as is. */
  failed: number;
  /** Values changed by the application during the run (so already re-encrypted by it). */
  changedConcurrently: number;
  /** Values still not under the active key after the run; 0 means the old keys can go. */
  remaining: number;
}

export interface RotationReport {
  activeKeyId: string;
  columns: ColumnRotation[];
}

export interface RotationOptions {
  batchSize?: number;
  /** Called after each committed batch (the CLI prints progress). */
  onBatch?: (table: string, rowsInBatch: number) => void;
}

interface RotationTable {
  name: string;
  primaryKey: string;
  primaryKeyType: string;
  columns: string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const quote = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`Unexpected identifier ${name}`);
  return `"${name}"`;
};

/**
 * Re-encrypts every `@EncryptedColumn` value that is not under the active key
 * (`npm run cli -- keys:rotate`; runbook in docs/encryption.md).
 *
 * - Without downtime: the application keeps running; old keys stay in the ring and decrypt
 *   until this is done. Each row is updated with a compare-and-set (`WHERE col = <old value>`),
 *   so a value the application changed meanwhile is never overwritten with stale data.
 * - In batches: keyset pagination on the primary key, one transaction per batch, one UPDATE
 *   per column and batch (`unnest` of the batch's ids, old and new envelopes).
 * - Resumable: it selects only values not yet under the active key, so a second run after an
 *   interruption continues where the first stopped, and a run with nothing to do changes nothing.
 * - It goes through the same FieldCipher as the column transformers (one code path).
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);

  constructor(
    private readonly cipher: FieldCipher,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async rotate(options: RotationOptions = {}): Promise<RotationReport> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be >= 1');
    const prefix = `${ENVELOPE_VERSION}:${this.cipher.activeKeyId}:`;
    const report: RotationReport = { activeKeyId: this.cipher.activeKeyId, columns: [] };

    for (const table of await this.tables()) {
      const stats = await this.countColumns(table.name, table.columns, prefix);
      const byColumn = new Map(stats.map((s) => [s.column, s]));
      const pk = quote(table.primaryKey);
      const cols = table.columns.map(quote);
      // A value is stale when it is not NULL and does not start with the active key's prefix.
      // left() instead of LIKE: key ids may contain "_", a LIKE wildcard.
      const stale = (c: string): string => `(${c} IS NOT NULL AND left(${c}, $1) <> $2)`;
      let after: string | null = null;
      for (;;) {
        const rows: Array<Record<string, string | null>> = await this.dataSource.query(
          `SELECT ${pk}::text AS pk, ${cols.join(', ')} FROM ${quote(table.name)}
           WHERE (${cols.map(stale).join(' OR ')}) ${after === null ? '' : `AND ${pk} > $4`}
           ORDER BY ${pk} LIMIT $3`,
          after === null
            ? [prefix.length, prefix, batchSize]
            : [prefix.length, prefix, batchSize, after],
        );
        if (rows.length === 0) break;
        await this.dataSource.transaction(async (manager) => {
          for (const column of table.columns) {
            const s = byColumn.get(column)!;
            const binding = { table: table.name, column };
            const ids: string[] = [];
            const olds: string[] = [];
            const freshes: string[] = [];
            for (const row of rows) {
              const old = row[column];
              if (old === null || old.startsWith(prefix)) continue;
              try {
                freshes.push(this.cipher.encrypt(this.cipher.decrypt(old, binding), binding));
              } catch (error) {
                if (!(error instanceof DecryptionError)) throw error;
                s.failed++;
                continue;
              }
              ids.push(row.pk!);
              olds.push(old);
            }
            if (ids.length === 0) continue;
            // One statement per column and batch; `t.col = v.old` is the compare-and-set.
            const result: [unknown[], number] = await manager.query(
              `UPDATE ${quote(table.name)} AS t SET ${quote(column)} = v.fresh
               FROM unnest($1::text[], $2::text[], $3::text[]) AS v(pk, old, fresh)
               WHERE t.${pk} = v.pk::${table.primaryKeyType} AND t.${quote(column)} = v.old`,
              [ids, olds, freshes],
            );
            s.rotated += result[1];
            s.changedConcurrently += ids.length - result[1];
          }
        });
        after = rows[rows.length - 1].pk;
        options.onBatch?.(table.name, rows.length);
      }
      for (const s of await this.countColumns(table.name, table.columns, prefix)) {
        byColumn.get(s.column)!.remaining = s.total - s.alreadyCurrent;
      }
      report.columns.push(...byColumn.values());
    }
    const failed = report.columns.reduce((n, c) => n + c.failed, 0);
    if (failed > 0) this.logger.error({ failed }, 'Key rotation left values that do not decrypt');
    return report;
  }

  /** Encrypted columns grouped by table, for the entities this application has loaded. */
  private async tables(): Promise<RotationTable[]> {
    const tables = new Map<string, RotationTable>();
    for (const info of encryptedColumns()) {
      if (!this.dataSource.hasMetadata(info.target)) continue;
      const metadata = this.dataSource.getMetadata(info.target);
      if (metadata.primaryColumns.length !== 1)
        throw new Error(`${info.table}: key rotation needs a single-column primary key`);
      let entry = tables.get(info.table);
      if (!entry) {
        const primaryKey = metadata.primaryColumns[0].databaseName;
        entry = {
          name: info.table,
          primaryKey,
          primaryKeyType: await this.columnType(info.table, primaryKey),
          columns: [],
        };
        tables.set(info.table, entry);
      }
      if (!entry.columns.includes(info.column)) entry.columns.push(info.column);
    }
    return [...tables.values()];
  }

  /** The SQL type of a column, from the catalogue (to cast the batch's keys for the index). */
  private async columnType(table: string, column: string): Promise<string> {
    const [row]: Array<{ type: string }> = await this.dataSource.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped`,
      [quote(table), column],
    );
    if (!row || !/^[a-z][a-z0-9 (),_]*$/.test(row.type))
      throw new Error(`${table}.${column}: unexpected primary key type`);
    return row.type;
  }

  private async countColumns(
    table: string,
    columns: string[],
    prefix: string,
  ): Promise<ColumnRotation[]> {
    const selects = columns.flatMap((c) => [
      `count(${quote(c)})::int AS "${c}_total"`,
      `(count(*) FILTER (WHERE left(${quote(c)}, $1) = $2))::int AS "${c}_current"`,
    ]);
    const [row]: Array<Record<string, number>> = await this.dataSource.query(
      `SELECT ${selects.join(', ')} FROM ${quote(table)}`,
      [prefix.length, prefix],
    );
    return columns.map((column) => ({
      table,
      column,
      total: row[`${column}_total`],
      alreadyCurrent: row[`${column}_current`],
      rotated: 0,
      failed: 0,
      changedConcurrently: 0,
      remaining: 0,
    }));
  }
}
