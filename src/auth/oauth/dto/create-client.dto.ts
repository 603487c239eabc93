import { ApiProperty } from '@nestjs/swagger';

import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../../http/page-query.dto';
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
export class ListClientsQueryDto extends PageQueryDto {}

export class ClientListDto {
  @ApiProperty({ type: [ClientDto] }) data: ClientDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
