import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsEmail, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { CreateCustomerDto } from './create-customer.dto';
import { NO_CONTROL_CHARS } from './customer-field.rules';

/**
 * `PATCH /v1/customers/:id`: only the fields present change. The optional fields (phone,
 * dateOfBirth, nationalId, address) come from CreateCustomerDto with their bounds and take null
 * to clear them; `address` is replaced as a whole. `fullName` and `email` are required on
 * create, so here they are redeclared: they may be left out, but never set to null.
 */
export class UpdateCustomerDto extends OmitType(CreateCustomerDto, ['fullName', 'email'] as const) {
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
}
