/** One parameterized statement to run right before COMMIT (TransactionHost.withCommit). */
export interface FinalStatement {
  /** A name reserved for this path: the statement is prepared once per connection. */
  name: string;
  text: string;
  values: readonly (string | number | Date | null)[];
}

/** The part of node-postgres' Connection a Submittable writes to (as pg-cursor does). */
interface ProtocolConnection {
  stream: { cork?: () => void; uncork?: () => void };
  close(message: { type: 'S'; name: string }): void;
  parse(message: { name: string; text: string; types: number[] }): void;
  bind(message: { statement: string; values: (string | null)[] }): void;
  execute(message: Record<string, never>): void;
  sync(): void;
}

/**
 * Per connection (node-postgres client), the statement names prepared by this class: `true`
 * when known to exist, `false` after a failed batch (it may or may not exist: a prepared
 * statement outlives the transaction it was created in, so it is closed and prepared again).
 */
const prepared = new WeakMap<object, Map<string, boolean>>();

/**
 * Ends a transaction with `statements` and its COMMIT in ONE message to PostgreSQL, instead of a
 * round trip for each: Parse/Bind/Execute per statement, Parse/Bind/Execute for COMMIT, then a
 * single Sync (PostgreSQL's extended-query protocol, section 55.2.3). Every value travels as a
 * bind parameter, never as SQL text.
 *
 * Why it is safe: PostgreSQL runs the messages in order, and after an error it skips everything
 * up to the Sync. So if a statement fails, the COMMIT never runs; the transaction is left
 * aborted, and the caller rolls it back. `done` rejects with the error.
 *
 * It is a node-postgres "Submittable" (`client.query(submittable)`), the interface pg-cursor
 * and pg-query-stream are built on: the client hands it the connection to write to, then routes
 * the server's answers to the `handle*` methods until ReadyForQuery.
 */
export class CommitWithStatements {
  readonly done: Promise<void>;
  private settle!: (error?: Error) => void;

  constructor(
    private readonly connectionKey: object,
    private readonly statements: readonly FinalStatement[],
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }

  submit(connection: ProtocolConnection): null {
    const names = prepared.get(this.connectionKey) ?? new Map<string, boolean>();
    prepared.set(this.connectionKey, names);
    // One write for every message (node-postgres' own queries cork the same way).
    connection.stream.cork?.();
    try {
      for (const statement of this.statements) {
        const known = names.get(statement.name);
        if (known !== true) {
          // Closing a statement that does not exist is not an error in PostgreSQL.
          if (known === false) connection.close({ type: 'S', name: statement.name });
          connection.parse({ name: statement.name, text: statement.text, types: [] });
          names.set(statement.name, true);
        }
        connection.bind({ statement: statement.name, values: statement.values.map(toText) });
        connection.execute({});
      }
      connection.parse({ name: '', text: 'COMMIT', types: [] });
      connection.bind({ statement: '', values: [] });
      connection.execute({});
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleError(error: Error): void {
    const names = prepared.get(this.connectionKey);
    for (const statement of this.statements) names?.set(statement.name, false);
    // node-postgres ends a query at its first error (its ReadyForQuery then goes to no query),
    // so this is the end; a ROLLBACK queued now is sent after that ReadyForQuery.
    this.settle(error);
  }

  /** Reached only without an error: node-postgres ends a query at its first error. */
  handleReadyForQuery(): void {
    this.settle();
  }

  // Neither the statements (no RETURNING) nor COMMIT return rows.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/** Bind parameters in text format, as node-postgres sends them. */
function toText(value: string | number | Date | null): string | null {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
