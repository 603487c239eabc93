import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmptyObject,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { containsCardNumber } from '../card/luhn';
import { CURRENCY_CODES, CurrencyCode, MAX_AMOUNT, MIN_AMOUNT } from '../money/currencies';
import { CardDto } from './card.dto';

/** Free text must not smuggle a card number into storage (it would be kept in clear). */
function NoCardNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noCardNumber',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !containsCardNumber(value),
        defaultMessage: () => 'must not contain a card number',
      },
    },
    options,
  );
}

/**
 * `amount` is an integer number of minor units. `IsInt` refuses `"100"` (implicit conversion is
 * off in the global pipe), `1.5`, `1e309` (Infinity), arrays and objects; the bounds refuse
 * `0` and `-1`.
 */
export class CreatePaymentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  readonly customerId: string;

  @ApiProperty({ example: 1999, minimum: MIN_AMOUNT, maximum: MAX_AMOUNT })
  @IsInt({ message: 'must be an integer number of minor units' })
  @Min(MIN_AMOUNT, { message: `must be at least ${MIN_AMOUNT}` })
  @Max(MAX_AMOUNT, { message: `must be at most ${MAX_AMOUNT}` })
  readonly amount: number;

  @ApiProperty({ enum: CURRENCY_CODES, example: 'EUR' })
  @IsString({ message: 'must be an ISO 4217 code' })
  @IsIn(CURRENCY_CODES, { message: 'must be a supported ISO 4217 currency code' })
  readonly currency: CurrencyCode;

  @ApiPropertyOptional({ maxLength: 500, description: 'free text; must not contain a card number' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @NoCardNumber()
  readonly description?: string;

  @ApiProperty({ type: CardDto })
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be an object' })
  @IsNotEmptyObject({}, { message: 'must be an object' })
  @ValidateNested()
  @Type(() => CardDto)
  readonly card: CardDto;
}
