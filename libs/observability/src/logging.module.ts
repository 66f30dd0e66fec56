import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED_PATHS } from './logger';

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
            // Health probes and scrapes every few seconds would drown the request log.
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
