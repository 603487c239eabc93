import { Controller, Get, HttpCode, VERSION_NEUTRAL } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator';
import { ProblemException } from '../http/problem';
import { RateLimiter } from '../rate-limit/rate-limiter.service';

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
    private readonly moduleRef: ModuleRef,
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
  @ApiOperation({
    summary: 'Readiness: the database answers',
    description:
      '`degraded` (still 200): serving, but rate-limit counters are per instance because Redis ' +
      'is unreachable (docs/rate-limiting.md).',
  })
  async ready(): Promise<{ status: 'ok' | 'degraded' }> {
    try {
      await this.health.check([() => this.database.pingCheck('database', { timeout: 1500 })]);
    } catch {
      throw new ProblemException(503, { detail: 'The service is not ready.' });
    }
    return { status: this.rateLimitDegraded() ? 'degraded' : 'ok' };
  }

  /**
   * Looked up, not injected: importing RateLimitModule here would register it (and its global
   * guard) before AuthModule, and the guard must run after authentication.
   */
  private rateLimitDegraded(): boolean {
    try {
      return this.moduleRef.get(RateLimiter, { strict: false }).degraded;
    } catch {
      return false;
    }
  }
}
