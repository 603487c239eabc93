import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authorize } from '../auth/decorators/authorize.decorator';
import { AuditQueryService } from './audit-query.service';
import { AuditedRead } from './audited-read.decorator';
import { AuditLogPageDto, AuditVerifyDto } from './dto/audit-log-response.dto';
import { ListAuditLogsQueryDto } from './dto/list-audit-logs.query.dto';

/**
 * `/v1/audit-logs`: read-only by construction (no route changes or deletes an entry; the
 * database refuses it anyway). Admin and auditor only; every read is itself audited.
 */
@ApiTags('audit')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'No valid bearer token (recorded as denied)' })
@ApiForbiddenResponse({ description: 'Not admin or auditor (recorded as denied)' })
@Authorize({ roles: ['admin', 'auditor'] })
@Controller({ path: 'audit-logs', version: '1' })
export class AuditController {
  constructor(private readonly query: AuditQueryService) {}

  @Get()
  @AuditedRead('audit_logs.list')
  @ApiOperation({ summary: 'Audit entries, newest first, with filters and cursor pagination' })
  @ApiOkResponse({ type: AuditLogPageDto })
  list(@Query() query: ListAuditLogsQueryDto): Promise<AuditLogPageDto> {
    return this.query.list(query);
  }

  @Get('verify')
  @AuditedRead('audit_logs.verify')
  @ApiOperation({ summary: 'Recompute the hash chain; names the first entry that fails' })
  @ApiOkResponse({ type: AuditVerifyDto })
  async verify(): Promise<AuditVerifyDto> {
    const { valid, checked, firstInvalidId } = await this.query.verify();
    return { valid, checked, ...(firstInvalidId ? { firstInvalidId } : {}) };
  }
}
