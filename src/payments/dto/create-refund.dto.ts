import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_AMOUNT, MIN_AMOUNT } from '../money/currencies';

/** A refund of part of a payment, or (no `amount`) of everything not yet refunded. */
export class CreateRefundDto {
  @ApiPropertyOptional({
    minimum: MIN_AMOUNT,
    maximum: MAX_AMOUNT,
    description: 'minor units; default: what is left',
  })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of minor units' })
  @Min(MIN_AMOUNT, { message: `must be at least ${MIN_AMOUNT}` })
  @Max(MAX_AMOUNT, { message: `must be at most ${MAX_AMOUNT}` })
  readonly amount?: number;
}
