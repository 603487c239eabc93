import { ApiPropertyOptional } from '@nestjs/swagger';

import { IsEmail, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { PageQueryDto } from '../../http/page-query.dto';

export const CUSTOMER_SORTS = ['createdAt', '-createdAt'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/**
 * `GET /v1/customers` query. Strict by contract: `limit` 1..100 (a repeated `limit` arrives as
 * an array and fails), `sort` from an allow-list (encrypted fields cannot be sorted), unknown
 * parameters are 400. Nothing is clamped: a wrong value is the client's bug to hear about.
 */
export class ListCustomersQueryDto extends PageQueryDto {
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
