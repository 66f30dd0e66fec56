import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@backbone/auth';
import { isClusterWorker, metricsOfAllWorkers } from '@backbone/platform';
import type { Registry } from 'prom-client';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    // A worker of a clustered app answers for the app: every worker's figures, from the primary.
    return isClusterWorker() ? metricsOfAllWorkers() : this.registry.metrics();
  }
}
