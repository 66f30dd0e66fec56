import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';

export const HEALTH_KAFKA = Symbol('HEALTH_KAFKA');
export const HEALTH_REGISTRY_URL = Symbol('HEALTH_REGISTRY_URL');

const PROBE_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Kafka is ready when the cluster metadata can be read through a connected admin client. */
@Injectable()
export class KafkaHealthIndicator {
  private admin?: ReturnType<Kafka['admin']>;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_KAFKA) private readonly kafka: Kafka,
  ) {}

  async check(key = 'kafka') {
    const indicator = this.indicators.check(key);
    try {
      this.admin ??= this.kafka.admin();
      await withTimeout(this.admin.connect(), PROBE_TIMEOUT_MS, 'Kafka');
      const cluster = await withTimeout(this.admin.describeCluster(), PROBE_TIMEOUT_MS, 'Kafka');
      return indicator.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      this.admin = undefined;
      return indicator.down({ message: (error as Error).message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.admin?.disconnect();
  }
}

/** The schema registry is ready when its Confluent-compatible API lists subjects. */
@Injectable()
export class SchemaRegistryHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_REGISTRY_URL) private readonly registryUrl: string,
  ) {}

  async check(key = 'schemaRegistry') {
    const indicator = this.indicators.check(key);
    try {
      const response = await fetch(`${this.registryUrl}/subjects`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (!response.ok) return indicator.down({ httpStatus: response.status });
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
