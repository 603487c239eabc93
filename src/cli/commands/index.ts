import { CliCommand } from '../cli-command';
import { auditArchiveCommand } from './audit-archive.command';
import { auditVerifyCommand } from './audit-verify.command';
import { customersReindexCommand } from './customers-reindex.command';
import { keysRotateCommand } from './keys-rotate.command';
import { INCIDENT_COMMANDS } from './incident.commands';

/**
 * Every command of `npm run cli`. Each feature adds its commands here (one import, one entry).
 */
export const COMMANDS: CliCommand[] = [
  keysRotateCommand,
  customersReindexCommand,
  auditVerifyCommand,
  auditArchiveCommand,
  ...INCIDENT_COMMANDS,
];
