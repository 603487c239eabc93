import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

interface TransactionState {
  manager: EntityManager;
  afterCommit: (() => void)[];
}

/**
 * Request-scoped database transactions without passing an EntityManager through every call.
 *
 * Why our own (about 40 lines) rather than nestjs-cls + @nestjs-cls/transactional: both work the
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
   * The transaction's own node-postgres connection inside `run` (undefined outside): for the
   * one hot statement that skips TypeORM's query wrapper (AuditService.record).
   */
  async connection(): Promise<PoolClient | undefined> {
    const runner = this.storage.getStore()?.manager.queryRunner;
    // QueryRunner.connect() returns the connection it already holds inside a transaction.
    return runner ? ((await runner.connect()) as PoolClient) : undefined;
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
    const afterCommit: (() => void)[] = [];
    const result = await this.dataSource.transaction((manager) =>
      this.storage.run({ manager, afterCommit }, () => work(manager)),
    );
    for (const fn of afterCommit) fn();
    return result;
  }
}
