import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Validate,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AddressDto } from './address.dto';
import { E164, NATIONAL_ID, NO_CONTROL_CHARS, PastDateConstraint } from './customer-field.rules';

/**
 * `PATCH /v1/customers/:id`: only the fields present change. `fullName` and `email` may be left
 * out but not set to null; the optional fields take null to clear them; `address` is replaced
 * as a whole. Same bounds as CreateCustomerDto (customer-field.rules.ts).
 */
export class UpdateCustomerDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARS, { message: 'fullName must not contain control characters' })
  readonly fullName?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MaxLength(254)
  @IsEmail()
  readonly email?: string;

  @ApiPropertyOptional({ description: 'E.164', nullable: true })
  @IsOptional()
  @IsString()
  @Matches(E164, { message: 'phone must be an E.164 number such as +15551234567' })
  readonly phone?: string | null;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD, in the past', nullable: true })
  @IsOptional()
  @IsString()
  @Validate(PastDateConstraint)
  readonly dateOfBirth?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(NATIONAL_ID, { message: 'nationalId must be letters, digits, spaces, dots or dashes' })
  readonly nationalId?: string | null;

  @ApiPropertyOptional({ type: AddressDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  readonly address?: AddressDto | null;
}
