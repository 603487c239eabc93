import type { DataSource, EntityManager } from 'typeorm';
import { TransactionHost } from './transaction-host';

/** A DataSource whose `transaction` records commits and rollbacks (unit test only). */
function fakeDataSource(): { dataSource: DataSource; log: string[]; plain: EntityManager } {
  const log: string[] = [];
  const plain = { name: 'plain' } as unknown as EntityManager;
  let n = 0;
  const dataSource = {
    manager: plain,
    transaction: async <T>(work: (m: EntityManager) => Promise<T>): Promise<T> => {
      const manager = { name: `tx-${++n}` } as unknown as EntityManager;
      log.push('begin');
      try {
        const result = await work(manager);
        log.push('commit');
        return result;
      } catch (error) {
        log.push('rollback');
        throw error;
      }
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

  it('should use the plain manager outside a transaction', () => {
    const { dataSource, plain } = fakeDataSource();
    expect(new TransactionHost(dataSource).manager).toBe(plain);
  });
});
