import { Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CustomersModule } from '../customers/customers.module';
import { CustomersService } from '../customers/customers.service';
import { Payment } from './entities/payment.entity';
import { Refund } from './entities/refund.entity';
import { IdempotencyService } from './idempotency/idempotency.service';
import { PaymentHasher } from './payment-hasher';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { PAYMENT_PROCESSOR } from './processor/payment-processor';
import { SimulatedProcessor } from './processor/simulated-processor';
import { VelocityLimiter } from './velocity/velocity-limiter';
import { ProcessorSignatureGuard } from './webhooks/processor-signature.guard';
import { ProcessorWebhookController } from './webhooks/processor-webhook.controller';
import { ProcessorWebhookService } from './webhooks/processor-webhook.service';

/** How often expired idempotency records are deleted (they are also overwritten on reuse). */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Payments: card charges through a processor adapter, refunds, idempotency keys, the velocity
 * limit and processor webhooks. Exports only its service (STYLE.md). To use a real payment
 * provider, bind its adapter to PAYMENT_PROCESSOR here (docs/payments.md).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Payment, Refund]), AuditModule, CustomersModule],
  controllers: [PaymentsController, ProcessorWebhookController],
  providers: [
    PaymentsService,
    ProcessorWebhookService,
    IdempotencyService,
    VelocityLimiter,
    ProcessorSignatureGuard,
    { provide: PAYMENT_PROCESSOR, useClass: SimulatedProcessor },
    {
      provide: PaymentHasher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new PaymentHasher(config.payments.cardFingerprintKey),
    },
  ],
  exports: [PaymentsService],
})
export class PaymentsModule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PaymentsModule.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly customers: CustomersService,
    private readonly payments: PaymentsService,
  ) {}

  onModuleInit(): void {
    // A customer's data export (GDPR art. 20) includes that customer's payments.
    this.customers.registerExportSection('payments', (principal, customerId) =>
      this.payments.listForCustomer(principal, customerId),
    );
    this.timer = setInterval(() => {
      this.idempotency.purgeExpired().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Purging expired idempotency keys failed');
      });
    }, PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
