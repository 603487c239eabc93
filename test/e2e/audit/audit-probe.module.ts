import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Public } from '../../../src/auth/decorators/public.decorator';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuditService } from '../../../src/audit/audit.service';
import { TransactionHost } from '../../../src/audit/transaction-host';

/**
 * Test-only: a tiny "feature" that changes a table and records its audit entry in the same
 * transaction, exactly as customers and payments do. Mounted with `extraModules`; never in the
 * production app. The table is created by the spec (`audit_probe`).
 */
export class ProbeDto {
  @IsString()
  @MaxLength(100)
  readonly name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly password?: string;
}

@Public()
@Controller({ path: 'test-only/audit-probe', version: '1' })
export class AuditProbeController {
  constructor(
    private readonly audit: AuditService,
    private readonly tx: TransactionHost,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: ProbeDto): Promise<{ id: string }> {
    return this.audit.transaction(async () => {
      const rows = await this.tx.manager.query<{ id: string }[]>(
        'INSERT INTO audit_probe (name) VALUES ($1) RETURNING id',
        [body.name],
      );
      await this.audit.record({
        action: 'probes.create',
        resource: { type: 'probes', id: rows[0].id },
        details: {
          fields: Object.keys(body).filter((k) => body[k as keyof ProbeDto] !== undefined),
          name: body.name,
          password: body.password ?? null,
        },
      });
      return { id: rows[0].id };
    });
  }
}

@Module({ imports: [AuditModule], controllers: [AuditProbeController] })
export class AuditProbeModule {}

export const PROBE_TABLE_SQL =
  'CREATE TABLE audit_probe (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL)';
