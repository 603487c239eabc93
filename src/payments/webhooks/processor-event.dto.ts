import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_AMOUNT, MIN_AMOUNT } from '../money/currencies';

export const PROCESSOR_EVENT_TYPES = ['payment.refunded', 'payment.disputed'] as const;
export type ProcessorEventType = (typeof PROCESSOR_EVENT_TYPES)[number];

export class ProcessorEventDataDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  readonly paymentId: string;

  @ApiPropertyOptional({ description: 'payment.refunded: minor units refunded; default all left' })
  @IsOptional()
  @IsInt()
  @Min(MIN_AMOUNT)
  @Max(MAX_AMOUNT)
  readonly amount?: number;

  @ApiPropertyOptional({ description: 'payment.disputed: the network reason code' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_.-]+$/)
  readonly reason?: string;
}

/** An event from the processor. Validated only after its signature has been checked. */
export class ProcessorEventDto {
  @ApiProperty({ example: 'evt_123' })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'must be 1 to 255 visible ASCII characters' })
  readonly id: string;

  @ApiProperty({ enum: PROCESSOR_EVENT_TYPES })
  @IsIn(PROCESSOR_EVENT_TYPES, { message: `must be one of ${PROCESSOR_EVENT_TYPES.join(', ')}` })
  readonly type: ProcessorEventType;

  @ApiProperty({ description: 'unix seconds' })
  @IsInt()
  @Min(0)
  @Max(32503680000)
  readonly created: number;

  @ApiProperty({ type: ProcessorEventDataDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ProcessorEventDataDto)
  readonly data: ProcessorEventDataDto;
}
