import { CustomersService } from '../../customers/customers.service';
import { CliCommand, CliUsageError } from '../cli-command';

/**
 * `npm run cli -- customers:reindex [--batch-size N]`: recomputes the email blind indexes with
 * the current BLIND_INDEX_KEY, after that key was rotated (docs/encryption.md runbook).
 */
export const customersReindexCommand: CliCommand = {
  name: 'customers:reindex',
  usage: 'customers:reindex [--batch-size 500]',
  description: 'Recompute customer email blind indexes under the current BLIND_INDEX_KEY',
  async run(app, args, io) {
    const raw = args.options['batch-size'] ?? '500';
    if (typeof raw !== 'string' || !/^[1-9][0-9]{0,4}$/.test(raw))
      throw new CliUsageError('--batch-size must be an integer from 1 to 99999');
    const { scanned, updated } = await app.get(CustomersService).reindexEmails(Number(raw));
    io.out(`Customers scanned: ${scanned}; blind indexes rewritten: ${updated}`);
    return 0;
  },
};
