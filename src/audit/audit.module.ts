import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { AuditAuthEventsListener } from './audit-auth-events.listener';
import { AuditMonitor } from './audit-monitor';
import { AuditCaptureHook } from './audit-capture.hook';
import { AuditContextInterceptor } from './audit-context.interceptor';
import { AuditController } from './audit.controller';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSealer } from './audit-sealer';
import { AuditService } from './audit.service';
import { AuditWriter } from './audit-writer';
import { TransactionHost } from './transaction-host';

/**
 * The audit trail (issue 6, docs/audit.md). Import this module where you change data.
 *
 * ## Transactional changes (customers, payments)
 *
 *   constructor(private readonly audit: AuditService, private readonly tx: TransactionHost) {}
 *
 *   create(principal: Principal, dto: CreateCustomerDto): Promise<Customer> {
 *     return this.audit.transaction(async () => {
 *       const saved = await this.tx.repository(Customer).save(...);     // joins the transaction
 *       await this.audit.record({
 *         action: 'customers.create',                                    // <resource>.<verb>
 *         resource: { type: 'customers', id: saved.id },
 *         details: { fields: Object.keys(dto) },                         // names, never values
 *       });
 *       return saved;
 *     });                                   // one COMMIT for both; if the audit INSERT fails:
 *   }                                       // ROLLBACK and a 503 problem (audit-unavailable)
 *
 * - `tx.repository(Entity)` / `tx.manager` inside `audit.transaction(...)` use the transaction;
 *   an injected `@InjectRepository` repository does NOT (it would commit on its own).
 * - Nested `audit.transaction(...)` calls join the outer one (payments calling customers).
 * - The actor, request id, client address and user agent come from the current request; pass
 *   `actor` only outside a request. `details` keeps primitive values; keys that name secrets,
 *   cards or encrypted fields are stored as `[redacted]`, but do not rely on it: pass names.
 * - Exactly one entry per request: once a transactional entry commits, the response hook adds
 *   none. A change that fails (4xx/5xx) is recorded by the hook as outcome `error` (or `denied`).
 *
 * ## Denials and reads (written by the response hook, batched, after the response)
 * - 401, 403 and 429 are recorded automatically, whoever produced them (guards included).
 * - 404 for another owner's object: after the owner-scoped lookup missed, check existence by
 *   id alone and, if the row exists, call `audit.deniedNotOwner('customers.read', { type:
 *   'customers', id })` before throwing the usual 404. The client sees the same 404.
 * - Sensitive reads: put `@AuditedRead('customers.export')` on the handler.
 * - Anything else worth one entry for this request: `audit.annotate({ action, outcome, ... })`.
 */
@Module({
  imports: [AuthModule],
  controllers: [AuditController],
  providers: [
    TransactionHost,
    AuditSealer,
    AuditWriter,
    AuditService,
    AuditQueryService,
    AuditRetentionService,
    AuditCaptureHook,
    AuditAuthEventsListener,
    AuditMonitor,
    { provide: APP_INTERCEPTOR, useClass: AuditContextInterceptor },
  ],
  exports: [AuditService, TransactionHost, AuditQueryService, AuditRetentionService],
})
export class AuditModule {}
