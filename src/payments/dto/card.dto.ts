import { ApiProperty } from '@nestjs/swagger';
import {
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { isCardExpired } from '../card/card-expiry';
import { passesLuhn } from '../card/luhn';

/**
 * Card data as the client sends it. It lives only in memory for the length of one request and
 * goes to the processor; it is never stored, logged, audited or echoed (PCI DSS 3.3, 3.4).
 * Every message below is a fixed sentence: none interpolates `$value`, and the global
 * validation pipe sets `validationError.value = false`, so a refused number never reaches an
 * error body.
 */
function IsLuhnValid(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLuhnValid',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && passesLuhn(value),
        defaultMessage: () => 'is not a valid card number (check digit mismatch)',
      },
    },
    options,
  );
}

/** Checked on `expYear` with the sibling `expMonth`: the card must not have expired. */
function IsNotExpired(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotExpired',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const month = (args?.object as { expMonth?: unknown } | undefined)?.expMonth;
          if (typeof value !== 'number' || typeof month !== 'number') return true; // others report
          return !isCardExpired(month, value);
        },
        defaultMessage: () => 'the card has expired',
      },
    },
    options,
  );
}

export class CardDto {
  @ApiProperty({ example: '4242424242424242', description: '12 to 19 digits, Luhn-checked' })
  @IsString({ message: 'must be a string of digits' })
  @Matches(/^\d{12,19}$/, { message: 'must be 12 to 19 digits' })
  @IsLuhnValid()
  readonly number: string;

  @ApiProperty({ example: 12, minimum: 1, maximum: 12 })
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be 1 to 12' })
  @Max(12, { message: 'must be 1 to 12' })
  readonly expMonth: number;

  @ApiProperty({ example: 2030, description: 'four-digit year; the card must not have expired' })
  @IsInt({ message: 'must be an integer' })
  @Min(2000, { message: 'must be a four-digit year' })
  @Max(2100, { message: 'must be a four-digit year' })
  @IsNotExpired()
  readonly expYear: number;

  @ApiProperty({ example: '123', description: '3 or 4 digits; never stored' })
  @IsString({ message: 'must be a string of digits' })
  @Matches(/^\d{3,4}$/, { message: 'must be 3 or 4 digits' })
  readonly cvc: string;
}
