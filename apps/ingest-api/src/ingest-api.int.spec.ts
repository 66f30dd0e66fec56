import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@backbone/config';
import { createHttpApp } from '@backbone/platform';
import { ingestApiEnv } from './ingest-api.config';
import { IngestApiModule } from './ingest-api.module';

const options = { name: 'ingest-api', title: 'ingest-api', description: 'test' };

describe('ingest-api health and metrics (real Kafka, registry and PostgreSQL)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createHttpApp(IngestApiModule.forRoot(loadConfig(ingestApiEnv)), options);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is live', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });

  it('is ready when Kafka, the registry and PostgreSQL answer', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.body.info).toMatchObject({
      kafka: { status: 'up', brokers: 1 },
      schemaRegistry: { status: 'up' },
      postgres: { status: 'up' },
    });
  });

  it('exposes Prometheus metrics labelled with the app', async () => {
    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toMatch(/process_cpu_seconds_total\{app="ingest-api"\}/);
  });

  it('serves its OpenAPI document', async () => {
    const response = await request(app.getHttpServer()).get('/openapi.json').expect(200);
    expect(response.body.info.title).toBe('ingest-api');
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });
});

describe('ingest-api readiness when the registry is unreachable', () => {
  let app: INestApplication;

  beforeAll(async () => {
    // Port 9 (discard) is closed on this machine: the registry probe must fail fast, not hang.
    const config = loadConfig(ingestApiEnv, { ...process.env, SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9/apis/ccompat/v7' });
    app = await createHttpApp(IngestApiModule.forRoot(config), options);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 503 and names the registry as down, while staying live', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(response.body.error).toHaveProperty('schemaRegistry.status', 'down');
    expect(response.body.details).toHaveProperty('kafka.status', 'up');
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });
});
