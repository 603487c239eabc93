import { Controller, Get, HttpCode, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator';
import { ProblemException } from '../http/problem';

/**
 * Liveness and readiness for orchestrators. Public, and they say nothing about versions, hosts or
 * internals: readiness is `ok` or a 503 problem.
 */
@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers' })
  async ready(): Promise<{ status: 'ok' }> {
    try {
      await this.health.check([() => this.database.pingCheck('database', { timeout: 1500 })]);
    } catch {
      throw new ProblemException(503, { detail: 'The service is not ready.' });
    }
    return { status: 'ok' };
  }
}
