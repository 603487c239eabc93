import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { TransactionHost } from '../audit/transaction-host';
import { Principal, seesAllOwners } from '../auth/principal';
import { CustomersService } from '../customers/customers.service';
import { ProblemException } from '../http/problem';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { CreateRefundDto } from './dto/create-refund.dto';
import { ListPaymentsQueryDto } from './dto/list-payments-query.dto';
import {
  PaymentListResponseDto,
  PaymentResponseDto,
  RefundResponseDto,
} from './dto/payment-response.dto';
import { Payment, PaymentStatus } from './entities/payment.entity';
import { Refund } from './entities/refund.entity';
import { IdempotencyService, IdempotentResponse } from './idempotency/idempotency.service';
import { PaymentHasher } from './payment-hasher';
import { PAYMENT_PROCESSOR, PaymentProcessor } from './processor/payment-processor';
import { VelocityLimiter } from './velocity/velocity-limiter';

const notFound = (): ProblemException =>
  new ProblemException(404, { detail: 'No payment with this id.' });

/**
 * Payments and refunds. Every write runs in one transaction with its audit entry and the
 * completion of its idempotency record: the three commit together or not at all.
 * Ownership goes into every query (`owner_id = $caller`), except for the roles that see every
 * owner (support, masked; admin) (OWASP API1, broken object-level authorization).
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly customers: CustomersService,
    private readonly idempotency: IdempotencyService,
    private readonly velocity: VelocityLimiter,
    private readonly hasher: PaymentHasher,
    @Inject(PAYMENT_PROCESSOR) private readonly processor: PaymentProcessor,
  ) {}

  /**
   * Creates (charges) a payment. A decline is a result, not an error: the payment is stored with
   * `status: "declined"` and answered 201, audited with outcome success and result declined.
   */
  async create(
    principal: Principal,
    dto: CreatePaymentDto,
    idempotencyKey: string,
  ): Promise<IdempotentResponse<PaymentResponseDto>> {
    const operation = 'payments.create';
    // The hash covers the whole request, card included, under a key: equal requests are
    // recognised without the card data ever being stored (PaymentHasher).
    const requestHash = this.hasher.requestHash(operation, dto);
    return this.idempotency.execute(
      { ownerId: principal.ownerId, operation, key: idempotencyKey },
      requestHash,
      (claim) =>
        this.tx.run(async (manager) => {
          // Ownership in the query: another owner's customer is 404, and nothing is written.
          // Checked before the processor is called, so nobody is charged for a refused request.
          // Strictly the caller's own customers, admin included: a payment belongs to the
          // owner of its customer, and an admin charging someone else's customer would create a
          // payment owned by the wrong user.
          await this.customers.assertOwned(ownOnly(principal), dto.customerId);
          await this.velocity.check(manager, principal.ownerId, dto.amount, dto.currency);

          const charge = await this.callProcessor('charge', () =>
            this.processor.charge({
              idempotencyKey: `${principal.ownerId}:${idempotencyKey}`,
              amount: dto.amount,
              currency: dto.currency,
              card: dto.card,
              description: dto.description,
            }),
          );
          const payment = await manager.getRepository(Payment).save(
            manager.getRepository(Payment).create({
              ownerId: principal.ownerId,
              customerId: dto.customerId,
              customerRef: this.hasher.customerPseudonym(dto.customerId),
              amount: dto.amount,
              currency: dto.currency,
              refundedAmount: 0,
              status: charge.status,
              description: dto.description ?? null,
              cardBrand: charge.card.brand,
              cardLast4: charge.card.last4,
              cardExpMonth: charge.card.expMonth,
              cardExpYear: charge.card.expYear,
              cardFingerprint: this.hasher.cardFingerprint(dto.card.number),
              processorReference: charge.processorReference,
              declineCode: charge.declineCode ?? null,
            }),
          );
          const saved = await this.reload(manager, payment.id);
          await this.audit.record({
            action: 'payments.create',
            resource: { type: 'payments', id: saved.id },
            outcome: 'success',
            status: 201,
            // Metadata only: never the card number, CVC, or anything that could rebuild them.
            details: {
              result: charge.status,
              amount: saved.amount,
              currency: saved.currency,
              customerRef: saved.customerRef,
              ...(charge.declineCode ? { declineCode: charge.declineCode } : {}),
            },
          });
          const body = PaymentResponseDto.from(saved);
          await claim.complete(manager, 201, body);
          return { status: 201, body };
        }),
    );
  }

  async findOne(principal: Principal, id: string): Promise<PaymentResponseDto> {
    const payment = await this.tx
      .repository(Payment)
      .findOneBy(seesAllOwners(principal) ? { id } : { id, ownerId: principal.ownerId });
    if (!payment) throw await this.notFoundFor(principal, 'payments.read', id);
    return PaymentResponseDto.from(payment, isMasked(principal));
  }

  /** Newest first by default; keyset pagination on (created_at, id), so pages never shift. */
  async list(principal: Principal, query: ListPaymentsQueryDto): Promise<PaymentListResponseDto> {
    const limit = query.limit ? Number(query.limit) : 20;
    const ascending = query.sort === 'createdAt';
    const qb = this.tx.repository(Payment).createQueryBuilder('p');
    if (!seesAllOwners(principal))
      qb.andWhere('p.owner_id = :ownerId', { ownerId: principal.ownerId });
    if (query.customerId)
      qb.andWhere('p.customer_id = :customerId', { customerId: query.customerId });
    if (query.status) qb.andWhere('p.status = :status', { status: query.status });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere(`(p.created_at, p.id) ${ascending ? '>' : '<'} (:at, :id)`, cursor);
    }
    const direction = ascending ? 'ASC' : 'DESC';
    qb.orderBy('p.created_at', direction)
      .addOrderBy('p.id', direction)
      .take(limit + 1);
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map((p) => PaymentResponseDto.from(p, isMasked(principal))),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * Refunds part or all of what is left of a payment. The payment row is locked
   * (`SELECT ... FOR UPDATE`) for the whole check-refund-update, so concurrent refunds queue and
   * each sees what the previous one left: the sum can never exceed the amount (and a CHECK
   * constraint backs this up). Owner, or admin on any payment.
   */
  async refund(
    principal: Principal,
    paymentId: string,
    dto: CreateRefundDto,
    idempotencyKey: string,
  ): Promise<IdempotentResponse<RefundResponseDto>> {
    const operation = 'payments.refund';
    const requestHash = this.hasher.requestHash(operation, {
      paymentId,
      amount: dto.amount ?? null,
    });
    return this.idempotency.execute(
      { ownerId: principal.ownerId, operation, key: idempotencyKey },
      requestHash,
      (claim) =>
        this.tx.run(async (manager) => {
          const payment = await manager
            .getRepository(Payment)
            .createQueryBuilder('p')
            .setLock('pessimistic_write')
            .where('p.id = :paymentId', { paymentId })
            .andWhere(principal.roles.includes('admin') ? 'TRUE' : 'p.owner_id = :ownerId', {
              ownerId: principal.ownerId,
            })
            .getOne();
          if (!payment) throw await this.notFoundFor(principal, 'payments.refund', paymentId);
          assertRefundable(payment);
          const left = payment.amount - payment.refundedAmount;
          const amount = dto.amount ?? left;
          if (left === 0 || amount > left) {
            throw new ProblemException(422, {
              slug: 'refund-exceeds-remaining',
              title: 'Refund exceeds what is left',
              detail: `At most ${left} minor units of this payment can still be refunded.`,
              extensions: { code: 'PAYMENT.REFUND_EXCEEDS_REMAINING', refundable: left },
            });
          }

          const result = await this.callProcessor('refund', () =>
            this.processor.refund({
              idempotencyKey: `${principal.ownerId}:${idempotencyKey}`,
              processorReference: payment.processorReference,
              amount,
              currency: payment.currency,
            }),
          );
          const refund = await this.applyRefund(
            manager,
            payment,
            amount,
            'api',
            result.processorReference,
          );
          await this.audit.record({
            action: 'payments.refund',
            resource: { type: 'payments', id: payment.id },
            outcome: 'success',
            status: 201,
            details: {
              refundId: refund.id,
              amount,
              currency: payment.currency,
              refundedAmount: payment.refundedAmount,
              paymentStatus: payment.status,
            },
          });
          const body = RefundResponseDto.from(refund, payment);
          await claim.complete(manager, 201, body);
          return { status: 201, body };
        }),
    );
  }

  /**
   * Records a refund and moves the payment's refunded amount and status. The caller holds the
   * payment's row lock; `payment` is updated in place.
   */
  async applyRefund(
    manager: EntityManager,
    payment: Payment,
    amount: number,
    source: Refund['source'],
    processorReference: string,
  ): Promise<Refund> {
    const refund = await manager.getRepository(Refund).save(
      manager.getRepository(Refund).create({
        paymentId: payment.id,
        amount,
        currency: payment.currency,
        status: 'succeeded',
        source,
        processorReference,
      }),
    );
    payment.refundedAmount += amount;
    const status: PaymentStatus =
      payment.refundedAmount === payment.amount ? 'refunded' : 'partially_refunded';
    // A disputed payment stays disputed: the dispute is the more important fact to show.
    if (payment.status !== 'disputed') payment.status = status;
    await manager.getRepository(Payment).update(
      { id: payment.id },
      {
        refundedAmount: payment.refundedAmount,
        status: payment.status,
        updatedAt: () => 'now()',
      },
    );
    return await manager.getRepository(Refund).findOneByOrFail({ id: refund.id });
  }

  /**
   * A processor failure (timeout, 5xx, network) is a 502 with an unknown outcome: the
   * transaction rolls back, the idempotency claim is released, and a retry with the same key
   * reaches the processor with the same processor idempotency key, so it cannot charge twice.
   * Only the error's name and code are logged: an HTTP client error can embed the request it
   * sent, and that request held the card.
   */
  private async callProcessor<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
      this.logger.error(
        {
          operation,
          errorName: typeof name === 'string' ? name : 'unknown',
          errorCode: typeof code === 'string' || typeof code === 'number' ? code : null,
        },
        'Payment processor call failed',
      );
      throw new ProblemException(502, {
        slug: 'processor-unavailable',
        title: 'Payment processor unavailable',
        detail: 'The payment processor did not answer. Retry with the same Idempotency-Key.',
        extensions: { code: 'PAYMENT.PROCESSOR_UNAVAILABLE' },
      });
    }
  }

  /** Export section of a customer (GDPR art. 20): the payments of that customer. */
  async listForCustomer(principal: Principal, customerId: string): Promise<PaymentResponseDto[]> {
    const rows = await this.tx.repository(Payment).find({
      where: seesAllOwners(principal) ? { customerId } : { customerId, ownerId: principal.ownerId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 10_000,
    });
    return rows.map((p) => PaymentResponseDto.from(p, isMasked(principal)));
  }

  /**
   * The 404 for an id the caller may not see is the same as for an id that does not exist; when
   * the row exists (another owner's), the audit log records a denial (OWASP API1).
   */
  private async notFoundFor(
    principal: Principal,
    action: string,
    id: string,
  ): Promise<ProblemException> {
    if (await this.tx.repository(Payment).existsBy({ id }))
      this.audit.deniedNotOwner(action, { type: 'payments', id });
    return notFound();
  }

  private async reload(manager: EntityManager, id: string): Promise<Payment> {
    return manager.getRepository(Payment).findOneByOrFail({ id });
  }
}

/** A declined payment took no money; a disputed one is in the card network's hands. */
export function assertRefundable(payment: Payment): void {
  if (payment.status === 'declined' || payment.status === 'disputed') {
    throw new ProblemException(422, {
      slug: 'payment-not-refundable',
      title: 'Payment cannot be refunded',
      detail: `A ${payment.status} payment cannot be refunded.`,
      extensions: { code: 'PAYMENT.NOT_REFUNDABLE' },
    });
  }
}

/** The principal restricted to its own owner's data, whatever its roles. */
function ownOnly(principal: Principal): Principal {
  return { ...principal, roles: principal.roles.filter((r) => r !== 'admin' && r !== 'support') };
}

/** Support reads every payment with free text masked; admin and owners see it in full. */
function isMasked(principal: Principal): boolean {
  return principal.roles.includes('support') && !principal.roles.includes('admin');
}

function encodeCursor(payment: Payment): string {
  return Buffer.from(JSON.stringify([payment.createdAt.toISOString(), payment.id])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through: any undecodable cursor is the same 400
  }
  throw new ProblemException(400, {
    slug: 'validation-error',
    title: 'Validation Failed',
    detail: 'The request has invalid or unexpected fields.',
    errors: [{ field: 'cursor', message: 'is not a valid cursor' }],
  });
}
