import { AuditQueryService } from '../../audit/audit-query.service';
import { CliCommand } from '../cli-command';

/**
 * `npm run cli -- audit:verify`: recomputes the audit hash chain (docs/audit.md). Exit code 0
 * when it holds, 1 naming the first bad entry. Prints the head hash: keep a copy outside the
 * database (a ticket, another system) to detect a rewritten or truncated tail later.
 */
export const auditVerifyCommand: CliCommand = {
  name: 'audit:verify',
  usage: 'audit:verify',
  description: 'Recompute the audit hash chain; exit 1 naming the first bad entry',
  async run(app, _args, io) {
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
