import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const CUSTOMER_SORTS = ['createdAt', '-createdAt'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/**
 * `GET /v1/customers` query. Strict by contract: `limit` 1..100 (a repeated `limit` arrives as
 * an array and fails), `sort` from an allow-list (encrypted fields cannot be sorted), unknown
 * parameters are 400. Nothing is clamped: a wrong value is the client's bug to hear about.
 */
export class ListCustomersQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  // Only a plain decimal string becomes a number; "1e2", "0x10", "5.0" or an array stay as they
  // are and fail @IsInt.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  readonly limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from nextCursor' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid' })
  readonly cursor?: string;

  @ApiPropertyOptional({ enum: CUSTOMER_SORTS, default: '-createdAt' })
  @IsOptional()
  @IsIn(CUSTOMER_SORTS, { message: 'sort must be one of createdAt, -createdAt' })
  readonly sort?: CustomerSort;

  @ApiPropertyOptional({ description: 'Exact match (case-insensitive), through the blind index' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail()
  readonly email?: string;
}
