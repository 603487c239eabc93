import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { simulatedProcessorEvent } from '../../payments/processor/simulated-events';
import {
  PROCESSOR_EVENT_TYPES,
  ProcessorEventType,
} from '../../payments/webhooks/processor-event.dto';
import { CliCommand, CliUsageError, requireOption } from '../cli-command';

/**
 * `npm run cli -- processor:event --payment <id> --type payment.disputed [--amount N] [--id evt]`
 * prints an event signed as the simulated processor signs it (header line, then the body), to
 * try the webhook by hand (docs/payments.md). Refused in production: there, only the real
 * provider signs events.
 */
export const processorEventCommand: CliCommand = {
  name: 'processor:event',
  usage:
    'processor:event --payment <uuid> --type payment.refunded|payment.disputed [--amount N] [--id evt_x]',
  description: 'Print a webhook event signed like the simulated processor (not in production)',
  // async: every refusal becomes a rejected promise, as the CLI runner expects.
  async run(app, args, io) {
    const config = app.get<AppConfig>(APP_CONFIG);
    if (config.nodeEnv === 'production')
      throw new CliUsageError(
        'processor:event is for the simulated processor; refused in production',
      );
    const paymentId = requireOption(args, 'payment');
    if (!/^[0-9a-f-]{36}$/i.test(paymentId)) throw new CliUsageError('--payment must be a UUID');
    const type = requireOption(args, 'type');
    if (!(PROCESSOR_EVENT_TYPES as readonly string[]).includes(type))
      throw new CliUsageError(`--type must be one of ${PROCESSOR_EVENT_TYPES.join(', ')}`);
    const rawAmount = args.options.amount;
    if (
      rawAmount !== undefined &&
      (typeof rawAmount !== 'string' || !/^[1-9][0-9]{0,8}$/.test(rawAmount))
    )
      throw new CliUsageError('--amount must be a positive integer (minor units)');
    const id = args.options.id;
    if (id !== undefined && (typeof id !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(id)))
      throw new CliUsageError('--id must be 1 to 255 visible ASCII characters');
    const event = simulatedProcessorEvent(config.payments.webhookSecret, {
      type: type as ProcessorEventType,
      paymentId,
      amount: rawAmount === undefined ? undefined : Number(rawAmount),
      id,
    });
    io.out(`Processor-Signature: ${event.signature}`);
    io.out(event.body);
    return 0;
  },
};
