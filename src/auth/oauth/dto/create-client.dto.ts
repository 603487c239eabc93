import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Scope, SCOPES } from '../../principal';

export class CreateClientDto {
  @ApiProperty({ example: 'billing-sync', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  readonly name: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['customers:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true, message: `each scope must be one of ${SCOPES.join(', ')}` })
  readonly scopes: Scope[];
}

export class ClientDto {
  @ApiProperty({ format: 'uuid' }) client_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: Scope[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedClientDto extends ClientDto {
  @ApiProperty({ description: 'Shown this once; store it now' }) client_secret: string;
}

export class ClientTokenDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty() expires_in: number;
  @ApiProperty({ example: 'customers:read payments:read' }) scope: string;
}

/** `GET /v1/oauth/clients` query: the list conventions of the contract (never clamped). */
export class ListClientsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  // Only a plain decimal string becomes a number; "1e2", "5.0" or a repeated `limit` fail.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  readonly limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from nextCursor' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid' })
  readonly cursor?: string;
}

export class ClientListDto {
  @ApiProperty({ type: [ClientDto] }) data: ClientDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
