import { DynamicModule, Inject, Injectable, LoggerService, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { NEST_LOGGER } from '@backbone/platform';
import { createLogger } from './logger';

/** The app's pino logger: what Nest itself logs and the request log go through it. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * What a request log line says of the request: its id, method and path. Never the query string or
 * parsed parameters, and no 11-digit run in the path: an identity number has no place in a URL,
 * but a client that puts one there must not get it into our logs.
 */
export function requestForLog(req: { id?: unknown; method?: string; url?: string }): { id: unknown; method?: string; url: string } {
  const path = String(req.url ?? '').split('?')[0];
  return { id: req.id, method: req.method, url: path.replace(/\d{11}/g, '[redacted]') };
}

/** Nest's own messages (bootstrap, unexpected errors) as structured pino lines. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  // Nest passes the context (the class that logs) last, and for errors a stack before it.
  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) this.logger[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...(message as object) });
    else this.logger[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}

const PROBES = /^\/(health|metrics)/;

/**
 * One line per request once it is answered (method, path, status, time; not health probes and
 * metrics scrapes), at info, or at error for a 5xx. Written from Fastify's own hook with the app's
 * logger, and skipped outright when its level is off: a per-request child logger and
 * request-scoped storage (pino-http with nestjs-pino) cost ~70 µs of CPU a request here even at
 * level warn.
 */
@Injectable()
export class RequestLog {
  constructor(adapterHost: HttpAdapterHost, @Inject(APP_LOGGER) logger: Logger) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      const level = reply.statusCode >= 500 ? 'error' : 'info';
      // Health probes and scrapes every few seconds would drown the request log.
      if (logger.isLevelEnabled(level) && !PROBES.test(request.url)) {
        logger[level](
          { req: requestForLog(request.raw as never), reqId: request.id, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 10) / 10 },
          'request completed',
        );
      }
      done();
    });
  }
}

/** Structured JSON logs (pino) for requests and the app, with identity numbers and tokens redacted. */
@Module({})
export class LoggingModule {
  static forApp(app: string, level: string): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [
        { provide: APP_LOGGER, useValue: createLogger(app, level) },
        { provide: NEST_LOGGER, useFactory: (logger: Logger) => new PinoNestLogger(logger), inject: [APP_LOGGER] },
        RequestLog,
      ],
      exports: [APP_LOGGER, NEST_LOGGER],
    };
  }
}
