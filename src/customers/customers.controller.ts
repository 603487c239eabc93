import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuditedRead } from '../audit/audited-read.decorator';
import { Authorize } from '../auth/decorators/authorize.decorator';
import { CurrentPrincipal } from '../auth/decorators/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';
import {
  CustomerExportDto,
  CustomerPageDto,
  CustomerResponseDto,
} from './dto/customer-response.dto';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

/** A malformed id is 400 (contract), before any query runs. */
const CustomerId = new ParseUUIDPipe({
  exceptionFactory: () =>
    new ProblemException(400, {
      slug: 'validation-error',
      title: 'Validation Failed',
      detail: 'The request has invalid or unexpected fields.',
      errors: [{ field: 'id', message: 'id must be a UUID' }],
    }),
});

/**
 * `/v1/customers`. Access rules (one decorator each): users and admins change data with
 * `customers:write`; users, support and admins read with `customers:read`; export (full data)
 * is for the owner and admins; `auditor` has no route here (403). Ownership and masking are
 * applied by CustomersService from the principal.
 */
@ApiTags('customers')
@ApiBearerAuth('bearer')
@Controller({ path: 'customers', version: '1' })
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @HttpCode(201)
  @Authorize({ roles: ['user', 'admin'], scopes: ['customers:write'] })
  @ApiOperation({ summary: 'Create a customer owned by the caller' })
  @ApiCreatedResponse({ type: CustomerResponseDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateCustomerDto,
  ): Promise<CustomerResponseDto> {
    return this.customers.create(principal, dto);
  }

  @Get()
  @Authorize({ roles: ['user', 'support', 'admin'], scopes: ['customers:read'] })
  @ApiOperation({ summary: 'List customers (cursor pagination, ?email= exact match)' })
  @ApiOkResponse({ type: CustomerPageDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListCustomersQueryDto,
  ): Promise<CustomerPageDto> {
    return this.customers.list(principal, query);
  }

  @Get(':id')
  @Authorize({ roles: ['user', 'support', 'admin'], scopes: ['customers:read'] })
  @AuditedRead('customers.read')
  @ApiOperation({ summary: 'Read a customer (masked for support)' })
  @ApiOkResponse({ type: CustomerResponseDto })
  findOne(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
  ): Promise<CustomerResponseDto> {
    return this.customers.findOne(principal, id);
  }

  @Patch(':id')
  @Authorize({ roles: ['user', 'admin'], scopes: ['customers:write'] })
  @ApiOperation({ summary: 'Change a customer' })
  @ApiOkResponse({ type: CustomerResponseDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() dto: UpdateCustomerDto,
  ): Promise<CustomerResponseDto> {
    return this.customers.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize({ roles: ['user', 'admin'], scopes: ['customers:write'] })
  @ApiOperation({ summary: 'Erase a customer (the row is deleted)' })
  @ApiNoContentResponse()
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
  ): Promise<void> {
    await this.customers.remove(principal, id);
  }

  @Get(':id/export')
  @Authorize({ roles: ['user', 'admin'], scopes: ['customers:read'] })
  @AuditedRead('customers.export')
  @ApiOperation({ summary: 'Export everything held about a customer (data portability)' })
  @ApiOkResponse({ type: CustomerExportDto })
  export(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
  ): Promise<CustomerExportDto> {
    return this.customers.export(principal, id);
  }
}
