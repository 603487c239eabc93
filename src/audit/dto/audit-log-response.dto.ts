import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditActorType, AuditDetails, AuditOutcome } from '../audit-entry';

/** OpenAPI shapes of the audit API (API-CONTRACT.md "Audit log"); the service returns these. */
export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'client', 'anonymous'] })
  readonly type!: AuditActorType;

  @ApiProperty({ nullable: true, type: String, description: 'null for anonymous' })
  readonly id!: string | null;
}

export class AuditResourceDto {
  @ApiProperty({ nullable: true, type: String, example: 'customers' })
  readonly type!: string | null;

  @ApiProperty({ nullable: true, type: String })
  readonly id!: string | null;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'date-time', description: 'UTC, microseconds' })
  readonly at!: string;

  @ApiProperty({ nullable: true, type: String, description: 'The response X-Request-Id' })
  readonly requestId!: string | null;

  @ApiProperty({ type: AuditActorDto })
  readonly actor!: AuditActorDto;

  @ApiProperty({ example: 'customers.create', description: '<resource>.<verb>' })
  readonly action!: string;

  @ApiProperty({ type: AuditResourceDto })
  readonly resource!: AuditResourceDto;

  @ApiProperty({ enum: ['success', 'denied', 'error'] })
  readonly outcome!: AuditOutcome;

  @ApiProperty({ nullable: true, type: Number, example: 201 })
  readonly status!: number | null;

  @ApiProperty({ nullable: true, type: String })
  readonly ip!: string | null;

  @ApiProperty({ nullable: true, type: String })
  readonly userAgent!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Field names and safe metadata; never a secret, card or encrypted value',
  })
  readonly details!: AuditDetails;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  readonly data!: AuditEntryDto[];

  @ApiProperty({ nullable: true, type: String })
  readonly nextCursor!: string | null;
}

export class AuditVerifyDto {
  @ApiProperty()
  readonly valid!: boolean;

  @ApiProperty({ description: 'Entries verified' })
  readonly checked!: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The first entry that fails, if any' })
  readonly firstInvalidId?: string;
}
