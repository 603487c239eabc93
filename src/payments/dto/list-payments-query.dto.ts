import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PAYMENT_STATUSES } from '../entities/payment.entity';

export const PAYMENT_SORTS = ['createdAt', '-createdAt'] as const;

/**
 * Query strings arrive as strings (implicit conversion is off), and a repeated parameter as an
 * array, which every `IsString` here refuses: `?limit=10&limit=20` is 400, never a guess.
 */
export class ListPaymentsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(/^(100|[1-9][0-9]?)$/, { message: 'must be an integer from 1 to 100' })
  readonly limit?: string;

  @ApiPropertyOptional({ description: 'opaque cursor from `nextCursor`' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'is not a valid cursor' })
  readonly cursor?: string;

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
