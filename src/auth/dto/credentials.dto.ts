import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

/**
 * Registration body. Only these two fields: anything else (e.g. `roles`) is a 400, never
 * silently ignored (mass assignment, OWASP API3). Password length and content are checked by the
 * password policy (code points after NFKC), so the DTO only bounds the raw size.
 */
export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  readonly email: string;

  @ApiProperty({ minLength: 15, maxLength: 128, description: 'Any characters; 15..128 by default' })
  @IsString()
  @MaxLength(4096)
  readonly password: string;
}

/** Login body. Loose on purpose: any wrong value is the same 401, not a 400 that tells apart. */
export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  readonly email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  readonly password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token of the last login or refresh' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  readonly refresh_token: string;
}

export class TokenPairDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ description: 'Access-token lifetime in seconds' }) expires_in: number;
  @ApiProperty() refresh_token: string;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: [String] }) roles: string[];
}
