import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED_PATHS } from './logger';

/**
 * What a request log line says of the request: its id, method and path. Never the query string or
 * parsed parameters, and no 11-digit run in the path: an identity number has no place in a URL,
 * but a client that puts one there must not get it into our logs.
 */
export function requestForLog(req: { id?: unknown; method?: string; url?: string }): { id: unknown; method?: string; url: string } {
  const path = String(req.url ?? '').split('?')[0];
  return { id: req.id, method: req.method, url: path.replace(/\d{11}/g, '[redacted]') };
}

/** Structured JSON logs (pino) for requests and the app, with identity numbers and tokens redacted. */
@Module({})
export class LoggingModule {
  static forApp(app: string, level: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: app,
            level,
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            serializers: { req: requestForLog },
            // Health probes and scrapes every few seconds would drown the request log.
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
