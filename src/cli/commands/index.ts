import { CliCommand } from '../cli-command';
import { auditArchiveCommand } from './audit-archive.command';
import { auditVerifyCommand } from './audit-verify.command';
import { clientCreateCommand } from './client-create.command';
import { customersReindexCommand } from './customers-reindex.command';
import { keysRotateCommand } from './keys-rotate.command';
import { processorEventCommand } from './processor-event.command';
import { userCreateCommand } from './user-create.command';
import { INCIDENT_COMMANDS } from './incident.commands';

/**
 * Every command of `npm run cli`. Each feature adds its commands here (one import, one entry).
 */
export const COMMANDS: CliCommand[] = [
  userCreateCommand,
  clientCreateCommand,
  keysRotateCommand,
  customersReindexCommand,
  auditVerifyCommand,
  auditArchiveCommand,
  processorEventCommand,
  ...INCIDENT_COMMANDS,
];
