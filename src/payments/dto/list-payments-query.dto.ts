import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { PAYMENT_STATUSES } from '../entities/payment.entity';

import { PageQueryDto } from '../../http/page-query.dto';

export const PAYMENT_SORTS = ['createdAt', '-createdAt'] as const;

/**
 * Query strings arrive as strings (implicit conversion is off), and a repeated parameter as an
 * array, which every `IsString` here refuses: `?limit=10&limit=20` is 400, never a guess.
 */
export class ListPaymentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @IsUUID('all', { message: 'must be a UUID' })
  readonly customerId?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @IsIn(PAYMENT_STATUSES, { message: `must be one of ${PAYMENT_STATUSES.join(', ')}` })
  readonly status?: string;

  @ApiPropertyOptional({ enum: PAYMENT_SORTS, default: '-createdAt' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @IsIn(PAYMENT_SORTS, { message: 'must be createdAt or -createdAt' })
  readonly sort?: string;
}
