import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { queryApiEnv } from './query-api.config';
import { QueryApiModule } from './query-api.module';

void runHttpApp(queryApiEnv, (config) => QueryApiModule.forRoot(config), (config) => ({
  name: 'query-api',
  title: 'Oslo backbone: query API',
  description:
    "Health personnel read patients' data under a trust-framework attestation; citizens read their own data and who has accessed it. " +
    'Every item is decided by the need-to-know engine at the moment of the request and every access is audited before the answer leaves. ' +
    'Patients are named in request bodies, never in URLs. Errors are RFC 9457 problem+json.',
  bodyLimitBytes: config.QUERY_BODY_LIMIT_BYTES,
}));
