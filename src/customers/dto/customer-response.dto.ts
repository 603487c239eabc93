import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AddressDto } from './address.dto';

/** What a client sees of a customer: never the entity, never `ownerId` or index columns. */
export class CustomerResponseDto {
  @ApiProperty({ format: 'uuid' })
  readonly id: string;

  @ApiProperty()
  readonly fullName: string;

  @ApiProperty({ description: 'Masked for support: "j***@example.com"' })
  readonly email: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Masked for support' })
  readonly phone: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'YYYY-MM-DD; masked for support',
  })
  readonly dateOfBirth: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Masked for support: "*****6789"',
  })
  readonly nationalId: string | null;

  @ApiPropertyOptional({ nullable: true, type: AddressDto })
  readonly address: AddressDto | null;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt: string;
}

export class CustomerPageDto {
  @ApiProperty({ type: [CustomerResponseDto] })
  readonly data: CustomerResponseDto[];

  @ApiProperty({ nullable: true, type: String })
  readonly nextCursor: string | null;
}

/** `GET /v1/customers/:id/export`: everything held about the customer (GDPR art. 20). */
export class CustomerExportDto {
  @ApiProperty({ format: 'date-time' })
  readonly exportedAt: string;

  @ApiProperty({ type: CustomerResponseDto })
  readonly customer: CustomerResponseDto;

  @ApiProperty({ description: 'Records other modules hold about the customer, by section' })
  readonly related: Record<string, unknown>;
}
