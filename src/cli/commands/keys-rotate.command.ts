import { CliCommand, CliUsageError } from '../cli-command';
import { KeyRotationService } from '../../crypto/key-rotation.service';

/**
 * `npm run cli -- keys:rotate [--batch-size N]`: re-encrypts every encrypted column under
 * FIELD_ENCRYPTION_ACTIVE_KEY_ID and prints counts per column. Safe to run while the API
 * serves traffic and to re-run after an interruption (docs/encryption.md, rotation runbook).
 * Exit code 1 when some value did not decrypt (it is left as it is, and logged).
 */
export const keysRotateCommand: CliCommand = {
  name: 'keys:rotate',
  usage: 'keys:rotate [--batch-size 500]',
  description: 'Re-encrypt every encrypted column under the active key (resumable, online)',
  async run(app, args, io) {
    const raw = args.options['batch-size'] ?? '500';
    if (typeof raw !== 'string' || !/^[1-9][0-9]{0,4}$/.test(raw))
      throw new CliUsageError('--batch-size must be an integer from 1 to 99999');
    const report = await app.get(KeyRotationService).rotate({
      batchSize: Number(raw),
      onBatch: (table, rows) => io.out(`  ${table}: batch of ${rows} rows done`),
    });
    io.out(`Active key: ${report.activeKeyId}`);
    io.out('table.column: total, already current, rotated, failed, changed meanwhile, remaining');
    for (const c of report.columns) {
      io.out(
        `${c.table}.${c.column}: ${c.total}, ${c.alreadyCurrent}, ${c.rotated}, ${c.failed}, ` +
          `${c.changedConcurrently}, ${c.remaining}`,
      );
    }
    const remaining = report.columns.reduce((n, c) => n + c.remaining, 0);
    const failed = report.columns.reduce((n, c) => n + c.failed, 0);
    io.out(
      remaining === 0
        ? 'Every value is under the active key: older keys may now be removed from the ring.'
        : `${remaining} values are not under the active key yet (${failed} did not decrypt).`,
    );
    return failed > 0 ? 1 : 0;
  },
};
