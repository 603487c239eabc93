import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitHooks } from './rate-limit.hooks';
import { RateLimiter } from './rate-limiter.service';

/**
 * Rate limiting and brute-force resistance (docs/rate-limiting.md). Import it in AppModule AFTER
 * AuthModule and from nowhere else: its global guard reads the principal that the
 * authentication guard sets, and Nest orders APP_GUARDs by module registration.
 */
@Module({
  providers: [RateLimiter, RateLimitHooks, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [RateLimiter],
})
export class RateLimitModule {}
