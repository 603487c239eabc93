import { AuditQueryService } from '../../audit/audit-query.service';
import { AuditRetentionService } from '../../audit/audit-retention.service';
import { CliCommand, CliUsageError } from '../cli-command';

/**
 * `npm run cli -- audit:verify [--archive FILE]`: recomputes the audit hash chain, or that of an
 * archive written by audit:archive (docs/audit.md). Exit code 0 when it holds, 1 naming the
 * first bad entry. Prints the head hash: keep a copy outside the
 * database (a ticket, another system) to detect a rewritten or truncated tail later.
 */
export const auditVerifyCommand: CliCommand = {
  name: 'audit:verify',
  usage: 'audit:verify [--archive FILE]',
  description: 'Recompute the audit hash chain (or an archive); exit 1 naming the first bad entry',
  async run(app, args, io) {
    const archive = args.options.archive;
    if (archive !== undefined) {
      if (typeof archive !== 'string') throw new CliUsageError('--archive needs a file');
      const checked = await app.get(AuditRetentionService).verifyArchive(archive);
      if (!checked.valid) {
        io.err(`Archive BROKEN: first invalid entry ${checked.firstInvalidId}.`);
        return 1;
      }
      io.out(
        `Archive valid: ${checked.checked} entries, ending at hash ${checked.headHash}` +
          (checked.anchored
            ? ' (recorded by an anchor of this database).'
            : ' (no anchor of this database records this file).'),
      );
      return 0;
    }
    const result = await app.get(AuditQueryService).verify();
    if (!result.valid) {
      io.err(
        `Audit chain BROKEN: first invalid entry ${result.firstInvalidId} ` +
          `(${result.checked} entries verified before it).`,
      );
      return 1;
    }
    io.out(`Audit chain valid: ${result.checked} entries verified.`);
    if (result.headHash) io.out(`Head hash: ${result.headHash}`);
    return 0;
  },
};
