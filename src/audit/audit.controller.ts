import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authorize } from '../auth/decorators/authorize.decorator';
import type { AuditEntryView } from './audit-entry';
import { AuditQueryService, VerifyResult } from './audit-query.service';
import { AuditedRead } from './audited-read.decorator';
import { ListAuditLogsQueryDto } from './dto/list-audit-logs.query.dto';

/**
 * `/v1/audit-logs`: read-only by construction (no route changes or deletes an entry; the
 * database refuses it anyway). Admin and auditor only; every read is itself audited.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Authorize({ roles: ['admin', 'auditor'] })
@Controller({ path: 'audit-logs', version: '1' })
export class AuditController {
  constructor(private readonly query: AuditQueryService) {}

  @Get()
  @AuditedRead('audit_logs.list')
  @ApiOperation({ summary: 'Audit entries, newest first, with filters and cursor pagination' })
  list(
    @Query() query: ListAuditLogsQueryDto,
  ): Promise<{ data: AuditEntryView[]; nextCursor: string | null }> {
    return this.query.list(query);
  }

  @Get('verify')
  @AuditedRead('audit_logs.verify')
  @ApiOperation({ summary: 'Recompute the hash chain; names the first entry that fails' })
  @ApiOkResponse({ description: '{ valid, checked, firstInvalidId? }' })
  async verify(): Promise<VerifyResult> {
    const { valid, checked, firstInvalidId } = await this.query.verify();
    return { valid, checked, ...(firstInvalidId ? { firstInvalidId } : {}) };
  }
}
