import { ApiPropertyOptional } from '@nestjs/swagger';

import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { AuditOutcome } from '../audit-entry';

import { PageQueryDto } from '../../http/page-query.dto';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'error'];

/**
 * `GET /v1/audit-logs` query (API-CONTRACT.md): exact-match filters, a time range, `limit`
 * 1..100 (never clamped; a repeated `limit` arrives as an array and fails) and an opaque cursor.
 */
export class ListAuditLogsQueryDto extends PageQueryDto {
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
