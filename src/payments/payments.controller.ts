import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { Authorize } from '../auth/decorators/authorize.decorator';
import { CurrentPrincipal } from '../auth/decorators/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { CreateRefundDto } from './dto/create-refund.dto';
import { ListPaymentsQueryDto } from './dto/list-payments-query.dto';
import {
  PaymentListResponseDto,
  PaymentResponseDto,
  RefundResponseDto,
} from './dto/payment-response.dto';
import {
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyKey,
} from './idempotency/idempotency-key.decorator';
import { IdempotentResponse } from './idempotency/idempotency.service';
import { PaymentsService } from './payments.service';

const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () =>
    new ProblemException(400, {
      slug: 'validation-error',
      title: 'Validation Failed',
      detail: 'The id is not a valid UUID.',
      errors: [{ field: 'id', message: 'must be a UUID' }],
    }),
});

const idempotencyHeader = ApiHeader({
  name: 'Idempotency-Key',
  required: true,
  description:
    '1..255 visible ASCII characters (draft-ietf-httpapi-idempotency-key-header). Same key and ' +
    'body: the first response is replayed with `Idempotent-Replayed: true`; other body: 422; ' +
    'still in flight: 409. Keys expire after 24 hours.',
});

@ApiTags('payments')
@ApiBearerAuth()
@Controller({ path: 'payments', version: '1' })
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @HttpCode(201)
  @Authorize({ roles: ['user', 'admin'], scopes: ['payments:write'] })
  @idempotencyHeader
  @ApiCreatedResponse({ type: PaymentResponseDto, description: 'also for a declined card' })
  @ApiConflictResponse({ description: 'a request with this key is in flight' })
  @ApiUnprocessableEntityResponse({ description: 'key reused with another body' })
  @ApiTooManyRequestsResponse({ description: 'per-owner velocity limit (quota-exceeded)' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key: string,
    @Body() dto: CreatePaymentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentResponseDto> {
    return this.send(reply, 'payments.create', await this.payments.create(principal, dto, key));
  }

  @Get()
  @Authorize({ roles: ['user', 'support', 'admin'], scopes: ['payments:read'] })
  @ApiOkResponse({ type: PaymentListResponseDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListPaymentsQueryDto,
  ): Promise<PaymentListResponseDto> {
    return this.payments.list(principal, query);
  }

  @Get(':id')
  @Authorize({ roles: ['user', 'support', 'admin'], scopes: ['payments:read'] })
  @ApiOkResponse({ type: PaymentResponseDto })
  findOne(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe) id: string,
  ): Promise<PaymentResponseDto> {
    return this.payments.findOne(principal, id);
  }

  @Post(':id/refunds')
  @HttpCode(201)
  @Authorize({ roles: ['user', 'admin'], scopes: ['payments:write'] })
  @idempotencyHeader
  @ApiCreatedResponse({ type: RefundResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'more than is left, or a declined payment' })
  async refund(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe) id: string,
    @IdempotencyKey() key: string,
    @Body() dto: CreateRefundDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RefundResponseDto> {
    return this.send(reply, 'payments.refund', await this.payments.refund(principal, id, dto, key));
  }

  /** The first response, or the stored one replayed with its status and a marker header. */
  private send<T>(reply: FastifyReply, action: string, response: IdempotentResponse<T>): T {
    void reply.status(response.status);
    if (response.replayed) {
      void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      // Recorded by the response hook as one entry, marked as a replay (nothing was changed).
      this.audit.annotate({ action, details: { idempotentReplay: true } });
    }
    return response.body;
  }
}
