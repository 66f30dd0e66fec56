import { DynamicModule, Global, Module } from '@nestjs/common';

/** Injection token for an app's parsed config: `@Inject(APP_CONFIG) config: IngestApiConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class AppConfigModule {
  /** Makes the config parsed at start-up (see loadConfig) injectable everywhere in the app. */
  static forRoot<T extends object>(config: T): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
