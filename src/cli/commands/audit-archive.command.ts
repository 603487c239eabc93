import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditRetentionService } from '../../audit/audit-retention.service';
import { CliCommand, CliUsageError } from '../cli-command';

/**
 * `npm run cli -- audit:archive [--days N] [--dir D]`: retention (docs/audit.md). Writes the
 * entries older than N days (default AUDIT_RETENTION_DAYS) to a JSON Lines archive, then removes
 * them through the trigger's maintenance path as the owner role, keeping an anchor hash so the
 * remaining chain still verifies. Needs DATABASE_OWNER_URL.
 */
export const auditArchiveCommand: CliCommand = {
  name: 'audit:archive',
  usage: 'audit:archive [--days N] [--dir PATH]',
  description: 'Archive and remove audit entries older than N days (keeps an anchor hash)',
  async run(app, args, io) {
    const config = app.get<AppConfig>(APP_CONFIG);
    const raw = args.options.days ?? String(config.audit.retentionDays);
    if (typeof raw !== 'string' || !/^[0-9]{1,5}$/.test(raw))
      throw new CliUsageError('--days must be a whole number of days');
    const dir = args.options.dir;
    if (dir !== undefined && typeof dir !== 'string') throw new CliUsageError('--dir needs a path');
    const result = await app
      .get(AuditRetentionService)
      .archive({ olderThanDays: Number(raw), dir: dir ?? config.audit.archiveDir });
    if (result.removed === 0) {
      io.out(`Nothing older than ${raw} days to archive.`);
      return 0;
    }
    io.out(`Archived and removed ${result.removed} entries into ${result.file}`);
    io.out(`New anchor: position ${result.throughPos}, hash ${result.lastHash}`);
    return 0;
  },
};
