import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MaxLength } from 'class-validator';

const LIMIT_MESSAGE = 'limit must be an integer from 1 to 100';

/**
 * The list conventions of the contract, in one place: every list query extends this.
 * `limit` 1..100, default 20, never clamped: a wrong value is the client's bug to hear about.
 * Only a plain decimal string becomes a number, so "1e2", "0x10", "5.0" or a repeated `limit`
 * (which arrives as an array) fail `@IsInt`. `cursor` is opaque (base64url) and bounded.
 */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(100, { message: LIMIT_MESSAGE })
  readonly limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from nextCursor' })
  @IsOptional()
  @IsString({ message: 'cursor must be given once' })
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid' })
  readonly cursor?: string;
}
