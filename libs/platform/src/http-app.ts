import cluster from 'node:cluster';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { z } from 'zod';
import { ConfigError, loadConfig } from '@backbone/config';
import { superviseWorkers } from './cluster';
import { jsonBodyParser, ProblemDetailsFilter } from './problem';

/** The token under which an app's module provides Nest's logger (the observability lib's pino logger). */
export const NEST_LOGGER = 'backbone:nest-logger';

export interface HttpAppOptions {
  name: string;
  title: string;
  description: string;
  version?: string;
  /** Largest JSON body accepted; larger ones get 413 problem+json before any handler runs. */
  bodyLimitBytes?: number;
}

/** Serves the app's OpenAPI document at /openapi.json and a browsable UI at /docs. */
export function serveOpenApi(app: INestApplication, options: HttpAppOptions): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion(options.version ?? '0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}

/**
 * Builds a Nest app (logger, shutdown hooks, OpenAPI), initialised but not listening: tests use it
 * as is. Nest runs on Fastify: on this machine a bare Nest route cost ~220 µs of CPU a request
 * on Express and ~125 µs on Fastify, and the ingest and query paths are a handful of such requests
 * per event or per read.
 */
export async function createHttpApp(module: DynamicModule, options: HttpAppOptions): Promise<INestApplication> {
  const bodyLimit = options.bodyLimitBytes ?? 100 * 1024;
  const adapter = new FastifyAdapter({
    bodyLimit,
    // Longer than the idle timeout of the proxies and clients in front (typically 60 s): a server
    // that closes an idle keep-alive connection first races the client's next request on it.
    keepAliveTimeout: 65_000,
    // Fastify's own logger stays off: the request log is the observability lib's (one line per
    // answered request, written only when its level is on).
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, bodyParser: false, abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  jsonBodyParser(fastify, bodyLimit);
  app.useLogger(app.get(NEST_LOGGER));
  app.enableShutdownHooks();
  app.useGlobalFilters(new ProblemDetailsFilter());
  serveOpenApi(app, options);
  // Initialised and ready: Fastify only routes requests once it is ready, and tests hand the
  // server to supertest straight away (a later init() is a no-op).
  await app.init();
  await fastify.ready();
  return app;
}

/**
 * The whole of an app's `main.ts`: parse the environment (a bad value stops the app with one line
 * naming the variables), build the app module from the config, and listen. With HTTP_WORKERS
 * above 1 this process only supervises that many workers, each of which builds and serves the app
 * on the same port (see cluster.ts).
 */
export async function runHttpApp<S extends z.ZodType<{ PORT: number; HOST: string; HTTP_WORKERS?: number }>>(
  envSchema: S,
  appModule: (config: z.infer<S>) => DynamicModule,
  options: HttpAppOptions | ((config: z.infer<S>) => HttpAppOptions),
): Promise<void> {
  const name = typeof options === 'function' ? 'app' : options.name;
  let config: z.infer<S>;
  try {
    config = loadConfig(envSchema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
  const appOptions = typeof options === 'function' ? options(config) : options;
  const workers = config.HTTP_WORKERS ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    superviseWorkers(appOptions.name, workers);
    return;
  }
  const app = await createHttpApp(appModule(config), appOptions);
  (app.getHttpServer() as import('node:http').Server).headersTimeout = 66_000;
  await app.listen(config.PORT, config.HOST);
}
