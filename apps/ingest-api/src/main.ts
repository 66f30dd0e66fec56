import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { ingestApiEnv } from './ingest-api.config';
import { IngestApiModule } from './ingest-api.module';

void runHttpApp(ingestApiEnv, (config) => IngestApiModule.forRoot(config), {
  name: 'ingest-api',
  title: 'Oslo backbone: ingest API',
  description: 'Source systems publish clinical and governance events here.',
});
