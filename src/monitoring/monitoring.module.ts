import {
  Global,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsServer } from './metrics.server';
import { MetricsService } from './metrics.service';
import { registerRequestMetrics } from './request-metrics';
import { SecurityEvents } from './security-events.service';

/**
 * Metrics and security events (docs/monitoring.md). Global because it is cross-cutting: any
 * feature may inject `SecurityEvents` (optionally) without importing this module, and this
 * module imports no feature (STYLE.md module map: it sits beside http/, below auth/).
 *
 * Own small module over prom-client rather than @willsoto/nestjs-prometheus: that package
 * serves /metrics through a controller on the public app, which is exactly what must not
 * happen here, and it would add a dependency for a registry and a few counters.
 *
 * The request hook and the metrics listener exist only in an HTTP application: a CLI run
 * (an application context without an HTTP adapter) gets the counters and the log lines but
 * never binds the metrics port of the running service.
 */
@Global()
@Module({
  providers: [
    MetricsService,
    SecurityEvents,
    {
      provide: MetricsServer,
      inject: [MetricsService, APP_CONFIG],
      useFactory: (metrics: MetricsService, config: AppConfig) =>
        new MetricsServer(metrics, {
          host: config.monitoring.metricsHost,
          port: config.monitoring.metricsPort,
          token: config.monitoring.metricsToken,
        }),
    },
  ],
  exports: [SecurityEvents, MetricsService, MetricsServer],
})
export class MonitoringModule
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(MonitoringModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    private readonly server: MetricsServer,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerRequestMetrics(fastify, this.metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.adapterHost.httpAdapter) return;
    await this.server.start();
    const { host, port } = this.server.address();
    this.logger.log(`Metrics on http://${host}:${port}/metrics (internal listener)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
