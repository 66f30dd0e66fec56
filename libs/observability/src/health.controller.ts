import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { KafkaHealthIndicator, SchemaRegistryHealthIndicator } from './health-indicators';

@ApiTags('operations')
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
  ready() {
    return this.health.check([
      () => this.kafka.check('kafka'),
      () => this.registry.check('schemaRegistry'),
      () => this.database.pingCheck('postgres', { timeout: 3_000 }),
    ]);
  }
}
