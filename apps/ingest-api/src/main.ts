import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { ingestApiEnv } from './ingest-api.config';
import { IngestApiModule } from './ingest-api.module';

void runHttpApp(ingestApiEnv, (config) => IngestApiModule.forRoot(config), (config) => ({
  name: 'ingest-api',
  title: 'Oslo backbone: ingest API',
  description:
    'Source systems publish clinical and governance events here. A 202 means the event is durable and will reach Kafka, ' +
    'in order per patient. Errors are RFC 9457 problem+json naming each field and rule. Event shapes: docs/events/catalog.md.',
  bodyLimitBytes: config.INGEST_BODY_LIMIT_BYTES,
}));
