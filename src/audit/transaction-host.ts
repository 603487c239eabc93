import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import {
  DataSource,
  EntityManager,
  EntityTarget,
  ObjectLiteral,
  QueryRunner,
  Repository,
} from 'typeorm';
import { CommitWithStatements, FinalStatement } from './commit-with-statements';

interface TransactionState {
  manager: EntityManager;
  afterCommit: (() => void)[];
  withCommit: { statement: FinalStatement; onError: (error: unknown) => Error }[];
}

/**
 * Request-scoped database transactions without passing an EntityManager through every call.
 *
 * Why our own (about 80 lines with the COMMIT batch) rather than nestjs-cls + @nestjs-cls/transactional: both work the
 * same way (an AsyncLocalStorage holding the transactional EntityManager), but this project runs
 * Nest 12 and TypeORM 1.x, whose peer ranges those packages did not declare when this was
 * written, and the audit guarantee depends on this code path: it is easier to review here, in
 * full, than behind a plugin and an adapter. See docs/audit.md "Transaction model".
 *
 *   await tx.run(async () => {
 *     const repo = tx.repository(Customer);     // joins the transaction
 *     await repo.save(customer);
 *     await audit.record({ action: 'customers.create', resource: { type: 'customers', id } });
 *   });                                          // one COMMIT for both, or one ROLLBACK
 *
 * The entry's INSERT is sent with the COMMIT, in one message (`withCommit`, below).
 *
 * `run` inside `run` joins the outer transaction (no savepoints): a service that calls another
 * service commits once, with every audit entry it recorded.
 */
@Injectable()
export class TransactionHost {
  private readonly storage = new AsyncLocalStorage<TransactionState>();

  constructor(private readonly dataSource: DataSource) {}

  /** True inside `run`. */
  get active(): boolean {
    return this.storage.getStore() !== undefined;
  }

  /** The transaction's EntityManager inside `run`, the plain one outside. */
  get manager(): EntityManager {
    return this.storage.getStore()?.manager ?? this.dataSource.manager;
  }

  /** A repository bound to the current transaction (or to no transaction outside `run`). */
  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  /**
   * Inside `run`: `statement` runs last in the transaction, sent in the same message as the
   * COMMIT (CommitWithStatements) instead of one round trip earlier: AuditService.record's
   * INSERT (docs/audit.md "Transaction model"). If it fails, nothing commits and `run` throws
   * `onError(error)`. Returns false outside a transaction: the caller runs the statement itself.
   */
  withCommit(statement: FinalStatement, onError: (error: unknown) => Error): boolean {
    const state = this.storage.getStore();
    if (!state) return false;
    state.withCommit.push({ statement, onError });
    return true;
  }

  /** Runs `fn` after the current transaction commits (immediately outside a transaction). */
  afterCommit(fn: () => void): void {
    const state = this.storage.getStore();
    if (state) state.afterCommit.push(fn);
    else fn();
  }

  /**
   * Runs `work` in one transaction (READ COMMITTED): committed if it resolves, rolled back if
   * it throws (the error is rethrown unchanged). Joins the current transaction if there is one.
   */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.storage.getStore();
    if (current) return work(current.manager);
    const runner = this.dataSource.createQueryRunner();
    const state: TransactionState = { manager: runner.manager, afterCommit: [], withCommit: [] };
    try {
      await runner.connect();
      await runner.startTransaction();
      const result = await this.storage.run(state, () => work(runner.manager));
      await commit(runner, state);
      for (const fn of state.afterCommit) fn();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}

/**
 * COMMIT, with the `withCommit` statements in the same message when there are any. TypeORM's
 * QueryRunner opened the transaction; when the COMMIT is sent here instead of through it, it is
 * told that the transaction ended (`isTransactionActive`, the flag its own commit clears). On a
 * failure that flag stays set, so `run` rolls back.
 */
async function commit(runner: QueryRunner, state: TransactionState): Promise<void> {
  if (state.withCommit.length === 0) return runner.commitTransaction();
  const client = (await runner.connect()) as PoolClient;
  const batch = new CommitWithStatements(
    client,
    state.withCommit.map((s) => s.statement),
  );
  client.query(batch as never);
  try {
    await batch.done;
  } catch (error) {
    throw state.withCommit[0].onError(error);
  }
  (runner as { isTransactionActive: boolean }).isTransactionActive = false;
}
