import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO31661Alpha2, IsOptional, IsString, Length, Matches } from 'class-validator';
import { NO_CONTROL_CHARS } from './customer-field.rules';

/** A postal address; replaced as a whole on PATCH. */
export class AddressDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: '1 Main Street' })
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARS, { message: 'line1 must not contain control characters' })
  readonly line1: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARS, { message: 'line2 must not contain control characters' })
  readonly line2?: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Springfield' })
  @IsString()
  @Length(1, 100)
  @Matches(NO_CONTROL_CHARS, { message: 'city must not contain control characters' })
  readonly city: string;

  @ApiProperty({ minLength: 1, maxLength: 16, example: '12345' })
  @IsString()
  @Length(1, 16)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, {
    message: 'postalCode must be letters, digits, spaces or dashes',
  })
  readonly postalCode: string;

  @ApiProperty({
    description: 'ISO 3166-1 alpha-2, upper case',
    example: 'US',
    pattern: '^[A-Z]{2}$',
  })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code in upper case' })
  @IsISO31661Alpha2()
  readonly country: string;
}
