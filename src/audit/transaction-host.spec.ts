import type { DataSource, EntityManager } from 'typeorm';
import { CommitWithStatements } from './commit-with-statements';
import { TransactionHost } from './transaction-host';

/** The messages a CommitWithStatements writes, as a fake node-postgres connection logs them. */
function fakeConnection(log: string[]) {
  return {
    stream: {},
    close: (m: { name: string }) => log.push(`close ${m.name}`),
    parse: (m: { text: string }) => log.push(`parse ${m.text}`),
    bind: () => undefined,
    execute: () => undefined,
    sync: () => log.push('sync'),
  };
}

/**
 * A DataSource whose query runners record transaction control (unit test only). `answer` is how
 * the database answers a batch sent with the COMMIT: ReadyForQuery, or an error.
 */
function fakeDataSource(answer: 'ok' | 'error' = 'ok'): {
  dataSource: DataSource;
  log: string[];
  plain: EntityManager;
} {
  const log: string[] = [];
  const plain = { name: 'plain' } as unknown as EntityManager;
  let n = 0;
  const dataSource = {
    manager: plain,
    createQueryRunner: () => {
      const client = {
        query: (batch: CommitWithStatements) => {
          batch.submit(fakeConnection(log));
          if (answer === 'ok') batch.handleReadyForQuery();
          else batch.handleError(new Error('refused'));
          return batch;
        },
      };
      const runner = {
        manager: { name: `tx-${++n}` } as unknown as EntityManager,
        isTransactionActive: false,
        connect: () => Promise.resolve(client),
        startTransaction: async () => {
          runner.isTransactionActive = true;
          log.push('begin');
        },
        commitTransaction: async () => {
          runner.isTransactionActive = false;
          log.push('commit');
        },
        rollbackTransaction: async () => {
          runner.isTransactionActive = false;
          log.push('rollback');
        },
        release: () => Promise.resolve(),
      };
      return runner;
    },
  } as unknown as DataSource;
  return { dataSource, log, plain };
}

describe(TransactionHost.name, () => {
  it('should hand the transaction manager to code deep in the call, across awaits', async () => {
    const { dataSource } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    const seen = await tx.run(async (manager) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return [manager, tx.manager, tx.active];
    });
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).toBe(true);
    expect(tx.active).toBe(false);
  });

  it('should join the outer transaction when run is nested (one commit)', async () => {
    const { dataSource, log } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    await tx.run(async (outer) => {
      await tx.run(async (inner) => expect(inner).toBe(outer));
    });
    expect(log).toEqual(['begin', 'commit']);
  });

  it('should run after-commit callbacks only once the transaction committed', async () => {
    const { dataSource, log } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    await tx.run(async () => {
      tx.afterCommit(() => log.push('after'));
      log.push('work');
    });
    expect(log).toEqual(['begin', 'work', 'commit', 'after']);
  });

  it('should roll back, skip after-commit callbacks and rethrow when the work throws', async () => {
    const { dataSource, log } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    await expect(
      tx.run(async () => {
        tx.afterCommit(() => log.push('after'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(log).toEqual(['begin', 'rollback']);
  });

  it('should send withCommit statements and the COMMIT in one message, then run after-commit callbacks', async () => {
    const { dataSource, log } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    const statement = (name: string) => ({ name, text: `INSERT ${name}`, values: [] });
    await tx.run(async () => {
      expect(tx.withCommit(statement('first'), (e) => e as Error)).toBe(true);
      expect(tx.withCommit(statement('second'), (e) => e as Error)).toBe(true);
      tx.afterCommit(() => log.push('after'));
      log.push('work');
    });
    // No separate COMMIT through TypeORM: it travels after the statements, before one Sync.
    expect(log).toEqual([
      'begin',
      'work',
      'parse INSERT first',
      'parse INSERT second',
      'parse COMMIT',
      'sync',
      'after',
    ]);
  });

  it('should roll back and throw the mapped error, without after-commit callbacks, when the batch fails', async () => {
    const { dataSource, log } = fakeDataSource('error');
    const tx = new TransactionHost(dataSource);
    const mapped = new Error('503: not recorded');
    await expect(
      tx.run(async () => {
        tx.withCommit({ name: 'first', text: 'INSERT first', values: [] }, () => mapped);
        tx.afterCommit(() => log.push('after'));
      }),
    ).rejects.toBe(mapped);
    expect(log).toContain('rollback');
    expect(log).not.toContain('after');
  });

  it('should refuse withCommit outside a transaction (the caller runs the statement itself)', () => {
    const { dataSource } = fakeDataSource();
    const tx = new TransactionHost(dataSource);
    expect(tx.withCommit({ name: 'x', text: 'INSERT x', values: [] }, (e) => e as Error)).toBe(
      false,
    );
  });

  it('should prepare a statement once per connection, and again (closing it first) after a failure', () => {
    const log: string[] = [];
    const client = {};
    const send = (fail: boolean) => {
      const batch = new CommitWithStatements(client, [{ name: 'ins', text: 'INSERT', values: [] }]);
      batch.submit(fakeConnection(log));
      if (fail) batch.handleError(new Error('refused'));
      else batch.handleReadyForQuery();
      return batch.done.catch(() => undefined);
    };
    void send(false);
    void send(false);
    void send(true);
    void send(false);
    expect(log).toEqual([
      ...['parse INSERT', 'parse COMMIT', 'sync'],
      ...['parse COMMIT', 'sync'],
      ...['parse COMMIT', 'sync'],
      ...['close ins', 'parse INSERT', 'parse COMMIT', 'sync'],
    ]);
  });

  it('should use the plain manager outside a transaction', () => {
    const { dataSource, plain } = fakeDataSource();
    expect(new TransactionHost(dataSource).manager).toBe(plain);
  });
});
