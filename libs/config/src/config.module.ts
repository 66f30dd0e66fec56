import { DynamicModule, Global, Module } from '@nestjs/common';
import type { z } from 'zod';
import { loadConfig } from './load-config';

/** Injection token for an app's parsed config: `@Inject(APP_CONFIG) config: IngestApiConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class AppConfigModule {
  /** Parses the environment against the app's schema at start-up; a bad value stops the app. */
  static forRoot<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: loadConfig(schema, env) }],
      exports: [APP_CONFIG],
    };
  }
}
