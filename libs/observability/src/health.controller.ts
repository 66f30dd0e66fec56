import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '@backbone/auth';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { problem, ProblemException } from '@backbone/platform';
import { KafkaHealthIndicator, SchemaRegistryHealthIndicator } from './health-indicators';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly registry: SchemaRegistryHealthIndicator,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never depends on the stack, so an outage does not restart us. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Readiness: Kafka, the schema registry and PostgreSQL all answer. */
  @Get('ready')
  @HealthCheck()
  async ready() {
    try {
      return await this.health.check([
        () => this.kafka.check('kafka'),
        () => this.registry.check('schemaRegistry'),
        () => this.database.pingCheck('postgres', { timeout: 3_000 }),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Keep terminus's per-dependency report, as extension members of a problem+json 503.
      const { info, error: failing, details } = error.getResponse() as Record<string, unknown>;
      const down = Object.keys((failing as object) ?? {}).join(', ');
      throw new ProblemException(problem(503, 'not-ready', 'Not ready', { detail: `down: ${down}`, info, error: failing, details }));
    }
  }
}
