import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  ValidateNested,
} from 'class-validator';
import { AddressDto } from './address.dto';
import { E164, NATIONAL_ID, NO_CONTROL_CHARS, PastDateConstraint } from './customer-field.rules';

/**
 * `POST /v1/customers`. Every field bounded; `id`, `ownerId`, `createdAt`, `updatedAt` are not
 * properties here, so the global pipe answers 400 when a body carries them (mass assignment,
 * OWASP API3). Optional fields may be omitted or null.
 */
export class CreateCustomerDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Jane Doe' })
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARS, { message: 'fullName must not contain control characters' })
  readonly fullName: string;

  @ApiProperty({ maxLength: 254, example: 'jane@example.com' })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  readonly email: string;

  @ApiPropertyOptional({ description: 'E.164', example: '+15551234567', nullable: true })
  @IsOptional()
  @IsString()
  @Matches(E164, { message: 'phone must be an E.164 number such as +15551234567' })
  readonly phone?: string | null;

  @ApiPropertyOptional({
    description: 'YYYY-MM-DD, in the past',
    example: '1990-05-17',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @Validate(PastDateConstraint)
  readonly dateOfBirth?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, example: '123-45-6789', nullable: true })
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
