import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { AuditOutcome } from '../audit-entry';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'error'];

/**
 * `GET /v1/audit-logs` query (API-CONTRACT.md): exact-match filters, a time range, `limit`
 * 1..100 (never clamped; a repeated `limit` arrives as an array and fails) and an opaque cursor.
 */
export class ListAuditLogsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
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
  @MaxLength(256)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid' })
  readonly cursor?: string;

  @ApiPropertyOptional({ description: 'User or OAuth client id' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  readonly actorId?: string;

  @ApiPropertyOptional({ example: 'customers.create' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9_]+\.[a-z0-9_]+$/, { message: 'action must look like resource.verb' })
  readonly action?: string;

  @ApiPropertyOptional({ example: 'customers' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  readonly resourceType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly resourceId?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES, { message: 'outcome must be one of success, denied, error' })
  readonly outcome?: AuditOutcome;

  @ApiPropertyOptional({ description: 'Inclusive lower bound (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  readonly from?: string;

  @ApiPropertyOptional({ description: 'Inclusive upper bound (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  readonly to?: string;
}
