import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Histogram, Registry } from 'prom-client';

export const HTTP_DURATION = Symbol('HTTP_DURATION');

export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  return new Histogram({
    name: 'backbone_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
}

/**
 * Request latency per route template (never the raw URL, which could carry identifiers), from
 * Fastify's own hooks: every request counts, those a guard refused and those no route matched.
 * Registered when the app is built, before its routes, so every route has the hooks.
 */
@Injectable()
export class HttpMetrics {
  constructor(adapterHost: HttpAdapterHost, @Inject(HTTP_DURATION) duration: Histogram<'method' | 'route' | 'status'>) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // Fastify times every request itself (reply.elapsedTime, from its arrival): no hook of our own
    // on the way in.
    fastify.addHook('onResponse', (request, reply, done) => {
      duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
}
